"""Full pages: find the article among the site chrome, and the page's title, date and author. Generic: no site rules.

One parse, into lxml's tree. Metadata comes from <meta> tags and JSON-LD, then from the page itself: the title is the
heading that matches the document's <title>, the date the first one written after it. The article is the element
whose text is most paragraph-like and least diluted by other text (`main_content`).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from html import escape as html_escape
from typing import Any

from lxml import etree

from etl import dates, rules, text
from etl.entry import Entry, RejectError
from etl.extract import parse_html

# Elements removed before anything is measured: never article text.
_CHROME_TAGS = (
    "script",
    "style",
    "noscript",
    "template",
    "iframe",
    "svg",
    "canvas",
    "button",
    "select",
    "textarea",
    "input",
    "object",
    "embed",
    "link",
    "meta",
)
# Boxes that are not the article: their text lowers a container's score and is cut from the article.
_NEGATIVE_TAGS = frozenset({"nav", "aside", "footer", "header"})
# Class and id words of boxes that are not the article. Long words match inside a name ('bdsharebuttonbox'); short
# ones only as a whole part of it ('ad' in 'top-ad', not in 'header'; 'hot' in 'hot-list', not in 'photo').
_NEGATIVE_INSIDE = re.compile(
    r"comment|sidebar|breadcrumb|share|social|related|recommend|advert|copyright|pagination|qrcode|subscribe|"
    r"sponsor|newsletter|toolbar|navbar|footer|disclaimer|statement|slider|carousel|swiper|"
    # the same in pinyin, as Chinese sites name them: 推荐 相关 热门 排行 分享 评论 版权 导航 面包屑 声明
    r"tuijian|xiangguan|remen|paihang|fenxiang|pinglun|banquan|daohang|mianbao|shengming",
    re.I,
)
_NEGATIVE_PARTS = frozenset(
    "ad ads nav menu foot hot rank ranking tags tag prev next pager login banner promo popup modal side crumb crumbs "
    "guide topbar bottom tool tools author-box byline-box".split()
)
_POSITIVE = re.compile(r"article|content|post|entry|main|story|text|body|detail|正文|artibody", re.I)
# Names strong enough to bring a box back from inside a chrome box ('main_content' in 'js_img_share_area');
# 'text' is not ('item-text' in a recommendation list).
_STRONG_POSITIVE = re.compile(r"article|content|main|body|story|entry|正文", re.I)
_NAME_PARTS = re.compile(r"[-_\s]+|(?<=[a-z])(?=[A-Z])")
_INLINE_TAGS = frozenset(
    "a abbr b bdi bdo big cite code data dfn em font i kbd label mark q s samp small span strike strong sub sup "
    "time tt u var wbr nobr ins del".split()
)
_PUNCT = re.compile(r"[，。！？；、,.!?;：:]")
_COMMA = re.compile(r"[，,、；;]")
_SENTENCE_END = re.compile(r"[。！？!?]")
_WHITESPACE = re.compile(r"\s+")
# Elements that can hold an article; a paragraph (p, li, h2…) is scored for its container, never chosen itself.
_CONTAINER_TAGS = frozenset("div section article main td center form body blockquote font span".split())
_MIN_PARAGRAPH = 10  # characters of a block's own text before it counts as a paragraph

# Meta tags that carry the publication time, most specific first (names compared in lower case).
_DATE_META = (
    "article:published_time",
    "og:article:published_time",
    "datepublished",
    "publishdate",
    "pubdate",
    "publish_date",
    "publishtime",
    "publish-date",
    "og:release_date",
    "og:time",
    "apub:time",
    "firstpublishedtime",
    "sailthru.date",
    "parsely-pub-date",
    "dc.date.issued",
    "dc.date",
    "date",
    "weibo: article:create_at",
    "created",
    "maketime",
)
_TITLE_META = ("og:title", "twitter:title", "articletitle", "title", "dc.title")
_AUTHOR_META = ("author", "article:author", "og:article:author", "byl", "dc.creator", "parsely-author")
# '…发布新款芯片-某某电子技术': a site name joined to the title by a bare hyphen (not '…COVID-19').
_SITE_SUFFIX = re.compile(r"^(?P<title>.{8,}?)-(?P<site>[^\d\s-][^-]{1,20})$")
_TITLE_SPLIT = re.compile(r"\s+[-_|｜—–·]+\s+|[_|｜]+|(?<=\S)--+(?=\S)|\s+-\s*|-\s+")

# Dates written in the page. Year, month, day with an optional time; or month-day and time, the year from context.
_FULL_DATE = re.compile(
    r"(?P<y>(?:19|20)\d{2})\s*(?:年\s*|[-/.])(?P<m>\d{1,2})\s*(?:月\s*|[-/.])(?P<d>\d{1,2})\s*日?"
    r"(?:[\sT]*(?P<H>[0-2]?\d)\s*[:：时]\s*(?P<M>[0-5]\d)(?:\s*[:：分]\s*(?P<S>[0-5]\d))?)?"
)
_SHORT_DATE = re.compile(
    r"(?<![\d/.-])(?P<m>[01]?\d)\s*(?:月\s*|[-/])(?P<d>[0-3]?\d)\s*日?\s+(?P<H>[0-2]?\d)\s*[:：]\s*(?P<M>[0-5]\d)"
    r"(?:\s*[:：]\s*(?P<S>[0-5]\d))?"
)
# A two-digit year with a time: '18-03-08 23:16' (three numbers before the time leave no doubt).
_YY_DATE = re.compile(
    r"(?<![\d/.-])(?P<y>\d{2})-(?P<m>[01]\d)-(?P<d>[0-3]\d)\s+(?P<H>[0-2]?\d):(?P<M>[0-5]\d)(?::(?P<S>[0-5]\d))?"
)
_EN_MONTHS = "jan feb mar apr may jun jul aug sep oct nov dec".split()
_EN_DATE = re.compile(
    r"\b(?P<mon>Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?\s+(?P<d>\d{1,2}),?\s+(?P<y>(?:19|20)\d{2})",
    re.I,
)
_UPDATED = re.compile(r"更新|修改|编辑于|updated|modified", re.I)
_PUBLISHED = re.compile(r"发布|发表|published|posted", re.I)
_DATE_LABEL = re.compile(
    r"(?:发布|发表|刊发|出版)(?:时间|日期|于)?|(?<![更修])(?:时间|日期)|posted(?: on)?|published(?: on)?|\bdate\b", re.I
)
_SCRIPT_DATE = re.compile(
    r"[\"']?(?:publish_?(?:time|date)|pub_?(?:time|date)|publishDate|datePublished|create_?time|\bct)[\"']?\s*[:=]\s*"
    r"[\"'](?P<value>\d{10}|\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2})?(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?)?)[\"']",
    re.I,
)
_URL_DATE = re.compile(r"(?<!\d)(?P<y>(?:19|20)\d{2})[-/_]?(?P<m>[01]\d)[-/_]?(?P<d>[0-3]\d)(?!\d)")
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?:\s*年|[-/.]\d{1,2}[-/.]\d{1,2})")


# --- the tree ------------------------------------------------------------------------------------------------

# lxml's own tree, not BeautifulSoup's: the same libxml2 parse without a Python object built per node (building
# BeautifulSoup's tree was most of a page's time). Read with the rules BeautifulSoup's tree was read with, string for
# string (tests hold the two readings equal, tests/bs4_page.py): a string is an element's .text or .tail, comments and
# processing instructions are not text, and an element is an lxml node whose tag is a str.
Node = Any  # an lxml element, comment or processing instruction (lxml has no type hints)
# The document's top-level elements: one <html> mostly, but a page that opens a second <html> after closing the first
# gets two, side by side, as BeautifulSoup's document held them.
Tops = list[Node]

# What holds the place of an element taken out of the tree (`_cut`): never in a page, skipped when written back.
_HOLE = "etl-cut"
# Elements whose strings BeautifulSoup typed apart (Script, Stylesheet, TemplateString, ruby text): get_text reads
# only strings of the element's own kind; the other walks of this module read ruby text as text.
_STRING_CONTAINERS = frozenset({"script", "style", "template", "rt", "rp"})


def _is_element(node: Node) -> bool:
    return isinstance(node.tag, str)


def _cut(el: Node) -> None:
    """Take `el` out as BeautifulSoup's decompose did. The string after it stays a string of its own, as it did
    there: a marker holds the place (lxml would join it to the string before, and texts joined with spaces, lines
    and serialised whitespace would read differently)."""
    parent = el.getparent()
    if parent is None:
        return
    hole = etree.ProcessingInstruction(_HOLE)
    hole.tail = el.tail
    parent.replace(el, hole)


def _is_hole(node: Node) -> bool:
    return node.tag is etree.ProcessingInstruction and node.target == _HOLE


def get_text(el: Node, sep: str = "") -> str:
    """BeautifulSoup's Tag.get_text(sep): the strings under `el` of its own kind. A string's kind is its nearest
    script-like container's (None for none), and get_text reads only the kind of `el` (None unless it is one)."""
    wanted = el.tag if el.tag in _STRING_CONTAINERS else None
    kind = wanted or next((a.tag for a in el.iterancestors(*_STRING_CONTAINERS)), None)
    parts: list[str] = []
    if kind == wanted:
        _strings(el, kind, wanted, parts)
    return sep.join(parts)


