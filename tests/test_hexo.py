from __future__ import annotations

import datetime as dt

import pytest

from etl import hexo
from etl.entry import RejectError

BODY = "<div><p>正文。</p></div>\n"


def post(front: str, body: str = BODY) -> str:
    return f"\n---\n{front.strip()}\n---\n\n{body}"


@pytest.mark.parametrize(
    ("title_yaml", "expected"),
    [
        ("title: '上海：数字化转型'", "上海：数字化转型"),
        ("title: 上海：数字化转型", "上海：数字化转型"),
        ("title: ' '", ""),
        ("title: '证监会：进一步规范\n  私募基金管理人登记'", "证监会：进一步规范 私募基金管理人登记"),
        ('title: """""\'LPR短期内将继续保持稳定\'"""""', "LPR短期内将继续保持稳定"),
        ("title: 'A &amp; B &#123;x&#125;'", "A & B {x}"),
    ],
)
def test_title_variants(title_yaml: str, expected: str) -> None:
    entry = hexo.parse_post(post(f"{title_yaml}\ndate: Invalid Date"), key="k")
    assert entry.title == expected


def test_categories_feed_and_images() -> None:
    text = post(
        """
title: t
categories:
 - 金融
 - 新浪财经 - 新浪财经－国內
headimg: 'https://picsum.photos/400/300?random=1'
thumbnail: 'https://n.sinaimg.cn/real/lead.jpg'
date: Wed, 22 Sep 2021 13:01:34 GMT
"""
    )
    entry = hexo.parse_post(text, key="post/金融/新浪财经 - 新浪财经－国內/t.md")
    assert entry.categories == ["金融", "新浪财经 - 新浪财经－国內"]
    assert entry.feed == "新浪财经/新浪财经－国內"
    assert entry.head_image == "https://n.sinaimg.cn/real/lead.jpg"  # the picsum placeholder is not an image
    assert entry.published_at == dt.datetime(2021, 9, 22, 13, 1, 34, tzinfo=dt.UTC)


def test_local_dates_are_shanghai_time() -> None:
    entry = hexo.parse_post(post("title: t\ndate: 2021-09-22 09:32:10"), key="k")
    assert entry.published_at == dt.datetime(2021, 9, 22, 1, 32, 10, tzinfo=dt.UTC)


def test_braces_are_unescaped_in_the_body() -> None:
    entry = hexo.parse_post(post("title: t\ndate: Invalid Date", "<p>&#123;a&#125;</p>"), key="k")
    assert "{a}" in entry.html and entry.published_at is None


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("no front matter here", "no YAML front matter"),
        (post("title: [unclosed\ndate: x"), "broken YAML front matter"),
        (post("- just\n- a list"), "not a mapping"),
        (post("title: t\ndate: 32 Septober 2021"), "unparseable date"),
        (post("title: t\ndate: Invalid Date", "   \n"), "empty body"),
        ("\x00\x01binary", "binary content"),
    ],
)
def test_rejects_with_reason(text: str, reason: str) -> None:
    with pytest.raises(RejectError, match=reason):
        hexo.parse_post(text, key="k")
