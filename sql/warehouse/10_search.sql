-- tokens, token_docs: the search index (etl/search.py) of each article's latest version (the rows of a superseded
-- version left out, as in articles); sql/search.sql ranks them.
-- {tokens_files}, {token_docs_files} are the lake's partitions (or empty relations of the same schema).
create or replace view tokens as
with partitions as (
    select * from {tokens_files}
),

superseded as (
    select article_id, dt, source, item_key from superseded_versions
),

final as (
    select partitions.article_id, partitions.token, partitions.tf, partitions.title_tf, partitions.dt, partitions.source
    from partitions
    anti join superseded
        on partitions.article_id = superseded.article_id
        and partitions.dt = superseded.dt
        and partitions.source = superseded.source
        and partitions.item_key is not distinct from superseded.item_key
)

select * from final;

create or replace view token_docs as
with partitions as (
    select * from {token_docs_files}
),

superseded as (
    select article_id, dt, source, item_key from superseded_versions
),

final as (
    select partitions.article_id, partitions.length, partitions.dt, partitions.source
    from partitions
    anti join superseded
        on partitions.article_id = superseded.article_id
        and partitions.dt = superseded.dt
        and partitions.source = superseded.source
        and partitions.item_key is not distinct from superseded.item_key
)

select * from final;
