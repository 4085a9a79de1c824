"""The project's Assets, shared by the DAGs: what news_fetch lands and what news_nightly refreshes.

`news_warehouse` is updated once a day's data has passed the quality gate and the warehouse views were rebuilt;
its events carry the day in `extra["day"]`. The per-table Assets are updated at the same time.
"""

from __future__ import annotations

from airflow.sdk import Asset

RAW = Asset(name="news_raw", uri="news-etl://raw")
WAREHOUSE = Asset(name="news_warehouse", uri="news-etl://warehouse")
ARTICLES = Asset(name="news_articles", uri="news-etl://articles")
REJECTS = Asset(name="news_rejects", uri="news-etl://rejects")
RUNS = Asset(name="news_runs", uri="news-etl://runs")

TABLES = (ARTICLES, REJECTS, RUNS)
