"""news_report: after each warehouse refresh, write the daily HTML report of the day that was loaded.

Scheduled on the warehouse Asset, which `news_nightly` updates when it has refreshed the warehouse. The report is
`$ETL_DATA_DIR/reports/YYYY-MM-DD.html`, and `reports/latest.html` is the newest day's. A run triggered by the
refreshes of several nightly runs (a backfill) writes one report per day they loaded; a manual run writes the day
given in its `day` param, or the newest day processed.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import Asset, Param, dag, get_current_context, task

try:  # issue 4 declares the project's Assets in dags/news_assets.py
    from news_assets import WAREHOUSE
except ImportError:
    WAREHOUSE = Asset(name="news_warehouse", uri="news-etl://warehouse")

TZ = "Asia/Shanghai"


@dag(
    dag_id="news_report",
    schedule=[WAREHOUSE],
    start_date=pendulum.datetime(2021, 9, 20, tz=TZ),
    catchup=False,
    max_active_runs=1,
    params={
        "day": Param(None, type=["null", "string"], format="date", description="the day to report (YYYY-MM-DD)"),
    },
    tags=["news", "report"],
    doc_md=__doc__,
)
def news_report() -> None:
    @task
    def days() -> list[str]:
        from etl import report
        from etl.settings import Settings

        ctx = get_current_context()
        events = ctx["triggering_asset_events"].get(WAREHOUSE, [])
        return report.days_to_report(ctx["params"].get("day"), events, Settings.from_env())

    @task
    def write_report(day: str) -> dict[str, object]:
        from etl import tasks

        return tasks.daily_report(day)

    write_report.expand(day=days())


news_report()
