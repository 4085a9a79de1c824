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

-- superseded_versions: every version that a later one of the same article replaces, computed at refresh.
-- A window over all versions inside the articles view would read the whole lake for every query, whatever its
-- dates; leaving out these few rows (one version in twenty on a busy warehouse) lets a date filter prune partitions.
-- date_inferred is carried for per-day counts that read no article ids (sql/summary.sql).
create or replace table superseded_versions as
with versions as (
    select article_id, dt, source, item_key, date_inferred, fetched_at from articles_versions
),

final as (
    select article_id, dt, source, item_key, date_inferred
    from versions
    qualify row_number() over (
        partition by article_id
        order by fetched_at desc, dt desc, source, item_key
    ) > 1
)

select * from final
order by article_id, dt, source, item_key;

create or replace view articles as
with versions as (
    select * from articles_versions
),

superseded as (
    select article_id, dt, source, item_key from superseded_versions
),

final as (
    select versions.*
    from versions
    anti join superseded
        on versions.article_id = superseded.article_id
        and versions.dt = superseded.dt
        and versions.source = superseded.source
        and versions.item_key is not distinct from superseded.item_key
)

select * from final;
