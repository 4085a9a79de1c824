"""Hexo Markdown posts: YAML front matter, then the feed item's raw HTML."""

from __future__ import annotations

import html
import re
from pathlib import PurePosixPath
from typing import Any

import yaml

from etl import dates
from etl.entry import Entry, RejectError

_FRONT = re.compile(r"\A\ufeff?\s*---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.S)
# A title written as """""'X'""""" by the archive's generator: YAML cannot read it, the title is X.
_QUOTE_RUN = re.compile(r"""^(\s*[A-Za-z_]+:[ \t]*)"{2,}'(.*)'"{2,}[ \t]*$""", re.M)
_PLACEHOLDER_IMAGE = re.compile(r"picsum\.photos|/finance/cece9e13/20200514/343233024\.png")


def split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    match = _FRONT.match(text)
    if not match:
        raise RejectError("not a Hexo post: no YAML front matter between '---' lines")
    raw = match.group(1)
    try:
        meta = _load_yaml(raw)
    except yaml.YAMLError:
        repaired = _QUOTE_RUN.sub(lambda m: m.group(1) + "'" + m.group(2).replace("'", "''") + "'", raw)
        try:
            meta = _load_yaml(repaired)
        except yaml.YAMLError as exc:
            first = str(exc).splitlines()[0]
            raise RejectError(f"broken YAML front matter: {first}") from exc
    if not isinstance(meta, dict):
        raise RejectError("broken YAML front matter: not a mapping")
    return meta, text[match.end() :]


# libyaml's loader when PyYAML was built with it: the same document, about ten times faster than the pure Python one.
_FAST_LOADER = getattr(yaml, "CBaseLoader", yaml.BaseLoader)


# The front matter the archive's generator writes: 'key: scalar' lines and '- scalar' items under an empty key,
# scalars plain or quoted on one line. Read by hand when every line is of that shape (what YAML's BaseLoader reads
# there, tests hold it so), else by YAML.
_KEY_LINE = re.compile(r"(?P<key>[A-Za-z_][A-Za-z0-9_-]*):(?: +(?P<value>.*))?")
_ITEM_LINE = re.compile(r"(?P<indent> *)- +(?P<value>.*)")
# Plain: no indicator first, no ': ' or ' #' inside, no ':' last. Quoted: on one line, '' for a quote inside.
_PLAIN = re.compile(r"(?![-?:,\[\]{}#&*!|>'\"%@`])(?:(?!: | #).)*(?<!:)")
_SINGLE = re.compile(r"'(?P<inner>(?:[^']|'')*)'")
_DOUBLE = re.compile(r'"(?P<inner>[^"\\]*)"')
# Characters YAML reads as breaks, refuses, or that this reading leaves to it (tabs, carriage returns, BOMs).
_NOT_SIMPLE = re.compile(r"[^\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]")


def _scalar(value: str) -> str | None:
    value = value.rstrip(" ")
    if m := _SINGLE.fullmatch(value):
        return m.group("inner").replace("''", "'")
    if m := _DOUBLE.fullmatch(value):
        return m.group("inner")
    return value if _PLAIN.fullmatch(value) else None


def simple_front_matter(raw: str) -> dict[str, Any] | None:
    """The front matter read by hand, or None when it is not of the simple shape (YAML reads it then)."""
    if _NOT_SIMPLE.search(raw):
        return None
    meta: dict[str, Any] = {}
    items: list[str] | None = None  # the list under the last empty key
    indent: str | None = None
    for line in raw.split("\n"):
        if not line.strip(" "):
            continue
        if items is not None and (m := _ITEM_LINE.fullmatch(line)):
            if indent is None:
                indent = m.group("indent")
            elif m.group("indent") != indent:
                return None
            if (item := _scalar(m.group("value"))) is None or not item:
                return None
            items.append(item)
            continue
        m = _KEY_LINE.fullmatch(line)
        if m is None or m.group("key") in meta:
            return None
        value = m.group("value")
        if value is None or not value.strip(" "):
            items, indent = [], None
            meta[m.group("key")] = items
            continue
        if (scalar := _scalar(value)) is None:
            return None
        meta[m.group("key")] = scalar
        items = None
    if not meta:
        return None  # no mapping at all: YAML says what it is
    # An empty key without items is an empty string to YAML's BaseLoader.
    return {k: "" if v == [] else v for k, v in meta.items()}


def _load_yaml(raw: str) -> Any:
    # BaseLoader keeps every scalar a string: dates and 'no' stay as written and are parsed on purpose.
    if (simple := simple_front_matter(raw)) is not None:
        return simple
    try:
        return yaml.load(raw, Loader=_FAST_LOADER)
    except yaml.YAMLError:
        # The pure Python loader again, for its error message (the reject's reason) and for anything it reads
        # that libyaml does not.
        return yaml.load(raw, Loader=yaml.BaseLoader)


def _flat_strings(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value.strip()] if value.strip() else []
    if isinstance(value, list):
        return [s for v in value for s in _flat_strings(v)]
    return []


def feed_of(categories: list[str], rel_path: str | None) -> str | None:
    """'site/feed' from the categories, falling back to the folder the post sits in."""
    parts = [p.strip() for c in categories[1:] for p in c.split(" - ") if p.strip()]
    if parts:
        return "/".join(parts)
    if rel_path:
        parent = PurePosixPath(rel_path).parent
        if parent.name:
            return "/".join(p.strip() for p in parent.name.split(" - "))
    return None


def _image(value: Any) -> str | None:
    if isinstance(value, str) and value.strip() and not _PLACEHOLDER_IMAGE.search(value):
        return value.strip()
    return None


def parse_post(text: str, key: str, tz: str = "Asia/Shanghai") -> Entry:
    """A Hexo post to an Entry; RejectError with the reason when it cannot be one."""
    if "\x00" in text:
        raise RejectError("binary content: NUL bytes in a text post")
    meta, body = split_front_matter(text)
    title = meta.get("title")
    title = " ".join(html.unescape(title).split()) if isinstance(title, str) else None
    try:
        published = dates.parse_date(meta.get("date") if isinstance(meta.get("date"), str) else None, tz)
    except dates.DateError as exc:
        raise RejectError(f"unparseable date: {exc}") from exc
    # The archive's generator escaped braces so Hexo would not read them as template tags.
    body = body.replace("&#123;", "{").replace("&#125;", "}")
    if not body or body.isspace():  # (without copying the body to strip it)
        raise RejectError("empty body")
    categories = _flat_strings(meta.get("categories"))
    link = meta.get("link") or meta.get("url")
    return Entry(
        key=key,
        html=body,
        kind="post",
        title=title,
        url=link.strip() if isinstance(link, str) and link.strip() else None,
        published_at=published,
        categories=categories,
        feed=feed_of(categories, key),
        author=meta.get("author") if isinstance(meta.get("author"), str) else None,
        head_image=_image(meta.get("headimg")) or _image(meta.get("thumbnail")),
    )
