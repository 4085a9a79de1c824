-- articles_per_day: how many articles each source and feed published, per day.
--
-- params:
--   $to    date     = null  the window's last day; null: the newest day processed
--   $days  integer  = 30    the window's length in days, ending on $to
-- columns:
--   dt                date     the day an article counts on: the local date (ETL_TIMEZONE) it was published
--   source            varchar  the configured source
--   feed              varchar  the feed within the source (site/channel)
--   articles          bigint   articles that day
--   dated_by_landing  bigint   of which had no usable published time and count on the day they were landed
--   share_of_day      double   articles / all articles of the day
with articles as (
    select dt, source, feed, date_inferred from articles
),

bounds as (
    select first_day, last_day from analysis_window($to, $days)
),

windowed as (
    select articles.*
    from articles
    cross join bounds
    where articles.dt between bounds.first_day and bounds.last_day
),

final as (
    select
        dt,
        source,
        feed,
        count(*) as articles,
        count(*) filter (where date_inferred) as dated_by_landing,
        round(count(*) / sum(count(*)) over (partition by dt), 4) as share_of_day
    from windowed
    group by dt, source, feed
)

select * from final
order by dt, source, feed
