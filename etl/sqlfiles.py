"""SQL lives in `sql/*.sql`; this reads it."""

from __future__ import annotations

import functools

from etl.settings import PROJECT_ROOT

SQL_DIR = PROJECT_ROOT / "sql"


@functools.cache
def load(name: str) -> str:
    """`load("pipeline/items_for_day")` reads `sql/pipeline/items_for_day.sql`."""
    return (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")
