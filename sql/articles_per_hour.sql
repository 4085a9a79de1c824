-- articles_per_hour: at what local hour each source and feed publishes.
--
-- params:
--   $to    date     = null             the window's last day; null: the newest day processed
--   $days  integer  = 1                the window's length in days, ending on $to
--   $tz    varchar  = 'Asia/Shanghai'  the time zone of the hours (`etl query` passes ETL_TIMEZONE)
-- columns:
--   hour      integer  hour of the day in $tz, 0-23; null for articles without a usable published time
--   source    varchar  the configured source
--   feed      varchar  the feed within the source
--   articles  bigint   articles published in that hour over the window
with articles as (
    select dt, source, feed, published_at from articles
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
        cast(hour(timezone($tz, published_at)) as integer) as hour,
        source,
        feed,
        count(*) as articles
    from windowed
    group by all
)

select * from final
order by hour nulls last, source, feed