def _strings(el: Node, kind: str | None, wanted: str | None, parts: list[str]) -> None:
    if el.text and kind == wanted:
        parts.append(el.text)
    for child in el:
        name = child.tag
        if isinstance(name, str):
            inner = name if name in _STRING_CONTAINERS else kind
            if inner is None or wanted is not None:  # (under a container, no string is of no container's kind)
                _strings(child, inner, wanted, parts)
        if child.tail and kind == wanted:
            parts.append(child.tail)


def _document_text(tops: Tops) -> str:
    """The document's get_text(" ")."""
    parts: list[str] = []
    for top in tops:
        _strings(top, None, None, parts)
    return " ".join(parts)


def _elements(tops: Tops) -> Iterator[Node]:
    """Every element of the document, in document order."""
    for top in tops:
        yield from top.iter(etree.Element)


def _contains(outer: Node, inner: Node) -> bool:
    return any(a is outer for a in inner.iterancestors())


_WALK_EVENTS = ("start", "end", "comment", "pi")


def _strings_after(start: Node, stop: Node | None = None) -> Iterator[tuple[str, Node]]:
    """The strings after `start` and all it holds, in document order, each with the element holding it (BeautifulSoup's
    next_elements, strings only); up to the element `stop` when the walk comes to it."""
    node = start
    while node is not None:
        parent = node.getparent()
        if node.tail and parent is not None:
            yield node.tail, parent
        for sibling in node.itersiblings():
            if sibling is stop:
                return
            if not _is_element(sibling):
                if sibling.tail:
                    yield sibling.tail, parent
                continue
            for event, el in etree.iterwalk(sibling, events=_WALK_EVENTS):
                if event == "start":
                    if el is stop:
                        return
                    if el.text:
                        yield el.text, el
                elif el.tail:  # the end of an element, a comment or a processing instruction
                    yield el.tail, el.getparent()
        node = parent


