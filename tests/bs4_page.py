"""etl.page as it was before issue 6's port to lxml's tree, over BeautifulSoup's tree: the reference the lxml reading
is held equal to (tests/test_fast_paths.py). Kept verbatim but for this header and one fix: whether an element is
an ancestor of the title is asked by identity (`in` compared BeautifulSoup tags by equality, so an element that
only looked like the title's ancestor counted as one)."""

# ruff: noqa
# mypy: ignore-errors
from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from html import escape as html_escape
from typing import Any

from bs4 import BeautifulSoup, Tag
from bs4.element import NavigableString, PreformattedString

from etl import dates, rules, text
from etl.entry import Entry, RejectError

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


# --- metadata ------------------------------------------------------------------------------------------------


_TITLE_CLASS = re.compile(r"title", re.I)
_HEADING_NAMES = frozenset({"h1", "h2", "h3"})
_CHROME = frozenset(_CHROME_TAGS)


@dataclass
class _Index:
    """The elements the page's readers look for, found in one pass over the tree (each find_all was a pass).

    Lists are in document order, as find_all gives them; the ones read after the chrome is removed leave out what
    sits inside it."""

    metas: list[Tag]
    dated: list[Tag]  # itemprop=datePublished
    scripts: list[Tag]
    canonical: Tag | None
    chrome: list[Tag]
    headings: list[Tag]  # h1 h2 h3, outside the chrome
    titled: list[Tag]  # a class with 'title' in it, not h1-h3 a title html body, outside the chrome
    times: list[Tag]  # outside the chrome
    title: Tag | None  # the first <title> outside the chrome


def _in_chrome(tag: Tag) -> bool:
    return any(parent.name in _CHROME for parent in tag.parents)


def _is_canonical(rel: object) -> bool:
    # How find_all matches a value against a multi-valued attribute: any one value, or all of them joined.
    if isinstance(rel, list):
        return "canonical" in rel or " ".join(rel) == "canonical"
    return rel == "canonical"


def _index(soup: BeautifulSoup) -> _Index:
    metas: list[Tag] = []
    dated: list[Tag] = []
    scripts: list[Tag] = []
    canonical: Tag | None = None
    chrome: list[Tag] = []
    headings: list[Tag] = []
    titled: list[Tag] = []
    times: list[Tag] = []
    titles: list[Tag] = []
    for tag in soup.descendants:
        if not isinstance(tag, Tag):
            continue
        name, attrs = tag.name, tag.attrs
        if name in _CHROME:
            chrome.append(tag)
            if name == "script":
                scripts.append(tag)
            elif name == "meta":
                metas.append(tag)
            elif name == "link" and canonical is None and _is_canonical(attrs.get("rel")):
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
            classes = attrs.get("class")
            if (
                classes
                and name not in ("h1", "h2", "h3", "a", "title", "html", "body")
                and any(_TITLE_CLASS.search(c) for c in classes)
            ):
                titled.append(tag)
    outside = [t for t in headings + titled + times + titles if not _in_chrome(t)]
    kept = set(map(id, outside))

    def keep(tags: list[Tag]) -> list[Tag]:
        return [t for t in tags if id(t) in kept]

    return _Index(
        metas=metas,
        dated=dated,
        scripts=scripts,
        canonical=canonical,
        chrome=chrome,
        headings=keep(headings),
        titled=keep(titled),
        times=keep(times),
        title=next(iter(keep(titles)), None),
    )


def _metas(index: _Index) -> dict[str, str]:
    """Meta tag values by name/property/itemprop in lower case (first one wins); sites pad names with spaces."""
    found: dict[str, str] = {}
    for tag in index.metas:
        key = tag.get("property") or tag.get("name") or tag.get("itemprop")
        value = tag.get("content")
        if isinstance(key, str) and isinstance(value, str) and value.strip():
            found.setdefault(key.strip().lower(), value.strip())
    for tag in index.dated:
        published = tag.get("content") or tag.get("datetime")
        if isinstance(published, str) and published.strip():
            found.setdefault("datepublished", published.strip())
    return found


def _json_ld(index: _Index) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for script in (s for s in index.scripts if s.get("type") == "application/ld+json"):
        try:
            doc = json.loads(script.string or "")
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


def _headings(index: _Index) -> Iterator[Tag]:
    yield from index.headings
    yield from index.titled


