"""Every table's schema, declared once. Writers, JSON output and the warehouse DDL derive from these."""

from __future__ import annotations

import datetime as dt
import importlib.abc
import sys
import types
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pyarrow as pa

UTC_TS = pa.timestamp("us", tz="UTC")
IMAGE = pa.struct([pa.field("src", pa.string(), nullable=False), pa.field("caption", pa.string())])

ARTICLES = pa.schema(
    [
        pa.field("article_id", pa.string(), nullable=False),
        pa.field("source", pa.string(), nullable=False),
        pa.field("feed", pa.string()),
        pa.field("categories", pa.list_(pa.string())),
        pa.field("title", pa.string()),
        pa.field("url", pa.string()),
        pa.field("published_at", UTC_TS),
        pa.field("fetched_at", UTC_TS, nullable=False),
        pa.field("outlet", pa.string()),
        pa.field("reporters", pa.list_(pa.string())),
        pa.field("editor", pa.string()),
        pa.field("proofreader", pa.string()),
        pa.field("stock_codes", pa.list_(pa.string())),
        pa.field("images", pa.list_(IMAGE)),
        pa.field("head_image", pa.string()),
        pa.field("body_text", pa.string()),
        pa.field("keywords", pa.list_(pa.string())),
        pa.field("language", pa.string()),
        pa.field("char_count", pa.int32()),
        pa.field("content_hash", pa.string()),
        # True when the item had no usable published time and counts on the day it was first landed.
        pa.field("date_inferred", pa.bool_()),
        pa.field("dateline", pa.string()),
        pa.field("item_key", pa.string()),
        pa.field("raw_sha256", pa.string()),
        # MinHash of the body's 5-character shingles in 8 band keys (etl.dedupe): equal keys mark candidate
        # near-duplicates for the near_duplicates view. Null for a body without text.
        pa.field("minhash", pa.list_(pa.int64())),
    ],
    metadata={"table": "articles"},
)

REJECTS = pa.schema(
    [
        pa.field("source", pa.string(), nullable=False),
        pa.field("stage", pa.string(), nullable=False),  # config | fetch | parse | extract
        pa.field("item", pa.string()),
        pa.field("reason", pa.string(), nullable=False),
        pa.field("detail", pa.string()),
        pa.field("raw_sha256", pa.string()),
        pa.field("occurred_at", UTC_TS, nullable=False),
        pa.field("run_id", pa.string()),
    ],
    metadata={"table": "rejects"},
)

RUNS = pa.schema(
    [
        pa.field("source", pa.string(), nullable=False),
        pa.field("run_id", pa.string(), nullable=False),
        pa.field("status", pa.string(), nullable=False),  # success | partial | failed
        pa.field("fetched", pa.int64()),
        pa.field("items", pa.int64()),
        pa.field("articles", pa.int64()),
        pa.field("rejected", pa.int64()),
        pa.field("date_inferred", pa.int64()),
        pa.field("fetch_seconds", pa.float64()),
        pa.field("extract_seconds", pa.float64()),
        pa.field("load_seconds", pa.float64()),
        pa.field("started_at", UTC_TS, nullable=False),
        pa.field("finished_at", UTC_TS, nullable=False),
        pa.field("error", pa.string()),
    ],
    metadata={"table": "runs"},
)

# One row per item found in a landed raw object; the day's run selects from it.
LANDINGS = pa.schema(
    [
        pa.field("source", pa.string(), nullable=False),
        pa.field("item_key", pa.string(), nullable=False),
        pa.field("raw_sha256", pa.string(), nullable=False),
        # Hash of the item's own content: a refetched feed whose item did not change adds no row.
        pa.field("item_sha256", pa.string(), nullable=False),
        pa.field("item_index", pa.int32(), nullable=False),
        pa.field("uri", pa.string()),
        pa.field("fetched_at", UTC_TS, nullable=False),
        pa.field("published_at", UTC_TS),
    ],
    metadata={"table": "landings"},
)

