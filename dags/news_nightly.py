"""news_nightly: every night, fetch, clean, extract and load the previous day, then refresh the warehouse."""

from __future__ import annotations

import pendulum
from airflow.sdk import dag, get_current_context, task
from airflow.timetables.interval import CronDataIntervalTimetable

TZ = "Asia/Shanghai"


@dag(
    dag_id="news_nightly",
    # An interval timetable: each run's data interval is the day before it, which is the day it processes.
    schedule=CronDataIntervalTimetable("0 2 * * *", timezone=TZ),
    start_date=pendulum.datetime(2021, 9, 20, tz=TZ),
    catchup=False,
    max_active_runs=1,
    tags=["news", "etl"],
    doc_md=__doc__,
)
def news_nightly() -> None:
    @task
    def sources() -> list[str]:
        from etl import tasks

        return tasks.source_names()

    @task
    def run_source(name: str) -> dict[str, object]:
        from etl import tasks

        ctx = get_current_context()
        day = tasks.day_of(ctx["data_interval_start"]).isoformat()
        return tasks.run_source(name, day, run_id=ctx["run_id"])

    @task
    def refresh_warehouse(results: list[dict[str, object]]) -> str:
        from etl import tasks

        return tasks.refresh_warehouse()

    refresh_warehouse(run_source.expand(name=sources()))


news_nightly()
