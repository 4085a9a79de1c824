"""What Airflow tasks call: plain arguments in, small JSON-able summaries out (they travel as XComs)."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from etl import config, dates, lake, pipeline, polling, quality, warehouse
from etl.settings import Settings

log = logging.getLogger(__name__)

BACKFILL = "backfill"  # Airflow's DagRunType.BACKFILL_JOB, as a run's run_type


def day_of(interval_start: dt.datetime | str, settings: Settings | None = None) -> dt.date:
    """The calendar day (in the pipeline's time zone) a run's data interval starts on."""
    settings = settings or Settings.from_env()
    moment = dt.datetime.fromisoformat(interval_start) if isinstance(interval_start, str) else interval_start
    return dates.local_day(moment, settings.timezone)


def source_names(only: list[str] | None = None) -> list[str]:
    settings = Settings.from_env()
    return [s.name for s in config.select(config.load_sources(settings.config_path), only)]


def plan_sources(
    day: str, only: list[str] | None = None, reprocess_only: bool = False, run_type: str | None = None
) -> list[dict[str, Any]]:
    """What a nightly run does per source: its name, its day, and whether it fetches before processing.

    A scheduled or manual run fetches unless told to reprocess from the raw zone only. A backfill run (a new one, or a
    completed run a backfill reprocesses) fetches a source only when the raw zone has nothing landed for it on that
    day: a past day's items are already in the raw zone (and a feed no longer shows them), so it re-extracts them.
    """
    settings = Settings.from_env()
    when = dt.date.fromisoformat(day)
    plan = []
    for cfg in config.select(config.load_sources(settings.config_path), only):
        if reprocess_only:
            fetch, why = False, "reprocess from the raw zone only (param)"
        elif run_type == BACKFILL:
            landed = len(pipeline.items_for_day(settings, cfg.name, when))
            fetch = landed == 0
            why = f"backfill, {landed} items already landed for the day" if landed else "backfill, nothing landed yet"
        else:
            fetch, why = True, f"{run_type or 'manual'} run"
        log.info("source %s %s: %s (%s)", cfg.name, day, "fetch and process" if fetch else "process raw only", why)
        plan.append({"name": cfg.name, "day": day, "fetch": fetch})
    return plan


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


def quality_gate(day: str, sources: list[str] | None = None) -> dict[str, Any]:
    """Check a day's lake partitions; QualityError (every failed check, with its figures) when they fail."""
    settings = Settings.from_env()
    configured = [s.name for s in config.load_sources(settings.config_path)]
    report = quality.check_day(settings, dt.date.fromisoformat(day), sorted(set(configured) | set(sources or [])))
    if not report.ok:
        raise quality.QualityError(report.summary())
    return {"day": day, "checks": {c.name: c.message for c in report.checks}}


def refresh_warehouse() -> str:
    return str(warehouse.refresh(Settings.from_env()))


def due_feeds(now: dt.datetime | None = None) -> list[str]:
    """The rss sources due to be polled now (each by its own `poll_minutes`)."""
    settings = Settings.from_env()
    now = now or dt.datetime.now(dt.UTC)
    feeds = [s for s in config.load_sources(settings.config_path) if s.kind == "rss"]
    due = [s.name for s in feeds if polling.is_due(s, settings.polls_dir, now)]
    log.info("%d rss sources configured, %d due: %s", len(feeds), len(due), ", ".join(due) or "none")
    return due


def fetch_source(name: str, run_id: str | None = None) -> dict[str, Any]:
    """Land one source's new items in the raw zone (no processing). Raises when nothing could be fetched."""
    settings = Settings.from_env()
    (cfg,) = config.select(config.load_sources(settings.config_path), [name])
    run_id = run_id or pipeline.new_run_id()
    started = dt.datetime.now(dt.UTC)
    landed = pipeline.land(settings, cfg, run_id)
    if landed.rejects:  # a poll every few minutes: no file for the polls that went well
        lake.write_partition(
            settings.lake_dir,
            "rejects",
            dates.local_day(started, settings.timezone),
            name,
            landed.rejects,
            name=f"fetch-{started:%H%M%S}",
        )
    summary = {
        "source": name,
        "fetched": landed.fetched,
        "unchanged": landed.unchanged,
        "new_items": landed.new_items,
        "failures": landed.failures,
    }
    if landed.failed and not (landed.readable or landed.unchanged):
        reasons = "; ".join(f"{r['item']}: {r['reason']}" for r in landed.rejects[:5])
        raise RuntimeError(f"source {name}: nothing could be fetched: {reasons}")
    polling.mark_polled(settings.polls_dir, name, started)
    return summary


def daily_report(day: str | None = None) -> dict[str, Any]:
    """Write the HTML report of a day (default: the newest day processed) and latest.html when it is the newest."""
    from etl import report

    settings = Settings.from_env()
    when = dt.date.fromisoformat(day) if day else report.newest_day(settings)
    path = report.build(settings, when)
    return {"day": when.isoformat(), "path": str(path), "latest": str(report.reports_dir(settings) / "latest.html")}
