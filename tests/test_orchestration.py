"""What the DAGs call: the per-source plan of a nightly run, the quality gate, feed polling (on a real HTTP server)."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from pytest_httpserver import HTTPServer

from etl import cli, lake, polling, quality, tasks
from etl.config import ConfigError, SourceConfig
from etl.settings import Settings

from .test_feeds import RSS

DAY = "2021-09-21"


def _feed_config(tmp_path: Path, url: str, poll: int | None = None) -> Path:
    cfg = tmp_path / "rss.yml"
    extra = f"    poll_minutes: {poll}\n" if poll else ""
    cfg.write_text(
        f"sources:\n  - name: live\n    kind: rss\n    url: {url}\n    allow_private_network: true\n{extra}",
        encoding="utf-8",
    )
    return cfg


def test_plan_fetches_unless_a_backfill_finds_the_day_landed(
    data_dir: Path, examples_config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ETL_CONFIG", str(examples_config))
    # Nothing landed yet: every kind of run fetches, unless told to reprocess from raw only.
    assert tasks.plan_sources(DAY, run_type="backfill") == [{"name": "examples", "day": DAY, "fetch": True}]
    assert tasks.plan_sources(DAY, run_type="scheduled")[0]["fetch"] is True
    assert tasks.plan_sources(DAY, reprocess_only=True, run_type="scheduled")[0]["fetch"] is False
    assert cli.main(["run", "--date", DAY]) == 0
    # Landed: a backfill (new, or reprocessing a completed run) re-extracts; a scheduled run still fetches.
    assert tasks.plan_sources(DAY, run_type="backfill")[0]["fetch"] is False
    assert tasks.plan_sources(DAY, run_type="scheduled")[0]["fetch"] is True
    assert tasks.plan_sources(DAY, only=["examples"], run_type="manual")[0]["fetch"] is True
    with pytest.raises(ConfigError, match="unknown source"):
        tasks.plan_sources(DAY, only=["nope"])


def test_reprocessing_from_raw_fetches_nothing_and_changes_nothing(
    data_dir: Path, examples_config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ETL_CONFIG", str(examples_config))
    first = tasks.run_source("examples", DAY, fetch=True, run_id="r1")
    landed = sorted(p for p in (data_dir / "raw").rglob("*") if p.is_file())
    landings = sorted((data_dir / "landing").rglob("*.parquet"))
    before = lake.read_partition(data_dir / "lake", "articles", dt.date.fromisoformat(DAY), "examples")
    again = tasks.run_source("examples", DAY, fetch=False, run_id="r2")
    assert first["articles"] == again["articles"] == before.num_rows > 0
    assert sorted(p for p in (data_dir / "raw").rglob("*") if p.is_file()) == landed
    assert sorted((data_dir / "landing").rglob("*.parquet")) == landings
    after = lake.read_partition(data_dir / "lake", "articles", dt.date.fromisoformat(DAY), "examples")
    assert after.drop(["fetched_at"]).equals(before.drop(["fetched_at"]))


def test_quality_gate_passes_the_example_days(data_dir: Path) -> None:
    assert cli.main(["run", "--from", "2021-09-20", "--to", "2021-09-22"]) == 0
    for day in ("2021-09-20", "2021-09-21", "2021-09-22"):
        result = tasks.quality_gate(day, ["examples"])
        assert set(result["checks"]) == {"row_count", "null_rates", "unique_article_id", "accepted_values"}


def test_quality_gate_fails_with_every_reason(data_dir: Path, caplog: pytest.LogCaptureFixture) -> None:
    assert cli.main(["run", "--from", "2021-09-20", "--to", "2021-09-22"]) == 0
    settings = Settings.from_env()
    strict = quality.Rules(
        min_ratio=2.0,  # the day must have twice the recent average
        max_null_rate={"title": 0.0, "body_text": 0.0, "published_at": 0.0, "language": 0.0},
        languages=("ko",),
    )
    with caplog.at_level(logging.ERROR, logger="etl.quality"):
        report = quality.check_day(settings, dt.date(2021, 9, 22), ["examples"], strict)
    failed = {c.name: c.message for c in report.failures}
    assert set(failed) == {"row_count", "accepted_values"}
    assert "5 articles against an average of 3.0 over the previous 2 day(s)" in failed["row_count"]
    assert "articles.language='zh-Hans'" in failed["accepted_values"]
    assert "FAIL row_count" in caplog.text
    # An unknown source in the day's partitions, and an item loaded twice (what an appending rerun would leave).
    day = dt.date(2021, 9, 22)
    rows = lake.read_partition(settings.lake_dir, "articles", day, "examples").to_pylist()
    lake.write_partition(settings.lake_dir, "articles", day, "examples", rows + rows[:1])
    report = quality.check_day(settings, day, ["other"])
    failed = {c.name: c.message for c in report.failures}
    assert set(failed) == {"unique_article_id", "accepted_values"}
    assert "1 duplicated article_id(s): examples/" in failed["unique_article_id"]
    assert "articles.source='examples'" in failed["accepted_values"]
    with pytest.raises(quality.QualityError, match="data quality 2021-09-22: FAILED"):
        tasks.quality_gate("2021-09-22")
    # A day with no articles after busy days fails the row count.
    assert not quality.check_day(settings, dt.date(2021, 9, 23), ["examples"]).ok


def test_poll_minutes_per_source(tmp_path: Path) -> None:
    now = dt.datetime(2021, 9, 22, 10, 0, tzinfo=dt.UTC)
    busy = SourceConfig("busy", "rss", url="https://e.x/f", options={"poll_minutes": 15})
    calm = SourceConfig("calm", "rss", url="https://e.x/g")
    assert polling.poll_minutes(calm) == polling.DEFAULT_POLL_MINUTES == 60
    assert polling.is_due(busy, tmp_path, now) and polling.is_due(calm, tmp_path, now)
    for src in (busy, calm):
        polling.mark_polled(tmp_path, src.name, now)
    # The next 15-minute tick, a few seconds early: the busy feed is due, the calm one is not.
    tick = now + dt.timedelta(minutes=15, seconds=-5)
    assert polling.is_due(busy, tmp_path, tick)
    assert not polling.is_due(calm, tmp_path, tick)
    assert polling.is_due(calm, tmp_path, now + dt.timedelta(minutes=60, seconds=-5))
    with pytest.raises(ConfigError, match="poll_minutes"):
        polling.poll_minutes(SourceConfig("bad", "rss", url="https://e.x/h", options={"poll_minutes": "often"}))


def test_fetch_lands_due_feeds_only(
    data_dir: Path, tmp_path: Path, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    httpserver.expect_request("/feed").respond_with_data(RSS, content_type="application/rss+xml; charset=utf-8")
    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
    monkeypatch.setenv("ETL_CONFIG", str(_feed_config(tmp_path, httpserver.url_for("/feed"), poll=30)))
    assert tasks.due_feeds() == ["live"]
    summary = tasks.fetch_source("live", run_id="poll-1")
    assert summary["fetched"] == 1 and summary["new_items"] == 3
    assert list((data_dir / "raw" / "live").rglob("*.json"))
    assert not (data_dir / "lake" / "articles").exists()  # landing only: news_nightly processes
    assert not (data_dir / "lake" / "rejects").exists()  # a poll that went well leaves no rejects file
    assert tasks.due_feeds() == []  # polled a moment ago, every 30 minutes
    later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=30)
    assert tasks.due_feeds(now=later) == ["live"]


def test_fetch_failure_names_the_source_and_the_reason(
    data_dir: Path, tmp_path: Path, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    httpserver.expect_request("/feed").respond_with_data("gone", status=404)
    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
    monkeypatch.setenv("ETL_CONFIG", str(_feed_config(tmp_path, httpserver.url_for("/feed"))))
    with pytest.raises(RuntimeError, match=r"source live: nothing could be fetched: .*404"):
        tasks.fetch_source("live")
    (recorded,) = (data_dir / "lake" / "rejects").glob("dt=*/source=live/fetch-*.parquet")  # recorded, with the reason
    assert any("404" in reason for reason in pq.read_table(recorded).column("reason").to_pylist())
    assert tasks.due_feeds() == ["live"]  # a failed poll is tried again at the next tick


def test_no_feeds_configured_means_nothing_due(data_dir: Path) -> None:
    assert tasks.due_feeds() == []  # the default examples config has no rss source