def _strings_in(tops: Tops) -> Iterator[str]:
    """The document's strings in document order (BeautifulSoup's descendants, strings only)."""
    for top in tops:
        for event, node in etree.iterwalk(top, events=_WALK_EVENTS):
            if event == "start":
                if node.text:
                    yield node.text
            elif node.tail and node is not top:
                yield node.tail


# Writing an element back as BeautifulSoup's str(tag) did (its "minimal" formatter), for the article's HTML: the same
# string read again gives extract_post the tree it was given before. lxml's own serialiser would not do: it
# percent-escapes src and href values, which are read as they are written.
_VOID = frozenset(
    "area base br col embed hr img input keygen link menuitem meta param source track wbr "
    "basefont bgsound command frame image isindex nextid spacer".split()
)
_RAW_TEXT = frozenset({"script", "style"})  # their strings are written unescaped
_KEEP_SPACE = frozenset({"pre", "textarea"})  # whitespace inside is kept as it is
_ASCII_SPACES = "\x20\x0a\x09\x0c\x0d"
# Attributes BeautifulSoup splits on whitespace and writes back joined by one space.
_LIST_ATTRS = frozenset({"class", "accesskey", "dropzone"})
_LIST_ATTRS_OF = {
    "a": {"rel", "rev"},
    "link": {"rel", "rev"},
    "td": {"headers"},
    "th": {"headers"},
    "form": {"accept-charset"},
    "object": {"archive"},
    "area": {"rel"},
    "icon": {"sizes"},
    "iframe": {"sandbox"},
    "output": {"for"},
}
_XML_NS = "{http://www.w3.org/XML/1998/namespace}"


