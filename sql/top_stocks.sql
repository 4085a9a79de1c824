-- top_stocks: the stocks mentioned in the most articles over a window, with those articles.
--
-- params:
--   $to     date     = null  the window's last day; null: the newest day processed
--   $days   integer  = 7     the window's length in days, ending on $to
--   $limit  integer  = 10    how many stocks
-- columns:
--   rank             bigint         1 = most mentioned (ties: the most recently mentioned first)
--   stock_code       varchar        exchange prefix and code, e.g. sh600000
--   articles         bigint         articles mentioning it in the window
--   feeds            varchar[]      the feeds those articles came from
--   first_published  timestamptz    the earliest of those articles
--   last_published   timestamptz    the latest
--   titles           varchar[]      their titles, newest first
--   article_ids      varchar[]      their ids, in the same order
with stock_mentions as (
    select article_id, stock_code, feed, dt, published_at, title from stock_mentions
),

bounds as (
    select first_day, last_day from analysis_window($to, $days)
),

windowed as (
    select stock_mentions.*
    from stock_mentions
    cross join bounds
    where stock_mentions.dt between bounds.first_day and bounds.last_day
),

per_stock as (
    select
        stock_code,
        count(distinct article_id) as articles,
        list_sort(list(distinct feed)) as feeds,
        min(published_at) as first_published,
        max(published_at) as last_published,
        list(title order by published_at desc nulls last, article_id) as titles,
        list(article_id order by published_at desc nulls last, article_id) as article_ids
    from windowed
    group by stock_code
),

final as (
    select
        row_number() over (order by articles desc, last_published desc nulls last, stock_code) as rank,
        *
    from per_stock
)

select * from final
where rank <= $limit
order by rank
