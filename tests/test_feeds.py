"""Feeds: parsing each format, and an rss source fetched from a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from etl import cli, feeds
from etl.entry import RejectError

from .faultserver import ENTITY_BOMB, MALFORMED, RSS091, RSS10, XXE
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


# --- hostile and unusual feeds ------------------------------------------------------------------------------------


def test_rss_091_and_rss_10_without_guid_link_or_date() -> None:
    (old,) = feeds.parse_feed(RSS091, content_type="text/xml").items
    assert old.title == "rss091 first item" and "café" in old.html and old.link == "https://news.example.com/rss091/1"
    dated, undated = feeds.parse_feed(RSS10).items
    assert dated.published_at == dt.datetime(2021, 9, 22, 2, tzinfo=dt.UTC)
    assert undated.published_at is None and undated.link is None
    # No guid, no link, no date: the id is stable, and the same whatever else the feed holds.
    assert undated.key.startswith("sha256:") and undated.key == feeds.parse_feed(RSS10).items[1].key
    alone = RSS10.replace(b"<item><title>rss10 #1", b"<item><title>rss10 #0")
    assert feeds.parse_feed(alone).items[1].key == undated.key


def test_repeated_guids_get_keys_of_their_own() -> None:
    doc = RSS.replace("<guid>https://e.x/1</guid>", "<guid>same</guid>").replace("<link>https://e.x/2</link>", "")
    doc = doc.replace("<title>第二条</title>", "<title>第二条</title><guid>same</guid>")
    keys = [i.key for i in feeds.parse_feed(doc.encode()).items]
    assert keys[0] == "same" and keys[1].startswith("same#") and len(set(keys)) == 3
    twice = RSS.replace("</channel>", RSS[RSS.index("<item>") : RSS.index("</item>") + 7] + "</channel>")
    assert len(feeds.parse_feed(twice.encode()).items) == 3  # an exact repeat is one item


def test_malformed_xml_yields_what_can_be_recovered() -> None:
    feed = feeds.parse_feed(MALFORMED)
    assert [i.title for i in feed.items] == ["malformed #1 & more", "malformed #2<b>"]
    assert feed.problem is not None and feed.problem.startswith("malformed XML") and "2 items recovered" in feed.problem
    assert feeds.parse_feed(RSS.encode()).problem is None


@pytest.mark.parametrize(
    ("doc", "reason"),
    [
        (ENTITY_BOMB, "entity expansion"),
        (XXE, r"external entity 'secret' \(XXE\)"),
        (
            b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY % p SYSTEM "http://x.example/e.dtd"> %p;]><rss/>',
            "external entity 'p'",
        ),
        (b'<!DOCTYPE r [<!ENTITY big "' + b"x" * 5000 + b'">]><rss version="2.0"><channel/></rss>', "long text"),
        (b'<!DOCTYPE r [<!ENTITY a "&#x26;b;"><!ENTITY b "x">]><rss/>', "more entities"),
        (b'<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd" NDATA n>]><rss/>', "external entity"),
        (b"<!DOCTYPE r [<!ENTITY % p \"<!ENTITY q 'x'>\"> %p;]><rss/>", "parameter entity 'p'"),
        (b"<!DOCTYPE r [<!-- <p> --> <!ENTITY a SYSTEM 'http://x.example/' ", "unreadable DTD"),
        (ENTITY_BOMB.decode().encode("utf-16"), "entity expansion"),
        (ENTITY_BOMB.replace(b'<?xml version="1.0"?>', b'<?xml version="1.0" encoding="gbk"?>'), "entity expansion"),
    ],
)
def test_entity_bombs_and_external_entities_are_refused(doc: bytes, reason: str) -> None:
    with pytest.raises(RejectError, match=f"refused: .*{reason}"):
        feeds.parse_feed(doc)


def test_short_literal_entities_are_allowed() -> None:
    doc = RSS091.replace(b"<rss ", b'<!DOCTYPE rss [<!ENTITY nbsp "&#160;">]>\n<rss ', 1).replace(b"\r\n", b"\n")
    doc = doc.replace(b"<!DOCTYPE rss PUBLIC", b"<!-- ", 1).replace(b'rss-0.91.dtd">', b"rss-0.91.dtd -->", 1)
    doc = doc.replace(b"first item", b"first&nbsp;item")
    (item,) = feeds.parse_feed(doc).items
    assert item.title == "rss091 first\xa0item"


def test_a_body_naming_a_local_file_is_not_read_from_disk(tmp_path: Path) -> None:
    secret = tmp_path / "feed.xml"
    secret.write_bytes(RSS.encode())
    with pytest.raises(RejectError, match="malformed feed"):
        feeds.parse_feed(str(secret).encode())


@pytest.mark.parametrize(
    "doc",
    [
        {"items": [{"id": 7, "title": ["not", "text"], "url": {"x": 1}, "tags": "abc", "image": 3}]},
        {"items": [{"content_text": "line one <b>\nline two", "authors": [{"name": "甲"}], "date_published": 5}]},
        {"items": [None, "x", 1, {}]},
    ],
)
def test_json_feed_fields_of_the_wrong_type_are_ignored(doc: dict[str, object]) -> None:
    for item in feeds.parse_feed(json.dumps(doc).encode()).items:
        assert isinstance(item.key, str) and isinstance(item.html, str)
        assert all(isinstance(v, str | None) for v in (item.title, item.link, item.author, item.image))
        assert all(isinstance(c, str) for c in item.categories)
    with pytest.raises(RejectError, match="malformed JSON Feed"):
        feeds.parse_feed(b"[" * 100_000)


def test_json_feed_plain_text_is_escaped() -> None:
    doc = {"items": [{"id": "1", "content_text": "a <b> c\n\nnext", "authors": [{"name": "甲"}]}]}
    (item,) = feeds.parse_feed(json.dumps(doc).encode()).items
    assert (item.html, item.author) == ("<p>a &lt;b&gt; c</p><p>next</p>", "甲")
