-- reporters: who wrote what: each reporter named in the articles, with the outlets and feeds they appear in.
--
-- params:
--   $to     date     = null  the window's last day; null: the newest day processed
--   $days   integer  = 30    the window's length in days, ending on $to
--   $limit  integer  = 50    how many reporters
-- columns:
--   reporter         varchar      the reporter's name as the article gives it
--   articles         bigint       articles naming them in the window
--   outlets          varchar[]    the outlets (original publishers) of those articles
--   feeds            varchar[]    the feeds those articles came from
--   first_published  timestamptz  their earliest article in the window
--   last_published   timestamptz  their latest
--   latest_title     varchar      the title of the latest
with articles as (
    select article_id, dt, feed, outlet, published_at, title, reporters from articles
),

bounds as (
    select first_day, last_day from analysis_window($to, $days)
),

bylines as (
    select articles.* exclude (reporters), unnest(articles.reporters) as reporter
    from articles
    cross join bounds
    where articles.dt between bounds.first_day and bounds.last_day
),

final as (
    select
        reporter,
        count(distinct article_id) as articles,
        list_sort(list(distinct outlet)) as outlets,
        list_sort(list(distinct feed)) as feeds,
        min(published_at) as first_published,
        max(published_at) as last_published,
        arg_max(title, published_at) as latest_title
    from bylines
    group by reporter
)

select * from final
order by articles desc, last_published desc nulls last, reporter
limit $limit