# The search index (etl/search.py), written with the articles: one row per (article version, token). The version is
# (article_id, source, item_key) within its dt partition, so the warehouse keeps the tokens of the latest one only.
TOKENS = pa.schema(
    [
        pa.field("article_id", pa.string(), nullable=False),
        pa.field("source", pa.string(), nullable=False),
        pa.field("item_key", pa.string()),
        pa.field("token", pa.string(), nullable=False),
        pa.field("tf", pa.int32(), nullable=False),  # occurrences in the body
        pa.field("title_tf", pa.int32(), nullable=False),  # occurrences in the title
    ],
    metadata={"table": "tokens"},
)

# One row per article version: its length in tokens, which BM25 needs without scanning every token.
TOKEN_DOCS = pa.schema(
    [
        pa.field("article_id", pa.string(), nullable=False),
        pa.field("source", pa.string(), nullable=False),
        pa.field("item_key", pa.string()),
        pa.field("length", pa.int32(), nullable=False),
    ],
    metadata={"table": "token_docs"},
)

# Tables written as day/source partitions of the lake, in the order the warehouse builds their views.
LAKE_TABLES: dict[str, pa.Schema] = {"articles": ARTICLES, "rejects": REJECTS, "runs": RUNS}
LAKE_TABLES.update(tokens=TOKENS, token_docs=TOKEN_DOCS)


def empty_record(schema: pa.Schema) -> dict[str, Any]:
    return {name: None for name in schema.names}


def spare_pandas() -> None:
    """Spare a process that builds tables from Python lists (a run, a pool worker) pyarrow's import of pandas.

    pyarrow imports pandas the first time it converts a list, only to ask whether the list is a pandas object:
    about a second of CPU and some 50 MiB, for nothing here. Refused for that first question, pyarrow takes pandas
    as not installed for its implicit checks (the same tables); pandas stays importable, and pyarrow's explicit
    pandas conversions import it when called. A process that already imported pandas keeps pyarrow's view of it.
    """
    if "pandas" in sys.modules:
        return
    refuse = _Refuse("pandas")
    sys.meta_path.insert(0, refuse)
    try:
        pa.array([], pa.null())
    finally:
        sys.meta_path.remove(refuse)


class _Refuse(importlib.abc.MetaPathFinder):
    def __init__(self, name: str) -> None:
        self.name = name

    def find_spec(self, name: str, path: Sequence[str] | None, target: types.ModuleType | None = None) -> None:
        if name == self.name:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None


def to_table(rows: Iterable[Mapping[str, Any]], schema: pa.Schema) -> pa.Table:
    """Rows to a table of exactly this schema; a missing key is null, an unknown key is an error."""
    rows = list(rows)
    names = set(schema.names)
    for row in rows:
        extra = set(row) - names
        if extra:
            raise KeyError(f"{schema.metadata[b'table'].decode()}: unknown columns {sorted(extra)}")
    columns = {name: [row.get(name) for row in rows] for name in schema.names}
    return pa.Table.from_pydict(columns, schema=schema)


def jsonable(value: Any) -> Any:
    """A record value as JSON: timestamps as ISO-8601 UTC with a Z."""
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    return value


def duckdb_type(dtype: pa.DataType) -> str:
    """The DuckDB type of a pyarrow type, for relations that must match a table with no files yet."""
    if pa.types.is_string(dtype) or pa.types.is_large_string(dtype):
        return "varchar"
    if pa.types.is_timestamp(dtype):
        return "timestamptz" if dtype.tz else "timestamp"
    if pa.types.is_boolean(dtype):
        return "boolean"
    if pa.types.is_int32(dtype):
        return "integer"
    if pa.types.is_int64(dtype):
        return "bigint"
    if pa.types.is_float64(dtype):
        return "double"
    if pa.types.is_date32(dtype):
        return "date"
    if pa.types.is_list(dtype):
        return duckdb_type(dtype.value_type) + "[]"
    if pa.types.is_struct(dtype):
        inner = ", ".join(f"{f.name} {duckdb_type(f.type)}" for f in dtype)
        return f"struct({inner})"
    raise TypeError(f"no DuckDB type for {dtype}")
