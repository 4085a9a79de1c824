-- rising_keywords: the keywords rising this week against the four weeks before it.
-- A keyword's expected count is its count in the four weeks before, scaled to this week's volume of articles;
-- lift = (this_week + 1) / (expected + 1), so a busier week does not lift every keyword and rare ones stay modest.
--
-- params:
--   $to            date     = null  the last day of this week (the 7 days to $to); null: the newest day processed
--   $min_articles  integer  = 2     leave out keywords in fewer articles this week
--   $limit         integer  = 20    how many keywords
-- columns:
--   rank             bigint   1 = the highest lift (ties: the most articles this week)
--   keyword          varchar  lower-cased keyword
--   this_week        bigint   articles with it in the 7 days to $to
--   last_four_weeks  bigint   articles with it in the 28 days before those
--   expected         double   last_four_weeks scaled to this week's volume
--   lift             double   (this_week + 1) / (expected + 1)
--   new              boolean  not seen in the four weeks before
with keyword_mentions as (
    select article_id, keyword, dt from keyword_mentions
),

articles as (
    select dt from articles
),

bounds as (
    select first_day, last_day from analysis_window($to, 35)
),

volume as (
    select
        count(*) filter (where articles.dt > bounds.last_day - 7) as this_week,
        count(*) filter (where articles.dt <= bounds.last_day - 7) as last_four_weeks
    from articles
    cross join bounds
    where articles.dt between bounds.first_day and bounds.last_day
),

per_keyword as (
    select
        keyword,
        count(*) filter (where keyword_mentions.dt > bounds.last_day - 7) as this_week,
        count(*) filter (where keyword_mentions.dt <= bounds.last_day - 7) as last_four_weeks
    from keyword_mentions
    cross join bounds
    where keyword_mentions.dt between bounds.first_day and bounds.last_day
    group by keyword
),

scored as (
    select
        per_keyword.keyword,
        per_keyword.this_week,
        per_keyword.last_four_weeks,
        round(per_keyword.last_four_weeks * volume.this_week / nullif(volume.last_four_weeks, 0), 4) as expected,
        per_keyword.last_four_weeks = 0 as new
    from per_keyword
    cross join volume
    where per_keyword.this_week >= $min_articles
),

final as (
    select
        row_number() over (order by (this_week + 1) / (coalesce(expected, 0) + 1) desc, this_week desc, keyword)
            as rank,
        keyword,
        this_week,
        last_four_weeks,
        coalesce(expected, 0) as expected,
        round((this_week + 1) / (coalesce(expected, 0) + 1), 4) as lift,
        new
    from scored
)

select * from final
where rank <= $limit
order by rank
