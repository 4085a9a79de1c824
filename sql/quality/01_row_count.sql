-- row_count: the day's articles against the average of the previous days that had any, within a window.
-- {articles_files} is the lake's articles partitions; $day the day checked; $window how many days back to look.
with partitions as (
    select dt from {articles_files}
),

per_day as (
    select dt, count(*) as articles
    from partitions
    where dt between cast($day as date) - cast($window as integer) and cast($day as date)
    group by dt
),

today as (
    select coalesce(sum(articles) filter (where dt = cast($day as date)), 0) as articles
    from per_day
),

history as (
    select avg(articles) as average, count(*) as days
    from per_day
    where dt < cast($day as date)
),

final as (
    select today.articles, history.average, history.days
    from today
    cross join history
)

select * from final
