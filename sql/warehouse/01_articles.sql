-- articles: one row per article, its latest version across days, sources and feeds.
-- {articles_files} is the lake's articles partitions (or an empty relation of the same schema).
create or replace view articles_versions as
with partitions as (
    select * from {articles_files}
),

final as (
    select * from partitions
)

select * from final;

create or replace view articles as
with versions as (
    select * from articles_versions
),

final as (
    select *
    from versions
    qualify row_number() over (
        partition by article_id
        order by fetched_at desc, dt desc, source, item_key
    ) = 1
)

select * from final;
