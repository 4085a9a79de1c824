-- accepted_values: values of the day's coded columns outside the accepted lists, with how many rows carry them.
-- {articles_files}, {rejects_files}, {runs_files}: the lake's partitions; $day the day checked;
-- $languages, $stages, $statuses: the accepted values.
with articles as (
    select source, language from {articles_files}
    where dt = cast($day as date)
),

rejects as (
    select stage from {rejects_files}
    where dt = cast($day as date)
),

runs as (
    select status from {runs_files}
    where dt = cast($day as date)
),

final as (
    select 'articles.language' as field, language as value, count(*) as rows
    from articles
    where language is not null and not list_contains($languages, language)
    group by language
    union all
    select 'articles.source' as field, coalesce(source, 'NULL') as value, count(*) as rows
    from articles
    where source is null or not list_contains($sources, source)
    group by source
    union all
    select 'rejects.stage' as field, coalesce(stage, 'NULL') as value, count(*) as rows
    from rejects
    where stage is null or not list_contains($stages, stage)
    group by stage
    union all
    select 'runs.status' as field, coalesce(status, 'NULL') as value, count(*) as rows
    from runs
    where status is null or not list_contains($statuses, status)
    group by status
)

select * from final
order by field, value
