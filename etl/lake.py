"""The lake: Parquet tables partitioned by day and source, each partition one file replaced atomically.

A partition is `lake/<table>/dt=YYYY-MM-DD/source=<name>/<file>.parquet`. A run owns the files it names and
replaces them in one rename, so a reader sees the old partition or the new one, and a rerun never appends.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from etl import atomic, schema

ROW_GROUP_SIZE = 64_000
# Batches are buffered up to this size and written as one row group: a row group per batch of 500 articles would
# make a day's file thousands of small groups, slower to scan and to prune.
BUFFER_BYTES = 32 * 2**20


def partition_dir(lake_dir: Path, table: str, day: dt.date, source: str) -> Path:
    return lake_dir / table / f"dt={day.isoformat()}" / f"source={source}"


class PartitionWriter:
    """Streams batches of rows into one partition file; the file appears only when all batches are in."""

    def __init__(self, lake_dir: Path, table: str, day: dt.date, source: str, name: str = "data") -> None:
        self.schema = schema.LAKE_TABLES[table]
        self.target = partition_dir(lake_dir, table, day, source) / f"{name}.parquet"
        self.rows = 0
        self._replacing = atomic.replacing(self.target)
        self._writer: pq.ParquetWriter | None = None
        self._pending: list[pa.Table] = []
        self._pending_rows = 0
        self._pending_bytes = 0

    def __enter__(self) -> PartitionWriter:
        tmp = self._replacing.__enter__()
        self._writer = pq.ParquetWriter(tmp, self.schema, compression="zstd", write_statistics=True)
        return self

    def write(self, rows: Iterable[Mapping[str, Any]]) -> None:
        self.write_table(schema.to_table(rows, self.schema))

    def write_table(self, table: pa.Table) -> None:
        """A batch already in this table's schema (a pool worker built it)."""
        if not table.num_rows or self._writer is None:
            return
        self._pending.append(table)
        self._pending_rows += table.num_rows
        self._pending_bytes += table.nbytes
        self.rows += table.num_rows
        if self._pending_rows >= ROW_GROUP_SIZE or self._pending_bytes >= BUFFER_BYTES:
            self._flush()

    def _flush(self) -> None:
        if self._pending and self._writer is not None:
            self._writer.write_table(pa.concat_tables(self._pending), row_group_size=ROW_GROUP_SIZE)
        self._pending, self._pending_rows, self._pending_bytes = [], 0, 0

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._writer is not None:
            if exc_type is None:
                self._flush()
            self._writer.close()
        # An exception leaves the previous partition in place: the temporary file is discarded.
        self._replacing.__exit__(exc_type, exc, tb)


def write_partition(
    lake_dir: Path, table: str, day: dt.date, source: str, rows: Iterable[Mapping[str, Any]], name: str = "data"
) -> Path:
    with PartitionWriter(lake_dir, table, day, source, name) as writer:
        writer.write(rows)
    return writer.target


def read_partition(lake_dir: Path, table: str, day: dt.date, source: str, name: str = "data") -> pa.Table:
    return pq.read_table(partition_dir(lake_dir, table, day, source) / f"{name}.parquet")
