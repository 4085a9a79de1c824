-- tokens, token_docs: the search index (etl/search.py) of each article's latest version; sql/search.sql ranks them.
-- {tokens_files}, {token_docs_files} are the lake's partitions (or empty relations of the same schema).
create or replace view tokens as
with partitions as (
    select * from {tokens_files}
),

latest as (
    select article_id, dt, source, item_key from articles
),

final as (
    select partitions.article_id, partitions.token, partitions.tf, partitions.title_tf, partitions.dt, partitions.source
    from partitions
    semi join latest
        on partitions.article_id = latest.article_id
        and partitions.dt = latest.dt
        and partitions.source = latest.source
        and partitions.item_key is not distinct from latest.item_key
)

select * from final;

create or replace view token_docs as
with partitions as (
    select * from {token_docs_files}
),

latest as (
    select article_id, dt, source, item_key from articles
),

final as (
    select partitions.article_id, partitions.length, partitions.dt, partitions.source
    from partitions
    semi join latest
        on partitions.article_id = latest.article_id
        and partitions.dt = latest.dt
        and partitions.source = latest.source
        and partitions.item_key is not distinct from latest.item_key
)

select * from final;
