"""RSS 0.9x/1.0/2.0, Atom and JSON Feed documents to items.

The bytes are decoded by etl.encoding (header, BOM, XML declaration, then detection) and handed to feedparser as
UTF-8, so a mislabelled GBK or Big5 feed reads as well as a clean one. A document declaring entities that could
expand (billion laughs, quadratic blow-up) or reach outside it (XXE) is refused before any XML parser expands them.
Malformed XML yields what feedparser's lenient parser recovers, with the problem reported beside the items.
"""

from __future__ import annotations

import calendar
import dataclasses
import datetime as dt
import hashlib
import html as htmllib
import io
import json
import re
from dataclasses import dataclass, field
from typing import Any

from etl import dates, encoding
from etl.entry import RejectError

# Literal entities as short as `<!ENTITY nbsp "&#160;">` are all an honest feed declares.
_MAX_ENTITY_TEXT = 16
_MAX_ENTITIES = 64
_XML_DECLARATION = re.compile(r"\A\s*<\?xml[^>]*\?>")


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
    # Set when the document is malformed but items were recovered from it: a reject row, not a failed source.
    problem: str | None = None


def dates_json(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


def _stable_key(*parts: str | None) -> str:
    """An id for an item without guid or link: the same item always gets the same one."""
    basis = "\x1f".join(p or "" for p in parts)
    return "sha256:" + hashlib.sha256(basis.encode("utf-8")).hexdigest()[:32]


def _item_key(guid: str | None, link: str | None, title: str | None, published: dt.datetime | None, html: str) -> str:
    if guid and guid.strip():
        return guid.strip()
    if link and link.strip():
        return link.strip()
    # The body only when there is no title: an edited body is the same item, not a new one.
    return _stable_key(title, dates_json(published), None if title else html)


def _unique(items: list[FeedItem]) -> list[FeedItem]:
    """Items whose keys repeat within a document (a feed reusing one guid) get keys of their own; exact repeats go."""
    seen: set[str] = set()
    copies: set[str] = set()
    out = []
    for item in items:
        if item.sha256 in copies:
            continue
        copies.add(item.sha256)
        if item.key in seen:
            item = dataclasses.replace(item, key=f"{item.key}#{item.sha256[:12]}")
        seen.add(item.key)
        out.append(item)
    return out


def _struct_time(value: Any) -> dt.datetime | None:
    if not value:
        return None
    # feedparser normalises every date to a UTC struct_time.
    try:
        return dt.datetime.fromtimestamp(calendar.timegm(value), tz=dt.UTC)
    except (OverflowError, ValueError, OSError):
        return None


def _date(value: Any, tz: str) -> dt.datetime | None:
    try:
        return dates.parse_date(value, tz) if isinstance(value, str) else None
    except dates.DateError:
        return None


def _text(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


def _paragraphs(text: str) -> str:
    return "".join(f"<p>{htmllib.escape(line.strip())}</p>" for line in text.splitlines() if line.strip())


# --- entity guard ------------------------------------------------------------------------------------------------


class _RootReached(Exception):
    """The root element started: the prologue, where any DTD lives, is over."""


def refuse_entities(text: str) -> None:
    """RejectError for a document declaring entities that could expand or reach outside it."""
    from xml.parsers import expat

    count = 0

    def on_entity(
        name: str, is_parameter: int, value: str | None, base: Any, system_id: Any, public_id: Any, notation: Any
    ) -> None:
        nonlocal count
        count += 1
        if value is None:
            raise RejectError(f"refused: declares external entity {name!r} (XXE)")
        if is_parameter:
            raise RejectError(f"refused: declares parameter entity {name!r}")
        if "&" in value or "<" in value or len(value) > _MAX_ENTITY_TEXT:
            raise RejectError(f"refused: entity {name!r} expands to more entities or long text (entity expansion)")
        if count > _MAX_ENTITIES:
            raise RejectError(f"refused: declares more than {_MAX_ENTITIES} entities")

    def on_root(*_: Any) -> None:
        raise _RootReached

    parser = expat.ParserCreate(encoding="utf-8")  # already decoded: whatever a declaration says, these are UTF-8
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.EntityDeclHandler = on_entity
    parser.StartElementHandler = on_root
    try:
        parser.Parse(_XML_DECLARATION.sub("", text.lstrip("\ufeff"), count=1).lstrip().encode("utf-8"), True)
    except _RootReached:
        return
    except RejectError:
        raise
    except (expat.ExpatError, ValueError):  # ValueError: expat refusing an encoding it was told about
        # A prologue expat cannot read: it cannot tell what is declared there, so any entity declaration is refused.
        if "<!ENTITY" in text:
            raise RejectError("refused: unreadable DTD declaring entities") from None


# --- formats -----------------------------------------------------------------------------------------------------


def parse_json_feed(text: str, tz: str) -> Feed:
    try:
        doc = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        raise RejectError(f"malformed JSON Feed: {str(exc)[:200]}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("items"), list):
        raise RejectError("malformed JSON Feed: no 'items' list")
    items = []
    for raw in doc["items"]:
        if not isinstance(raw, dict):
            continue
        html = _text(raw.get("content_html"))
        if not html:
            plain = _text(raw.get("content_text")) or _text(raw.get("summary")) or ""
            html = _paragraphs(plain)
        published = _date(raw.get("date_published"), tz) or _date(raw.get("date_modified"), tz)
        link = _text(raw.get("url")) or _text(raw.get("external_url"))
        title = _text(raw.get("title"))
        authors, tags = raw.get("authors"), raw.get("tags")
        authors = authors if isinstance(authors, list) else [raw.get("author")]
        names = [_text(a.get("name")) for a in authors if isinstance(a, dict)]
        tags = tags if isinstance(tags, list) else []
        items.append(
            FeedItem(
                key=_item_key(_text(raw.get("id")), link, title, published, html),
                title=title,
                link=link,
                published_at=published,
                html=html,
                categories=[t for t in map(_text, tags) if t],
                author=next((n for n in names if n), None),
                image=_text(raw.get("image")) or _text(raw.get("banner_image")),
            )
        )
    return Feed(title=_text(doc.get("title")), link=_text(doc.get("home_page_url")), items=_unique(items))


def parse_xml_feed(text: str, tz: str) -> Feed:
    import xml.sax

    import feedparser  # heavy; only feeds need it

    refuse_entities(text)
    # Already decoded: feedparser gets UTF-8 and is told so, whatever the original declaration said. A file object,
    # because feedparser opens a bytes argument as a local path when it names one.
    utf8 = _XML_DECLARATION.sub("", text, count=1).encode("utf-8")
    try:
        parsed = feedparser.parse(io.BytesIO(utf8), response_headers={"content-type": "application/xml; charset=utf-8"})
    except Exception as exc:  # feedparser's lenient parser has crashes of its own (KeyError 'links' on "<link<item>")
        raise RejectError(f"malformed feed: the parser gave up ({type(exc).__name__}: {exc})") from exc
    bozo = parsed.get("bozo_exception")
    if not parsed.entries and (parsed.get("bozo") or not parsed.get("version")):
        raise RejectError(f"malformed feed: {bozo or 'not a feed'}")
    items = []
    for entry in parsed.entries:
        contents = entry.get("content") or []
        html = contents[0].get("value", "") if contents else entry.get("summary", "") or entry.get("description", "")
        # dict.get: FeedParserDict maps a missing "updated_parsed" to "published_parsed", with a warning.
        published = _struct_time(entry.get("published_parsed") or dict.get(entry, "updated_parsed"))
        published = published or _date(entry.get("published"), tz)
        title = entry.get("title")
        link = entry.get("link")
        categories = [t.get("term") for t in entry.get("tags") or [] if t.get("term")]
        items.append(
            FeedItem(
                key=_item_key(entry.get("id"), link, title, published, html),
                title=title,
                link=link,
                published_at=published,
                html=html or "",
                categories=categories,
                author=entry.get("author"),
            )
        )
    problem = None
    if isinstance(bozo, xml.sax.SAXException):
        problem = f"malformed XML ({bozo}); {len(items)} items recovered"
    feed = parsed.get("feed", {})
    return Feed(title=feed.get("title"), link=feed.get("link"), items=_unique(items), problem=problem)


def parse_feed(data: bytes, tz: str = "Asia/Shanghai", content_type: str | None = None) -> Feed:
    """Any feed document to items; RejectError when nothing can be recovered from it."""
    text = encoding.decode(data, content_type)
    if text.lstrip()[:1] in ("{", "["):
        return parse_json_feed(text, tz)
    return parse_xml_feed(text, tz)
