"""Airflow plugin, found through the `airflow.plugins` entry point: it registers the project's timetable so the
scheduler and the API server can deserialise `news_nightly`."""

from __future__ import annotations

from airflow.plugins_manager import AirflowPlugin

from etl.timetables import LocalDayTimetable


class NewsEtlPlugin(AirflowPlugin):
    name = "news_etl"
    timetables = [LocalDayTimetable]  # noqa: RUF012  (the shape AirflowPlugin declares)