def title_of(index: _Index, metas: dict[str, str], ld: list[dict[str, Any]]) -> tuple[str | None, Tag | None]:
    """The article's title, and the heading element that shows it when there is one.

    A heading wins when it is a part of the document title or og:title (sites add their name to <title>); the
    longest such heading; otherwise og:title and friends; otherwise the longest part of <title>.
    """
    doc_title = text.fold(index.title.get_text()) if index.title else ""
    declared = [v for key in _TITLE_META if (v := metas.get(key))]
    if headline := _ld_value(ld, "headline"):
        declared.append(headline)
    targets = [_squash(t) for t in [doc_title, *declared] if t]
    segments = {_squash(p) for p in _TITLE_SPLIT.split(doc_title)} - {""}
    best: tuple[int, Tag] | None = None
    for tag in _headings(index):
        key = _squash(tag.get_text(" "))
        if not key or len(key) > 200:
            continue
        matches = key in segments or (len(key) >= 4 and any(key in t for t in targets))
        if matches and (best is None or len(key) > best[0]):
            best = (len(key), tag)
    if best is not None:
        return text.fold(best[1].get_text(" ")), best[1]
    if declared:
        return text.fold(declared[0]), None
    parts = [p for p in (text.fold(p) for p in _TITLE_SPLIT.split(doc_title)) if p]
    if parts:
        longest = max(parts, key=len)
        site = _SITE_SUFFIX.match(longest)
        return (site.group("title") if site else longest), None
    h1 = next((h for h in index.headings if h.name == "h1"), None)
    if h1 is not None and text.fold(h1.get_text()):
        return text.fold(h1.get_text(" ")), h1
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


def _context_year(url: str | None, metas: dict[str, str], soup: BeautifulSoup) -> int | None:
    """The year for dates written without one: from the URL, a date in the meta tags (even an update time), else
    the most common year written in the page."""
    if url and (m := _URL_DATE.search(url)):
        return int(m["y"])
    for value in metas.values():
        if m := _FULL_DATE.match(value):
            return int(m["y"])
    years = [int(y) for y in _YEAR.findall(soup.get_text(" "))]
    return max(set(years), key=years.count) if years else None


def _texts_after(start: Tag | None, soup: BeautifulSoup, limit: int) -> list[str]:
    """Text nodes in document order from `start` (or the top), up to `limit` characters."""
    seen = 0
    found: list[str] = []
    inside = set(map(id, start.descendants)) if start is not None else set()
    for piece in start.next_elements if start is not None else soup.descendants:
        if id(piece) in inside:
            continue  # the title's own text: a date in a title is not the publication date
        if isinstance(piece, NavigableString) and not isinstance(piece, PreformattedString):
            value = str(piece).strip()
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
    soup: BeautifulSoup,
    index: _Index,
    metas: dict[str, str],
    ld: list[dict[str, Any]],
    heading: Tag | None,
    url: str | None,
    scripts: list[str],
    tz: str,
) -> dt.datetime | None:
    """Meta tags and JSON-LD, else <time>, else the date written on the page, else one set by a script, else the
    URL's; a declared day without a time takes the written time of that day."""
    declared = _declared_date(metas, ld, index, tz)
    lines = _texts_after(heading, soup, 3000)
    # The year of a date written without one, looked for only when there is such a date (it can read the page).
    year = _context_year(url, metas, soup) if _SHORT_DATE.search(" ".join(lines)) else None
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


def _own_text(tag: Tag) -> _Own:
    parts: list[str] = []
    links = 0
    stack: list[tuple[Tag, bool]] = [(tag, False)]
    while stack:
        node, in_link = stack.pop()
        for child in node.children:
            if isinstance(child, NavigableString):
                if not isinstance(child, PreformattedString):
                    parts.append(str(child))
                    if in_link:
                        links += len(_WHITESPACE.sub("", child))
            elif isinstance(child, Tag) and child.name in _INLINE_TAGS:
                stack.append((child, in_link or child.name == "a"))
    shown = "".join(parts)
    return _Own(shown, len(_WHITESPACE.sub("", shown)), links)


def _label(tag: Tag) -> str:
    classes = tag.get("class")
    ident = tag.get("id")
    return " ".join([*(classes if isinstance(classes, list) else []), ident if isinstance(ident, str) else ""]).strip()


def _leaning(tag: Tag) -> int:
    """-1 for a box named or tagged as chrome, +1 for one named as content (strongly), 0 for neither, both or a
    weak content name ('comment-content' is neither: it stays inside its comment section)."""
    label = _label(tag)
    negative = tag.name in _NEGATIVE_TAGS or bool(
        label
        and (
            _NEGATIVE_INSIDE.search(label) or any(part.lower() in _NEGATIVE_PARTS for part in _NAME_PARTS.split(label))
        )
    )
    positive = bool(label and _POSITIVE.search(label))
    if negative:
        return 0 if positive else -1
    return 1 if label and _STRONG_POSITIVE.search(label) else 0


