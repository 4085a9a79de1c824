"""The stages of a day's run, per source: land raw documents, then clean, extract and load the day."""

from __future__ import annotations

import datetime as dt
import logging
import time
import traceback
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from etl import extract, lake, search, sqlfiles
from etl.config import SourceConfig
from etl.entry import RejectError
from etl.raw import RawDoc, RawZone
from etl.settings import Settings
from etl.sources import Failure, Source, Split, Unchanged, build

log = logging.getLogger(__name__)


def new_run_id() -> str:
    return f"{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:6]}"


def reject(
    source: str,
    stage: str,
    item: str | None,
    reason: str,
    run_id: str,
    raw_sha256: str | None = None,
    detail: str | None = None,
) -> dict[str, Any]:
    return {
        "source": source,
        "stage": stage,
        "item": item,
        "reason": reason,
        "detail": detail,
        "raw_sha256": raw_sha256,
        "occurred_at": dt.datetime.now(dt.UTC),
        "run_id": run_id,
    }


@dataclass
class LandResult:
    fetched: int = 0  # documents landed in the raw zone
    readable: int = 0  # of those, the ones items could be read from
    unchanged: int = 0  # answered 304 Not Modified to a conditional GET
    new_items: int = 0
    # Every fetch and parse problem; `failures` counts those that cost the source its data (a document not fetched,
    # or fetched and unreadable), not the malformed feed whose items were recovered.
    rejects: list[dict[str, Any]] = field(default_factory=list)
    failures: int = 0
    seconds: float = 0.0

    @property
    def failed(self) -> bool:
        return self.failures > 0


def land(settings: Settings, cfg: SourceConfig, run_id: str) -> LandResult:
    """Fetch a source's documents into the raw zone, then index the items found in them.

    Never raises for a source's fault: what cannot be fetched or read becomes a reject, the rest is landed. The index
    rows gathered so far are written even when something goes wrong, so a landed document is never lost from it.
    """
    started = time.perf_counter()
    source = build(cfg, settings)
    zone = RawZone(settings.raw_dir, settings.landing_dir)
    known = zone.known_items(cfg.name)
    result = LandResult()
    rows: list[dict[str, Any]] = []
    validators: dict[str, Mapping[str, str]] = {}

    def failed(stage: str, item: str | None, reason: str, sha: str | None = None, detail: str | None = None) -> None:
        log.warning("source %s: %s %s: %s", cfg.name, stage, item, reason)
        result.rejects.append(reject(cfg.name, stage, item, reason, run_id, sha, detail))
        result.failures += 1

    try:
        for got in source.fetch():
            if isinstance(got, Failure):
                failed("fetch", got.item, got.reason)
                continue
            if isinstance(got, Unchanged):
                result.unchanged += 1
                continue
            doc = got.doc
            sha = zone.land(doc)  # raw bytes are safe on disk before anything parses them
            result.fetched += 1
            if result.fetched % settings.progress_every == 0:
                log.info("source %s: %d documents landed, %d new items", cfg.name, result.fetched, len(rows))
            try:
                splits = source.split(doc, got.key)
            except Exception as exc:  # a bug: the document stays unindexed and is fetched in full next time
                failed("parse", got.key or doc.uri, _internal(exc), sha, traceback.format_exc(limit=5))
                continue
            items = [s for s in splits if s.index >= 0]
            problems = [s for s in splits if s.index < 0]  # about the document as a whole
            for problem in problems:
                if items:
                    log.warning("source %s: %s: %s", cfg.name, doc.uri, problem.error)
                    result.rejects.append(reject(cfg.name, "parse", doc.uri, str(problem.error), run_id, sha))
                else:
                    failed("parse", doc.uri, str(problem.error), sha)
            if items or not problems:
                result.readable += 1
                if got.validators:  # an unreadable document is fetched in full again next time
                    url, found = got.validators
                    validators[url] = found
            for item in items:
                if (item.key, item.sha256) in known:
                    continue
                known.add((item.key, item.sha256))
                rows.append(
                    {
                        "source": cfg.name,
                        "item_key": item.key,
                        "raw_sha256": sha,
                        "item_sha256": item.sha256,
                        "item_index": item.index,
                        "uri": doc.uri,
                        "fetched_at": doc.fetched_at,
                        "published_at": item.published_at,
                    }
                )
    except Exception as exc:  # a bug while fetching: the source fails, what was landed stays landed
        failed("fetch", cfg.location, _internal(exc), detail=traceback.format_exc(limit=5))
    finally:
        zone.record(cfg.name, rows, dt.datetime.now(dt.UTC))
    source.remember(validators)
    result.new_items = len(rows)
    result.seconds = time.perf_counter() - started
    log.info(
        "source %s: fetched %d documents (%d unchanged), %d new or changed items, %d rejects",
        cfg.name,
        result.fetched,
        result.unchanged,
        result.new_items,
        len(result.rejects),
    )
    return result


