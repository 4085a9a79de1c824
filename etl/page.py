"""Full pages: find the article among the site chrome, and the page's title, date and author."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

from bs4 import BeautifulSoup, Tag

from etl import dates, text
from etl.entry import Entry, RejectError

_NEGATIVE = re.compile(
    r"comment|sidebar|side-bar|footer|foot|header|nav|menu|breadcrumb|share|social|related|recommend|hot|rank|"
    r"advert|\bad\b|ads|banner|promo|login|copyright|tag-list|pagination|toolbar|widget",
    re.I,
)
_POSITIVE = re.compile(r"article|content|post|entry|main|story|text|body|detail|正文", re.I)
_CHROME_TAGS = (
    "script",
    "style",
    "noscript",
    "nav",
    "header",
    "footer",
    "aside",
    "form",
    "iframe",
    "svg",
    "button",
    "select",
    "textarea",
    "template",
)
_DATE_META = (
    ("property", "article:published_time"),
    ("name", "article:published_time"),
    ("itemprop", "datePublished"),
    ("name", "pubdate"),
    ("name", "publishdate"),
    ("name", "PubDate"),
    ("name", "publish_date"),
    ("property", "og:release_date"),
    ("name", "date"),
    ("name", "dc.date"),
    ("name", "DC.date.issued"),
    ("name", "weibo: article:create_at"),
    ("name", "apub:time"),
)
_VISIBLE_DATE = re.compile(
    r"(?P<y>20\d{2}|19\d{2})[-/.年](?P<m>\d{1,2})[-/.月](?P<d>\d{1,2})日?(?:\s*(?P<H>\d{1,2})[:：](?P<M>\d{2})(?:[:：](?P<S>\d{2}))?)?"
)


def _meta(soup: BeautifulSoup, attr: str, value: str) -> str | None:
    tag = soup.find("meta", attrs={attr: value})
    content = tag.get("content") if isinstance(tag, Tag) else None
    return content.strip() if isinstance(content, str) and content.strip() else None


def _json_ld(soup: BeautifulSoup) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for script in soup.find_all("script", type="application/ld+json"):
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


def _title(soup: BeautifulSoup, ld: list[dict[str, Any]]) -> str | None:
    for attr, value in (("property", "og:title"), ("name", "twitter:title")):
        if found := _meta(soup, attr, value):
            return text.fold(found)
    for item in ld:
        if isinstance(item.get("headline"), str):
            return text.fold(item["headline"])
    h1 = soup.find("h1")
    if isinstance(h1, Tag) and text.fold(h1.get_text()):
        return text.fold(h1.get_text())
    if soup.title and soup.title.string:
        return text.fold(re.split(r"\s+[-_|｜—]\s+", soup.title.string)[0])
    return None


def _visible_date(node: Tag, tz: str) -> dt.datetime | None:
    match = _VISIBLE_DATE.search(node.get_text(" "))
    if not match:
        return None
    g = match.groupdict()
    stamp = f"{g['y']}-{int(g['m']):02d}-{int(g['d']):02d} {int(g['H'] or 0):02d}:{g['M'] or '00'}:{g['S'] or '00'}"
    try:
        return dates.parse_date(stamp, tz)
    except dates.DateError:
        return None


def _published(soup: BeautifulSoup, ld: list[dict[str, Any]], tz: str) -> dt.datetime | None:
    candidates: list[str] = [v for attr, name in _DATE_META if (v := _meta(soup, attr, name))]
    candidates += [str(item["datePublished"]) for item in ld if item.get("datePublished")]
    for time_tag in soup.find_all("time"):
        value = time_tag.get("datetime")
        if isinstance(value, str):
            candidates.append(value)
    for value in candidates:
        try:
            parsed = dates.parse_date(value, tz)
        except dates.DateError:
            continue
        if parsed:
            return parsed
    return None


def _link_density(node: Tag) -> float:
    total = len(node.get_text(strip=True)) or 1
    linked = sum(len(a.get_text(strip=True)) for a in node.find_all("a"))
    return linked / total


def main_content(soup: BeautifulSoup) -> Tag | None:
    """The element holding the article: the best-scoring container of paragraph text."""
    scores: dict[int, float] = {}
    nodes: dict[int, Tag] = {}
    for para in soup.find_all(["p", "br", "div", "td", "section"]):
        if para.name == "br":
            continue
        own = "".join(s for s in para.find_all(string=True, recursive=False)).strip()
        if para.name != "p" and len(own) < 20:
            continue
        length = len(text.fold(para.get_text())) if para.name == "p" else len(own)
        if length < 10:
            continue
        score = 1 + min(length / 50, 3) + text.fold(para.get_text()).count("，") + para.get_text().count(",") * 0.3
        for depth, ancestor in enumerate(para.parents):
            if depth > 2 or not isinstance(ancestor, Tag) or ancestor.name in ("html", "[document]"):
                break
            key = id(ancestor)
            nodes[key] = ancestor
            scores[key] = scores.get(key, 0.0) + score / (1 + depth)
    if not scores:
        return None

    def final(key: int) -> float:
        node = nodes[key]
        label = " ".join([*(node.get("class") or []), str(node.get("id") or "")])
        bonus = 1.25 if _POSITIVE.search(label) else 1.0
        malus = 0.5 if _NEGATIVE.search(label) else 1.0
        return scores[key] * bonus * malus * (1 - _link_density(node))

    return nodes[max(scores, key=final)]


def page_entry(html: str, key: str, url: str | None = None, tz: str = "Asia/Shanghai") -> Entry:
    """A page to an Entry whose HTML is only the article's container."""
    soup = BeautifulSoup(html, "lxml")
    ld = _json_ld(soup)
    title = _title(soup, ld)
    published = _published(soup, ld, tz)
    canonical = soup.find("link", rel="canonical")
    href = canonical.get("href") if isinstance(canonical, Tag) else None
    page_url = url or (href if isinstance(href, str) and href.startswith("http") else None)
    author = _meta(soup, "name", "author")
    image = _meta(soup, "property", "og:image")
    for tag in soup.find_all(_CHROME_TAGS):
        tag.decompose()
    body = main_content(soup)
    if body is None:
        raise RejectError("no article text found on the page")
    if published is None:
        published = _visible_date(body.parent if isinstance(body.parent, Tag) else body, tz) or _visible_date(soup, tz)
    return Entry(
        key=key,
        html=str(body),
        kind="page",
        title=title,
        url=page_url,
        published_at=published,
        author=author,
        head_image=image,
    )
