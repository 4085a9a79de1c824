-- article_images: one row per content image of an article, in document order.
create or replace view article_images as
with articles as (
    select article_id, source, dt, published_at, images from articles
),

unnested as (
    select
        article_id,
        source,
        dt,
        published_at,
        unnest(images) as image,
        generate_subscripts(images, 1) as position
    from articles
),

final as (
    select
        article_id,
        position,
        image.src as src,
        nullif(image.caption, '') as caption,
        source,
        dt,
        published_at
    from unnested
)

select * from final;