def _internal(exc: Exception) -> str:
    return f"internal error: {type(exc).__name__}: {exc}"


@dataclass(frozen=True)
class DayItem:
    item_key: str
    raw_sha256: str
    item_index: int
    uri: str
    fetched_at: dt.datetime
    published_at: dt.datetime | None
    date_inferred: bool


def items_for_day(settings: Settings, source: str, day: dt.date) -> list[DayItem]:
    import duckdb

    zone = RawZone(settings.raw_dir, settings.landing_dir)
    if not zone.has_landings(source):
        return []
    con = duckdb.connect()
    try:
        con.execute("set TimeZone = 'UTC'")
        rows = con.execute(
            sqlfiles.load("pipeline/items_for_day"),
            {"landings": zone.landing_glob(source), "tz": settings.timezone, "day": day},
        ).fetchall()
    finally:
        con.close()
    return [DayItem(*row) for row in rows]


@dataclass
class ProcessResult:
    items: int = 0
    articles: int = 0
    date_inferred: int = 0
    rejects: list[dict[str, Any]] = field(default_factory=list)
    extract_seconds: float = 0.0
    load_seconds: float = 0.0


def extract_item(source: Source, doc: RawDoc, item: DayItem, splits: Sequence[Split]) -> dict[str, Any]:
    """One landed item to an article record; RejectError when it cannot be one."""
    found = next((s for s in splits if s.index == item.item_index and s.key == item.item_key), None)
    if found is None:
        raise RejectError(f"item {item.item_key!r} not found in raw object {item.raw_sha256[:12]}")
    if found.entry is None:
        raise RejectError(found.error or "unparseable item")
    record = extract.extract_post(found.entry, source.name)
    record.update(
        fetched_at=item.fetched_at,
        date_inferred=item.date_inferred,
        raw_sha256=item.raw_sha256,
        item_key=item.item_key,
    )
    return record


def _records(
    settings: Settings, source: Source, items: list[DayItem], run_id: str, result: ProcessResult
) -> Iterator[dict[str, Any]]:
    zone = RawZone(settings.raw_dir, settings.landing_dir)
    cache: dict[tuple[str, str | None], list[Split]] = {}
    for n, item in enumerate(items, 1):
        if n > 1 and (n - 1) % settings.progress_every == 0:  # counted whether the previous items loaded or not
            log.info(
                "source %s: %d/%d items, %d articles, %d rejects",
                source.name,
                n - 1,
                len(items),
                result.articles,
                len(result.rejects),
            )
        try:
            doc = zone.load(source.name, item.raw_sha256)
            # A feed document holds many items: split it once; a post is split by its own key.
            cache_key = (item.raw_sha256, item.item_key if source.kind != "rss" else None)
            if cache_key not in cache:
                cache.clear()
                cache[cache_key] = source.split(doc, item.item_key)
            record = extract_item(source, doc, item, cache[cache_key])
        except RejectError as exc:
            result.rejects.append(reject(source.name, "extract", item.item_key, str(exc), run_id, item.raw_sha256))
            continue
        except Exception as exc:  # a bug must not stop the other articles; the traceback goes to the reject
            log.exception("source %s: internal error on %s", source.name, item.item_key)
            result.rejects.append(
                reject(
                    source.name,
                    "extract",
                    item.item_key,
                    f"internal error: {type(exc).__name__}: {exc}",
                    run_id,
                    item.raw_sha256,
                    traceback.format_exc(limit=5),
                )
            )
            continue
        result.articles += 1
        result.date_inferred += bool(item.date_inferred)
        yield record


