"""What Airflow tasks call: plain arguments in, small JSON-able summaries out (they travel as XComs)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from etl import config, dates, pipeline, warehouse
from etl.settings import Settings


def day_of(interval_start: dt.datetime | str, settings: Settings | None = None) -> dt.date:
    """The calendar day (in the pipeline's time zone) a run's data interval starts on."""
    settings = settings or Settings.from_env()
    moment = dt.datetime.fromisoformat(interval_start) if isinstance(interval_start, str) else interval_start
    return dates.local_day(moment, settings.timezone)


def source_names(only: list[str] | None = None) -> list[str]:
    settings = Settings.from_env()
    return [s.name for s in config.select(config.load_sources(settings.config_path), only)]


def run_source(name: str, day: str, fetch: bool = True, run_id: str | None = None) -> dict[str, Any]:
    """Land and process one source's day. Raises when the source failed, so Airflow retries it."""
    settings = Settings.from_env()
    (cfg,) = config.select(config.load_sources(settings.config_path), [name])
    outcome = pipeline.run_source(settings, cfg, dt.date.fromisoformat(day), run_id or pipeline.new_run_id(), fetch)
    summary = {
        "source": name,
        "day": day,
        "status": outcome.status,
        "articles": outcome.process.articles if outcome.process else 0,
        "rejects": len(outcome.process.rejects) if outcome.process else 0,
        "fetch_failures": len(outcome.land.rejects) if outcome.land else 0,
    }
    if outcome.status == "failed":
        raise RuntimeError(f"source {name} failed for {day}: {outcome.error}")
    return summary


def refresh_warehouse() -> str:
    return str(warehouse.refresh(Settings.from_env()))


def daily_report(day: str | None = None) -> dict[str, Any]:
    """Write the HTML report of a day (default: the newest day processed) and latest.html when it is the newest."""
    from etl import report

    settings = Settings.from_env()
    when = dt.date.fromisoformat(day) if day else report.newest_day(settings)
    path = report.build(settings, when)
    return {"day": when.isoformat(), "path": str(path), "latest": str(report.reports_dir(settings) / "latest.html")}
