-- top_keywords: the keywords of the most articles over a window (bare numbers left out, see keyword_mentions).
--
-- params:
--   $to     date     = null  the window's last day; null: the newest day processed
--   $days   integer  = 7     the window's length in days, ending on $to
--   $limit  integer  = 20    how many keywords
-- columns:
--   rank      bigint     1 = in the most articles (ties: in the most feeds, then alphabetical)
--   keyword   varchar    lower-cased keyword
--   articles  bigint     articles with it in the window
--   share     double     articles / all articles in the window
--   feeds     bigint     distinct feeds those articles came from
--   titles    varchar[]  up to three of their titles, newest first
with keyword_mentions as (
    select article_id, keyword, feed, dt, published_at, title from keyword_mentions
),

articles as (
    select dt from articles
),

bounds as (
    select first_day, last_day from analysis_window($to, $days)
),

window_articles as (
    select count(*) as total
    from articles
    cross join bounds
    where articles.dt between bounds.first_day and bounds.last_day
),

windowed as (
    select keyword_mentions.*
    from keyword_mentions
    cross join bounds
    where keyword_mentions.dt between bounds.first_day and bounds.last_day
),

per_keyword as (
    select
        keyword,
        count(*) as articles,
        count(distinct feed) as feeds,
        list(title order by published_at desc nulls last, article_id)[1:3] as titles
    from windowed
    group by keyword
),

final as (
    select
        row_number() over (order by per_keyword.articles desc, per_keyword.feeds desc, keyword) as rank,
        per_keyword.keyword,
        per_keyword.articles,
        round(per_keyword.articles / window_articles.total, 4) as share,
        per_keyword.feeds,
        per_keyword.titles
    from per_keyword
    cross join window_articles
)

select * from final
where rank <= $limit
order by rank
