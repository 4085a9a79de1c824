"""### news_fetch: poll the RSS sources and land their new items

A feed shows only its newest items, so it must be polled often enough that none scrolls off between two polls.
This DAG wakes every 15 minutes; each `rss` source in `config/sources.yml` is polled when its own `poll_minutes`
(default 60) have passed since its last poll (`etl/polling.py`). It only lands: documents go to the raw zone as they
arrived and their items to the landing index; `news_nightly` processes them by day.

One mapped `fetch` task per due source, in pool `news_http` (bounding outbound HTTP across DAGs), retried with
exponential backoff when nothing at all could be fetched. Updates the Asset `news_raw`. With no rss source
configured (the default examples config) it maps over zero sources and does nothing.
"""

from __future__ import annotations

import datetime as dt
import os

import pendulum
from airflow.sdk import CronTriggerTimetable, dag, get_current_context, task
from news_assets import RAW

TZ = os.environ.get("ETL_TIMEZONE") or "Asia/Shanghai"


@dag(
    dag_id="news_fetch",
    schedule=CronTriggerTimetable("*/15 * * * *", timezone=TZ),
    start_date=pendulum.datetime(2021, 9, 20, tz=TZ),
    catchup=False,
    max_active_runs=1,
    default_args={
        "retries": 3,
        "retry_delay": dt.timedelta(minutes=1),
        "retry_exponential_backoff": 2.0,
        "max_retry_delay": dt.timedelta(minutes=10),
    },
    tags=["news", "fetch"],
    doc_md=__doc__,
)
def news_fetch() -> None:
    @task
    def due_feeds() -> list[str]:
        from etl import tasks

        return tasks.due_feeds()

    @task(pool="news_http", outlets=[RAW], map_index_template="{{ source_name }}")
    def fetch(name: str) -> dict[str, object]:
        from etl import tasks

        ctx = get_current_context()
        ctx["source_name"] = name
        return tasks.fetch_source(name, run_id=ctx["run_id"])

    fetch.expand(name=due_feeds())


news_fetch()
