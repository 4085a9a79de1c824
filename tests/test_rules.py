"""Every site rule of etl.rules, and the generic cleaning rules, on small hand-written fixtures."""

from __future__ import annotations

import re
from typing import Any

import pytest

from etl import extract, rules
from etl.entry import Entry


def post(html: str, feed: str | None = None, **kw: Any) -> dict[str, Any]:
    return extract.extract_post(Entry(key="k", html=html, feed=feed, **kw), source="s")


# One case per site rule (name, feed, html, expected fields). The test below fails when a rule has no case.
SITE_CASES: list[tuple[str, str, str, dict[str, Any]]] = [
    (
        "sina",
        "新浪财经/新浪财经－国內",
        '<blockquote class="fin_reference"><p>【相关报道】</p><p><a href="/x">旧闻一则</a></p></blockquote>'
        '<div class="artical-player-wrap"><div>视频加载中，请稍候...</div>'
        '<img src="https://n.example/thumb.jpg" alt="缩略图"></div>'
        '<div class="video-2017"></div>'
        "<p>　　测试正文：某地发布新规。</p>"
        '<div class="img_wrapper"><img src="https://n.example/a.jpg" alt="替代文字"><span class="img_descr">图片说明 供图</span></div>'
        '<p class="article-editor">责任编辑：甲乙丙 SF001</p>',
        {
            "body_text": "测试正文：某地发布新规。",
            "images": [{"src": "https://n.example/a.jpg", "caption": "图片说明 供图"}],
            "editor": "甲乙丙",
        },
    ),
    (
        "cls",
        "财联社/深度",
        "<p><strong>财联社（上海，编辑 某某）讯，</strong>测试正文第一段。</p><p>第二段。</p>",
        {"outlet": "财联社", "editor": "某某", "dateline": "上海", "reporters": []},
    ),
    (
        "stcn",
        "证券时报网/数据",
        "<p>证券时报•数据宝统计显示，测试数据若干。 （数据宝）</p>"
        "<table><tr><td>代码</td><td>简称</td></tr>"
        '<tr><td>600000</td><td><a class="trsHotWords" code="600000" href="https://x/?stockcode=SS600000">某银行</a></td></tr>'
        "</table>注：本文系新闻报道。"
        '<div class="fenlei1">股东风向</div><div class="fenlei2">增持、减持</div>',
        {
            "outlet": "数据宝",
            "stock_codes": ["sh600000"],
            "body_text": "证券时报•数据宝统计显示，测试数据若干。 （数据宝）\n代码 简称\n600000 某银行\n注：本文系新闻报道。",
        },
    ),
    (
        "cs",
        "中证网/资讯",
        "<p>中证网讯（记者 张某某）测试正文。</p>",
        {"outlet": "中证网", "reporters": ["张某某"]},
    ),
    (
        "nbd",
        "每经网/分类",
        "<p>每经编辑 李某</p><p>测试正文。</p><p>每日经济新闻综合某报、某网</p>",
        {"outlet": "每日经济新闻", "editor": "李某", "reporters": []},
    ),
    (
        "ithome",
        "IT 之家/热榜",
        '<div class="tougao-user">感谢网友 <a href="#">某人</a> 的线索投递！</div>'
        '<p><a class="s_tag" href="https://www.ithome.com/">IT之家</a> 9 月 26 日消息，测试正文。</p>',
        {"outlet": "IT之家", "body_text": "感谢网友 某人 的线索投递！\nIT之家 9 月 26 日消息，测试正文。"},
    ),
    (
        "zhihu-daily",
        "知乎/知乎日报",
        '<div class="question">问题的描述？<div class="answer"><strong>'
        '<img class="avatar" src="https://pic.example/a_l.jpg"><span class="author">某答主，</span>'
        '<span class="bio">某领域从业者</span><a href="https://z.example/1" class="originUrl" hidden>查看知乎原文</a>'
        '</strong><div class="content"><p>回答正文。</p></div></div></div>'
        '<div class="view-more"><a href="https://z.example/q">查看知乎讨论</a></div>',
        {"body_text": "问题的描述？\n回答正文。", "images": [], "reporters": []},
    ),
    (
        "36kr",
        "36kr/快讯",
        "<div>据报道，某工厂今日发生火情，暂无人员伤亡。（某某科技）</div>",
        {"outlet": "某某科技"},
    ),
    (
        "9to5",
        "9To5/9To5 分站",
        "<p>Body text of the story.</p>"
        '<h2 id="h-read-also">Read also:</h2><ul><li><a href="/x">Another story</a></li></ul>'
        '<h2 id="h-follow">Follow my work</h2><p>You can follow more of my work on <em>ExampleMac</em> and X!</p>'
        '<div class="ad-disclaimer-container"><p class="disclaimer-affiliate"><em>FTC: We use links.</em></p>'
        '<a href="/ad"><img src="https://e.example/BannerAd.jpg"></a></div>',
        {"body_text": "Body text of the story.", "outlet": "ExampleMac", "images": []},
    ),
    (
        "aljazeera",
        "Aljazeera 半岛网/新闻",
        '<p>正文一段。</p><figure class="wp-caption"><img src="https://a.example/1.jpg" alt>(路透)</figure>',
        {
            "body_text": "正文一段。",
            "images": [{"src": "https://a.example/1.jpg", "caption": "(路透)"}],
            "outlet": None,
        },
    ),
    (
        "touhou-garakuta",
        "二次元/东方我乐多丛志/文章",
        "<p>东方我乐多丛志翻译团队整理的本月新闻。</p><p>正文。</p>",
        {"outlet": "东方我乐多丛志"},
    ),
]


