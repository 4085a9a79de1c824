"""The warehouse over a hand-made lake: latest versions, partition pruning, and a lake of mixed schemas."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import duckdb
import pyarrow.parquet as pq
import pytest

from etl import lake, schema, sqlfiles, warehouse
from etl.settings import Settings

DAYS = [dt.date(2021, 9, 20), dt.date(2021, 9, 21), dt.date(2021, 9, 22)]


def at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), dt.UTC)


def article(article_id: str, day: dt.date, source: str, fetched_hour: int, title: str) -> dict[str, Any]:
    return {
        "article_id": article_id,
        "source": source,
        "feed": f"{source}/feed",
        "title": title,
        "item_key": f"{source}/{article_id}.md",
        "fetched_at": at(day, fetched_hour),
        "published_at": at(day, 1),
        "keywords": ["芯片"],
        "stock_codes": ["sh600000"],
    }


@pytest.fixture
def settings(data_dir: Path) -> Settings:
    """Three days of two sources; article b is updated on the 21st and again on the 22nd by the other source."""
    settings = Settings.from_env()
    rows = {
        (DAYS[0], "s"): [article("a", DAYS[0], "s", 2, "a"), article("b", DAYS[0], "s", 3, "b v1")],
        (DAYS[1], "s"): [article("b", DAYS[1], "s", 4, "b v2"), article("c", DAYS[1], "s", 2, "c")],
        (DAYS[2], "t"): [article("b", DAYS[2], "t", 5, "b v3"), article("d", DAYS[2], "t", 2, "d")],
    }
    for (day, source), batch in rows.items():
        lake.write_partition(settings.lake_dir, "articles", day, source, batch)
        tokens = [
            {
                "article_id": r["article_id"],
                "source": source,
                "item_key": r["item_key"],
                "token": r["title"],
                "tf": 1,
                "title_tf": 1,
            }
            for r in batch
        ]
        lake.write_partition(settings.lake_dir, "tokens", day, source, tokens)
        run = {"source": source, "run_id": "r", "status": "success", "articles": len(batch)}
        run |= {"started_at": at(day, 18), "finished_at": at(day, 18)}
        lake.write_partition(settings.lake_dir, "runs", day, source, [run])
    warehouse.refresh(settings)
    return settings


def q(settings: Settings, sql: str, params: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
    return warehouse.query(settings, sql, params)[1]


def files_read(settings: Settings, sql: str, params: dict[str, Any] | None = None) -> dict[str, int]:
    """Parquet files each scan of the query opened, by the lake table it read (DuckDB's profile)."""
    profile = settings.data_dir / "profile.json"
    con = warehouse.connect_read_only(settings)
    try:
        con.execute("pragma enable_profiling = 'json'")
        con.execute(f"pragma profiling_output = '{profile}'")
        con.execute(sql, params or {}).fetchall()
    finally:
        con.close()
    read: dict[str, int] = {}

    def walk(node: dict[str, Any]) -> None:
        extra = node.get("extra_info", {})
        if node.get("name") == "READ_PARQUET":
            names = extra.get("Filename(s)") or ""
            table = next((t for t in schema.LAKE_TABLES if f"/{t}/" in str(names)), "?")
            read[table] = read.get(table, 0) + int(extra.get("Total Files Read", 0))
        for child in node.get("children", []):
            walk(child)

    for node in json.loads(profile.read_text())["operator"]:
        walk(node)
    return read


def test_articles_are_the_latest_versions(settings: Settings) -> None:
    assert q(settings, "select article_id, dt, source, title from articles order by article_id") == [
        ("a", DAYS[0], "s", "a"),
        ("b", DAYS[2], "t", "b v3"),
        ("c", DAYS[1], "s", "c"),
        ("d", DAYS[2], "t", "d"),
    ]
    assert q(settings, "select article_id, dt, source from superseded_versions order by dt") == [
        ("b", DAYS[0], "s"),
        ("b", DAYS[1], "s"),
    ]
    # The search index keeps the tokens of the latest version only.
    assert q(settings, "select token from tokens order by token") == [("a",), ("b v3",), ("c",), ("d",)]
    assert q(settings, "select count(*) from articles_versions") == [(6,)]


def test_a_date_bounded_query_reads_only_its_partitions(settings: Settings) -> None:
    day = {"day": DAYS[1]}
    assert q(settings, "select article_id from articles where dt = $day", day) == [("c",)]
    assert files_read(settings, "select article_id from articles where dt = $day", day) == {"articles": 1}
    # Through the analysis window too: the newest day processed is the 22nd, the last two days are 2 partitions.
    sql = sqlfiles.load("articles_per_day")
    params = sqlfiles.bind(sql, {"days": 2})
    assert sorted((r[0], r[3]) for r in q(settings, sql, params)) == [(DAYS[1], 1), (DAYS[2], 2)]
    assert files_read(settings, sql, params) == {"articles": 2}
    # A whole-warehouse query reads every partition.
    assert files_read(settings, "select count(*) from articles") == {"articles": 3}


def test_a_new_version_is_settled_by_the_refresh(settings: Settings) -> None:
    later = dt.date(2021, 9, 23)
    lake.write_partition(settings.lake_dir, "articles", later, "s", [article("a", later, "s", 6, "a v2")])
    warehouse.refresh(settings)
    assert q(settings, "select dt, title from articles where article_id = 'a'") == [(later, "a v2")]


def test_a_partition_of_an_older_schema_is_read_by_name(settings: Settings) -> None:
    assert warehouse.uniform(settings.lake_dir, "articles")
    # A partition written before `keywords` existed: the views must still bind, the column null for those rows.
    older = lake.read_partition(settings.lake_dir, "articles", DAYS[0], "s").drop_columns(["keywords"])
    pq.write_table(older, lake.partition_dir(settings.lake_dir, "articles", DAYS[0], "s") / "data.parquet")
    assert not warehouse.uniform(settings.lake_dir, "articles")
    warehouse.refresh(settings)
    assert q(settings, "select article_id, keywords from articles order by article_id") == [
        ("a", None),
        ("b", ["芯片"]),
        ("c", ["芯片"]),
        ("d", ["芯片"]),
    ]


def test_views_bind_from_the_first_file_when_the_lake_is_uniform(settings: Settings) -> None:
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        (definition,) = con.execute("select sql from duckdb_views() where view_name = 'articles_versions'").fetchall()
    finally:
        con.close()
    assert "read_parquet" in definition[0]
    assert "union_by_name" not in definition[0]


def test_the_refresh_runs_under_the_configured_memory_limit(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ETL_DUCKDB_MEMORY_LIMIT", "64MB")
    limited = Settings.from_env()
    assert limited.duckdb_memory_limit == "64MB"
    warehouse.refresh(limited)
    assert q(limited, "select count(*) from articles") == [(4,)]
    monkeypatch.setenv("ETL_DUCKDB_MEMORY_LIMIT", "lots")
    with pytest.raises(duckdb.Error, match=r"(?i)memory"):
        warehouse.refresh(Settings.from_env())
    assert q(limited, "select count(*) from articles") == [(4,)]  # the failed refresh left the warehouse as it was
