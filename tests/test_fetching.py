"""Fetching end to end (etl run against the misbehaving server): every good item loaded, every bad source in
rejects, a failing source never costing what was landed before, and a recovered source picked up again."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from etl import cli, sources
from etl.raw import RawDoc

from .faultserver import BODIES, BODY, FAST, FAULTS, HEALTHY_FEEDS, FaultServer, faults, source_name, sources_yaml
from .test_pipeline import q

__all__ = ["faults"]

DAY = "2021-09-22"
pytestmark = pytest.mark.timeout(300)


def config(tmp_path: Path, server: FaultServer, *paths: str, **options: Any) -> Path:
    """A sources file with one rss source per path (named as in the all-faults run)."""
    opts = "".join(f"    {k}: {json.dumps(v)}\n" for k, v in {**FAST, **options}.items())
    entries = "".join(
        f"  - name: {source_name(p)}\n    kind: rss\n    url: {server.url(p)}\n    allow_private_network: true\n{opts}"
        for p in paths
    )
    cfg = tmp_path / "sources.yml"
    cfg.write_text("sources:\n" + entries, encoding="utf-8")
    return cfg


def run(cfg: Path, *days: str) -> int:
    return cli.main(["run", "--config", str(cfg), *[a for d in days or (DAY,) for a in ("--date", d)]])


EXPECTED_ITEMS = {
    "feed-ok-rss": 3,
    "feed-ok-atom": 1,
    "feed-ok-json": 1,
    "feed-ok-rss091": 1,  # undated: counts on the day it was landed
    "feed-ok-rss10": 2,  # one of them undated
    "feed-ok-gzip": 2,
    "feed-ok-deflate": 2,
    "feed-ok-br": 2,
    "feed-conditional": 2,
    "feed-503-then-ok": 2,
    "feed-429": 2,
    "feed-redirect-ok": 3,
    "feed-charset-gbk-says-utf8": 2,
    "feed-charset-big5-unlabelled": 2,
    "feed-charset-gb2312-declared": 2,
    "feed-malformed": 2,
    "pages": 4,
}
EXPECTED_REASONS = {
    "/slow": ("fetch", "timed out"),
    "/drip": ("fetch", "deadline"),
    "/drip-headers": ("fetch", "deadline"),
    "/500": ("fetch", "HTTP 500"),
    "/503": ("fetch", "HTTP 503"),
    "/429-long": ("fetch", "Retry-After 3600 s"),
    "/reset": ("fetch", "reset by peer"),
    "/truncated": ("fetch", "RemoteProtocolError"),
    "/oversize": ("fetch", "exceeds 1048576 bytes"),
    "/oversize-declared": ("fetch", "more than the 1048576 allowed"),
    "/gzip-bomb": ("fetch", "gzip body expands past"),
    "/br-bomb": ("fetch", "br body expands past"),
    "/loop/a": ("fetch", "redirect loop"),
    "/hops/1": ("fetch", "more than 5 redirects"),
    "/redirect/ftp": ("fetch", "only http and https"),
    "/redirect/other-loopback": ("fetch", "127.0.0.2, a private address"),
    "/garbage": ("parse", "malformed feed"),
    "/empty": ("parse", "malformed feed: not a feed"),
    "/entity-bomb": ("parse", "refused: entity 'b' expands"),
    "/xxe": ("parse", "refused: declares external entity 'secret' (XXE)"),
    "/binary": ("parse", "binary content"),
    "/private/feed": ("fetch", "disallowed by"),
    "/missing": ("fetch", "HTTP 404"),
}


def test_all_faults_at_once(
    data_dir: Path, tmp_path: Path, faults: FaultServer, capsys: pytest.CaptureFixture[str]
) -> None:
    assert EXPECTED_REASONS.keys() == set(FAULTS)
    cfg = tmp_path / "faults.yml"
    cfg.write_text(sources_yaml(faults, FAST), encoding="utf-8")
    assert run(cfg, DAY, "today") == 1  # after finishing every source

    loaded = dict(q("select source, count(*) from articles_versions group by source"))
    assert loaded == EXPECTED_ITEMS
    # Wrong or missing charset labels: the text reads as written, in every charset.
    for source, body in q(
        "select source, body_text from articles_versions where source like '%charset%' or source = 'pages'"
    ):
        assert any(text in body for text in (BODY, *BODIES.values())), (source, body)

    rejects = {(s, stage): reason for s, stage, reason in q("select source, stage, reason from rejects")}
    for path, (stage, reason) in EXPECTED_REASONS.items():
        assert reason in rejects.pop((source_name(path), stage)), path
    # The malformed feed's items are loaded, and its problem is on record, without failing the source.
    assert rejects.pop(("feed-malformed", "parse")).startswith("malformed XML")
    assert rejects == {}

    statuses = dict(q(f"select source, status from runs where dt = '{DAY}'"))
    assert {s for s, status in statuses.items() if status == "failed"} == {source_name(p) for p in FAULTS}
    assert {s for s, status in statuses.items() if status == "success"} == set(EXPECTED_ITEMS)
    # Retries are bounded: at most 3 attempts per URL, and none for what cannot improve. robots.txt is read once
    # for all 40 sources on the host.
    assert faults.hits.pop("/robots.txt") == 1
    assert max(faults.hits.values()) == 3 and faults.hits["/drip"] == 1 and faults.hits["/gzip-bomb"] == 1
    assert f"{DAY} feed-500: failed" in capsys.readouterr().out


def test_a_source_that_recovers_is_picked_up_on_the_next_run(
    data_dir: Path, tmp_path: Path, faults: FaultServer
) -> None:
    cfg = config(tmp_path, faults, "/ok/rss", "/ok/atom")
    faults.broken.add("/ok/rss")
    assert run(cfg) == 1
    assert q("select source, count(*) from articles_versions group by source") == [("feed-ok-atom", 1)]
    assert q("select source, stage from rejects") == [("feed-ok-rss", "fetch")]
    faults.broken.clear()
    assert run(cfg) == 0
    assert dict(q("select source, count(*) from articles_versions group by source")) == {
        "feed-ok-rss": 3,
        "feed-ok-atom": 1,
    }
    assert q("select count(*) from rejects") == [(0,)]  # the day's rerun replaced its rejects


def test_landed_items_survive_a_failing_fetch(data_dir: Path, tmp_path: Path, faults: FaultServer) -> None:
    cfg = config(tmp_path, faults, "/ok/rss")
    assert run(cfg) == 0
    before = q("select article_id, title from articles order by 1")
    faults.broken.add("/ok/rss")
    assert run(cfg) == 1
    assert q("select article_id, title from articles order by 1") == before and len(before) == 3
    assert q("select status from runs") == [("failed",)]


def test_unchanged_feed_costs_a_304_and_nothing_else(data_dir: Path, tmp_path: Path, faults: FaultServer) -> None:
    cfg = config(tmp_path, faults, "/conditional")
    assert run(cfg) == 0
    landings = sorted((data_dir / "landing").rglob("*.parquet"))
    assert run(cfg) == 0  # 304 is nothing new, not a failure
    assert sorted((data_dir / "landing").rglob("*.parquet")) == landings
    first, second = faults.headers("/conditional")
    assert "if-none-match" not in first and second["if-none-match"] == '"v1"'
    assert q("select count(*) from articles") == [(2,)] and q("select status from runs") == [("success",)]
    state = json.loads((data_dir / "http" / "state" / "feed-conditional.json").read_text())
    assert state == {faults.url("/conditional"): {"etag": '"v1"', "last_modified": "Wed, 22 Sep 2021 00:00:00 GMT"}}


def test_validators_are_not_trusted_without_landed_data(data_dir: Path, tmp_path: Path, faults: FaultServer) -> None:
    cfg = config(tmp_path, faults, "/conditional")
    assert run(cfg) == 0
    for part in (data_dir / "landing").rglob("*.parquet"):
        part.unlink()  # the landing index is gone; the HTTP state is not
    assert run(cfg) == 0
    assert "if-none-match" not in faults.headers("/conditional")[1]
    assert q("select count(*) from articles") == [(2,)]


def test_fetch_command_reports_failures(data_dir: Path, tmp_path: Path, faults: FaultServer, capsys: Any) -> None:
    cfg = config(tmp_path, faults, "/ok/rss", "/500")
    assert cli.main(["fetch", "--config", str(cfg)]) == 1
    out = capsys.readouterr().out
    assert "feed-ok-rss: 1 documents, 3 new items, 0 failures" in out and "feed-500: 0 documents" in out
    (written,) = (data_dir / "lake" / "rejects").rglob("source=feed-500/fetch-*.parquet")
    assert pq.read_table(written).column("reason").to_pylist() == [
        "HTTP 500 from " + faults.url("/500") + " (gave up after 3 attempts)"
    ]


@pytest.mark.parametrize("path", HEALTHY_FEEDS[:1])
def test_user_agent_from_settings_and_per_source(
    data_dir: Path, tmp_path: Path, faults: FaultServer, monkeypatch: pytest.MonkeyPatch, path: str
) -> None:
    monkeypatch.setenv("ETL_USER_AGENT", "nightly-news/1.0")
    assert run(config(tmp_path, faults, path)) == 0
    assert {h["user-agent"] for h in faults.headers(path)} == {"nightly-news/1.0"}
    assert run(config(tmp_path, faults, path, user_agent="special/2.0")) == 0
    assert faults.headers(path)[-1]["user-agent"] == "special/2.0"


def test_a_crash_while_reading_a_document_is_a_reject_and_costs_nothing_landed(
    data_dir: Path, tmp_path: Path, faults: FaultServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = config(tmp_path, faults, "/ok/rss", "/conditional")
    real_split = sources.RssSource.split

    def crashing(self: sources.RssSource, doc: RawDoc, key: str | None) -> list[sources.Split]:
        if doc.uri.endswith("/conditional"):
            raise RuntimeError("bug in a parser")
        return real_split(self, doc, key)

    monkeypatch.setattr(sources.RssSource, "split", crashing)
    assert cli.main(["fetch", "--config", str(cfg)]) == 1
    assert list((data_dir / "raw" / "feed-conditional").rglob("*.json"))  # the document itself is landed
    monkeypatch.setattr(sources.RssSource, "split", real_split)
    # Its validators were not remembered: the next run fetches it in full instead of hearing "304, nothing new".
    assert run(cfg) == 0
    assert "if-none-match" not in faults.headers("/conditional")[1]
    assert dict(q("select source, count(*) from articles_versions group by source")) == {
        "feed-ok-rss": 3,
        "feed-conditional": 2,
    }