def _escape(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _attribute(name: str, tag: str, value: str) -> str:
    if name in _LIST_ATTRS or name in _LIST_ATTRS_OF.get(tag, ()):
        value = " ".join(value.split())
    if name.startswith(_XML_NS):
        name = "xml:" + name[len(_XML_NS) :]
    value = _escape(value)
    if '"' in value:
        if "'" not in value:
            return f" {name}='{value}'"
        value = value.replace('"', "&quot;")
    return f' {name}="{value}"'


def _as_written(value: str, raw: bool, keep_space: bool) -> str:
    # BeautifulSoup kept a string of nothing but ASCII whitespace as one newline or one space.
    if not keep_space and not value.strip(_ASCII_SPACES):
        value = "\n" if "\n" in value else " "
    return value if raw else _escape(value)


def html_of(el: Node) -> str:
    """An element and all it holds as HTML, as BeautifulSoup wrote it (the holes of `_cut` left out)."""
    out: list[str] = []
    _write(el, out, any(a.tag in _KEEP_SPACE for a in el.iterancestors()))
    return "".join(out)


def _write(el: Node, out: list[str], keep_space: bool) -> None:
    tag = el.tag
    keep_space = keep_space or tag in _KEEP_SPACE
    attrs = "".join(_attribute(k, tag, v) for k, v in sorted(el.items()))  # sorted, as BeautifulSoup wrote them
    children = [c for c in el if not _is_hole(c) or c.tail]
    if tag in _VOID and not el.text and not children:
        out.append(f"<{tag}{attrs}/>")
        return
    out.append(f"<{tag}{attrs}>")
    raw = tag in _RAW_TEXT
    if el.text:
        out.append(_as_written(el.text, raw, keep_space))
    for child in children:
        if _is_element(child):
            _write(child, out, keep_space)
        elif child.tag is etree.Comment:
            out.append(f"<!--{child.text or ''}-->")
        elif child.tag is etree.ProcessingInstruction:
            if not _is_hole(child):
                out.append(f"<?{child.target} {child.text}>" if child.text else f"<?{child.target}>")
        else:  # an entity reference
            out.append(child.text or "")
        if child.tail:
            out.append(_as_written(child.tail, raw, keep_space))
    out.append(f"</{tag}>")


# --- metadata ------------------------------------------------------------------------------------------------


_TITLE_CLASS = re.compile(r"title", re.I)
_HEADING_NAMES = frozenset({"h1", "h2", "h3"})
_CHROME = frozenset(_CHROME_TAGS)
_NOT_TITLED = frozenset({"h1", "h2", "h3", "a", "title", "html", "body"})


@dataclass
class _Index:
    """The elements the page's readers look for, found in one pass over the tree.

    Lists are in document order; the ones read after the chrome is cut leave out what sits inside it."""

    metas: list[Node]
    dated: list[Node]  # itemprop=datePublished
    scripts: list[Node]
    canonical: Node | None
    chrome: list[Node]
    headings: list[Node]  # h1 h2 h3, outside the chrome
    titled: list[Node]  # a class with 'title' in it, not h1-h3 a title html body, outside the chrome
    times: list[Node]  # outside the chrome
    title: Node | None  # the first <title> outside the chrome


def _in_chrome(tag: Node) -> bool:
    return any(parent.tag in _CHROME for parent in tag.iterancestors())


def _index(tops: Tops) -> _Index:
    metas: list[Node] = []
    dated: list[Node] = []
    scripts: list[Node] = []
    canonical: Node | None = None
    chrome: list[Node] = []
    headings: list[Node] = []
    titled: list[Node] = []
    times: list[Node] = []
    titles: list[Node] = []
    for tag in _elements(tops):
        name, attrs = tag.tag, tag.attrib
        if name in _CHROME:
            chrome.append(tag)
            if name == "script":
                scripts.append(tag)
            elif name == "meta":
                metas.append(tag)
            elif name == "link" and canonical is None and "canonical" in (attrs.get("rel") or "").split():
                canonical = tag
        elif name in _HEADING_NAMES:
            headings.append(tag)
        elif name == "time":
            times.append(tag)
        elif name == "title":
            titles.append(tag)
        if attrs:
            if attrs.get("itemprop") == "datePublished":
                dated.append(tag)
            # A chrome element is cut with all it holds: BeautifulSoup then read its title class as empty.
            classes = attrs.get("class")
            if classes and name not in _NOT_TITLED and name not in _CHROME and _TITLE_CLASS.search(classes):
                titled.append(tag)

    def outside(tags: list[Node]) -> list[Node]:
        return [t for t in tags if not _in_chrome(t)]

    kept_titles = outside(titles)
    return _Index(
        metas=metas,
        dated=dated,
        scripts=scripts,
        canonical=canonical,
        chrome=chrome,
        headings=outside(headings),
        titled=outside(titled),
        times=outside(times),
        title=kept_titles[0] if kept_titles else None,
    )


def _metas(index: _Index) -> dict[str, str]:
    """Meta tag values by name/property/itemprop in lower case (first one wins); sites pad names with spaces."""
    found: dict[str, str] = {}
    for tag in index.metas:
        key = tag.get("property") or tag.get("name") or tag.get("itemprop")
        value = tag.get("content")
        if key is not None and value is not None and value.strip():
            found.setdefault(key.strip().lower(), value.strip())
    for tag in index.dated:
        published = tag.get("content") or tag.get("datetime")
        if published is not None and published.strip():
            found.setdefault("datepublished", published.strip())
    return found


def _json_ld(index: _Index) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for script in (s for s in index.scripts if s.get("type") == "application/ld+json"):
        try:
            doc = json.loads(script.text or "")
        except (json.JSONDecodeError, TypeError):
            continue
        stack = doc if isinstance(doc, list) else [doc]
        for item in stack:
            if isinstance(item, dict):
                found.append(item)
                graph = item.get("@graph")
                if isinstance(graph, list):
                    found.extend(g for g in graph if isinstance(g, dict))
    return found


def _ld_value(ld: list[dict[str, Any]], key: str) -> str | None:
    for item in ld:
        value = item.get(key)
        if isinstance(value, dict):
            value = value.get("name")
        if isinstance(value, list) and value:
            value = value[0].get("name") if isinstance(value[0], dict) else value[0]
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


# --- title ---------------------------------------------------------------------------------------------------


def _squash(value: str) -> str:
    return "".join(value.split()).lower()


def _headings(index: _Index) -> Iterator[Node]:
    yield from index.headings
    yield from index.titled


def title_of(index: _Index, metas: dict[str, str], ld: list[dict[str, Any]]) -> tuple[str | None, Node | None]:
    """The article's title, and the heading element that shows it when there is one.

    A heading wins when it is a part of the document title or og:title (sites add their name to <title>); the
    longest such heading; otherwise og:title and friends; otherwise the longest part of <title>.
    """
    doc_title = text.fold(get_text(index.title)) if index.title is not None else ""
    declared = [v for key in _TITLE_META if (v := metas.get(key))]
    if headline := _ld_value(ld, "headline"):
        declared.append(headline)
    targets = [_squash(t) for t in [doc_title, *declared] if t]
    segments = {_squash(p) for p in _TITLE_SPLIT.split(doc_title)} - {""}
    best: tuple[int, Node] | None = None
    for tag in _headings(index):
        key = _squash(get_text(tag, " "))
        if not key or len(key) > 200:
            continue
        matches = key in segments or (len(key) >= 4 and any(key in t for t in targets))
        if matches and (best is None or len(key) > best[0]):
            best = (len(key), tag)
    if best is not None:
        return text.fold(get_text(best[1], " ")), best[1]
    if declared:
        return text.fold(declared[0]), None
    parts = [p for p in (text.fold(p) for p in _TITLE_SPLIT.split(doc_title)) if p]
    if parts:
        longest = max(parts, key=len)
        site = _SITE_SUFFIX.match(longest)
        return (site.group("title") if site else longest), None
    h1 = next((h for h in index.headings if h.tag == "h1"), None)
    if h1 is not None and text.fold(get_text(h1)):
        return text.fold(get_text(h1, " ")), h1
    return None, None


# --- dates ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Stamp:
    day: dt.date
    time: dt.time | None

    def to_utc(self, tz: str) -> dt.datetime | None:
        moment = dt.datetime.combine(self.day, self.time or dt.time())
        try:
            return dates.parse_date(moment.strftime("%Y-%m-%d %H:%M:%S"), tz)
        except dates.DateError:
            return None


def _stamp(y: int, m: int, d: int, hh: str | None, mm: str | None, ss: str | None) -> _Stamp | None:
    try:
        day = dt.date(y, m, d)
        time = dt.time(int(hh), int(mm), int(ss or 0)) if hh is not None and mm is not None else None
    except ValueError:
        return None
    return _Stamp(day, time)


def visible_dates(value: str, year: int | None = None, anchored: bool = False) -> Iterator[_Stamp]:
    """Dates written in text, in order: '2021年9月22日 13:01', '2021-09-22 13:01', 'Sep 22, 2021', and with `year`
    from context, '09-22 13:01'. Anchored: only a date at the start of the text."""
    found: list[tuple[int, _Stamp]] = []
    for m in _FULL_DATE.finditer(value):
        if stamp := _stamp(int(m["y"]), int(m["m"]), int(m["d"]), m["H"], m["M"], m["S"]):
            found.append((m.start(), stamp))
    for m in _YY_DATE.finditer(value):
        if stamp := _stamp(2000 + int(m["y"]), int(m["m"]), int(m["d"]), m["H"], m["M"], m["S"]):
            found.append((m.start(), stamp))
    for m in _EN_DATE.finditer(value):
        month = _EN_MONTHS.index(m["mon"][:3].lower()) + 1
        if stamp := _stamp(int(m["y"]), month, int(m["d"]), None, None, None):
            found.append((m.start(), stamp))
    if year is not None:
        taken = [(p, p + 16) for p, _ in found]
        for m in _SHORT_DATE.finditer(value):
            if any(a <= m.start() < b for a, b in taken):
                continue
            if stamp := _stamp(year, int(m["m"]), int(m["d"]), m["H"], m["M"], m["S"]):
                found.append((m.start(), stamp))
    for start, stamp in sorted(found, key=lambda f: f[0]):
        if anchored and start > 2:
            return
        yield stamp


def _declared_date(metas: dict[str, str], ld: list[dict[str, Any]], index: _Index, tz: str) -> dt.datetime | None:
    candidates = [v for key in _DATE_META if (v := metas.get(key))]
    if published := _ld_value(ld, "datePublished") or _ld_value(ld, "dateCreated"):
        candidates.insert(0, published)
    for value in candidates:
        try:
            parsed = dates.parse_date(value, tz)
        except dates.DateError:
            stamp = next(visible_dates(value), None)
            parsed = stamp.to_utc(tz) if stamp else None
        if parsed:
            return parsed
    for time_tag in index.times:
        stamped = time_tag.get("datetime")
        if isinstance(stamped, str):
            try:
                if parsed := dates.parse_date(stamped, tz):
                    return parsed
            except dates.DateError:
                continue
    return None


def _context_year(url: str | None, metas: dict[str, str], tops: Tops) -> int | None:
    """The year for dates written without one: from the URL, a date in the meta tags (even an update time), else
    the most common year written in the page."""
    if url and (m := _URL_DATE.search(url)):
        return int(m["y"])
    for value in metas.values():
        if m := _FULL_DATE.match(value):
            return int(m["y"])
    years = [int(y) for y in _YEAR.findall(_document_text(tops))]
    return max(set(years), key=years.count) if years else None


def _texts_after(start: Node | None, tops: Tops, limit: int) -> list[str]:
    """Text nodes in document order from the end of `start` (or the top), up to `limit` characters: a date in the
    title is not the publication date."""
    seen = 0
    found: list[str] = []
    pieces = (p for p, _ in _strings_after(start)) if start is not None else _strings_in(tops)
    for piece in pieces:
        value = piece.strip()
        if value:
            seen += len(value)
            found.append(value)
            if seen > limit:
                break
    return found


def _written_date(lines: list[str], year: int | None, tz: str) -> dt.datetime | None:
    """In the text after the title: a date labelled as the publication's ('发布时间：…', 'Posted on …'), else the
    first date written within 600 characters, leaving out 'updated' ones."""
    after = " ".join(lines)
    for m in _DATE_LABEL.finditer(after):
        if _UPDATED.search(after[max(0, m.start() - 4) : m.end()]):
            continue
        tail = after[m.end() : m.end() + 48].lstrip(" :：　")
        if stamp := next(visible_dates(tail, year, anchored=True), None):
            return stamp.to_utc(tz)
    seen = 0
    for i, line in enumerate(lines):
        seen += len(line)
        if seen > 600:
            break
        # The line and the label before it when that holds no date itself ('更新时间：' | '2022-01-02').
        label = lines[i - 1] if i and next(visible_dates(lines[i - 1], year), None) is None else ""
        if _UPDATED.search(label + line) and not _PUBLISHED.search(label + line):
            continue
        joined = " ".join(lines[i : i + 3])  # a date and its time may sit in neighbouring elements
        for stamp in visible_dates(joined, year):
            return stamp.to_utc(tz)
    return None


def _script_date(scripts: list[str], tz: str) -> dt.datetime | None:
    """A publication time set by a page's script: 'publishDate': '2019-09-07T05:51:23Z', var ct = "1581418070"."""
    for script in scripts:
        if m := _SCRIPT_DATE.search(script):
            value = m.group("value")
            if value.isdigit():
                return dt.datetime.fromtimestamp(int(value), tz=dt.UTC)
            try:
                return dates.parse_date(value, tz)
            except dates.DateError:
                continue
    return None


def _url_date(url: str | None, tz: str) -> dt.datetime | None:
    m = _URL_DATE.search(url) if url else None
    stamp = _stamp(int(m["y"]), int(m["m"]), int(m["d"]), None, None, None) if m else None
    return stamp.to_utc(tz) if stamp else None


def published_of(
    tops: Tops,
    index: _Index,
    metas: dict[str, str],
    ld: list[dict[str, Any]],
    heading: Node | None,
    url: str | None,
    scripts: list[str],
    tz: str,
) -> dt.datetime | None:
    """Meta tags and JSON-LD, else <time>, else the date written on the page, else one set by a script, else the
    URL's; a declared day without a time takes the written time of that day."""
    declared = _declared_date(metas, ld, index, tz)
    lines = _texts_after(heading, tops, 3000)
    # The year of a date written without one, looked for only when there is such a date (it can read the page).
    year = _context_year(url, metas, tops) if _SHORT_DATE.search(" ".join(lines)) else None
    written = _written_date(lines, year, tz)
    if declared is None:
        return written or _script_date(scripts, tz) or _url_date(url, tz)
    # A declared day without a time (00:00 local) takes the written time of the same day.
    if written is not None and declared != written:
        local = dates.local_day(declared, tz)
        if dates.local_day(written, tz) == local and declared == _Stamp(local, None).to_utc(tz):
            return written
    return declared


# --- main content --------------------------------------------------------------------------------------------


@dataclass
class _Stats:
    text: int = 0  # characters of text in the subtree (whitespace excluded)
    links: int = 0  # of which inside links
    good: int = 0  # of which in paragraphs that read as article text
    score: float = 0.0  # paragraph scores in the subtree


@dataclass
class _Own:
    """A block's own text: its direct text and its inline children's, not its blocks'."""

    text: str
    chars: int  # whitespace excluded
    links: int  # characters inside links


def _own_text(tag: Node) -> _Own:
    # The strings in the order the reading always took them (a block's strings, then its inline children's from
    # the last one back): only counts read them, and whether they end in '...'.
    parts: list[str] = []
    links = 0
    stack: list[tuple[Node, bool]] = [(tag, False)]
    while stack:
        node, in_link = stack.pop()
        if node.text:
            parts.append(node.text)
            if in_link:
                links += len(_WHITESPACE.sub("", node.text))
        for child in node:
            name = child.tag
            if isinstance(name, str) and name in _INLINE_TAGS:
                stack.append((child, in_link or name == "a"))
            if child.tail:
                parts.append(child.tail)
                if in_link:
                    links += len(_WHITESPACE.sub("", child.tail))
    if not parts:
        return _NO_TEXT
    shown = "".join(parts)
    return _Own(shown, len(_WHITESPACE.sub("", shown)), links)


_NO_TEXT = _Own("", 0, 0)


def _label(tag: Node) -> str:
    classes = tag.get("class")
    ident = tag.get("id")
    return " ".join([*(classes.split() if classes is not None else []), ident or ""]).strip()


def _leaning(tag: Node) -> int:
    """-1 for a box named or tagged as chrome, +1 for one named as content (strongly), 0 for neither, both or a
    weak content name ('comment-content' is neither: it stays inside its comment section)."""
    label = _label(tag)
    if not label:
        return -1 if tag.tag in _NEGATIVE_TAGS else 0
    named_negative, positive, strong = _named(label)
    if named_negative or tag.tag in _NEGATIVE_TAGS:
        return 0 if positive else -1
    return 1 if strong else 0


@functools.lru_cache(maxsize=4096)
def _named(label: str) -> tuple[bool, bool, bool]:
    """What a class-and-id label says: chrome, content, strongly content. Cached: a page repeats its class names."""
    negative = bool(
        _NEGATIVE_INSIDE.search(label) or any(part.lower() in _NEGATIVE_PARTS for part in _NAME_PARTS.split(label))
    )
    return negative, _POSITIVE.search(label) is not None, _STRONG_POSITIVE.search(label) is not None


def _is_negative(tag: Node) -> bool:
    return _leaning(tag) < 0


def _is_prose(own: _Own) -> bool:
    """Not mostly links, punctuated (a keyword dump is not), and either a sentence or a long line (a header's
    '字号 大 中 小' or a date line is text, but not article text)."""
    return (
        own.chars >= _MIN_PARAGRAPH
        and own.links * 2 < own.chars
        and len(_PUNCT.findall(own.text)) * 150 >= own.chars
        and (own.chars >= 25 or _COMMA.search(own.text) is not None or _SENTENCE_END.search(own.text) is not None)
        and not own.text.rstrip().endswith("...")  # a teaser cut short, not the article
    )


def _measure(tag: Node, negative: bool, stats: dict[Node, _Stats], heading: Node | None) -> _Stats:
    """Post-order: every element's text, link text, paragraph text and paragraph score (the title is not one).
    A box named as content inside one named as chrome counts again ('main_content' in 'js_img_share_area')."""
    leaning = _leaning(tag)
    negative = (negative and leaning <= 0) or leaning < 0 or tag is heading
    here = _Stats()
    own = _own_text(tag)
    here.text, here.links = own.chars, own.links
    if not negative and _is_prose(own):
        here.good = own.chars - own.links
        here.score = 1 + len(_COMMA.findall(own.text)) + min(own.chars / 100, 3)
    for child in tag:
        name = child.tag
        if isinstance(name, str) and name not in _INLINE_TAGS:
            sub = _measure(child, negative, stats, heading)
            here.text += sub.text
            here.links += sub.links
            here.good += sub.good
            here.score += sub.score
    stats[tag] = here
    return here


def _blocks(root: Node) -> Iterator[Node]:
    """The elements under `root` that are not inline, in document order."""
    for tag in root.iterdescendants(etree.Element):
        if tag.tag not in _INLINE_TAGS:
            yield tag


def main_content(tops: Tops, heading: Node | None, stats: dict[Node, _Stats]) -> Node | None:
    """The element holding the article: paragraph-like text, weighted by how much of its text that is."""
    # From the top, not <body>: broken pages close </html> early and lxml puts the rest beside <body>.
    for top in tops:
        _measure(top, False, stats, heading)
    best: tuple[float, Node] | None = None
    for tag in _elements(tops):
        s = stats.get(tag)
        if s is None or s.score <= 0 or s.text == 0 or tag.tag not in _CONTAINER_TAGS:
            continue
        purity = s.good / s.text
        value = s.score * purity * purity
        if best is None or value >= best[0]:  # on a tie the inner element: the same text, less wrapping
            best = (value, tag)
    if best is not None and best[0] >= 3:
        return best[1]
    after = _after_heading(heading)
    if after is not None:
        return after
    return best[1] if best else None


_BLOCK_CHILD = frozenset("p div section article h1 h2 h3 h4 h5 h6 li ul ol table tr td blockquote dl dd dt".split())
_META_BOX = re.compile(r"meta|info|date|time|author|source|byline|attr|publish", re.I)
_ALL_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})


