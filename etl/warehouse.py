"""The DuckDB warehouse: views over the lake and a few small tables derived at refresh, swapped in atomically.

The views read the lake's Parquet at query time. What would make every query read the whole lake is computed once
at refresh instead (sql/warehouse/: which versions a newer one supersedes, the near-duplicate clusters), so that a
date-bounded query reads only its days' partitions. The file is built beside the live one and renamed over it, so
an analyst holding the warehouse open read-only keeps working while a run refreshes it, and the next open sees the
new file. Writers are serialised by a lock file.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from etl import schema, sqlfiles
from etl.settings import Settings

log = logging.getLogger(__name__)

HIVE = "hive_partitioning = true, hive_types = {'dt': 'date', 'source': 'varchar'}"
PARTITION_FILES = "dt=*/source=*/*.parquet"


def _quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def uniform(lake_dir: Path, table: str) -> bool:
    """Whether every partition file of a table has the declared columns, in order.

    Then DuckDB can bind a view from the first file alone. `union_by_name` reads every file's footer at each query
    (0.2-0.6 s on 1,095 partitions); it is kept for a lake that holds files of an older schema.
    """
    import pyarrow.parquet as pq

    declared = [(f.name, f.type) for f in schema.LAKE_TABLES[table]]
    return all(
        [(f.name, f.type) for f in pq.read_schema(path)] == declared
        for path in (lake_dir / table).glob(PARTITION_FILES)
    )


def files_relation(lake_dir: Path, table: str, union_by_name: bool = True) -> str:
    """read_parquet over a table's partitions, or an empty relation of its schema when there are none yet."""
    root = lake_dir / table
    if any(root.glob(PARTITION_FILES)):
        options = HIVE + (", union_by_name = true" if union_by_name else "")
        return f"read_parquet({_quote(str(root / PARTITION_FILES))}, {options})"
    columns = [f"cast(null as {schema.duckdb_type(f.type)}) as {f.name}" for f in schema.LAKE_TABLES[table]]
    columns.append("cast(null as date) as dt")
    return f"(select {', '.join(columns)} where false)"


def view_sql(lake_dir: Path, relations: Mapping[str, str] | None = None) -> list[str]:
    """The warehouse's statements over the lake, or over other relations per table (bench/warehouse.py's single
    files); analysis_window lists the lake's runs partitions either way."""
    if relations is None:
        relations = {t: files_relation(lake_dir, t, not uniform(lake_dir, t)) for t in schema.LAKE_TABLES}
    statements = []
    for path in sorted((sqlfiles.SQL_DIR / "warehouse").glob("*.sql")):
        sql = sqlfiles.load(f"warehouse/{path.stem}")
        for table, relation in relations.items():
            sql = sql.replace(f"{{{table}_files}}", relation)
            sql = sql.replace(f"{{{table}_glob}}", _quote(str(lake_dir / table / PARTITION_FILES)))
        statements.append(sql)
    return statements


@contextlib.contextmanager
def writer_lock(settings: Settings) -> Iterator[None]:
    settings.lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(settings.lock_path, "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def refresh(settings: Settings) -> Path:
    """Rebuild the warehouse's views and derived tables and swap the new file in."""
    import duckdb

    target = settings.warehouse_path
    target.parent.mkdir(parents=True, exist_ok=True)
    with writer_lock(settings):
        fd, tmp_name = tempfile.mkstemp(prefix=".warehouse.", suffix=".duckdb", dir=target.parent)
        os.close(fd)
        tmp = Path(tmp_name)
        tmp.unlink()  # DuckDB creates the file itself
        try:
            # The older storage format costs nothing here and lets DuckDB 1.5 CLIs (PyPI's duckdb-cli) open the file.
            config: dict[str, Any] = {"storage_compatibility_version": "v1.5.0"}
            config["memory_limit"] = settings.duckdb_memory_limit
            con = duckdb.connect(str(tmp), config=config)
            try:
                for statement in view_sql(settings.lake_dir):
                    con.execute(statement)
                con.execute("checkpoint")
            finally:
                con.close()
            os.replace(tmp, target)
        finally:
            tmp.unlink(missing_ok=True)
            Path(str(tmp) + ".wal").unlink(missing_ok=True)
            shutil.rmtree(str(tmp) + ".tmp", ignore_errors=True)  # what DuckDB spilled past the memory limit
    log.info("warehouse refreshed: %s", target)
    return target


def connect_read_only(settings: Settings) -> Any:
    import duckdb

    if not settings.warehouse_path.exists():
        raise FileNotFoundError(f"no warehouse at {settings.warehouse_path}: run `etl run` first")
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    con.execute("set TimeZone = 'UTC'")
    return con


def query(settings: Settings, sql: str, params: dict[str, Any] | None = None) -> tuple[list[str], list[Sequence[Any]]]:
    con = connect_read_only(settings)
    try:
        cursor = con.execute(sql, params or {})
        columns = [d[0] for d in cursor.description] if cursor.description else []
        return columns, cursor.fetchall()
    finally:
        con.close()
