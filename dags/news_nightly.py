"""### news_nightly: every night, process the previous day and refresh the warehouse

**Schedule.** One run per calendar day in Asia/Shanghai (`ETL_TIMEZONE`): its data interval is exactly the day,
`[00:00, 24:00)`, and it runs at 02:00 the next morning (`etl/timetables.py`, registered by the project's Airflow
plugin). A backfill from 2021-09-20 to 2021-09-22 (UI, `airflow backfill create`, `POST /api/v2/backfills`)
creates exactly those three runs.

**Tasks.**
1. `plan`: the sources to run (all, or the `sources` param) and, for each, whether to fetch first.
2. `run_source`, one mapped task per source (pool `news_http`): land the source's documents in the raw zone unless the
   plan says otherwise, then clean, extract and load the day, replacing its partitions (never appending).
3. `quality_gate`: row count against the recent average, null rates of key fields, article_id loaded once per item,
   accepted values (`sql/quality/`). A failure fails the run with every failed check in the log and the warehouse is
   left as it was.
4. `refresh_warehouse` (pool `news_warehouse`, one slot, plus a file lock): rebuild the DuckDB views and derived
   tables; updates the Assets `news_warehouse` (extra `day`), `news_articles`, `news_rejects`, `news_runs`.

**Fetching.** Scheduled and manual runs fetch. Backfill runs (new runs, or completed runs a backfill reprocesses)
fetch a source only when nothing is landed for it on that day yet: otherwise they re-extract from the raw zone. The
`reprocess_from_raw` param makes any run skip fetching.

**Params** (manual runs): `sources`, a subset of the configured source names (empty: all); `reprocess_from_raw`.
"""

from __future__ import annotations

import datetime as dt
import os

import pendulum
from airflow.sdk import Param, dag, get_current_context, task
from news_assets import TABLES, WAREHOUSE

from etl.timetables import LocalDayTimetable  # light: only the schedule, which the scheduler must deserialise

TZ = os.environ.get("ETL_TIMEZONE") or "Asia/Shanghai"

DEFAULT_ARGS = {
    "retries": 3,
    "retry_delay": dt.timedelta(minutes=1),
    "retry_exponential_backoff": 2.0,
    "max_retry_delay": dt.timedelta(minutes=30),
}


@dag(
    dag_id="news_nightly",
    schedule=LocalDayTimetable(TZ, run_at=dt.timedelta(hours=2)),
    start_date=pendulum.datetime(2021, 9, 20, tz=TZ),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    params={
        "sources": Param(
            [],
            type="array",
            items={"type": "string"},
            title="Sources",
            description="Names from config/sources.yml to run; empty runs them all.",
        ),
        "reprocess_from_raw": Param(
            False,
            type="boolean",
            title="Reprocess from raw only",
            description="Re-extract the day from the raw zone without fetching.",
        ),
    },
    tags=["news", "etl"],
    doc_md=__doc__,
)
def news_nightly() -> None:
    def _day() -> str:
        from etl import tasks

        return tasks.day_of(get_current_context()["data_interval_start"]).isoformat()

    @task
    def plan() -> list[dict[str, object]]:
        from etl import tasks

        ctx = get_current_context()
        params = ctx["params"]
        run_type = ctx["dag_run"].run_type  # an enum here, a string elsewhere: "backfill", "scheduled", "manual"
        return tasks.plan_sources(
            _day(),
            only=list(params.get("sources") or []) or None,
            reprocess_only=bool(params.get("reprocess_from_raw")),
            run_type=str(getattr(run_type, "value", run_type)),
        )

    @task(pool="news_http", map_index_template="{{ source_name }}")
    def run_source(name: str, day: str, fetch: bool) -> dict[str, object]:
        from etl import tasks

        ctx = get_current_context()
        ctx["source_name"] = name
        return tasks.run_source(name, day, fetch=fetch, run_id=ctx["run_id"])

    @task(retries=0)
    def quality_gate(results: list[dict[str, object]]) -> dict[str, object]:
        from airflow.sdk.exceptions import AirflowFailException

        from etl import quality, tasks

        try:
            return tasks.quality_gate(_day(), [str(r["source"]) for r in results])
        except quality.QualityError as exc:  # bad data is not fixed by retrying: fail the run at once
            raise AirflowFailException(str(exc)) from exc

    @task(pool="news_warehouse", outlets=[WAREHOUSE, *TABLES])
    def refresh_warehouse(checked: dict[str, object]) -> str:
        from etl import tasks

        ctx = get_current_context()
        path = tasks.refresh_warehouse()
        for asset in (WAREHOUSE, *TABLES):
            ctx["outlet_events"][asset].extra = {"day": checked["day"]}
        return path

    refresh_warehouse(quality_gate(run_source.expand_kwargs(plan())))


news_nightly()