def _after_heading(heading: Node | None) -> Node | None:
    """For a page with too little text to score: the first block after the title's that is not chrome or the
    title's date line."""
    node = heading
    for _level in range(3):  # the title's block, its parent's, its grandparent's: not the rest of the page
        if node is None or node.tag in ("body", "html"):
            break
        for sibling in node.itersiblings(etree.Element):
            shown = text.fold(get_text(sibling, " "))
            if (not shown and next(sibling.iterdescendants("img"), None) is None) or _is_negative(sibling):
                continue
            if next(visible_dates(shown), None) is not None and (_META_BOX.search(_label(sibling)) or len(shown) <= 40):
                continue
            return sibling
        node = node.getparent()
    return None


def _headings_before(tops: Tops, content: Node) -> list[Node]:
    """The h1-h6 elements that start before `content` (its ancestors among them), nearest first."""
    found: list[Node] = []
    for tag in _elements(tops):
        if tag is content:
            break
        if tag.tag in _ALL_HEADINGS:
            found.append(tag)
    return found[::-1]


def title_near_content(tops: Tops, content: Node) -> Node | None:
    """A page whose <title> names only the site: the article's title is then the heading just before the content,
    or the content's first line when it is short and followed by its date line ('发布时间：2019-05-18 来源：…')."""
    for tag in _headings_before(tops, content)[:2]:
        shown = text.fold(get_text(tag, " "))
        if (
            4 <= len(shown) <= 100
            and next(tag.iterdescendants("a"), None) is None
            and not any(map(_is_negative, tag.iterancestors()))
            and _text_between(tag, content) <= 200
        ):
            return tag
    lines: list[Node] = []
    for tag in _blocks(content):
        if not any(d.tag in _BLOCK_CHILD for d in tag.iterdescendants(etree.Element)) and text.fold(get_text(tag)):
            lines.append(tag)
            if len(lines) == 3:
                break
    if len(lines) < 2:
        return None
    first = text.fold(get_text(lines[0], " "))
    if len(first) > 80 or first[-1] in "。.：:，,；;" or next(lines[0].iterdescendants("a"), None) is not None:
        return None
    if any(next(visible_dates(text.fold(get_text(t, " "))), None) for t in lines[1:]):
        return lines[0]
    return None


