-- analysis_window(to_day, days): the days an analysis in sql/ covers: `days` days ending on `to_day`, or, when
-- `to_day` is null, on the newest day processed (the newest dt in runs). One row: first_day, last_day.
-- The newest day is read off the runs partitions' paths ({runs_glob}): listing them costs milliseconds where
-- opening one small file per day and source costs a second on a year of three sources.
create or replace macro analysis_window(to_day, days) as table
with runs as (
    select cast(regexp_extract(file, '[/\\]dt=([0-9]{4}-[0-9]{2}-[0-9]{2})[/\\]', 1) as date) as dt
    from glob({runs_glob})
),

final as (
    select coalesce(to_day, max(dt)) - (days - 1) as first_day, coalesce(to_day, max(dt)) as last_day
    from runs
)

select * from final;
