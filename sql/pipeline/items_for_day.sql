-- The items a day's run processes for one source: each item's latest landed version, counted on the local day
-- it was published, or, without a usable published time, on the day it was first landed (date_inferred).
-- $landings: glob of the source's landing files; $tz: the day's time zone; $day: the day.
with landings as (
    select * from read_parquet($landings)
),

first_landed as (
    select item_key, min(fetched_at) as first_fetched_at
    from landings
    group by item_key
),

latest as (
    select *
    from landings
    qualify row_number() over (partition by item_key order by fetched_at desc, raw_sha256 desc) = 1
),

final as (
    select
        latest.item_key,
        latest.raw_sha256,
        latest.item_index,
        latest.uri,
        latest.fetched_at,
        latest.published_at,
        latest.published_at is null as date_inferred,
        cast(timezone($tz, coalesce(latest.published_at, first_landed.first_fetched_at)) as date) as day
    from latest
    inner join first_landed using (item_key)
)

select item_key, raw_sha256, item_index, uri, fetched_at, published_at, date_inferred
from final
where day = $day
order by raw_sha256, item_index
