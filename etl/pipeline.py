"""The stages of a day's run, per source: land raw documents, then clean, extract and load the day."""

from __future__ import annotations

import collections
import dataclasses
import datetime as dt
import logging
import multiprocessing
import os
import sys
import tempfile
import time
import traceback
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa

from etl import extract, lake, schema, search, sqlfiles
from etl.config import SourceConfig
from etl.entry import RejectError
from etl.raw import RawDoc, RawZone
from etl.settings import Settings
from etl.sources import Failure, Fetched, Source, Split, Unchanged, build

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
    rows: list[dict[str, Any]] = []  # index rows not yet written: at most a batch of them
    validators: dict[str, Mapping[str, str]] = {}
    recorder = zone.recorder(cfg.name, dt.datetime.now(dt.UTC))
    index = recorder.__enter__()

    def failed(stage: str, item: str | None, reason: str, sha: str | None = None, detail: str | None = None) -> None:
        log.warning("source %s: %s %s: %s", cfg.name, stage, item, reason)
        result.rejects.append(reject(cfg.name, stage, item, reason, run_id, sha, detail))
        result.failures += 1

    try:
        for got, landed in _landings(settings, cfg, source.fetch()):
            if isinstance(got, Failure):
                failed("fetch", got.item, got.reason)
                continue
            if not isinstance(got, Fetched) or landed is None:  # Unchanged: a 304
                result.unchanged += 1
                continue
            doc, sha = got.doc, landed.sha
            result.fetched += 1
            if result.fetched % settings.progress_every == 0:
                log.info("source %s: %d documents landed, %d new items", cfg.name, result.fetched, result.new_items)
            if landed.splits is None:  # a bug: the document stays unindexed and is fetched in full next time
                failed("parse", got.key or doc.uri, landed.error[0], sha, landed.error[1])
                continue
            splits = landed.splits
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
                result.new_items += 1
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
            if len(rows) >= settings.batch_size:
                index.write(rows)
                rows = []
    except Exception as exc:  # a bug while fetching: the source fails, what was landed stays landed
        failed("fetch", cfg.location, _internal(exc), detail=traceback.format_exc(limit=5))
    finally:
        try:
            index.write(rows)
        finally:
            recorder.__exit__(None, None, None)
    source.remember(validators)
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


@dataclass(frozen=True)
class _Landed:
    sha: str
    splits: list[Split] | None  # the items found, without their entries; None when splitting failed (a bug)
    error: tuple[str, str] = ("", "")  # then (reason, traceback)


def _land_docs(settings: Settings, cfg: SourceConfig, docs: list[Fetched]) -> list[_Landed]:
    """Land documents in the raw zone, then split them: raw bytes are on disk before anything parses them."""
    source = build(cfg, settings)
    zone = RawZone(settings.raw_dir, settings.landing_dir)
    out = []
    for got in docs:
        sha = zone.land(got.doc)
        try:
            splits = [dataclasses.replace(s, entry=None) for s in source.split(got.doc, got.key)]
        except Exception as exc:
            out.append(_Landed(sha, None, (_internal(exc), traceback.format_exc(limit=5))))
            continue
        out.append(_Landed(sha, splits))
    return out


_LAND_CHUNK = 64  # documents per task sent to the pool


def _landings(
    settings: Settings, cfg: SourceConfig, fetched: Iterable[Fetched | Unchanged | Failure]
) -> Iterator[tuple[Fetched | Unchanged | Failure, _Landed | None]]:
    """What the source fetched, in order, each document with its landing. Once a source has shown it has many
    documents (a folder of posts: more than a batch), they are landed and split on the process pool, in chunks."""
    n = workers(settings)
    pool: ProcessPoolExecutor | None = None
    # In order: things needing no landing, documents landed here, chunks landed on the pool.
    pending: collections.deque[tuple[list[Fetched | Unchanged | Failure], list[_Landed] | Future[list[_Landed]]]]
    pending = collections.deque()
    chunk: list[Fetched] = []
    docs = 0

    def ready() -> Iterator[tuple[Fetched | Unchanged | Failure, _Landed | None]]:
        gots, landed = pending.popleft()
        results = landed.result() if isinstance(landed, Future) else landed
        if not results:
            yield from ((got, None) for got in gots)
        else:
            yield from zip(gots, results, strict=True)

    def submit() -> None:
        nonlocal chunk
        if chunk and pool is not None:
            pending.append((list(chunk), pool.submit(_land_docs, settings, cfg, chunk)))
            chunk = []

    for got in fetched:
        if not isinstance(got, Fetched):
            submit()
            pending.append(([got], []))
        elif pool is None:
            docs += 1
            pending.append(([got], _land_docs(settings, cfg, [got])))
            if n > 1 and docs >= settings.batch_size:
                pool = _pool(n)
        else:
            chunk.append(got)
            if len(chunk) >= _LAND_CHUNK:
                submit()
        while pending and (not isinstance(pending[0][1], Future) or len(pending) > 2 * n):
            yield from ready()
    submit()
    while pending:
        yield from ready()


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
    return [item for batch in day_batches(settings, source, day, settings.batch_size) for item in batch]


