-- outlets: the original publishers named in the articles (来源, 本报记者 ...), with their reporters and feeds.
--
-- params:
--   $to     date     = null  the window's last day; null: the newest day processed
--   $days   integer  = 30    the window's length in days, ending on $to
--   $limit  integer  = 50    how many outlets
-- columns:
--   outlet        varchar    the outlet as the article names it
--   articles      bigint     its articles in the window
--   reporters     varchar[]  the reporters named in them
--   feeds         varchar[]  the feeds that carried them
--   latest_title  varchar    the title of its latest article
with articles as (
    select article_id, dt, feed, outlet, published_at, title, reporters from articles
),

bounds as (
    select first_day, last_day from analysis_window($to, $days)
),

windowed as (
    select articles.*
    from articles
    cross join bounds
    where articles.dt between bounds.first_day and bounds.last_day
        and articles.outlet is not null
),

final as (
    select
        outlet,
        count(*) as articles,
        list_sort(list_distinct(flatten(list(reporters)))) as reporters,
        list_sort(list(distinct feed)) as feeds,
        arg_max(title, published_at) as latest_title
    from windowed
    group by outlet
)

select * from final
order by articles desc, outlet
limit $limit
