-- runs: one row per day and source, the latest run of it: counts and timings.
create or replace view runs as
with partitions as (
    select * from {runs_files}
),

final as (
    select
        dt,
        source,
        run_id,
        status,
        fetched,
        items,
        articles,
        rejected,
        date_inferred,
        fetch_seconds,
        extract_seconds,
        load_seconds,
        started_at,
        finished_at,
        error
    from partitions
)

select * from final;