_CREDIT_WORDS = re.compile(r"来源|作者|记者|编辑|责编|撰文|文/|通讯员|\bby\b|source", re.I)


def _block_of(parent: Node) -> Node:
    """The block a string sits in: the element holding it, or the nearest one above that is not inline."""
    while parent.tag in _INLINE_TAGS and (up := parent.getparent()) is not None:
        parent = up
    return parent


def byline_lines(heading: Node | None, content: Node) -> list[str]:
    """The short lines between the title and the article that date or credit it ('2019-09-26 12:11 来源：某某网
    作者：张三'): credits, not body. (Such lines inside the article stay in its body, as for posts.)"""
    # Not when the title was cut from the article, nor when the article sits inside the title's element.
    if heading is None or heading.getparent() is None or _contains(heading, content):
        return []
    if _contains(content, heading):
        return []
    blocks: dict[Node, list[str]] = {}
    for piece, parent in _strings_after(heading, stop=content):
        if len(blocks) > 12:
            break
        block = _block_of(parent)
        if _is_negative(block) or any(map(_is_negative, block.iterancestors())):
            continue
        blocks.setdefault(block, []).append(piece)
    lines = [text.fold(" ".join(pieces)) for pieces in blocks.values()]
    return [line for line in lines if _is_meta_line(line)]


