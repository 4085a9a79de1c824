-- near_duplicates: articles whose bodies' 5-character shingles (whitespace removed) overlap >= 0.9 Jaccard, one row
-- per member of each cluster of >= 2 articles. cluster_id is the cluster's smallest article_id, its representative;
-- jaccard is a member's Jaccard to the representative (1.0 for the representative itself).
-- Candidate pairs come from equal MinHash band keys (articles.minhash, see etl/dedupe.py), never from comparing
-- every pair: on a large warehouse only the candidates' shingles are computed.
-- A table computed at refresh: clusters span the whole warehouse, so a view would compare every article's band
-- keys at each query (2.6 s on a million articles), whatever dates the query asks for.
create or replace table near_duplicates as
with recursive articles as (
    select article_id, source, feed, title, published_at, dt, body_text, char_count, minhash
    from articles
    where minhash is not null
),

bands as (
    select
        article_id,
        unnest(minhash) as band_key,
        generate_subscripts(minhash, 1) as band
    from articles
),

candidates as (
    select distinct
        l.article_id as left_id,
        r.article_id as right_id
    from bands as l
    inner join bands as r
        on l.band = r.band and l.band_key = r.band_key and l.article_id < r.article_id
),

shingled as (
    select
        article_id,
        list_distinct(
            case
                when length(chars) < 5 then [chars]
                else list_transform(range(1, length(chars) - 3), lambda i: substr(chars, i::integer, 5))
            end
        ) as shingles
    from (
        select article_id, regexp_replace(body_text, '\s', '', 'g') as chars
        from articles
        where article_id in (select left_id from candidates union select right_id from candidates)
    )
),

pairs as (
    select
        c.left_id,
        c.right_id,
        len(list_intersect(l.shingles, r.shingles))
        / len(list_distinct(list_concat(l.shingles, r.shingles)))::double as jaccard
    from candidates as c
    inner join shingled as l on c.left_id = l.article_id
    inner join shingled as r on c.right_id = r.article_id
),

edges as (
    select left_id as a, right_id as b from pairs where jaccard >= 0.9
    union all
    select right_id as a, left_id as b from pairs where jaccard >= 0.9
),

reach (article_id, reached) as (
    select a, a from edges
    union
    select reach.article_id, edges.b
    from reach
    inner join edges on reach.reached = edges.a
),

clusters as (
    select article_id, min(reached) as cluster_id
    from reach
    group by article_id
),

scored as (
    select
        clusters.cluster_id,
        clusters.article_id,
        case
            when clusters.article_id = clusters.cluster_id then 1.0
            else len(list_intersect(member.shingles, representative.shingles))
                / len(list_distinct(list_concat(member.shingles, representative.shingles)))::double
        end as jaccard
    from clusters
    inner join shingled as member on clusters.article_id = member.article_id
    inner join shingled as representative on clusters.cluster_id = representative.article_id
),

final as (
    select
        scored.cluster_id,
        scored.article_id,
        articles.source,
        articles.feed,
        articles.title,
        articles.published_at,
        articles.dt,
        scored.jaccard
    from scored
    inner join articles on scored.article_id = articles.article_id
)

select * from final
order by cluster_id, jaccard desc, article_id;