def test_every_site_rule_has_a_case() -> None:
    assert {rule.name for rule in rules.SITES} == {case[0] for case in SITE_CASES}


@pytest.mark.parametrize(("name", "feed", "html", "expected"), SITE_CASES, ids=[c[0] for c in SITE_CASES])
def test_site_rule(name: str, feed: str, html: str, expected: dict[str, Any]) -> None:
    assert rules.site_for(feed, None).name == name
    rec = post(html, feed=feed)
    assert {key: rec[key] for key in expected} == expected


def test_site_is_chosen_by_url_too_and_unknown_sites_are_generic() -> None:
    assert rules.site_for(None, "https://finance.sina.com.cn/x.shtml").name == "sina"
    assert rules.site_for("某个新站/栏目", "https://new.example/a") is rules.GENERIC


def test_a_site_rule_applies_to_its_family_only() -> None:
    html = '<p>正文。</p><div class="fenlei1">栏目名</div>'
    assert post(html, feed="证券时报网/快讯")["body_text"] == "正文。"
    assert post(html, feed="别的网站/栏目")["body_text"] == "正文。\n栏目名"


@pytest.mark.parametrize(
    ("html", "body"),
    [
        ('<p>正文</p><p hidden>隐藏</p><p style="display: none">不显示</p><p aria-hidden="true">读屏不读</p>', "正文"),
        ('<p>正文</p><div class="app-kaihu-qr"><span>扫码开户</span><img src="https://e.x/p.png"></div>', "正文"),
        ('<p>正文</p><div class="share-box">分享到</div><div class="related-news">相关</div>', "正文"),
        ('<p>正文</p><div class="live-player">直播</div><div class="top-qr-code">二维码</div>', "正文"),
        ("<p>正文</p><h3>相关阅读</h3><p>链接一</p><p>链接二</p><h3>后记</h3><p>尾声</p>", "正文\n后记\n尾声"),
        ("<p>正文</p><p>扫描下方二维码关注我们</p><p>炒股就看金麒麟分析师研报</p>", "正文"),
        ("<p>正文</p><p>责编：某某</p>", "正文\n责编：某某"),  # an editor line written as text stays (LABELS.md)
        ("<p>正文</p><!-- 注释里的文字 --><style>.a{}</style><script>x()</script>", "正文"),
        ("<table><caption>表题</caption><tr><td>甲<br>乙</td><td> 丙 </td></tr></table>", "甲 乙 丙"),
        ("<div>第一行<br>第二行<br><br>第三行</div>", "第一行\n第二行\n第三行"),
        ("<form><p>表单里的正文</p><input value='不要'><button>提交</button></form>", "表单里的正文"),
    ],
)
def test_generic_cleaning(html: str, body: str) -> None:
    assert post(html)["body_text"] == body


