-- unique_article_id: an article_id loaded more than once from the same item in one source's partition of the day,
-- which is what a rerun that appended, or an item landed twice, would leave. (One article may have several versions,
-- one per item that carries it, e.g. a post archived in two feeds: the articles view keeps the latest.)
-- {articles_files} is the lake's articles partitions; $day the day checked.
with partitions as (
    select source, article_id, item_key from {articles_files}
    where dt = cast($day as date)
),

final as (
    select source, article_id, count(*) as copies
    from partitions
    group by source, article_id, item_key
    having count(*) > 1
)

select * from final
order by source, article_id
