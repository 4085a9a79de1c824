"""Mutated posts, feeds and pages through clean and extract, as the pipeline runs them (Source.split, then
extract.extract_post, then the articles table): nothing crashes, and every input becomes articles or rejects with
a reason.

1,000 mutated documents by default, the same ones on every run; ETL_MUTATION_EXAMPLES=20000 ETL_MUTATION_RANDOM=1
explores further. A failure prints the smallest document Hypothesis found that still fails.
"""

from __future__ import annotations

import collections
import datetime as dt
import os
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from etl import extract, feeds, schema, sources
from etl.config import SourceConfig
from etl.entry import RejectError
from etl.raw import RawDoc
from etl.settings import Settings

from .conftest import FIXTURES
from .faultserver import ATOM, ENTITY_BOMB, JSON_FEED, MALFORMED, RSS091, RSS10, page, rss

EXAMPLES = int(os.environ.get("ETL_MUTATION_EXAMPLES", "1000"))
NOW = dt.datetime(2021, 9, 22, 12, tzinfo=dt.UTC)

POST = """---
title: 测试标题 &amp; 更多
date: 2021-09-22 10:00:00
categories:
- 财经
- 新浪财经 - 国内
link: https://news.example.com/post/1
---
<p>记者 王五 报道</p><p>这是正文的第一段，讲述了一件事情。</p><!-- 校对：刘六 --><p>（来源：澎湃新闻）</p>
<p><img src="https://img.example.com/1.jpg"><span class="img-caption">图注</span></p><p>sh600000 浦发银行</p>
"""

SEEDS: dict[str, tuple[str, bytes]] = {
    "post": ("hexo", POST.encode()),
    "post-fixture": ("hexo", (FIXTURES / "sina_post.md").read_bytes()),
    "rss": ("rss", rss("m", n=3)),
    "rss-gbk": ("rss", rss("gbk", encoding="gb18030", declare="gb2312")),
    "rss091": ("rss", RSS091),
    "rss10": ("rss", RSS10),
    "atom": ("rss", ATOM),
    "json": ("rss", JSON_FEED),
    "malformed": ("rss", MALFORMED),
    "page-gbk": ("pages", page("页面", "gb18030", None)),
    "page-big5": ("pages", page("頁面", "big5", "big5")),
    "page-utf8": ("pages", page("page", "utf-8", "utf-8")),
}
HOSTILE = [
    b"\x00",
    b"\xff\xfe",
    b"\xef\xbb\xbf",
    b"\xe4\xb8",
    "𠀀\u202e\ufffe".encode(),
    b"]]>",
    b"<![CDATA[",
    b"</",
    b"<script>alert(1)</script>",
    b"<style>p{}</style>",
    b"&#xD800;&#0;&#1114112;",
    b"&nbsp;&amp;&lt;&undefined;",
    b"---\n",
    b"title: [x\n",
    b"date: 2021-02-30\n",
    b'{"items": [',
    b'"date_published": 5,',
    b"<p>" * 50,
    b"<div><table><tr><td>",
    b"<img src=javascript:x>",
    b"<meta charset=big5>",
    b'<?xml version="1.0" encoding="shift_jis"?>',
    ENTITY_BOMB[:120],
    b"<!-- \xe6\xa0\xa1\xe5\xaf\xb9\xef\xbc\x9a -->",
    b"<item><title></title></item>",
    b"<entry></entry>",
]
CODECS = ["gb18030", "big5", "cp932", "utf-16", "latin-1", "utf-8-sig"]


@st.composite
def mutated(draw: st.DrawFn) -> tuple[str, bytes]:
    name = draw(st.sampled_from(sorted(SEEDS)))
    data = bytearray(SEEDS[name][1])
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["flip", "insert", "hostile", "delete", "truncate", "duplicate", "reencode"]))
        at = draw(st.integers(0, len(data)))
        if op == "flip" and data:
            data[min(at, len(data) - 1)] ^= 1 << draw(st.integers(0, 7))
        elif op == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=32))
        elif op == "hostile":
            data[at:at] = draw(st.sampled_from(HOSTILE))
        elif op == "delete":
            del data[at : at + draw(st.integers(1, 200))]
        elif op == "truncate":
            del data[at:]
        elif op == "duplicate":
            data[at:at] = data[at : at + draw(st.integers(1, 400))]
        elif op == "reencode":
            text = bytes(data).decode("utf-8", errors="replace")
            data = bytearray(text.encode(draw(st.sampled_from(CODECS)), errors="replace"))
    return name, bytes(data)


def _sources(tmp: Path) -> dict[str, sources.Source]:
    settings = Settings(data_dir=tmp, config_path=tmp / "sources.yml")
    return {
        "hexo": sources.build(SourceConfig("m-hexo", "hexo", path=tmp), settings),
        "rss": sources.build(SourceConfig("m-rss", "rss", url="https://news.example.com/feed"), settings),
        "pages": sources.build(SourceConfig("m-pages", "pages", path=tmp), settings),
    }


def clean_and_extract(source: sources.Source, data: bytes) -> list[str]:
    """What the pipeline does with a landed document; the outcome of each of its items ("article" or a reason)."""
    uri = "https://news.example.com/a/1.html" if source.kind == "pages" else "https://news.example.com/feed"
    doc = RawDoc(source=source.name, uri=uri, fetched_at=NOW, data=data)
    outcomes = []
    for split in source.split(doc, "post.md" if source.kind == "hexo" else None):
        if split.entry is None:
            assert split.error and split.error.strip(), "a reject without a reason"
            outcomes.append(split.error)
            continue
        try:
            record = extract.extract_post(split.entry, source.name)
        except RejectError as exc:
            assert str(exc).strip(), "a reject without a reason"
            outcomes.append(str(exc))
            continue
        record.update(fetched_at=NOW, date_inferred=record["published_at"] is None, raw_sha256=doc.sha256)
        assert schema.to_table([record], schema.ARTICLES).num_rows == 1  # it loads
        outcomes.append("article")
    return outcomes


def test_mutated_documents_are_extracted_or_rejected_with_a_reason(tmp_path: Path) -> None:
    by_kind = _sources(tmp_path)
    seen: collections.Counter[str] = collections.Counter()

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=not os.environ.get("ETL_MUTATION_RANDOM"),
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(mutated())
    def check(case: tuple[str, bytes]) -> None:
        name, data = case
        kind = SEEDS[name][0]
        outcomes = clean_and_extract(by_kind[kind], data)
        if not outcomes:
            # Only a feed may hold nothing: then it must read as a well-formed, empty feed.
            assert kind == "rss", f"{name}: no article and no reason"
            assert feeds.parse_feed(data).items == []
        seen[kind] += 1

    check()
    assert sum(seen.values()) >= EXAMPLES and min(seen.values()) >= EXAMPLES // 10, seen
