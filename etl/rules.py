"""Extraction rules kept as data: selectors and patterns, generic first, then per site family.

The extractor reads these tables; adding a site means adding a row here, not code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# Elements whose content is never article text.
DROP_TAGS = (
    "script",
    "style",
    "noscript",
    "iframe",
    "template",
    "svg",
    "canvas",
    "form",
    "button",
    "input",
    "select",
    "textarea",
    "video",
    "audio",
    "object",
    "embed",
)

# Elements that start a paragraph (LABELS.md: block elements start one).
BLOCK_TAGS = frozenset(
    "p div h1 h2 h3 h4 h5 h6 li ul ol dl dt dd blockquote figure section article header footer "
    "aside nav main pre address hr center details summary".split()
)

# Boxes removed before text is read: promos, QR codes, share widgets, related links, players, editor lines.
DROP_SELECTORS = (
    ".appendQr_wrap",
    ".appendQr_normal",
    ".appendQr_normal_txt",  # Sina: QR app promo
    ".article-editor",  # Sina: 责任编辑 line (read first)
    ".related-news",
    ".relatedNews",
    ".related_news",
    "#related",  # 相关新闻 boxes
    ".share",
    ".share-box",
    ".sharebox",
    ".social-share",
    ".bdsharebuttonbox",
    ".ad",
    ".ads",
    ".advert",
    ".advertisement",
    "[id^=ad_]",
    "[class*=adsbygoogle]",
    ".video-player",
    ".sina_video",
    ".video_box",
    ".ftc-disclosure",
    ".affiliate-disclaimer",
)

# Paragraph texts that are boilerplate wherever they appear.
BOILERPLATE = tuple(
    re.compile(p)
    for p in (
        r"^海量资讯、精准解读，尽在新浪财经APP$",
        r"新浪财经APP|新浪财经客户端",
        r"^(?:扫描|长按|识别)?(?:下方|上方)?二维码",
        r"^(?:点击|下载).{0,12}(?:APP|客户端)",
        r"^视频加载中",
        r"^(?:责任编辑|责编)[:：]",
        r"^金麒麟",
    )
)

# Image sources that are never content: QR codes, app promos, tracking pixels, inline placeholders.
NON_CONTENT_IMAGE = re.compile(
    r"^data:|qrcode|qr_code|/qr/|erweima|/finance/cece9e13/20200514/343233024\.png|pixel\.gif|spacer\.gif",
    re.I,
)

# --- credits -------------------------------------------------------------------------------------------------

_NAME = r"[\u4e00-\u9fff·]{2,5}"
_NAMES = rf"{_NAME}(?:[ 　]*[、，,和及][ 　]*{_NAME})*"
_ORG = r"[\u4e00-\u9fffA-Za-z0-9·]{2,14}?"
# "Our paper" and friends are not outlets; the outlet then comes from a 来源 line.
NOT_OUTLETS = frozenset({"本报", "本刊", "本台", "本网", "本站", "本社", "记者", "通讯员", "新浪财经"})

# A byline paragraph: outlet (optional) + 记者 + names. '澎湃新闻记者 俞凯', '本报记者刘瑞强', '证券时报记者 张三 李四'.
BYLINE = re.compile(
    rf"^(?:(?P<outlet>{_ORG})(?:首席|资深|高级|见习|特约|实习|驻\S{{1,6}}?)?)?记者[ 　]*(?P<names>{_NAMES}(?:[ 　]+{_NAME})*)$"
)
# A dateline: '财联社（上海，编辑 潇湘）讯', '中证网讯（记者 欧阳剑环）', '新华社北京9月22日电（记者 X）'.
DATELINE = re.compile(
    rf"^(?P<outlet>{_ORG})(?:讯)?[（(][ 　]*(?:(?P<place>[\u4e00-\u9fff]{{2,8}})[，,][ 　]*)?"
    rf"(?P<role>记者|编辑|通讯员)[ 　]*(?P<names>{_NAMES}(?:[ 　]+{_NAME})*)[ 　]*[）)](?:讯|电)?"
)
XINHUA_DATELINE = re.compile(r"^(?P<outlet>新华社|中新社|中新网)(?P<place>[\u4e00-\u9fff]{2,6}?)\d{1,2}月\d{1,2}日电")
SOURCE_LINE = re.compile(r"^[（(]?(?:来源|来源于|稿件来源|文章来源)[:：][ 　]*(?P<outlet>[^ 　，,。）)]{2,20})[）)]?$")
FROM_LINE = re.compile(r"^[（(]?本文来自(?:于)?(?:微信公众号)?[ 　]*[“\"「]?(?P<outlet>[^”\"」，,。（(）)]{2,20})")
AUTHOR_LINE = re.compile(rf"^[（(]?(?:作者|文)[:：｜|/ 　][ 　]*(?P<names>{_NAMES})")
EDITOR_LINE = re.compile(
    r"(?:责任编辑|责编)[:：][ 　]*(?P<name>[\u4e00-\u9fff·]{2,5}|[A-Za-z][A-Za-z .]{1,30}?)(?:[ 　]*[A-Z]{1,4}\d{2,6})?[ 　]*$"
)
EDITOR_CREDIT = re.compile(rf"(?:^|[（(，,\s])编辑[:：]?[ 　]*(?P<name>{_NAME})(?:[ 　）)]|$)")
PROOFREADER = re.compile(r"校对[:：]?[ 　]*(?P<name>[\u4e00-\u9fff·]{2,5})")
STAFF_CODE = re.compile(r"[ 　]*[A-Z]{1,4}\d{2,6}$")

# --- stock codes ---------------------------------------------------------------------------------------------

STOCK_ID = re.compile(r"^stock_(?P<code>(?:sh|sz|bj|hk|us)[0-9a-z]+)$", re.I)
STOCK_IN_URL = re.compile(r"/(?P<code>(?:sh|sz|bj)\d{6})(?:[/.]|$)")
KEYWORD_PUB = re.compile(r"news_keyword_pub,(?P<kind>[a-z]+),(?P<codes>[^>]*?)\s*$")


def exchange_of(code: str) -> str:
    """The exchange prefix for a bare 6-digit A-share code."""
    if code.startswith(("6", "9", "5")):
        return "sh"
    if code.startswith(("4", "8")):
        return "bj"
    return "sz"


@dataclass(frozen=True)
class SiteRule:
    """Selectors and patterns for one site family, chosen by the feed's site name or the article's host."""

    name: str
    match: re.Pattern[str]
    body: tuple[str, ...] = ()  # CSS selectors for the article body, first that matches wins
    drop: tuple[str, ...] = ()  # extra boxes to remove
    boilerplate: tuple[re.Pattern[str], ...] = field(default_factory=tuple)
    outlet: str | None = None  # the outlet when the site's text credits itself by a short name


SITES: tuple[SiteRule, ...] = (
    SiteRule("sina", re.compile(r"新浪财经|sina\.com"), drop=(".appendQr_wrap",)),
    SiteRule("cls", re.compile(r"财联社|cls\.cn")),
    SiteRule("stcn", re.compile(r"证券时报|stcn\.com")),
)


def site_for(feed: str | None, url: str | None) -> SiteRule | None:
    key = f"{feed or ''} {url or ''}"
    for rule in SITES:
        if rule.match.search(key):
            return rule
    return None
