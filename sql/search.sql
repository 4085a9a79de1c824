-- search: articles ranked by BM25 for a query; `etl search` tokenises the query as the articles were (etl/search.py).
-- BM25 over title and body, a title occurrence counting $title_weight times, each query token's score times its
-- weight; the collection (its size, average length, document frequencies) is the articles' latest versions in the
-- window.
--
-- params:
--   $tokens        varchar[]              the query's tokens (etl.search.tokenize), e.g. 数字化,数字,字化,转型
--   $weights       double[]   = null      their weights (etl.search.query_weights); null: 1 each
--   $query         varchar    = null      the query as typed, to place the snippet; null: the best-matching token
--   $from          date       = null      the first day to search; null: from the first
--   $to            date       = null      the last day to search; null: to the last
--   $limit         integer    = 20        how many articles
--   $k1            double     = 1.2       term-frequency saturation
--   $b             double     = 0.75      document-length normalisation
--   $title_weight  double     = 2.0       how many body occurrences a title occurrence is worth
-- columns:
--   rank          bigint       1 = best
--   score         double       BM25 score
--   article_id    varchar      the article
--   dt            date         the day it counts on
--   source        varchar      the configured source
--   feed          varchar      the feed
--   title         varchar      its title
--   published_at  timestamptz  its published time
--   url           varchar      its URL
--   matched       varchar[]    the query tokens it contains, longest first
--   snippet       varchar      the body around the first match
with query_tokens as (
    select token, sum(coalesce(weight, 1.0)) as weight
    from (select unnest(cast($tokens as varchar[])) as token, unnest(cast($weights as double[])) as weight)
    group by token
),

tokens as (
    select article_id, token, tf, title_tf, dt from tokens
),

token_docs as (
    select article_id, length, dt from token_docs
),

articles as (
    select article_id, dt, source, feed, title, published_at, url, body_text
    from articles
    where dt between coalesce($from, date '0001-01-01') and coalesce($to, date '9999-12-31')
),

docs as (
    select token_docs.article_id, token_docs.length
    from token_docs
    where token_docs.dt between coalesce($from, date '0001-01-01') and coalesce($to, date '9999-12-31')
),

collection as (
    select count(*) as n, avg(length) as avgdl from docs
),

postings as (
    select
        tokens.article_id,
        tokens.token,
        query_tokens.weight,
        tokens.tf + $title_weight * tokens.title_tf as tf
    from tokens
    inner join query_tokens using (token)
    where tokens.dt between coalesce($from, date '0001-01-01') and coalesce($to, date '9999-12-31')
),

document_frequency as (
    select token, count(*) as df from postings group by token
),

scored as (
    select
        postings.article_id,
        sum(
            postings.weight
            * ln(1 + (collection.n - document_frequency.df + 0.5) / (document_frequency.df + 0.5))
            * postings.tf * ($k1 + 1)
            / (postings.tf + $k1 * (1 - $b + $b * docs.length / collection.avgdl))
        ) as score,
        list(postings.token order by length(postings.token) desc, postings.token) as matched
    from postings
    inner join document_frequency using (token)
    inner join docs using (article_id)
    cross join collection
    group by postings.article_id
),

ranked as (
    select
        row_number() over (order by scored.score desc, articles.published_at desc nulls last, articles.article_id)
            as rank,
        scored.score,
        articles.*,
        scored.matched,
        coalesce(nullif(strpos(lower(articles.body_text), lower($query)), 0),
            strpos(lower(articles.body_text), scored.matched[1])) as hit
    from scored
    inner join articles using (article_id)
),

final as (
    select
        rank,
        round(score, 4) as score,
        article_id,
        dt,
        source,
        feed,
        title,
        published_at,
        url,
        matched,
        (if(hit > 21, '…', '') || replace(substring(body_text, greatest(hit - 20, 1), 80), chr(10), ' ')) as snippet
    from ranked
)

select * from final
where rank <= $limit
order by rank
