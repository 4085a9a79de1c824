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

    def __enter__(self) -> PartitionWriter:
        tmp = self._replacing.__enter__()
        self._writer = pq.ParquetWriter(tmp, self.schema, compression="zstd", write_statistics=True)
        return self

    def write(self, rows: Iterable[Mapping[str, Any]]) -> None:
        table = schema.to_table(rows, self.schema)
        if table.num_rows and self._writer is not None:
            self._writer.write_table(table, row_group_size=ROW_GROUP_SIZE)
            self.rows += table.num_rows

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._writer is not None:
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