def day_batches(settings: Settings, source: str, day: dt.date, size: int) -> Iterator[list[DayItem]]:
    """The day's items in batches. DuckDB selects and sorts them into a temporary Parquet file and is closed before
    the first batch: a result held open would keep its memory, which grows with the day, for the whole run."""
    import duckdb
    import pyarrow.parquet as pq

    zone = RawZone(settings.raw_dir, settings.landing_dir)
    if not zone.has_landings(source):
        return
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".day-", dir=settings.data_dir) as tmp:
        selected = Path(tmp) / "items.parquet"
        con = duckdb.connect()
        try:
            con.execute("set TimeZone = 'UTC'")
            sql = sqlfiles.load("pipeline/items_for_day").strip().rstrip(";")
            con.execute(
                f"copy ({sql}) to '{selected}' (format parquet, row_group_size {max(size, 1)})",
                {"landings": zone.landing_glob(source), "tz": settings.timezone, "day": day},
            )
        finally:
            con.close()
        items = pq.ParquetFile(selected, pre_buffer=False)
        for group in range(items.metadata.num_row_groups):
            rows = items.read_row_group(group).to_pylist()
            for start in range(0, len(rows), max(size, 1)):
                yield [DayItem(**row) for row in rows[start : start + max(size, 1)]]


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
    for item in items:
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


@dataclass(frozen=True)
class _Job:
    settings: Settings
    cfg: SourceConfig
    run_id: str
    items: list[DayItem]


@dataclass(frozen=True)
class _Done:
    """A batch extracted, as tables ready for the partition writers: Arrow crosses processes cheaply, dicts do not."""

    items: int
    articles: pa.Table
    tokens: pa.Table
    token_docs: pa.Table
    rejects: list[dict[str, Any]]
    date_inferred: int


def _extract_batch(job: _Job) -> _Done:
    """Load, split, extract and index one batch of a day's items: what a pool worker does."""
    result = ProcessResult()
    source = build(job.cfg, job.settings)
    records = list(_records(job.settings, source, job.items, job.run_id, result))
    tokens, docs = search.index_tables(records)
    articles = schema.to_table(records, schema.ARTICLES)
    return _Done(len(job.items), articles, tokens, docs, result.rejects, result.date_inferred)


_POOL: tuple[int, ProcessPoolExecutor] | None = None


def _pool(workers: int) -> ProcessPoolExecutor:
    """One pool per process, reused by every source and day it runs. Workers come from a forkserver: forking this
    process, which may hold DuckDB and Arrow threads, is not safe."""
    global _POOL
    if _POOL is None or _POOL[0] != workers:
        shutdown_pool()
        # No preload: what the server imported would be counted again in every worker's resident memory.
        context = multiprocessing.get_context("forkserver")
        _POOL = (workers, ProcessPoolExecutor(workers, mp_context=context, initializer=_worker_started))
    return _POOL[1]


def _worker_started() -> None:
    schema.spare_pandas()


def shutdown_pool() -> None:
    global _POOL
    if _POOL is not None:
        _POOL[1].shutdown(wait=True, cancel_futures=True)
        _POOL = None


def workers(settings: Settings) -> int:
    if multiprocessing.current_process().daemon:  # a daemonic process may not start children: work in process
        return 1
    return settings.workers if settings.workers > 0 else os.cpu_count() or 1


def _extracted(settings: Settings, jobs: Iterator[_Job]) -> Iterator[_Done]:
    """Batches extracted in order: on a pool of `workers` processes when there is more than one batch (a small day
    is not worth starting one), at most two batches per worker in flight."""
    first = next(jobs, None)
    if first is None:
        return
    second = next(jobs, None)
    n = workers(settings)
    if second is None or n <= 1:
        yield _extract_batch(first)
        if second is not None:
            yield _extract_batch(second)
            yield from map(_extract_batch, jobs)
        return
    pool = _pool(n)
    pending: collections.deque[Future[_Done]] = collections.deque([pool.submit(_extract_batch, first)])
    pending.append(pool.submit(_extract_batch, second))
    try:
        for job in jobs:
            pending.append(pool.submit(_extract_batch, job))
            if len(pending) >= 2 * n:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    except BaseException:
        for future in pending:
            future.cancel()
        if isinstance(sys.exc_info()[1], BrokenProcessPool):
            shutdown_pool()
        raise


def process(settings: Settings, cfg: SourceConfig, day: dt.date, run_id: str) -> ProcessResult:
    """Clean, extract and load one source's day; its partitions are replaced, never appended to.

    The day streams through in batches of `batch_size` items, extracted on a process pool, and each batch is
    written to the partitions' temporary files as it comes back: memory stays flat however large the day.
    """
    result = ProcessResult()
    started = time.perf_counter()
    jobs = (_Job(settings, cfg, run_id, batch) for batch in day_batches(settings, cfg.name, day, settings.batch_size))
    next_progress = settings.progress_every
    with (
        lake.PartitionWriter(settings.lake_dir, "articles", day, cfg.name) as writer,
        search.IndexWriter(settings.lake_dir, day, cfg.name) as index,
    ):
        for done in _extracted(settings, jobs):
            loading = time.perf_counter()
            writer.write_table(done.articles)
            index.write_tables(done.tokens, done.token_docs)
            result.load_seconds += time.perf_counter() - loading
            result.items += done.items
            result.articles += done.articles.num_rows
            result.date_inferred += done.date_inferred
            result.rejects.extend(done.rejects)
            if result.items >= next_progress:
                next_progress += settings.progress_every
                log.info(
                    "source %s: %d items, %d articles, %d rejects",
                    cfg.name,
                    result.items,
                    result.articles,
                    len(result.rejects),
                )
        closing = time.perf_counter()
    result.load_seconds += time.perf_counter() - closing
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