@pytest.mark.parametrize(
    ("html", "images"),
    [
        (
            '<img src="data:image/gif;base64,AA" data-src="https://e.x/lazy.jpg" alt="懒加载">',
            [("https://e.x/lazy.jpg", "懒加载")],
        ),
        ('<img src="https://e.x/a.jpg" alt="  alt  text ">', [("https://e.x/a.jpg", "alt text")]),
        (
            '<figure><img src="https://e.x/f.jpg" alt="alt"><figcaption>图注 文字</figcaption></figure>',
            [("https://e.x/f.jpg", "图注 文字")],
        ),
        (
            '<img src="https://e.x/qrcode.png"><img src="https://e.x/w2h2/t.gif"><img src="https://e.x/a.png">',
            [("https://e.x/a.png", "")],
        ),
        ('<img class="avatar" src="https://e.x/me.jpg"><img src="https://e.x/b.jpg">', [("https://e.x/b.jpg", "")]),
    ],
)
def test_images(html: str, images: list[tuple[str, str]]) -> None:
    rec = post("<p>正文</p>" + html)
    assert [(i["src"], i["caption"]) for i in rec["images"]] == images
    assert rec["body_text"] == "正文"


@pytest.mark.parametrize(
    ("html", "codes"),
    [
        ('<a href="https://finance.example/realstock/company/sz300750/nc.shtml">公司</a>', ["sz300750"]),
        ('<a href="https://info.example/?stockcode=SS600754">公司</a>', ["sh600754"]),
        ("<p>x</p><!-- news_keyword_pub,usstock,AAPL&WB -->", ["usaapl", "uswb"]),
    ],
)
def test_stock_codes_from_links_and_comments(html: str, codes: list[str]) -> None:
    assert post("<p>正文</p>" + html)["stock_codes"] == codes


def test_publisher_keywords_come_from_the_keyword_comment() -> None:
    rec = post("<p>锂电池产能扩张，锂电池价格回落。</p><!-- news_keyword_pub,topic,锂电池&储能 -->")
    assert rec["keywords"] == ["锂电池", "储能"]


def test_a_stock_keyword_comment_gives_stock_codes_not_keywords() -> None:
    rec = post("<p>锂电池产能扩张，锂电池价格回落，储能订单增长。</p><!-- news_keyword_pub,stock,sz000001&sh600000 -->")
    assert rec["stock_codes"] == ["sh600000", "sz000001"]
    assert "锂电池" in rec["keywords"]
    assert not {"sz000001", "sh600000"} & set(rec["keywords"])


def test_selectors_reject_what_they_cannot_match() -> None:
    with pytest.raises(ValueError, match="unsupported selector"):
        rules.Selectors.compile({"div > p": "drop"})
    compiled = rules.Selectors.compile({"p.x": "credit", "#y": "drop", "[data-z=1]": "caption"})
    assert compiled.kind("p", {"class": ["x"]}) == "credit"
    assert compiled.kind("div", {"class": ["x"]}) is None
    assert compiled.kind("div", {"id": "y"}) == "drop"
    assert compiled.kind("span", {"data-z": "1"}) == "caption"
    assert compiled.kind("span", {"data-z": "2"}) is None


def test_rules_are_compiled_once_per_site() -> None:
    assert rules.selectors_for(rules.SITES[0]) is rules.selectors_for(rules.SITES[0])
    assert all(isinstance(p, re.Pattern) for p in rules.BOILERPLATE)
