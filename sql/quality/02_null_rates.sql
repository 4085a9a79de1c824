-- null_rates: the share of the day's articles missing each key field (null or blank).
-- {articles_files} is the lake's articles partitions; $day the day checked.
with partitions as (
    select title, body_text, published_at, language from {articles_files}
    where dt = cast($day as date)
),

final as (
    select
        count(*) as articles,
        coalesce(avg(case when title is null or trim(title) = '' then 1.0 else 0.0 end), 0) as title,
        coalesce(avg(case when body_text is null or trim(body_text) = '' then 1.0 else 0.0 end), 0) as body_text,
        coalesce(avg(case when published_at is null then 1.0 else 0.0 end), 0) as published_at,
        coalesce(avg(case when language is null then 1.0 else 0.0 end), 0) as language
    from partitions
)

select * from final
