"""The raw zone: every fetched document kept as it arrived, content-addressed and never rewritten.

Layout under the data root:
  raw/<source>/<sha256[:2]>/<sha256>        the bytes as they arrived
  raw/<source>/<sha256[:2]>/<sha256>.json   where and when they first came from (URI, time, HTTP headers)
  landing/source=<source>/<yyyy-mm-dd>-<batch>.parquet
                                            one row per item found in a landed document (schema.LANDINGS)
"""

from __future__ import annotations

import contextlib
import ctypes
import datetime as dt
import functools
import hashlib
import json
import os
import uuid
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from etl import schema


@dataclass(frozen=True)
class RawDoc:
    """A document as it arrived, with where and when it came from."""

    source: str
    uri: str
    fetched_at: dt.datetime
    data: bytes
    content_type: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    status: int | None = None

    @functools.cached_property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    def meta(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "uri": self.uri,
            "fetched_at": schema.jsonable(self.fetched_at),
            "content_type": self.content_type,
            "status": self.status,
            "headers": dict(self.headers),
            "size": len(self.data),
            "sha256": self.sha256,
        }


class RawZone:
    def __init__(self, raw_dir: Path, landing_dir: Path) -> None:
        self.raw_dir = raw_dir
        self.landing_dir = landing_dir

    def object_path(self, source: str, sha256: str) -> Path:
        return self.raw_dir / source / sha256[:2] / sha256

    def land(self, doc: RawDoc) -> str:
        """Store the bytes unless the same bytes are already there; returns their sha256.

        Written in place and not flushed one by one: a temporary file renamed over, or an fsync, per object cost
        more than the rest of a run. The landing index, which alone makes objects visible to a day's run, is
        written only after `sync` has flushed the source's objects. The metadata is written last and marks the
        object complete; an object cut short by a crash (a wrong size, an empty metadata file) is written again
        the next time it is landed.
        """
        sha = doc.sha256
        path = self.object_path(doc.source, sha)
        meta = path.with_suffix(".json")
        try:
            landed = path.stat().st_size == len(doc.data) and meta.stat().st_size > 0
        except FileNotFoundError:
            landed = False
        if not landed:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(doc.data)
            meta.write_bytes(json.dumps(doc.meta(), ensure_ascii=False).encode())
        return sha

    def sync(self, source: str) -> None:
        """Flush a source's raw objects to disk: one syncfs of their file system, not one fsync per file."""
        folder = self.raw_dir / source
        if not folder.is_dir():
            return
        fd = os.open(folder, os.O_RDONLY)
        try:
            if _LIBC is None or _LIBC.syncfs(fd) != 0:
                os.sync()
        finally:
            os.close(fd)

    def load(self, source: str, sha256: str) -> RawDoc:
        path = self.object_path(source, sha256)
        meta = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
        return RawDoc(
            source=source,
            uri=meta["uri"],
            fetched_at=dt.datetime.fromisoformat(meta["fetched_at"].replace("Z", "+00:00")),
            data=path.read_bytes(),
            content_type=meta.get("content_type"),
            headers=meta.get("headers") or {},
            status=meta.get("status"),
        )

    def landing_glob(self, source: str) -> str:
        return str(self.landing_dir / f"source={source}" / "*.parquet")

    def has_landings(self, source: str) -> bool:
        return any((self.landing_dir / f"source={source}").glob("*.parquet"))

    def known_items(self, source: str) -> set[tuple[str, str]]:
        """(item_key, raw_sha256) pairs already recorded, so a refetch of unchanged items adds nothing."""
        folder = self.landing_dir / f"source={source}"
        known: set[tuple[str, str]] = set()
        for part in sorted(folder.glob("*.parquet")):
            table = pq.read_table(part, columns=["item_key", "item_sha256"])
            known.update(zip(table.column(0).to_pylist(), table.column(1).to_pylist(), strict=True))
        return known

    def record(self, source: str, rows: Iterable[Mapping[str, Any]], now: dt.datetime) -> Path | None:
        """Write one batch of landing rows as a new immutable file; nothing is written for no rows."""
        with self.recorder(source, now) as recorder:
            recorder.write(rows)
        return recorder.target if recorder.rows else None

    @contextlib.contextmanager
    def recorder(self, source: str, now: dt.datetime) -> Iterator[LandingWriter]:
        """A landing file written batch by batch as documents land, published when the block ends, even by an
        exception: rows already written stay indexed. The raw objects are flushed before it appears."""
        name = f"{now.astimezone(dt.UTC):%Y-%m-%dT%H%M%S}-{uuid.uuid4().hex[:8]}.parquet"
        target = self.landing_dir / f"source={source}" / name
        writer = LandingWriter(target)
        try:
            yield writer
        finally:
            if writer.rows:
                self.sync(source)
            writer.close()


class LandingWriter:
    """Streams landing rows into a temporary file renamed into place on close; no file for no rows."""

    def __init__(self, target: Path) -> None:
        self.target = target
        self.rows = 0
        self._tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        self._writer: pq.ParquetWriter | None = None

    def write(self, rows: Iterable[Mapping[str, Any]]) -> None:
        table = schema.to_table(rows, schema.LANDINGS)
        if table.num_rows == 0:
            return
        if self._writer is None:
            self.target.parent.mkdir(parents=True, exist_ok=True)
            self._writer = pq.ParquetWriter(self._tmp, schema.LANDINGS, compression="zstd")
        self._writer.write_table(table)
        self.rows += table.num_rows

    def close(self) -> None:
        if self._writer is None:
            return
        self._writer.close()
        self._writer = None
        with open(self._tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(self._tmp, self.target)


def _libc() -> Any:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc if hasattr(libc, "syncfs") else None
    except OSError:
        return None


_LIBC = _libc()


def empty_landings() -> pa.Table:
    return schema.LANDINGS.empty_table()