def _is_negative(tag: Tag) -> bool:
    return _leaning(tag) < 0


def _measure(tag: Tag, negative: bool, stats: dict[int, _Stats], heading: Tag | None) -> _Stats:
    """Post-order: every element's text, link text, paragraph text and paragraph score (the title is not one).
    A box named as content inside one named as chrome counts again ('main_content' in 'js_img_share_area')."""
    leaning = _leaning(tag)
    negative = (negative and leaning <= 0) or leaning < 0 or tag is heading
    here = _Stats()
    if tag.name not in _INLINE_TAGS:
        own = _own_text(tag)
        here.text, here.links = own.chars, own.links
        commas = len(_COMMA.findall(own.text))
        # Prose: not mostly links, punctuated (a keyword dump is not), and either a sentence or a long line (a
        # header's '字号 大 中 小' or a date line is text, but not article text).
        prose = (
            own.chars >= _MIN_PARAGRAPH
            and own.links * 2 < own.chars
            and len(_PUNCT.findall(own.text)) * 150 >= own.chars
            and (own.chars >= 25 or commas > 0 or _SENTENCE_END.search(own.text) is not None)
            and not own.text.rstrip().endswith("...")  # a teaser cut short, not the article
        )
        if prose and not negative:
            here.good = own.chars - own.links
            here.score = 1 + commas + min(own.chars / 100, 3)
    for child in tag.children:
        if isinstance(child, Tag) and child.name not in _INLINE_TAGS:
            sub = _measure(child, negative, stats, heading)
            here.text += sub.text
            here.links += sub.links
            here.good += sub.good
            here.score += sub.score
    stats[id(tag)] = here
    return here


def _blocks(root: Tag) -> Iterator[Tag]:
    for tag in root.find_all(True):
        if tag.name not in _INLINE_TAGS:
            yield tag


def main_content(soup: BeautifulSoup, heading: Tag | None, stats: dict[int, _Stats]) -> Tag | None:
    """The element holding the article: paragraph-like text, weighted by how much of its text that is."""
    # From the document, not <body>: broken pages close </html> early and lxml puts the rest beside <body>.
    _measure(soup, False, stats, heading)
    best: tuple[float, Tag] | None = None
    for tag in _blocks(soup):
        s = stats.get(id(tag))
        if s is None or s.score <= 0 or s.text == 0 or tag.name not in _CONTAINER_TAGS:
            continue
        purity = s.good / s.text
        value = s.score * purity * purity
        if best is None or value >= best[0]:  # on a tie the inner element: the same text, less wrapping
            best = (value, tag)
    if best is not None and best[0] >= 3:
        return best[1]
    return _after_heading(heading) or (best[1] if best else None)


_BLOCK_CHILD = re.compile(r"^(?:p|div|section|article|h[1-6]|li|ul|ol|table|tr|td|blockquote|dl|dd|dt)$")
_META_BOX = re.compile(r"meta|info|date|time|author|source|byline|attr|publish", re.I)


def _after_heading(heading: Tag | None) -> Tag | None:
    """For a page with too little text to score: the first block after the title's that is not chrome or the
    title's date line."""
    node = heading
    for _level in range(3):  # the title's block, its parent's, its grandparent's: not the rest of the page
        if not isinstance(node, Tag) or node.name in ("body", "html", "[document]"):
            break
        for sibling in node.find_next_siblings(True):
            shown = text.fold(sibling.get_text(" "))
            if (not shown and sibling.find("img") is None) or _is_negative(sibling):
                continue
            if next(visible_dates(shown), None) is not None and (_META_BOX.search(_label(sibling)) or len(shown) <= 40):
                continue
            return sibling
        node = node.parent
    return None


def title_near_content(content: Tag) -> Tag | None:
    """A page whose <title> names only the site: the article's title is then the heading just before the content,
    or the content's first line when it is short and followed by its date line ('发布时间：2019-05-18 来源：…')."""
    for tag in content.find_all_previous(["h1", "h2", "h3", "h4", "h5", "h6"], limit=2):
        shown = text.fold(tag.get_text(" "))
        if (
            4 <= len(shown) <= 100
            and tag.find("a") is None
            and not any(map(_is_negative, tag.parents))
            and _text_between(tag, content) <= 200
        ):
            return tag
    lines: list[Tag] = []
    for tag in _blocks(content):
        if tag.find(_BLOCK_CHILD) is None and text.fold(tag.get_text()):
            lines.append(tag)
            if len(lines) == 3:
                break
    if len(lines) < 2:
        return None
    first = text.fold(lines[0].get_text(" "))
    if len(first) > 80 or first[-1] in "。.：:，,；;" or lines[0].find("a") is not None:
        return None
    if any(next(visible_dates(text.fold(t.get_text(" "))), None) for t in lines[1:]):
        return lines[0]
    return None


