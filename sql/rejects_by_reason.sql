-- rejects_by_reason: what could not be loaded and why, per kind of reason, stage and source.
--
-- params:
--   $to    date     = null  the window's last day; null: the newest day processed
--   $days  integer  = 7     the window's length in days, ending on $to
-- columns:
--   reason     varchar      the kind of reason: the reject's reason up to its first colon
--   stage      varchar      config | fetch | parse | extract
--   source     varchar      the configured source
--   rejects    bigint       rejects in the window
--   days       bigint       days on which it happened
--   last_seen  timestamptz  when it last happened
--   example    varchar      one full reason, from the latest reject
--   item       varchar      the item (file, URL) of that reject
with rejects as (
    select dt, source, stage, item, reason, occurred_at from rejects
),

bounds as (
    select first_day, last_day from analysis_window($to, $days)
),

windowed as (
    select rejects.*, regexp_extract(rejects.reason, '^[^:]*') as kind
    from rejects
    cross join bounds
    where rejects.dt between bounds.first_day and bounds.last_day
),

final as (
    select
        kind as reason,
        stage,
        source,
        count(*) as rejects,
        count(distinct dt) as days,
        max(occurred_at) as last_seen,
        arg_max(reason, occurred_at) as example,
        arg_max(item, occurred_at) as item
    from windowed
    group by kind, stage, source
)

select * from final
order by rejects desc, reason, stage, source
