from __future__ import annotations

import datetime as dt

import pytest

from etl import extract, hexo
from etl.entry import Entry, RejectError

from .conftest import FIXTURES


def article(html: str, **kw: object) -> dict[str, object]:
    return extract.extract_post(Entry(key="k", html=html, **kw), source="s")  # type: ignore[arg-type]


def test_sina_post_every_field() -> None:
    entry = hexo.parse_post((FIXTURES / "sina_post.md").read_text(encoding="utf-8"), key="sina_post.md")
    rec = extract.extract_post(entry, source="s")
    assert rec["published_at"] == dt.datetime(2021, 9, 22, 13, 1, 34, tzinfo=dt.UTC)
    assert rec["outlet"] == "澎湃新闻"
    assert rec["reporters"] == ["赵一鸣"]
    assert rec["editor"] == "钱二"  # the staff code SF055 is dropped
    assert rec["proofreader"] == "孙小青"  # found inside the article_adlist comment
    assert rec["stock_codes"] == ["sh601818", "sz000061"]  # span ids and news_keyword_pub, sorted, once each
    assert rec["images"] == [
        {"src": "https://n.sinaimg.cn/test/w640h427/20210922/aaaa-lead.jpg", "caption": "某市经信委 供图"},
        {"src": "https://n.sinaimg.cn/test/w640h427/20210922/bbbb-second.jpg", "caption": ""},
    ]
    assert rec["body_text"] == "\n".join(
        [
            "澎湃新闻记者 赵一鸣",
            "测试段落一：某市提出，未来三年推动智能工厂建设，培育一批示范项目。",
            "测试段落二：光大银行等机构参与。",
            "测试段落三：下一步将加强统筹。",
        ]
    )
    assert rec["language"] == "zh-Hans"
    assert rec["char_count"] == len(rec["body_text"].replace("\n", "").replace(" ", ""))  # type: ignore[union-attr]
    assert rec["title"] == "测试：某市发布智能制造三年行动计划"


@pytest.mark.parametrize(
    ("html", "paragraphs"),
    [
        ("<p>一</p><p>二</p>", ["一", "二"]),
        ("<p>\u3000\u3000首行缩进\u3000</p>", ["首行缩进"]),
        ("<div>bare text<br>second line<br/><br/>third</div>", ["bare text", "second line", "third"]),
        ("<p>inline <b>bold</b><a href='#'>link</a> end</p>", ["inline boldlink end"]),
        ("<p>a   b\n\tc</p>", ["a b c"]),
        (
            "<table><caption>表</caption><tr><td> 个股 </td><td>涨幅</td></tr><tr><td>A</td><td>1%</td></tr></table>",
            ["个股 涨幅", "A 1%"],
        ),
        ("<ul><li>one</li><li>two</li></ul>", ["one", "two"]),
        ("<p>kept</p><style>.x{}</style><script>var a</script><!-- comment -->", ["kept"]),
        ("<p>kept</p><p></p><p> </p>", ["kept"]),
    ],
)
def test_paragraph_conventions(html: str, paragraphs: list[str]) -> None:
    assert article(html)["body_text"] == "\n".join(paragraphs)


@pytest.mark.parametrize(
    ("html", "outlet", "reporters", "editor", "dateline"),
    [
        ("<p>澎湃新闻记者 俞凯</p><p>正文</p>", "澎湃新闻", ["俞凯"], None, None),
        ("<p>本报记者 宋佳宁 曹一鸣</p><p>来源：经济参考报</p>", "经济参考报", ["宋佳宁", "曹一鸣"], None, None),
        ("<p>财联社（上海，编辑 潇湘）讯，正文。</p>", "财联社", [], "潇湘", "上海"),
        ("<p>财联社（ 深圳，记者 成孟琦）讯，正文。</p>", "财联社", ["成孟琦"], None, "深圳"),
        ("<p>中证网讯（记者 欧阳剑环）正文。</p>", "中证网", ["欧阳剑环"], None, None),
        ("<p>新华社北京9月22日电 正文。</p>", "新华社", [], None, "北京"),
        ("<p>作者：李超</p><p>正文</p><p>责任编辑：薛永玮</p>", None, ["李超"], "薛永玮", None),
    ],
)
def test_credits(html: str, outlet: str | None, reporters: list[str], editor: str | None, dateline: str | None) -> None:
    rec = article(html)
    assert (rec["outlet"], rec["reporters"], rec["editor"], rec["dateline"]) == (outlet, reporters, editor, dateline)


