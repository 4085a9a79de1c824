-- stock_mentions: one row per (article, stock code) the article links or tags.
create or replace view stock_mentions as
with articles as (
    select article_id, source, feed, dt, published_at, title, stock_codes from articles
),

final as (
    select
        article_id,
        unnest(stock_codes) as stock_code,
        source,
        feed,
        dt,
        published_at,
        title
    from articles
)

select * from final;