def _is_meta_line(line: str) -> bool:
    return len(line) <= 100 and (next(visible_dates(line), None) is not None or bool(_CREDIT_WORDS.search(line)))


def _text_between(start: Node, end: Node, limit: int = 10_000) -> int:
    """Characters of text after `start` (its own left out) and before `end`."""
    if _contains(start, end):
        return 0
    seen = 0
    for piece, _parent in _strings_after(start, stop=end):
        if seen > limit:
            break
        seen += len(piece.strip())
    return seen


def _clean(root: Node, heading: Node | None, stats: dict[Node, _Stats]) -> None:
    """Cut from the article what is not its text: the title heading, and chrome boxes (nav, share and related
    boxes) when they are mostly links or short; a class name alone is not enough ('elementor-widget' is content)."""
    if heading is not None and _contains(root, heading):
        _cut(heading)
    for tag in list(_blocks(root)):
        if not _is_negative(tag) or not _contains(root, tag):  # (not inside a box already cut)
            continue
        s = stats.get(tag)
        if tag.tag in _NEGATIVE_TAGS or s is None or s.text < 30 or s.links * 3 > s.text:
            _cut(tag)


# --- the entry -----------------------------------------------------------------------------------------------


def _person(value: str | None) -> str | None:
    """An author meta value when it names a person: sites often put their own name there."""
    if not value:
        return None
    value = text.fold(value)
    if rules.OUTLET_SHAPE.match(value):
        return None
    if rules.NAME.match(value) or re.fullmatch(r"[A-Z][a-z]+(?: [A-Z][a-z.]+){1,3}", value):
        return value
    return None


