-- analysis_window(to_day, days): the days an analysis in sql/ covers: `days` days ending on `to_day`, or, when
-- `to_day` is null, on the newest day processed (the newest dt in runs). One row: first_day, last_day.
create or replace macro analysis_window(to_day, days) as table
with runs as (
    select dt from runs
),

final as (
    select coalesce(to_day, max(dt)) - (days - 1) as first_day, coalesce(to_day, max(dt)) as last_day
    from runs
)

select * from final;