def test_visible_source_line_wins_over_comment() -> None:
    rec = article("<p>来源：中国证券报</p><p>正文</p><!--article_adlist[<p>来源：微博</p>]article_adlist-->")
    assert rec["outlet"] == "中国证券报"
    assert article("<p>正文</p><!--article_adlist[<p>来源：微博</p>]article_adlist-->")["outlet"] == "微博"


def test_editor_box_is_not_body() -> None:
    rec = article('<p>正文</p><p class="article-editor">责任编辑：王翔</p>')
    assert rec["body_text"] == "正文" and rec["editor"] == "王翔"
    # LABELS.md leaves out the p.article-editor box only: an editor line written as article text stays.
    rec = article("<p>正文</p><p>责编：孙某某</p>")
    assert rec["body_text"] == "正文\n责编：孙某某" and rec["editor"] == "孙某某"


@pytest.mark.parametrize(
    ("html", "codes"),
    [
        ('<span id="stock_sh601818"><a>光大银行</a></span>', ["sh601818"]),
        (
            '<a class="trsHotWords" code="000858">五粮液</a><a class="trsHotWords" code="600519">茅台</a>',
            ["sh600519", "sz000858"],
        ),
        ("<p>x</p><!-- news_keyword_pub,stock,sz300750&sh600482 -->", ["sh600482", "sz300750"]),
        ("<p>x</p><!-- news_keyword_pub,stock, -->", []),
    ],
)
def test_stock_codes(html: str, codes: list[str]) -> None:
    assert article("<p>正文</p>" + html)["stock_codes"] == codes


def test_images_skip_promos_and_keep_captions() -> None:
    rec = article(
        "<p>正文</p>"
        '<figure><img src="https://e.x/a.jpg" alt="alt text"><figcaption>Figure caption</figcaption></figure>'
        '<img src="https://e.x/b.png" alt="image">'
        '<img src="data:image/gif;base64,R0lGOD">'
        '<div class="appendQr_wrap"><img src="https://e.x/qr.png"></div>'
        '<img src="https://e.x/qrcode_app.png">'
    )
    assert rec["images"] == [
        {"src": "https://e.x/a.jpg", "caption": "Figure caption"},
        {"src": "https://e.x/b.png", "caption": "image"},
    ]
    assert rec["body_text"] == "正文"  # the figcaption is a caption, not body


def test_empty_article_is_rejected() -> None:
    with pytest.raises(RejectError, match="empty body"):
        article("<div>  <!-- only a comment --> </div>")


@pytest.mark.parametrize(
    ("body", "language"),
    [
        ("这是一个关于经济发展的新闻报道，内容来自国内媒体。", "zh-Hans"),
        ("這是一個關於經濟發展的新聞報導，內容來自國內媒體。", "zh-Hant"),
        ("Apple shares closed at a record high on Monday after strong results.", "en"),
        ("アップルの株価は月曜日に過去最高値で取引を終えました。", "ja"),
    ],
)
def test_language(body: str, language: str) -> None:
    assert article(f"<p>{body}</p>")["language"] == language


def test_article_id_is_stable_and_url_based() -> None:
    a = article("<p>x</p>", url="https://e.x/a#top", title="T")
    b = article("<p>y</p>", url="https://e.x/a", title="Other")
    assert a["article_id"] == b["article_id"]
    when = dt.datetime(2021, 9, 22, tzinfo=dt.UTC)
    c = article("<p>x</p>", title="Same  title", published_at=when)
    d = article("<p>x</p>", title="Same title", published_at=when)
    assert c["article_id"] == d["article_id"] != a["article_id"]
    assert c["content_hash"] == article("<p> x </p>", title="t")["content_hash"]
