"""Near-duplicates: MinHash band keys in Python, clusters in the warehouse's near_duplicates view (real DuckDB)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from etl import dedupe, lake, warehouse
from etl.entry import Entry
from etl.extract import extract_post
from etl.settings import Settings

STORY = (
    "某市统计局今天发布数据，前八个月全市规模以上工业增加值同比增长百分之八点二，其中高技术制造业增长百分之十五，"
    "装备制造业增长百分之十一点六。统计局有关负责人表示，工业生产继续保持恢复态势，新动能持续发力。"
    "从三大门类看，采矿业增加值增长百分之三点一，制造业增长百分之八点九，电力热力燃气及水生产和供应业增长百分之六。"
)
EDITED = STORY + "（完）"  # a repost with a small edit: Jaccard 0.98
REWORDED = STORY.replace("今天", "日前").replace("新动能", "新动力")  # two edits: Jaccard 0.85, not a near-duplicate
OTHER = "另一篇文章讲的是完全不同的事情：一家公司在港交所发布公告，宣布董事会换届，新任董事长由原总经理接任。" * 3


def test_band_keys_are_stable_and_agree_on_near_duplicates() -> None:
    keys = dedupe.minhash_bands(STORY)
    assert keys is not None and len(keys) == dedupe.BANDS
    assert keys == dedupe.minhash_bands(" ".join(STORY))  # whitespace does not count
    assert all(-(2**63) <= k < 2**63 for k in keys)
    edited = dedupe.minhash_bands(EDITED)
    other = dedupe.minhash_bands(OTHER)
    assert edited is not None and other is not None
    assert dedupe.jaccard(STORY, EDITED) >= 0.9 > max(dedupe.jaccard(STORY, REWORDED), dedupe.jaccard(EDITED, REWORDED))
    assert any(a == b for a, b in zip(keys, edited, strict=True))
    assert not any(a == b for a, b in zip(keys, other, strict=True))
    assert dedupe.minhash_bands(" \n ") is None


@pytest.mark.parametrize(
    ("left", "right", "expected"),
    [("abcdef", "abcdef", 1.0), ("abcdef", "abcdeg", 1 / 3), ("abcdefg", "abcdefh", 0.5), ("ab", "ab", 1.0)],
)
def test_jaccard_of_five_character_shingles(left: str, right: str, expected: float) -> None:
    assert dedupe.jaccard(left, right) == pytest.approx(expected)


def _record(url: str, body: str, source: str) -> dict[str, Any]:
    entry = Entry(
        key=url, html=f"<p>{body}</p>", url=url, title=url, published_at=dt.datetime(2021, 9, 22, tzinfo=dt.UTC)
    )
    rec = extract_post(entry, source)
    rec.update(fetched_at=dt.datetime(2021, 9, 22, 1, tzinfo=dt.UTC), date_inferred=False, raw_sha256="r")
    return rec


def test_near_duplicates_view_clusters_reposts(data_dir: Path) -> None:
    settings = Settings.from_env()
    day = dt.date(2021, 9, 22)
    lake.write_partition(
        settings.lake_dir,
        "articles",
        day,
        "a",
        [_record("https://a.example/1", STORY, "a"), _record("https://a.example/2", OTHER, "a")],
    )
    lake.write_partition(
        settings.lake_dir,
        "articles",
        day,
        "b",
        [_record("https://b.example/9", EDITED, "b"), _record("https://b.example/8", REWORDED, "b")],
    )
    warehouse.refresh(settings)
    columns, rows = warehouse.query(settings, "select * from near_duplicates")
    assert columns == ["cluster_id", "article_id", "source", "feed", "title", "published_at", "dt", "jaccard"]
    found = {row[4]: row for row in rows}
    # Unrelated and merely similar (Jaccard below 0.9) articles are in no cluster.
    assert set(found) == {"https://a.example/1", "https://b.example/9"}
    cluster = {row[0] for row in rows}
    assert cluster == {min(row[1] for row in rows)}  # the smallest article_id names the cluster
    for row in rows:
        expected = 1.0 if row[1] == row[0] else dedupe.jaccard(STORY, EDITED)
        assert row[7] == pytest.approx(expected)
    assert {row[2] for row in rows} == {"a", "b"} and {row[6] for row in rows} == {day}


def test_near_duplicates_view_on_an_empty_warehouse(data_dir: Path) -> None:
    settings = Settings.from_env()
    warehouse.refresh(settings)
    assert warehouse.query(settings, "select count(*) from near_duplicates")[1] == [(0,)]