_CREDIT_WORDS = re.compile(r"来源|作者|记者|编辑|责编|撰文|文/|通讯员|\bby\b|source", re.I)


def _block_of(node: NavigableString) -> Tag | None:
    parent = node.parent
    while isinstance(parent, Tag) and parent.name in _INLINE_TAGS:
        parent = parent.parent
    return parent


def byline_lines(heading: Tag | None, content: Tag) -> list[str]:
    """The short lines between the title and the article that date or credit it ('2019-09-26 12:11 来源：某某网
    作者：张三'): credits, not body. (Such lines inside the article stay in its body, as for posts.)"""
    lines: list[str] = []
    if heading is not None and not any(p is content for p in heading.parents):
        inside = {id(d) for d in heading.descendants}
        blocks: dict[int, list[str]] = {}
        order: list[int] = []
        for piece in heading.next_elements:
            if piece is content or len(order) > 12:
                break
            if id(piece) in inside or not isinstance(piece, NavigableString) or isinstance(piece, PreformattedString):
                continue
            block = _block_of(piece)
            if block is None or any(map(_is_negative, [block, *block.parents])):
                continue
            if id(block) not in blocks:
                blocks[id(block)] = []
                order.append(id(block))
            blocks[id(block)].append(str(piece))
        lines = [text.fold(" ".join(blocks[key])) for key in order]
    return [line for line in lines if _is_meta_line(line)]


def _is_meta_line(line: str) -> bool:
    return len(line) <= 100 and (next(visible_dates(line), None) is not None or bool(_CREDIT_WORDS.search(line)))


def _text_between(start: Tag, end: Tag, limit: int = 10_000) -> int:
    """Characters of text after `start` (its own left out) and before `end`."""
    inside = {id(d) for d in start.descendants}
    seen = 0
    for piece in start.next_elements:
        if piece is end or seen > limit:
            break
        if id(piece) not in inside and isinstance(piece, NavigableString) and not isinstance(piece, PreformattedString):
            seen += len(piece.strip())
    return seen


def _clean(root: Tag, heading: Tag | None, stats: dict[int, _Stats]) -> None:
    """Cut from the article what is not its text: the title heading, and chrome boxes (nav, share and related
    boxes) when they are mostly links or short; a class name alone is not enough ('elementor-widget' is content)."""
    if heading is not None and any(p is root for p in heading.parents):
        heading.decompose()
    for tag in list(_blocks(root)):
        if tag.decomposed or not _is_negative(tag):
            continue
        s = stats.get(id(tag))
        if tag.name in _NEGATIVE_TAGS or s is None or s.text < 30 or s.links * 3 > s.text:
            tag.decompose()


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
    soup = BeautifulSoup(html, "lxml")
    index = _index(soup)
    ld = _json_ld(index)
    metas = _metas(index)
    scripts = [script.string for script in index.scripts if script.string]
    canonical = index.canonical
    href = canonical.get("href") if canonical is not None else None
    page_url = url or (href if isinstance(href, str) and href.startswith("http") else None)
    for tag in index.chrome:
        tag.decompose()
    title, heading = title_of(index, metas, ld)
    published = published_of(soup, index, metas, ld, heading, page_url, scripts, tz)
    author = _person(_ld_value(ld, "author")) or next((p for k in _AUTHOR_META if (p := _person(metas.get(k)))), None)
    stats: dict[int, _Stats] = {}
    content = main_content(soup, heading, stats)
    if content is None:
        raise RejectError("no article text found on the page")
    if heading is None and (inner := title_near_content(content)) is not None:
        title, heading = text.fold(inner.get_text(" ")), inner
    _clean(content, heading, stats)
    credits = "".join(f"<p>{html_escape(line)}</p>" for line in byline_lines(heading, content))
    return Entry(
        key=key,
        # The title's byline and date lines travel as a credit box: read for credits, never body.
        html=(f"<div {rules.CREDIT_MARK}>{credits}</div>" if credits else "") + str(content),
        kind="page",
        title=title,
        url=page_url,
        published_at=published,
        author=author,
        head_image=metas.get("og:image"),
    )
