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


def _load_yaml(raw: str) -> Any:
    # BaseLoader keeps every scalar a string: dates and 'no' stay as written and are parsed on purpose.
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
    if not body.strip():
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
