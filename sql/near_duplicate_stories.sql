-- near_duplicate_stories: the same story carried by several feeds or reposted with small edits: the clusters of the
-- near_duplicates view (articles whose 5-character shingles overlap >= 0.9 Jaccard) first seen in the window.
--
-- params:
--   $to         date     = null  the window's last day; null: the newest day processed
--   $days       integer  = 7     the window's length in days, ending on $to
--   $min_feeds  integer  = 2     leave out clusters from fewer feeds (1: reposts within a feed too)
-- columns:
--   cluster_id       varchar      the smallest article_id of the cluster
--   first_dt         date         the day its first article counts on
--   title            varchar      the title of the cluster's representative
--   articles         bigint       articles in the cluster
--   feeds            bigint       distinct feeds that carried it
--   feed_list        varchar[]    those feeds
--   first_published  timestamptz  its first publication
--   last_published   timestamptz  its last
--   min_jaccard      double       the lowest similarity of a member to the representative
--   titles           varchar[]    every member's title, first published first
with members as (
    select cluster_id, article_id, feed, title, published_at, dt, jaccard from near_duplicates
),

bounds as (
    select first_day, last_day from analysis_window($to, $days)
),

clusters as (
    select
        cluster_id,
        min(dt) as first_dt,
        coalesce(any_value(title) filter (where article_id = cluster_id), min(title)) as title,
        count(*) as articles,
        count(distinct feed) as feeds,
        list_sort(list(distinct feed)) as feed_list,
        min(published_at) as first_published,
        max(published_at) as last_published,
        min(jaccard) as min_jaccard,
        list(title order by published_at nulls last, article_id) as titles
    from members
    group by cluster_id
),

final as (
    select clusters.*
    from clusters
    cross join bounds
    where clusters.first_dt between bounds.first_day and bounds.last_day
        and clusters.feeds >= $min_feeds
)

select * from final
order by first_dt desc, articles desc, cluster_id
