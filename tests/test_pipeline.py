"""End to end: examples/ through fetch, extract and load to DuckDB queries."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import duckdb
import pytest

from etl import cli, extract
from etl.dates import local_day
from etl.settings import Settings

EXAMPLE_DAYS = ["--from", "2021-09-20", "--to", "2021-09-22"]


def run(config: Path, *args: str) -> int:
    return cli.main(["run", "--config", str(config), *args])


def q(sql: str) -> list[tuple[Any, ...]]:
    con = duckdb.connect(str(Settings.from_env().warehouse_path), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_examples_end_to_end(data_dir: Path, examples_config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(examples_config, *EXAMPLE_DAYS, "--date", "today") == 0
    today = local_day(dt.datetime.now(dt.UTC), "Asia/Shanghai")

    per_day = dict(q("select dt, count(*) from articles group by dt"))
    assert per_day == {dt.date(2021, 9, 20): 3, dt.date(2021, 9, 21): 2, dt.date(2021, 9, 22): 5, today: 1}
    # The same post in the old and the new archive layout is one article.
    assert q("select count(*), count(distinct article_id) from articles") == [(11, 11)]
    assert q("select count(*) from articles_versions") == [(12,)]

    # 01:30 on the 22nd in Shanghai is 17:30 UTC on the 21st: the day is the local one.
    assert q("select dt from articles where title like '新能源车企%'") == [(dt.date(2021, 9, 22),)]
    # Without a usable date the post counts on the day it was landed, flagged, published_at null.
    assert q("select dt, date_inferred, published_at from articles where title like '某国产手机%'") == [
        (today, True, None)
    ]
    sina = q(
        "select outlet, reporters, editor, proofreader, stock_codes, len(images) from articles "
        "where title = '长三角三省一市发布数据要素流通试点方案' and feed = '新浪财经/新浪财经－国內'"
    )
    assert sina == [("澎湃新闻", ["林若溪"], "韩东明", "周晓岚", ["sh600000", "sz000001"], 2)]
    assert q("select stock_code from stock_mentions order by 1") == [
        ("sh600000",),
        ("sh600519",),
        ("sz000001",),
        ("sz000858",),
    ]
    assert ("发布会现场 记者 林若溪 摄",) in q("select caption from article_images where caption is not null")

    reasons = dict(q("select regexp_extract(item, '[^/]+$'), reason from rejects"))
    assert reasons.keys() == {"YAML损坏.md", "空正文.md", "日期无法解析.md", "编码错误.md", "二进制.md"}
    assert reasons["编码错误.md"].startswith("wrong encoding")
    assert reasons["二进制.md"].startswith("binary content")
    assert reasons["日期无法解析.md"].startswith("unparseable date")
    assert reasons["YAML损坏.md"].startswith("broken YAML")
    assert reasons["空正文.md"].startswith("empty body")
    assert q("select count(*), count(distinct dt) from runs where status = 'success'") == [(4, 4)]
    assert "2021-09-22 examples: success, 5 articles" in capsys.readouterr().out


def snapshot() -> list[tuple[Any, ...]]:
    return q("select * exclude (fetched_at) from articles order by article_id") + q(
        "select article_id, fetched_at from articles order by article_id"
    )


def test_rerun_leaves_articles_identical(data_dir: Path, examples_config: Path) -> None:
    assert run(examples_config, *EXAMPLE_DAYS) == 0
    first = snapshot()
    files = sorted(p.relative_to(data_dir) for p in (data_dir / "lake" / "articles").rglob("*.parquet"))
    assert run(examples_config, *EXAMPLE_DAYS) == 0
    assert snapshot() == first
    assert sorted(p.relative_to(data_dir) for p in (data_dir / "lake" / "articles").rglob("*.parquet")) == files
    assert run(examples_config, "--date", "2021-09-21", "--no-fetch") == 0
    assert snapshot() == first


def test_changed_post_becomes_the_latest_version(data_dir: Path, examples_config: Path) -> None:
    assert run(examples_config, "--date", "2021-09-22") == 0
    post = next(examples_config.parent.rglob("银保监会*.md"))
    post.write_text(post.read_text(encoding="utf-8").replace("鼓励保险资金", "支持保险资金"), encoding="utf-8")
    assert run(examples_config, "--date", "2021-09-22") == 0
    (body,) = q("select body_text from articles where title like '银保监会%'")[0]
    assert "支持保险资金" in body
    assert q("select count(*) from articles where title like '银保监会%'") == [(1,)]
    # The earlier bytes are still in the raw zone: past versions can be re-extracted without fetching.
    assert len(list((data_dir / "raw" / "examples").rglob("*.json"))) == 18


def test_crash_mid_run_keeps_previous_data(
    data_dir: Path, examples_config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run(examples_config, *EXAMPLE_DAYS) == 0
    before = snapshot()
    calls = {"n": 0}
    real = extract.extract_post

    def crash_on_second(*args: Any, **kwargs: Any) -> dict[str, Any]:
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt  # not an item error: the whole run stops here
        return real(*args, **kwargs)

    with monkeypatch.context() as patch, pytest.raises(KeyboardInterrupt):
        patch.setattr(extract, "extract_post", crash_on_second)
        run(examples_config, "--date", "2021-09-22", "--no-fetch")
    assert snapshot() == before
    leftovers = [p for p in (data_dir / "lake").rglob("*") if p.name.endswith(".tmp")]
    assert leftovers == []


def test_analyst_keeps_warehouse_open_during_a_run(data_dir: Path, examples_config: Path) -> None:
    assert run(examples_config, "--date", "2021-09-20") == 0
    analyst = duckdb.connect(str(Settings.from_env().warehouse_path), read_only=True)
    try:
        assert analyst.execute("select count(*) from articles").fetchall() == [(3,)]
        assert run(examples_config, *EXAMPLE_DAYS) == 0  # the writer is not blocked by the reader
        # The open session's views read the lake's files, so the new days show up there too.
        assert analyst.execute("select count(*) from articles").fetchall() == [(10,)]
    finally:
        analyst.close()
    assert q("select count(*) from articles") == [(10,)]


def test_failing_source_does_not_stop_the_others(
    data_dir: Path, examples_config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = tmp_path / "two.yml"
    cfg.write_text(
        examples_config.read_text(encoding="utf-8") + f"  - name: missing\n    kind: hexo\n    path: {tmp_path}/nope\n",
        encoding="utf-8",
    )
    assert run(cfg, "--date", "2021-09-20") == 1  # non-zero: a source failed
    assert q("select count(*) from articles") == [(3,)]
    assert q("select source, stage, reason from rejects where source = 'missing'") == [
        ("missing", "fetch", f"hexo folder not found: {tmp_path}/nope")
    ]
    assert dict(q("select source, status from runs")) == {"examples": "success", "missing": "failed"}
