"""Full pages: title, date, main content and credits found among the chrome (hand-written pages)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from etl import encoding, extract, page
from etl.entry import RejectError

NAV = "<nav>" + "".join(f"<a href='/c{i}'>栏目{i}</a>" for i in range(12)) + "</nav>"
SIDEBAR = (
    "<div class='sidebar'><h3>热门排行</h3><ul>"
    + "".join(f"<li><a href='/n{i}'>另一条新闻的标题第{i}条，点击阅读</a></li>" for i in range(10))
    + "</ul></div>"
)
FOOTER = "<footer><p>版权所有，某某网站，未经授权不得转载。联系电话：010-12345678</p></footer>"
PARAS = "".join(
    f"<p>第{i}段：记者了解到，这是一段足够长的正文内容，包含逗号，句号。以及更多的文字，用来构成文章主体。</p>"
    for i in range(6)
)


def html_page(head: str = "", body: str = "") -> str:
    return f"<html><head><meta charset='utf-8'>{head}</head><body>{body}</body></html>"


def entry_of(html: str, url: str | None = None) -> Any:
    return page.page_entry(html, key="k", url=url)


def record_of(html: str, url: str | None = None) -> dict[str, Any]:
    return extract.extract_post(entry_of(html, url), source="s")


def local(moment: dt.datetime | None) -> str | None:
    return moment.astimezone(dt.timezone(dt.timedelta(hours=8))).strftime("%Y-%m-%d %H:%M") if moment else None


def test_article_among_chrome() -> None:
    html = html_page(
        "<title>测试新闻标题_某某网</title>",
        NAV
        + "<div class='main'><h1>测试新闻标题</h1><div class='info'>2021-09-22 13:01 来源：某某日报 作者：王小明</div>"
        + f"<div class='article-body'>{PARAS}<p class='share'>分享到：微博 微信</p></div>"
        + "<div class='comment-list'><p>网友甲：说得好，支持，赞同，转发了。</p><p>网友乙：不同意，看法不同。</p></div></div>"
        + SIDEBAR
        + FOOTER,
    )
    rec = record_of(html)
    assert rec["title"] == "测试新闻标题"
    assert local(rec["published_at"]) == "2021-09-22 13:01"
    body = rec["body_text"].split("\n")
    assert len(body) == 6 and body[0].startswith("第0段") and body[-1].startswith("第5段")
    assert (rec["outlet"], rec["reporters"]) == ("某某日报", ["王小明"])  # from the byline line, which is not body
    assert "网友" not in rec["body_text"] and "热门" not in rec["body_text"]


@pytest.mark.parametrize(
    ("head", "body", "title"),
    [
        ("<title>标题甲 - 某某网</title>", "<h1>站点名称</h1><h1>标题甲</h1>", "标题甲"),  # the h1 that <title> shows
        ("<title>某某网</title><meta property='og:title' content='标题乙'>", "<h2>栏目</h2>", "标题乙"),
        ("<title>标题丙_某频道_某某网</title>", "", "标题丙"),
        ("<title>标题丁！</title><meta property='og:title' content='标题丁'>", "<h1>标题丁！</h1>", "标题丁！"),
        ("<title>某公司发布新款芯片-某某电子技术</title>", "", "某公司发布新款芯片"),
        ("<title>COVID-19 疫情最新通报</title>", "", "COVID-19 疫情最新通报"),
        ("<title>妈妈！ - 某站</title>", "<h1 class='title'>妈妈！</h1>", "妈妈！"),  # a short title still matches
        (
            "<title>新闻动态--某学会官网</title>",
            "<h5>学术年会在某地成功举行！</h5><div class='ly'>发布时间：2019-05-18</div>",
            "学术年会在某地成功举行！",
        ),
    ],
)
def test_titles(head: str, body: str, title: str) -> None:
    assert entry_of(html_page(head, body + f"<div class='content'>{PARAS}</div>")).title == title


@pytest.mark.parametrize(
    ("head", "body", "url", "when"),
    [
        ("<meta property='article:published_time' content='2021-09-22T13:01:34+08:00'>", "", None, "2021-09-22 13:01"),
        ("<meta name='og:time ' content='2019-09-07 08:05:32'>", "", None, "2019-09-07 08:05"),  # padded name
        (
            '<script type=\'application/ld+json\'>{"@type": "NewsArticle", "datePublished": "2020-01-03T10:13:00Z"}</script>',
            "",
            None,
            "2020-01-03 18:13",
        ),
        ("", "<time datetime='2019-11-25T11:01:53+08:00'>昨天</time>", None, "2019-11-25 11:01"),
        ("", "<div class='info'>发布时间：2021年9月22日 13:01</div>", None, "2021-09-22 13:01"),
        ("", "<div>2021-09-22 13:01</div>", None, "2021-09-22 13:01"),
        ("", "<div>发布时间：09-22 13:01</div>", "https://e.x/2021/0922/a.html", "2021-09-22 13:01"),  # year from URL
        (
            "<meta name='dateUpdate' content='2019-10-08 12:00:57'>",
            "<span>发布时间：10-08 12:00</span>",
            None,
            "2019-10-08 12:00",
        ),
        ("", "<span>发布时间：18-03-08 23:16</span>", None, "2018-03-08 23:16"),
        (
            "<meta name='dateUpdate' content='2019-10-08 12:00:57'>",
            "<span>发布时间：10-08</span><span>12:00</span>",
            None,
            "2019-10-08 12:00",
        ),
        ("", "<div>更新时间：2022-01-02 10:00</div><div>2021-12-31 09:00</div>", None, "2021-12-31 09:00"),
        ("<meta name='publishdate' content='2019-06-15'>", "<div>2019年06月15日08:18</div>", None, "2019-06-15 08:18"),
        ("", "<div>Posted on September 22, 2021</div>", None, "2021-09-22 00:00"),
        ('<script>var ct = "1581418070";</script>', "<div>前天</div>", None, "2020-02-11 18:47"),
        ("", "", "https://e.x/news/2021-09-22/a.html", "2021-09-22 00:00"),
    ],
)
def test_dates(head: str, body: str, url: str | None, when: str) -> None:
    html = html_page("<title>标题</title>" + head, "<h1>标题</h1>" + body + f"<div class='content'>{PARAS}</div>")
    assert local(entry_of(html, url).published_at) == when


def test_canonical_url() -> None:
    head = "<title>标题</title><link rel='canonical' href='https://e.example/a.html'>"
    html = html_page(head, f"<h1>标题</h1><div>{PARAS}</div>")
    assert entry_of(html).url == "https://e.example/a.html"
    assert entry_of(html, url="https://given.example/b").url == "https://given.example/b"


def test_a_date_in_the_title_is_not_the_publication_date() -> None:
    html = html_page(
        "<title>投稿日：2008.12.27 的回顾</title>",
        "<h1>投稿日：2008.12.27 的回顾</h1><div class='meta'>发布于：2022年9月26日</div>" + f"<div>{PARAS}</div>",
    )
    assert local(entry_of(html).published_at) == "2022-09-26 00:00"


def test_short_article_after_its_title() -> None:
    html = html_page(
        "<title>短讯 - 某站</title>",
        "<article><div class='meta-top'><h1>短讯</h1><div class='meta-box'>发布于：2022年9月26日</div></div>"
        "<div>只有一句话。</div><div class='footer'><p>本站内容遵循某某协议，转载请注明出处，谢谢合作。</p></div></article>",
    )
    rec = record_of(html)
    assert (rec["title"], rec["body_text"]) == ("短讯", "只有一句话。")


def test_a_page_without_an_article_is_rejected() -> None:
    html = html_page("<title>空页 - 某站</title>", "<article><h1>空页</h1><div></div></article>" + FOOTER)
    with pytest.raises(RejectError):
        record_of(html)


@pytest.mark.parametrize(
    "junk",
    [
        # a keyword dump for search engines: long, unpunctuated
        "<div>" + " ".join(f"关键词{i}" for i in range(3000)) + "</div>",
        # a carousel of teasers cut short
        "<div class='wx_slider'>"
        + "".join(f"<h3>另一篇文章{i}</h3><p>{'摘要内容，' * 20}...</p>" for i in range(8))
        + "</div>",
        # a disclaimer box as long as the article
        "<div class='statement'><p>【免责声明】本文仅代表作者本人观点，与本网站无关，本网站对文中陈述保持中立。</p></div>",
    ],
)
def test_main_content_is_not_fooled_by(junk: str) -> None:
    html = html_page("<title>标题</title>", f"<h1>标题</h1><div class='post-body'>{PARAS}</div>{junk}")
    assert record_of(html)["body_text"].startswith("第0段")
    assert "关键词" not in record_of(html)["body_text"]


def test_content_named_inside_chrome_is_found() -> None:
    html = html_page(
        "<title>标题</title>",
        f"<h1>标题</h1><div class='js_img_share_area'><div id='main_content'>{PARAS}</div></div>",
    )
    assert record_of(html)["body_text"].count("\n") == 5


def test_content_after_an_early_html_close() -> None:
    html = "<html><head><title>标题</title></head><body><div class='header'>站头</div></html>" + (
        f"<div class='content'><h1>标题</h1>{PARAS}</div></body></html>"
    )
    assert record_of(html)["body_text"].count("\n") == 5


def test_content_in_a_second_html_element() -> None:
    # Closed and opened again: lxml puts the second <html> beside the first, and both are read.
    html = "<html><head><title>标题</title></head><body><h1>标题</h1></body></html><!--end header-->" + (
        f"<html><div class='content'>{PARAS}</div></html>"
    )
    assert record_of(html)["body_text"].count("\n") == 5


def test_the_article_html_keeps_what_it_read() -> None:
    # Image addresses as written (lxml's serialiser would percent-escape them), chrome cut, text escaped.
    html = html_page(
        "<title>标题</title>",
        "<h1>标题</h1><div class='content'>"
        + PARAS
        + "<p><img src='/图 片.jpg?a=1&amp;b=2' alt='说明'>文字 &amp; &lt;符号&gt;，<script>x()</script>以及一句话。</p></div>",
    )
    entry = entry_of(html)
    assert "<script" not in entry.html and "<h1>" not in entry.html
    rec = extract.extract_post(entry, source="s")
    assert rec["images"] == [{"src": "/图 片.jpg?a=1&b=2", "caption": "说明"}]
    assert rec["body_text"].endswith("文字 & <符号>，以及一句话。")


def test_declared_author_is_a_reporter_when_the_text_names_none() -> None:
    head = "<title>标题</title><meta name='author' content='王小明'>"
    assert record_of(html_page(head, f"<h1>标题</h1><div>{PARAS}</div>"))["reporters"] == ["王小明"]
    site = "<title>标题</title><meta name='author' content='某某网'>"
    assert record_of(html_page(site, f"<h1>标题</h1><div>{PARAS}</div>"))["reporters"] == []


@pytest.mark.parametrize("codec", ["gb18030", "big5", "shift_jis", "utf-8"])
def test_encodings_decode_without_mojibake(codec: str) -> None:
    title = {"big5": "臺灣新聞標題", "shift_jis": "日本語のニュース"}.get(codec, "中文新闻标题")
    body = "".join(f"<p>{title}，第{i}段正文，這是內容。これは本文です，内容充实。</p>" for i in range(5))
    charset = "" if codec == "utf-8" else f"<meta charset='{codec}'>"
    html = f"<html><head>{charset}<title>{title}</title></head><body><h1>{title}</h1>{body}</body></html>"
    data = html.encode(codec, errors="ignore")
    entry = page.page_entry(encoding.decode(data), key="k")
    assert entry.title == title


def test_visible_dates_with_context_year() -> None:
    found = list(page.visible_dates("发布：09-22 13:01，另见 2021年9月23日 08:00", year=2021))
    assert [(s.day.isoformat(), s.time.isoformat() if s.time else None) for s in found] == [
        ("2021-09-22", "13:01:00"),
        ("2021-09-23", "08:00:00"),
    ]
    assert list(page.visible_dates("09-22 13:01")) == []  # no year, no date
