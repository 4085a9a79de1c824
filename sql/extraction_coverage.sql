-- extraction_coverage: the share of articles with each field filled, per source and feed. A field a feed never
-- carries (a blog has no stock codes) stays at 0; a drop from the usual share points at a broken extraction rule.
--
-- params:
--   $to    date     = null  the window's last day; null: the newest day processed
--   $days  integer  = 7     the window's length in days, ending on $to
-- columns:
--   source        varchar  the configured source
--   feed          varchar  the feed; null on the row of all the source's feeds
--   articles      bigint   articles in the window
--   title         double   share with a title
--   url           double   share with a URL
--   published_at  double   share with a usable published time
--   outlet        double   share naming the outlet
--   reporters     double   share naming at least one reporter
--   editor        double   share naming the editor
--   proofreader   double   share naming the proofreader
--   stock_codes   double   share with at least one stock code
--   images        double   share with at least one content image
--   head_image    double   share with a head image
--   keywords      double   share with keywords
--   language      double   share with a detected language
--   dateline      double   share with a dateline
with articles as (
    select * from articles
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
        source,
        feed,
        count(*) as articles,
        round(avg(cast(coalesce(title, '') <> '' as integer)), 4) as title,
        round(avg(cast(url is not null as integer)), 4) as url,
        round(avg(cast(published_at is not null as integer)), 4) as published_at,
        round(avg(cast(outlet is not null as integer)), 4) as outlet,
        round(avg(cast(coalesce(len(reporters), 0) > 0 as integer)), 4) as reporters,
        round(avg(cast(editor is not null as integer)), 4) as editor,
        round(avg(cast(proofreader is not null as integer)), 4) as proofreader,
        round(avg(cast(coalesce(len(stock_codes), 0) > 0 as integer)), 4) as stock_codes,
        round(avg(cast(coalesce(len(images), 0) > 0 as integer)), 4) as images,
        round(avg(cast(head_image is not null as integer)), 4) as head_image,
        round(avg(cast(coalesce(len(keywords), 0) > 0 as integer)), 4) as keywords,
        round(avg(cast(language is not null as integer)), 4) as language,
        round(avg(cast(dateline is not null as integer)), 4) as dateline
    from windowed
    group by grouping sets ((source), (source, feed))
)

select * from final
order by source, feed nulls first
