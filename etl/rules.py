"""Extraction rules kept as data: selectors and patterns, generic first, then one row per site family.

The extractor reads these tables; adding a site means adding a row here, not code. Selectors are a small subset
of CSS (`tag`, `.class`, `#id`, `[attr]`, `[attr=value]`, and a tag joined to one of the others) so that one walk
over the tree can test every element against all of them at once (`Selectors.kind`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Literal

# Elements whose content is never article text.
DROP_TAGS = frozenset(
    "script style noscript iframe template svg canvas button input select textarea video audio object "
    "embed head title meta link map area".split()
)

# Elements that start a paragraph (LABELS.md: block elements start one).
BLOCK_TAGS = frozenset(
    "p div h1 h2 h3 h4 h5 h6 li ul ol dl dt dd blockquote figure figcaption section article header footer "
    "aside nav main pre address hr center details summary table tr".split()
)
HEADING_TAGS = frozenset("h1 h2 h3 h4 h5 h6".split())

# What an element matched by a selector is:
#   drop     not article text, nor its images: promos, QR codes, share widgets, related links, players, ads
#   credit   not body text, but read for credits: editor lines, author boxes
#   caption  the caption of the images beside it (Sina's span.img_descr; figcaption is handled with <figure>)
Kind = Literal["drop", "credit", "caption"]

GENERIC_SELECTORS: dict[str, Kind] = {
    # hidden and decorative
    "[hidden]": "drop",
    "[aria-hidden=true]": "drop",
    "img.avatar": "drop",
    ".avatar": "drop",
    # app promos and QR codes
    ".appendQr_wrap": "drop",
    ".app-kaihu-qr": "drop",
    ".qrcode": "drop",
    ".qr-code": "drop",
    # share widgets, related links, ads, players
    ".share": "drop",
    ".share-box": "drop",
    ".sharebox": "drop",
    ".social-share": "drop",
    ".bdsharebuttonbox": "drop",
    ".related-news": "drop",
    ".relatedNews": "drop",
    ".related_news": "drop",
    ".related-posts": "drop",
    "#related": "drop",
    ".ad": "drop",
    ".ads": "drop",
    ".advert": "drop",
    ".advertisement": "drop",
    ".adsbygoogle": "drop",
    ".video-player": "drop",
    # FTC and affiliate disclaimers
    ".ftc-disclosure": "drop",
    ".affiliate-disclaimer": "drop",
    ".ad-disclaimer-container": "drop",
    ".disclaimer-affiliate": "drop",
    # credit boxes: out of the body, read for credits
    ".article-editor": "credit",
    "[data-etl-credit]": "credit",  # a page's byline and date lines, as etl.page found them
    # captions
    ".img_descr": "caption",
}

CREDIT_MARK = "data-etl-credit"

# Class names (whole, or a part between '-'/'_') that mark boxes which are never article text.
JUNK_CLASS = re.compile(
    r"(?:^|[-_])(?:qr|qrcode|erweima|sharebar|share-?box|adsense|advert|advertisement|sponsor|player)(?:$|[-_])",
    re.I,
)

# Elements whose text is the caption of the images in them.
FIGURE_TAGS = frozenset({"figure"})
CAPTION_WRAPPER_CLASSES = frozenset({"img_wrapper"})

# A heading that opens a block which is not the article: the heading and what follows it, up to the next heading,
# leave the body. "credit" blocks are still read for credits (an author's "Follow my work" box names the outlet).
SECTION_HEADINGS: tuple[tuple[re.Pattern[str], Kind], ...] = (
    (
        re.compile(
            r"^(?:read (?:also|more|next)|related(?: (?:posts|stories|articles|coverage))?|see also)[:：]?$", re.I
        ),
        "drop",
    ),
    (re.compile(r"^(?:相关阅读|相关新闻|相关报道|延伸阅读|推荐阅读|热门推荐|猜你喜欢)[:：]?$"), "drop"),
    (re.compile(r"^(?:follow (?:more of )?my work|about the author)[:：]?$", re.I), "credit"),
)

# Paragraph texts that are boilerplate wherever they appear (app and account-opening promos, ad lines).
BOILERPLATE = tuple(
    re.compile(p)
    for p in (
        r"新浪财经APP|新浪财经客户端",
        r"^(?:扫描|长按|识别|扫)(?:下方|上方|文末)?二维码",
        r"^(?:点击|下载).{0,12}(?:APP|客户端)",
        r"^视频加载中",
        r"金麒麟",
    )
)

# Image sources that are never content: QR codes, app promos, tracking pixels, inline placeholders.
NON_CONTENT_IMAGE = re.compile(
    r"^data:|qrcode|qr_code|/qr/|erweima|/finance/cece9e13/20200514/343233024\.png|pixel\.gif|spacer\.gif|"
    r"/w[12]h[12]/",
    re.I,
)
IMAGE_SRC_ATTRS = ("src", "data-src", "data-original", "data-lazy-src", "data-actualsrc")

# --- credits -------------------------------------------------------------------------------------------------

HAN = r"\u4e00-\u9fff"
# A person's name: 2-4 Han characters, or a transliterated name joined by '·'.
NAME = re.compile(rf"^(?:[{HAN}]{{2,4}}|[{HAN}]{{1,6}}[·•][{HAN}]{{1,8}})$")
# Words that follow 记者/作者 in running text and are not names ('记者梳理发现').
NOT_NAMES = frozenset(
    "获悉 了解 了解到 注意到 发现 采访 梳理 梳理发现 查询 看到 实地 现场 日前 近日 今天 昨天 今日 昨日 获得 表示 "
    "提问 手记 观察 调查 专访 探访 报道 独家 连线 问 从 在 向 对 据 综合 整理 编辑 校对 摄影 通讯员 整合 未知 佚名 "
    "不详 匿名 网络 网友 小编 本站 编辑部 网络整理 综合整理".split()
)
# Role words before names: kinds of reporter. Editors, photographers and correspondents are not reporters.
REPORTER_ROLE = rf"(?:首席|资深|高级|见习|特约|实习|驻[{HAN}]{{1,4}}?)?记者"
# Organisation names as they appear in credits.
ORG = rf"[{HAN}A-Za-z0-9·•]{{2,16}}?"
# An organisation named only by its shape: self-references in running text need an outlet-like ending.
_ORG_END = (
    r"新闻|日报|晚报|早报|时报|商报|周报|周刊|报道|(?<![通举汇预回申呈警公])报|网|社|台|中国|财经|传媒|媒体|客户端|视频|频道|"
    r"广播|之家|e公司"
)
_FUNCTION = "的了在是对向和与从为被把将等说称告诉表示据由给让并也还都就而但或之其该此这那有比如"
OUTLET_LIKE = rf"[{HAN}A-Za-z0-9](?:(?![{_FUNCTION}])[{HAN}A-Za-z0-9]){{0,9}}?(?:{_ORG_END})"
# "Our paper" and friends are not outlets; the outlet then comes from a 来源 line.
NOT_OUTLETS = frozenset({"本报", "本刊", "本台", "本网", "本站", "本社", "记者", "通讯员", "新浪财经", "全媒体"})
# Outlets that credit themselves by a short name.
OUTLET_ALIASES: Mapping[str, str] = {"每经": "每日经济新闻", "每经AI": "每日经济新闻", "每经网": "每日经济新闻"}
# Wire services whose datelines run into the place: '新华社北京9月22日电'.
WIRES = ("新华社", "中新社", "中新网", "人民网", "央视网", "国际在线")

# A credit with names: optional outlet, an optional parenthesis (a site address), a role, then the names.
# '澎湃新闻记者 俞凯', '本报记者 张三 见习记者 李 四', '某某时报（www.example.cn）记者 王五 赵六 北京报道'.
CREDIT_HEAD = re.compile(
    rf"(?:(?P<outlet>(?!驻|首席|资深|高级|见习|特约|实习|责任){ORG})(?:[（(][^）)]{{1,40}}[）)])?[ 　]*)?"
    rf"(?P<role>{REPORTER_ROLE}|编辑(?![部器室])|作者)[ 　]*[:：]?[ 　]*"
)
# A bracketed credit anywhere: '（总台央视记者 张三 李四）', '（记者王五）', '【某某时报记者 赵六 钱七】',
# '（上海，编辑 潇湘）', '（ 深圳，记者 孙八）', '（作者：周九 编辑：吴十）'.
BRACKETED = re.compile(r"[（(【\[][ 　]*(?P<inner>[^（）()【】\[\]]{2,60}?)[ 　]*[）)】\]]")
BRACKET_PLACE = re.compile(rf"^(?P<place>[{HAN}]{{2,8}})[，,][ 　]*")
# '►文 观察者网 陶梦', '►文某某网张三', '文/某某青年报记者 李四', '文｜王五'.
WEN_LINE = re.compile(
    rf"^(?:[►▶■●▌][ 　]*文[ 　]*[/／|｜丨:：]?|文[ 　]*[/／|｜丨:：])[ 　]*(?:(?P<outlet>{OUTLET_LIKE})[ 　]*)?(?P<rest>.+)$"
)
# Datelines that credit an outlet: '财联社8月17日讯', '证券时报网讯', 'IT之家 9 月 26 日消息', '【深圳商报讯】',
# '【headline】财联社10月11日电', '每经AI快讯'.
_DAY = r"\d{1,2}[ 　]*月[ 　]*\d{1,2}[ 　]*日"
DATELINE = re.compile(
    rf"^(?:【[^】]{{1,80}}】)?[【\[]?(?P<outlet>(?:(?![{_FUNCTION}])[{HAN}A-Za-z0-9·•]){{2,16}}?)[ 　]*"
    rf"(?:{_DAY}[ 　]*消息|(?:{_DAY})?[ 　]*(?:[（(][^）)]{{0,40}}[）)][ 　]*)?(?:快讯|(?<![资简通喜死审传问音视])讯|电))"
    rf"(?:[】\]]|[（(，,：: 　]|$)"
)
WIRE_DATELINE = re.compile(rf"^(?P<outlet>{'|'.join(WIRES)})(?P<place>[{HAN}]{{2,6}}?)\d{{1,2}}月\d{{1,2}}日电")
PLACE_REPORTED = re.compile(rf"^(?P<place>[{HAN}]{{2,6}}?)报道$")
SOURCE_LINE = re.compile(
    r"(?:^|(?<=[ 　（(▌]))(?:本文|稿件|文章)?(?:来源|来源于)[ 　]*[:：|｜][ 　]*"
    r"(?P<outlet>[^ 　，,。；;、）)（(|｜]{2,30}?)(?:综合|$|[ 　，,。；;、）)（(|｜])"
)
FROM_LINE = re.compile(
    r"本文来自(?:于)?(?:微信公众号)?[:：]?[ 　]*[“\"「]?(?P<outlet>[^”\"」，,。（(）) 　]{2,20}?)(?:[”\"」，,。（(）) 　]|$)"
)
# A credit closing a paragraph: '……的最后一句。（央视新闻）', '……的最后一句。 （数据宝）' (a site's brand).
TRAILING_CREDIT = re.compile(rf"[。！？!?”][ 　]*[（(](?P<outlet>[{HAN}]{{2,12}})[）)]$")
OUTLET_SHAPE = re.compile(rf"^{OUTLET_LIKE}$")
# A newspaper's print credit: '《 人民日报海外版 》（ 2021年09月20日 第 03 版）'.
PRINT_CREDIT = re.compile(
    r"^《[ 　]*(?P<outlet>[^《》]{2,16}?)[ 　]*》[ 　]*[（(][ 　]*\d{4}年\d{1,2}月\d{1,2}日[ 　]*第[ 　]*\d+[ 　]*版[ 　]*[）)]$"
)
# Endings that are not part of an outlet's name as credited: '央视新闻微信公众号' is 央视新闻.
OUTLET_TAIL = re.compile(r"(?:微信公众号|官方微信|公众号)$")
FOLLOW_MY_WORK = re.compile(
    r"(?i:follow (?:more of )?my work (?:on|at)) (?P<outlet>[A-Z0-9][\w.&'-]*(?: [A-Z][\w.&'-]*)*)"
)
# Self-references that work as credits: '券商中国记者梳理了解到', '对《证券日报》记者表示', '据界面新闻不完全统计'.
SELF_REFERENCES = (
    re.compile(r"《(?P<outlet>[^《》]{2,16})》(?:首席|资深|见习|特约|实习)?记者(?!会|站|节|证|协会)"),
    re.compile(
        rf"(?:^|(?<=[，。；：“、 　对向])|(?<=告诉)|(?<=接受))(?P<outlet>{OUTLET_LIKE})(?:[（(][^）)]{{1,40}}[）)])?"
        rf"(?:首席|资深|见习|特约|实习)?记者(?!会|站|节|证|协会)"
    ),
    re.compile(rf"据(?P<outlet>{OUTLET_LIKE})不完全统计"),
    re.compile(rf"(?:告诉|对|向)(?P<outlet>{OUTLET_LIKE})(?=[，,。]|表示|说|介绍|透露)"),
    re.compile(rf"^(?P<outlet>{OUTLET_LIKE})(?:还)?(?:从|获悉|了解到|注意到|梳理|查询|询问|发现)"),
)
EDITOR_LINE = re.compile(
    r"(?:责任编辑|责编)[ 　]*[:：][ 　]*(?P<name>[\u4e00-\u9fff·]{2,5}?|[A-Za-z][A-Za-z .]{1,30}?)"
    r"(?:[ 　]*[A-Z]{1,4}\d{2,6})?[ 　]*(?:[】\]）)]|$)"
)
# An explicit editor credit without 责任编辑: '（上海，编辑 潇湘）', '每经编辑 张三', '编辑：李四', '编辑/王五'.
EDITOR_CREDIT = re.compile(
    rf"(?:^|(?<=[（(，,\s]))(?:[{HAN}A-Za-z]{{2,8}}?)?编辑(?![部器室])[ 　]*[:：/／]?[ 　]*(?P<name>[{HAN}]{{2,4}})(?=$|[ 　）)，,。])"
)
PROOFREADER = re.compile(rf"校对[ 　]*[:：]?[ 　]*(?P<name>[{HAN}·]{{2,5}}?)(?=$|[ 　）)】，,。])")
STAFF_CODE = re.compile(r"[ 　]*[A-Z]{1,4}\d{2,6}$")

# --- stock codes ---------------------------------------------------------------------------------------------

STOCK_ID = re.compile(r"^stock_(?P<code>(?:sh|sz|bj|hk|us)[0-9a-z]+)$", re.I)
# Links whose markup names a listed code: '/realstock/company/sh600482/', '?stockcode=SZ300092' (SS is Shanghai).
STOCK_IN_URL = re.compile(r"(?:/|stockcode=|code=|symbol=)(?P<ex>sh|sz|bj|ss)(?P<code>\d{6})(?![0-9])", re.I)
KEYWORD_PUB = re.compile(r"news_keyword_pub,(?P<kind>[a-z]+),(?P<codes>[^>]*?)\s*$")
# Comment kinds that list listed codes, and the prefix their codes take in stock_codes.
KEYWORD_PUB_STOCK_KINDS = {"stock": "", "usstock": "us", "hkstock": "hk"}


def exchange_of(code: str) -> str:
    """The exchange prefix for a bare 6-digit A-share code."""
    if code.startswith(("6", "9", "5")):
        return "sh"
    if code.startswith(("4", "8")):
        return "bj"
    return "sz"


# --- selectors -----------------------------------------------------------------------------------------------

_SELECTOR = re.compile(
    r"^(?P<tag>[a-z][a-z0-9]*)?(?:\.(?P<cls>[\w-]+)|#(?P<id>[\w-]+)|\[(?P<attr>[\w-]+)(?:=(?P<value>[^\]]+))?\])?$"
)


@dataclass(frozen=True)
class Selectors:
    """Selectors compiled into lookups by class, id and attribute: testing an element costs a few dict reads."""

    by_class: Mapping[str, tuple[tuple[str | None, Kind], ...]]
    by_id: Mapping[str, tuple[tuple[str | None, Kind], ...]]
    by_attr: tuple[tuple[str, str | None, str | None, Kind], ...]

    @classmethod
    def compile(cls, table: Mapping[str, Kind]) -> Selectors:
        by_class: dict[str, list[tuple[str | None, Kind]]] = {}
        by_id: dict[str, list[tuple[str | None, Kind]]] = {}
        by_attr: list[tuple[str, str | None, str | None, Kind]] = []
        for selector, kind in table.items():
            m = _SELECTOR.match(selector)
            if not m or not (m["cls"] or m["id"] or m["attr"]):
                raise ValueError(f"unsupported selector {selector!r}")
            if m["cls"]:
                by_class.setdefault(m["cls"], []).append((m["tag"], kind))
            elif m["id"]:
                by_id.setdefault(m["id"], []).append((m["tag"], kind))
            else:
                by_attr.append((m["attr"], m["value"], m["tag"], kind))
        return cls({k: tuple(v) for k, v in by_class.items()}, {k: tuple(v) for k, v in by_id.items()}, tuple(by_attr))

    def kind(self, name: str, attrs: Mapping[str, object]) -> Kind | None:
        classes = attrs.get("class")
        if classes:
            for token in classes if isinstance(classes, list) else str(classes).split():
                for tag, kind in self.by_class.get(token, ()):
                    if tag is None or tag == name:
                        return kind
                if JUNK_CLASS.search(token):
                    return "drop"
        ident = attrs.get("id")
        if isinstance(ident, str):
            for tag, kind in self.by_id.get(ident, ()):
                if tag is None or tag == name:
                    return kind
        for attr, value, tag, kind in self.by_attr:
            if attr in attrs and (value is None or attrs[attr] == value) and (tag is None or tag == name):
                return kind
        return None


# --- site families -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SiteRule:
    """Selectors and patterns for one site family, chosen by the feed's site name or the article's host."""

    name: str
    match: re.Pattern[str]
    selectors: tuple[tuple[str, Kind], ...] = ()  # extra boxes: drop, credit or caption
    boilerplate: tuple[re.Pattern[str], ...] = ()  # extra paragraph patterns that are not body
    # Names the family credits itself or its columns by: a paragraph opening with one, or a closing '（name）',
    # credits it ('东方我乐多丛志翻译团队…', '…的最后一句。 （数据宝）').
    brands: tuple[str, ...] = ()
    # The family closes an item with its source in brackets: '……特斯拉尚未发表评论。（新浪科技）'.
    closing_credit: bool = False


SITES: tuple[SiteRule, ...] = (
    SiteRule(
        "sina",
        re.compile(r"新浪财经|sina\.com"),
        selectors=(
            ("blockquote.fin_reference", "drop"),  # 【相关报道】 box of links
            (".artical-player-wrap", "drop"),  # video player, its thumbnails and '视频加载中'
            (".video-2017", "drop"),
        ),
    ),
    SiteRule("cls", re.compile(r"财联社|cls\.cn")),
    SiteRule(
        "stcn",
        re.compile(r"证券时报|stcn\.com"),
        selectors=((".fenlei1", "drop"), (".fenlei2", "drop")),  # column name and keyword tags
        brands=("数据宝", "证券时报e公司"),
    ),
    SiteRule("cs", re.compile(r"中证网|cs\.com\.cn")),
    SiteRule("nbd", re.compile(r"每经|每日经济新闻|nbd\.com\.cn"), brands=("每日经济新闻",)),
    SiteRule("ithome", re.compile(r"IT ?之家|ithome\.com"), brands=("IT之家",)),
    SiteRule(
        "zhihu-daily",
        re.compile(r"知乎日报|daily\.zhihu\.com"),
        selectors=(
            ("span.author", "drop"),  # the answer's author header: avatar, name, bio, 'view original' link
            ("span.bio", "drop"),
            ("a.originUrl", "drop"),
            (".view-more", "drop"),  # 查看知乎讨论
        ),
    ),
    SiteRule("36kr", re.compile(r"36kr|36氪"), closing_credit=True),
    SiteRule("9to5", re.compile(r"9[Tt]o5|9to5mac\.com|9to5google\.com")),
    SiteRule("aljazeera", re.compile(r"[Aa]ljazeera|半岛网|aljazeera\.net")),
    SiteRule("touhou-garakuta", re.compile(r"东方我乐多丛志|touhougarakuta"), brands=("东方我乐多丛志",)),
)

GENERIC = SiteRule("generic", re.compile(r"$^"))


def site_for(feed: str | None, url: str | None) -> SiteRule:
    key = f"{feed or ''} {url or ''}"
    for rule in SITES:
        if rule.match.search(key):
            return rule
    return GENERIC


@cache
def selectors_for(site: SiteRule) -> Selectors:
    """The generic selectors plus the site's, compiled once per site family."""
    return Selectors.compile({**GENERIC_SELECTORS, **dict(site.selectors)})


def boilerplate_for(site: SiteRule) -> tuple[re.Pattern[str], ...]:
    return BOILERPLATE + site.boilerplate
