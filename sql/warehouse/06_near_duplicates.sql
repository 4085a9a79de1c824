-- near_duplicates: articles whose bodies' 5-character shingles (whitespace removed) overlap >= 0.9 Jaccard, one row
-- per member of each cluster of >= 2 articles. cluster_id is the cluster's smallest article_id, its representative;
-- jaccard is a member's Jaccard to the representative (1.0 for the representative itself).
-- Candidate pairs come from equal MinHash band keys (articles.minhash, see etl/dedupe.py), never from comparing
-- every pair: on a large warehouse only the candidates' shingles are computed.
-- A table computed at refresh: clusters span the whole warehouse, so a view would compare every article's band
-- keys at each query (2.6 s on a million articles), whatever dates the query asks for. Bodies are read for the
-- candidates only and never held for the whole warehouse.
create or replace table near_duplicates as
with recursive signatures as (
    select article_id, minhash
    from articles
    where minhash is not null
),

bands as (
    select
        article_id,
        unnest(minhash) as band_key,
        generate_subscripts(minhash, 1) as band
    from signatures
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
        where minhash is not null
            and article_id in (select left_id from candidates union select right_id from candidates)
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

members as (
    select article_id, source, feed, title, published_at, dt
    from articles
    where minhash is not null and article_id in (select article_id from scored)
),

final as (
    select
        scored.cluster_id,
        scored.article_id,
        members.source,
        members.feed,
        members.title,
        members.published_at,
        members.dt,
        scored.jaccard
    from scored
    inner join members on scored.article_id = members.article_id
)

select * from final
order by cluster_id, jaccard desc, article_id;