def _timed(fn: Any, *args: Any) -> float:
    started = time.perf_counter()
    fn(*args)
    return time.perf_counter() - started


def process(settings: Settings, cfg: SourceConfig, day: dt.date, run_id: str) -> ProcessResult:
    """Clean, extract and load one source's day; its partitions are replaced, never appended to."""
    source = build(cfg, settings)
    result = ProcessResult()
    started = time.perf_counter()
    items = items_for_day(settings, cfg.name, day)
    result.items = len(items)
    with (
        lake.PartitionWriter(settings.lake_dir, "articles", day, cfg.name) as writer,
        search.IndexWriter(settings.lake_dir, day, cfg.name) as index,
    ):
        batch: list[dict[str, Any]] = []
        for record in _records(settings, source, items, run_id, result):
            batch.append(record)
            if len(batch) >= settings.batch_size:
                result.load_seconds += _timed(writer.write, batch)
                index.write(batch)
                batch = []
        result.load_seconds += _timed(writer.write, batch)
        index.write(batch)
    lake.write_partition(settings.lake_dir, "rejects", day, cfg.name, result.rejects, name="extract")
    result.extract_seconds = time.perf_counter() - started - result.load_seconds
    log.info(
        "source %s %s: %d items, %d articles (%d dated by landing), %d rejects",
        cfg.name,
        day,
        result.items,
        result.articles,
        result.date_inferred,
        len(result.rejects),
    )
    return result


@dataclass
class SourceRun:
    source: str
    day: dt.date
    land: LandResult | None
    process: ProcessResult | None
    error: str | None = None

    @property
    def status(self) -> str:
        if self.error or self.process is None:
            return "failed"
        if self.land is not None and self.land.failed:
            # Nothing fetched at all is a failed source (Airflow retries it), some documents missing a partial one.
            return "partial" if self.land.readable or self.land.unchanged else "failed"
        return "success"


def run_source(settings: Settings, cfg: SourceConfig, day: dt.date, run_id: str, fetch: bool = True) -> SourceRun:
    """Land (unless told not to) and process one source's day, recording the run and every reject."""
    started_at = dt.datetime.now(dt.UTC)
    landed: LandResult | None = None
    processed: ProcessResult | None = None
    error = None
    try:
        if fetch:
            landed = land(settings, cfg, run_id)
            lake.write_partition(settings.lake_dir, "rejects", day, cfg.name, landed.rejects, name="fetch")
    except Exception as exc:
        log.exception("source %s %s: landing failed", cfg.name, day)
        error = f"{type(exc).__name__}: {exc}"
    try:  # what earlier runs landed is processed even when this run could not land anything
        processed = process(settings, cfg, day, run_id)
    except Exception as exc:
        log.exception("source %s %s: run failed", cfg.name, day)
        error = f"{type(exc).__name__}: {exc}"
    outcome = SourceRun(cfg.name, day, landed, processed, error)
    lake.write_partition(
        settings.lake_dir,
        "runs",
        day,
        cfg.name,
        [
            {
                "source": cfg.name,
                "run_id": run_id,
                "status": outcome.status,
                "fetched": landed.fetched if landed else None,
                "items": processed.items if processed else None,
                "articles": processed.articles if processed else None,
                "rejected": (len(processed.rejects) if processed else 0) + (len(landed.rejects) if landed else 0),
                "date_inferred": processed.date_inferred if processed else None,
                "fetch_seconds": landed.seconds if landed else None,
                "extract_seconds": processed.extract_seconds if processed else None,
                "load_seconds": processed.load_seconds if processed else None,
                "started_at": started_at,
                "finished_at": dt.datetime.now(dt.UTC),
                "error": error,
            }
        ],
    )
    return outcome