def page_entry(html: str, key: str, url: str | None = None, tz: str = "Asia/Shanghai") -> Entry:
    """A page to an Entry whose HTML is only the article's container."""
    tops = [node for node in parse_html(html) if _is_element(node)]
    index = _index(tops)
    ld = _json_ld(index)
    metas = _metas(index)
    scripts = [script.text for script in index.scripts if script.text]
    canonical = index.canonical
    href = canonical.get("href") if canonical is not None else None
    page_url = url or (href if href is not None and href.startswith("http") else None)
    for tag in index.chrome:
        _cut(tag)
    title, heading = title_of(index, metas, ld)
    published = published_of(tops, index, metas, ld, heading, page_url, scripts, tz)
    author = _person(_ld_value(ld, "author")) or next((p for k in _AUTHOR_META if (p := _person(metas.get(k)))), None)
    stats: dict[Node, _Stats] = {}
    content = main_content(tops, heading, stats)
    if content is None:
        raise RejectError("no article text found on the page")
    if heading is None and (inner := title_near_content(tops, content)) is not None:
        title, heading = text.fold(get_text(inner, " ")), inner
    _clean(content, heading, stats)
    credits = "".join(f"<p>{html_escape(line)}</p>" for line in byline_lines(heading, content))
    return Entry(
        key=key,
        # The title's byline and date lines travel as a credit box: read for credits, never body.
        html=(f"<div {rules.CREDIT_MARK}>{credits}</div>" if credits else "") + html_of(content),
        kind="page",
        title=title,
        url=page_url,
        published_at=published,
        author=author,
        head_image=metas.get("og:image"),
    )
