"""RSS 0.9x/1.0/2.0, Atom and JSON Feed documents to items."""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from etl import dates
from etl.entry import RejectError


@dataclass(frozen=True)
class FeedItem:
    key: str
    title: str | None
    link: str | None
    published_at: dt.datetime | None
    html: str
    categories: list[str] = field(default_factory=list)
    author: str | None = None
    image: str | None = None

    @property
    def sha256(self) -> str:
        basis = json.dumps(
            [self.key, self.title, self.link, dates_json(self.published_at), self.html, self.categories],
            ensure_ascii=False,
        )
        return hashlib.sha256(basis.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Feed:
    title: str | None
    link: str | None
    items: list[FeedItem]


def dates_json(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


def _stable_key(*parts: str | None) -> str:
    """An id for an item without guid or link: the same item always gets the same one."""
    basis = "\x1f".join(p or "" for p in parts)
    return "sha256:" + hashlib.sha256(basis.encode("utf-8")).hexdigest()[:32]


def _struct_time(value: Any) -> dt.datetime | None:
    if not value:
        return None
    # feedparser normalises every date to a UTC struct_time.
    return dt.datetime.fromtimestamp(calendar.timegm(value), tz=dt.UTC)


def parse_json_feed(data: bytes, tz: str) -> Feed:
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RejectError(f"malformed JSON Feed: {exc}") from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("items"), list):
        raise RejectError("malformed JSON Feed: no 'items' list")
    items = []
    for raw in doc["items"]:
        if not isinstance(raw, dict):
            continue
        html = raw.get("content_html") or raw.get("content_text") or raw.get("summary") or ""
        try:
            published = dates.parse_date(raw.get("date_published") or raw.get("date_modified"), tz)
        except dates.DateError:
            published = None
        link = raw.get("url") or raw.get("external_url")
        title = raw.get("title")
        key = str(raw.get("id") or link or _stable_key(title, html))
        author = (raw.get("author") or {}).get("name") if isinstance(raw.get("author"), dict) else None
        items.append(
            FeedItem(
                key=key,
                title=title,
                link=link,
                published_at=published,
                html=str(html),
                categories=[str(t) for t in raw.get("tags") or []],
                author=author,
                image=raw.get("image"),
            )
        )
    return Feed(title=doc.get("title"), link=doc.get("home_page_url"), items=items)


def parse_feed(data: bytes, tz: str = "Asia/Shanghai") -> Feed:
    """Any feed document to items; RejectError when nothing can be recovered from it."""
    head = data.lstrip()[:1]
    if head in (b"{", b"["):
        return parse_json_feed(data, tz)
    import feedparser  # heavy; only feeds need it

    parsed = feedparser.parse(data)
    if not parsed.entries and (parsed.get("bozo") or not parsed.get("version")):
        reason = getattr(parsed, "bozo_exception", None) or "not a feed"
        raise RejectError(f"malformed feed: {reason}")
    items = []
    for entry in parsed.entries:
        contents = entry.get("content") or []
        html = contents[0].get("value", "") if contents else entry.get("summary", "") or entry.get("description", "")
        published = _struct_time(entry.get("published_parsed") or entry.get("updated_parsed"))
        if published is None and entry.get("published"):
            try:
                published = dates.parse_date(entry.get("published"), tz)
            except dates.DateError:
                published = None
        link = entry.get("link")
        title = entry.get("title")
        key = entry.get("id") or link or _stable_key(title, html)
        categories = [t.get("term") for t in entry.get("tags") or [] if t.get("term")]
        items.append(
            FeedItem(
                key=str(key),
                title=title,
                link=link,
                published_at=published,
                html=html,
                categories=categories,
                author=entry.get("author"),
            )
        )
    feed = parsed.get("feed", {})
    return Feed(title=feed.get("title"), link=feed.get("link"), items=items)
