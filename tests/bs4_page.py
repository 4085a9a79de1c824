"""etl.page as it was before issue 6's port to lxml's tree, over BeautifulSoup's tree: the reference the lxml reading
is held equal to (tests/test_fast_paths.py). The functions that read the tree are kept verbatim but for one fix:
whether an element is an ancestor of the title is asked by identity (`in` compared BeautifulSoup tags by equality,
so an element that only looked like the title's ancestor counted as one). The rules and the helpers that read no
tree are imported from etl.page: both readings apply one copy of them."""

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
from etl.page import (  # the rules and the helpers that read no tree: one copy, shared with the lxml reading
    _CHROME_TAGS,
    _NEGATIVE_TAGS,
    _NEGATIVE_INSIDE,
    _NEGATIVE_PARTS,
    _POSITIVE,
    _STRONG_POSITIVE,
    _NAME_PARTS,
    _INLINE_TAGS,
    _PUNCT,
    _COMMA,
    _SENTENCE_END,
    _WHITESPACE,
    _CONTAINER_TAGS,
    _MIN_PARAGRAPH,
    _DATE_META,
    _TITLE_META,
    _AUTHOR_META,
    _SITE_SUFFIX,
    _TITLE_SPLIT,
    _FULL_DATE,
    _SHORT_DATE,
    _YY_DATE,
    _EN_MONTHS,
    _EN_DATE,
    _UPDATED,
    _PUBLISHED,
    _DATE_LABEL,
    _SCRIPT_DATE,
    _URL_DATE,
    _YEAR,
    _TITLE_CLASS,
    _HEADING_NAMES,
    _CHROME,
    _ld_value,
    _squash,
    _Stamp,
    _stamp,
    visible_dates,
    _declared_date,
    _written_date,
    _script_date,
    _url_date,
    _Stats,
    _Own,
    _META_BOX,
    _CREDIT_WORDS,
    _is_meta_line,
    _person,
)


# --- metadata ------------------------------------------------------------------------------------------------


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


# --- title ---------------------------------------------------------------------------------------------------


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
