-- rejects: every input or source that could not be processed, with the source, the stage and the reason.
create or replace view rejects as
with partitions as (
    select * from {rejects_files}
),

final as (
    select dt, source, stage, item, reason, detail, raw_sha256, occurred_at, run_id
    from partitions
)

select * from final;
