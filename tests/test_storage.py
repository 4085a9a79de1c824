"""The raw zone and the lake: immutable landing, atomic partitions, reruns that replace."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from etl import lake
from etl.raw import RawDoc, RawZone

NOW = dt.datetime(2021, 9, 22, 5, tzinfo=dt.UTC)
DAY = dt.date(2021, 9, 22)


def test_raw_objects_are_content_addressed_and_keep_provenance(tmp_path: Path) -> None:
    zone = RawZone(tmp_path / "raw", tmp_path / "landing")
    doc = RawDoc(
        source="s",
        uri="http://e.x/feed",
        fetched_at=NOW,
        data=b"<rss/>",
        content_type="application/rss+xml",
        headers={"ETag": "v1"},
        status=200,
    )
    sha = zone.land(doc)
    again = zone.land(
        RawDoc(source="s", uri="http://elsewhere/", fetched_at=NOW + dt.timedelta(hours=1), data=b"<rss/>")
    )
    assert sha == again == doc.sha256
    loaded = zone.load("s", sha)
    # The first arrival is kept: the raw zone is never rewritten.
    assert (loaded.data, loaded.uri, loaded.fetched_at, loaded.headers) == (b"<rss/>", doc.uri, NOW, {"ETag": "v1"})


def test_landing_rows_and_known_items(tmp_path: Path) -> None:
    zone = RawZone(tmp_path / "raw", tmp_path / "landing")
    assert zone.record("s", [], NOW) is None
    row = {
        "source": "s",
        "item_key": "a",
        "raw_sha256": "r",
        "item_sha256": "i",
        "item_index": 0,
        "uri": "u",
        "fetched_at": NOW,
        "published_at": None,
    }
    zone.record("s", [row], NOW)
    assert zone.known_items("s") == {("a", "i")}
    with pytest.raises(KeyError, match="unknown columns"):
        zone.record("s", [{**row, "surprise": 1}], NOW)


def rows(n: int, tag: str) -> list[dict[str, object]]:
    return [
        {"source": "s", "stage": "extract", "item": f"{tag}{i}", "reason": "r", "occurred_at": NOW} for i in range(n)
    ]


def test_rerun_replaces_the_partition(tmp_path: Path) -> None:
    lake.write_partition(tmp_path, "rejects", DAY, "s", rows(3, "a"))
    lake.write_partition(tmp_path, "rejects", DAY, "s", rows(2, "b"))
    table = lake.read_partition(tmp_path, "rejects", DAY, "s")
    assert table.column("item").to_pylist() == ["b0", "b1"]
    folder = lake.partition_dir(tmp_path, "rejects", DAY, "s")
    assert sorted(p.name for p in folder.iterdir()) == ["data.parquet"]  # no temporary files left behind
    assert pq.ParquetFile(folder / "data.parquet").metadata.row_group(0).column(0).compression == "ZSTD"


def test_failed_write_leaves_previous_partition(tmp_path: Path) -> None:
    lake.write_partition(tmp_path, "rejects", DAY, "s", rows(3, "a"))
    with pytest.raises(RuntimeError), lake.PartitionWriter(tmp_path, "rejects", DAY, "s") as writer:
        writer.write(rows(2, "b"))
        raise RuntimeError("crash half way")
    assert lake.read_partition(tmp_path, "rejects", DAY, "s").num_rows == 3
    folder = lake.partition_dir(tmp_path, "rejects", DAY, "s")
    assert sorted(p.name for p in folder.iterdir()) == ["data.parquet"]


def test_empty_partition_still_has_the_schema(tmp_path: Path) -> None:
    lake.write_partition(tmp_path, "articles", DAY, "s", [])
    table = lake.read_partition(tmp_path, "articles", DAY, "s")
    assert table.num_rows == 0 and "article_id" in table.schema.names
