"""Feeds: parsing each format, and an rss source fetched from a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from etl import cli, feeds
from etl.entry import RejectError

from .test_pipeline import q

RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>测试频道</title><link>https://e.x/</link>
<item><title>第一条</title><link>https://e.x/1</link><guid>https://e.x/1</guid>
<pubDate>Wed, 22 Sep 2021 13:01:34 GMT</pubDate>
<description><![CDATA[<p>澎湃新闻记者 王五</p><p>第一条正文。</p>]]></description></item>
<item><title>第二条</title><link>https://e.x/2</link>
<pubDate>Tue, 21 Sep 2021 02:00:00 GMT</pubDate>
<description><![CDATA[<p>第二条正文。</p>]]></description></item>
<item><title>没有链接</title><description><![CDATA[<p>第三条正文。</p>]]></description></item>
</channel></rss>"""

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Atom</title>
<entry><id>tag:e.x,2021:1</id><title>Entry</title><link href="https://e.x/a"/>
<updated>2021-09-22T13:01:34Z</updated><content type="html">&lt;p&gt;Body text.&lt;/p&gt;</content></entry>
</feed>"""

JSON_FEED = json.dumps(
    {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "J",
        "items": [
            {
                "id": "j1",
                "url": "https://e.x/j1",
                "title": "J1",
                "content_html": "<p>JSON body</p>",
                "date_published": "2021-09-22T13:01:34Z",
                "tags": ["t"],
            }
        ],
    }
)


def test_rss_items() -> None:
    feed = feeds.parse_feed(RSS.encode())
    assert feed.title == "测试频道"
    assert [i.key for i in feed.items[:2]] == ["https://e.x/1", "https://e.x/2"]
    assert feed.items[0].published_at == dt.datetime(2021, 9, 22, 13, 1, 34, tzinfo=dt.UTC)
    # No guid, no link, no date: still a stable id, the same on every parse.
    assert feed.items[2].key.startswith("sha256:") and feed.items[2].key == feeds.parse_feed(RSS.encode()).items[2].key
    assert feed.items[2].published_at is None


def test_atom_and_json_feed() -> None:
    (atom,) = feeds.parse_feed(ATOM.encode()).items
    assert (atom.key, atom.link, atom.html) == ("tag:e.x,2021:1", "https://e.x/a", "<p>Body text.</p>")
    (item,) = feeds.parse_feed(JSON_FEED.encode()).items
    assert (item.key, item.categories, item.published_at.year if item.published_at else None) == ("j1", ["t"], 2021)


@pytest.mark.parametrize("data", [b"", b"not xml at all", b"{broken json", b"<html><body>a page</body></html>"])
def test_unreadable_feeds_are_rejected(data: bytes) -> None:
    with pytest.raises(RejectError, match="malformed"):
        feeds.parse_feed(data)


def test_rss_source_over_http(data_dir: Path, tmp_path: Path, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/feed").respond_with_data(RSS, content_type="application/rss+xml; charset=utf-8")
    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
    cfg = tmp_path / "rss.yml"
    cfg.write_text(
        f"sources:\n  - name: live\n    kind: rss\n    url: {httpserver.url_for('/feed')}\n"
        "    allow_private_network: true\n",
        encoding="utf-8",
    )
    assert cli.main(["run", "--config", str(cfg), "--date", "2021-09-22", "--date", "2021-09-21"]) == 0
    rows = q("select dt, title, url, outlet, reporters from articles order by dt")
    assert rows == [
        (dt.date(2021, 9, 21), "第二条", "https://e.x/2", None, []),
        (dt.date(2021, 9, 22), "第一条", "https://e.x/1", "澎湃新闻", ["王五"]),
    ]
    raw = list((data_dir / "raw" / "live").rglob("*.json"))
    meta = json.loads(raw[0].read_text())
    assert meta["uri"] == httpserver.url_for("/feed") and meta["status"] == 200
    assert meta["headers"]["content-type"].startswith("application/rss+xml")


def test_private_address_refused_unless_allowed(data_dir: Path, tmp_path: Path, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/feed").respond_with_data(RSS)
    cfg = tmp_path / "rss.yml"
    cfg.write_text(f"sources:\n  - name: live\n    kind: rss\n    url: {httpserver.url_for('/feed')}\n")
    assert cli.main(["run", "--config", str(cfg), "--date", "2021-09-22"]) == 1
    ((reason,),) = q("select reason from rejects where stage = 'fetch'")
    assert "private address" in reason
