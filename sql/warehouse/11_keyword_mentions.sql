-- keyword_mentions: one row per (article, keyword), keywords lower-cased; bare numbers ('22', '5.3%') are left out:
-- they are dates and figures, not topics.
create or replace view keyword_mentions as
with articles as (
    select article_id, source, feed, dt, published_at, title, keywords from articles
),

unnested as (
    select article_id, lower(unnest(keywords)) as keyword, source, feed, dt, published_at, title
    from articles
),

final as (
    select distinct article_id, keyword, source, feed, dt, published_at, title
    from unnested
    where not regexp_full_match(keyword, '[0-9.,%]+')
)

select * from final;
