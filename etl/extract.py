"""Clean and extract: an Entry's HTML to one article record. Pure: no I/O, same input, same output."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from bs4 import BeautifulSoup
from bs4.element import Comment, NavigableString, Tag

from etl import rules, text
from etl.entry import Entry, RejectError


@dataclass
class Credits:
    outlet: str | None = None
    reporters: list[str] = field(default_factory=list)
    editor: str | None = None
    proofreader: str | None = None
    dateline: str | None = None


def parse_html(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "lxml")


# --- comments ------------------------------------------------------------------------------------------------


def harvest_comments(soup: BeautifulSoup) -> list[str]:
    """Remove every HTML comment, returning their texts: some carry credits and stock codes."""
    found = []
    for node in soup.find_all(string=lambda s: isinstance(s, Comment)):
        found.append(str(node))
        node.extract()
    return found


def comment_lines(comments: Iterable[str]) -> list[str]:
    """Paragraph texts inside comments such as <!--article_adlist[<p>校对：刘威</p>]article_adlist-->."""
    lines: list[str] = []
    for body in comments:
        inner = re.sub(r"^\s*article_adlist\[|\]article_adlist\s*$", "", body)
        if "<" in inner:
            lines.extend(paragraphs(parse_html(inner)))
        elif inner.strip():
            lines.append(text.fold(inner))
    return lines


# --- cleaning ------------------------------------------------------------------------------------------------


def clean(soup: BeautifulSoup, site: rules.SiteRule | None) -> None:
    for tag in soup.find_all(rules.DROP_TAGS):
        tag.decompose()
    selectors = rules.DROP_SELECTORS + (site.drop if site else ())
    for selector in selectors:
        for tag in soup.select(selector):
            tag.decompose()
    for tag in soup.find_all(style=re.compile(r"display\s*:\s*none", re.I)):
        tag.decompose()


# --- paragraphs ----------------------------------------------------------------------------------------------


def _table_rows(table: Tag) -> list[str]:
    rows = []
    for tr in table.find_all("tr"):
        cells = [text.fold(cell.get_text(" ")) for cell in tr.find_all(["td", "th"])]
        row = " ".join(c for c in cells if c)
        if row:
            rows.append(row)
    return rows


def paragraphs(root: Tag) -> list[str]:
    """Block elements and <br> start paragraphs; inline text joins; empty paragraphs are dropped."""
    out: list[str] = []
    buf: list[str] = []

    def flush() -> None:
        para = text.fold("".join(buf))
        buf.clear()
        if para:
            out.append(para)

    def walk(node: Tag) -> None:
        for child in node.children:
            if isinstance(child, Comment):
                continue
            if isinstance(child, NavigableString):
                buf.append(str(child))
                continue
            if not isinstance(child, Tag):
                continue
            name = child.name
            if name == "br":
                flush()
            elif name == "table":
                flush()
                out.extend(_table_rows(child))
            elif name in rules.BLOCK_TAGS:
                flush()
                walk(child)
                flush()
            else:
                walk(child)

    walk(root)
    flush()
    return out


# --- images --------------------------------------------------------------------------------------------------

_CAPTION_TAGS = ("figcaption",)


def _caption(img: Tag) -> str:
    wrapper = img.find_parent(class_="img_wrapper")
    if wrapper is not None:
        descr = wrapper.find(class_="img_descr")
        if descr is not None and text.fold(descr.get_text()):
            return text.fold(descr.get_text())
    figure = img.find_parent("figure")
    if figure is not None:
        cap = figure.find("figcaption")
        if cap is not None and text.fold(cap.get_text()):
            return text.fold(cap.get_text())
    alt = img.get("alt")
    return text.fold(alt) if isinstance(alt, str) else ""


def images(root: Tag) -> list[dict[str, str]]:
    found: list[dict[str, str]] = []
    for img in root.find_all("img"):
        src = img.get("src") or img.get("data-src") or img.get("data-original")
        if not isinstance(src, str) or not src.strip() or rules.NON_CONTENT_IMAGE.search(src):
            continue
        found.append({"src": src.strip(), "caption": _caption(img)})
    return found


def drop_captions(root: Tag) -> None:
    for tag in root.select(".img_descr, figcaption"):
        tag.decompose()


# --- stock codes ---------------------------------------------------------------------------------------------


def stock_codes(root: Tag, comments: Iterable[str]) -> list[str]:
    codes: set[str] = set()
    for tag in root.find_all(id=rules.STOCK_ID):
        match = rules.STOCK_ID.match(str(tag.get("id")))
        if match:
            codes.add(match.group("code").lower())
    for a in root.find_all("a"):
        code_attr = a.get("code")
        if isinstance(code_attr, str) and re.fullmatch(r"\d{6}", code_attr.strip()):
            codes.add(rules.exchange_of(code_attr.strip()) + code_attr.strip())
    for body in comments:
        match = rules.KEYWORD_PUB.search(body)
        if match and match.group("kind") == "stock":
            codes.update(c.strip().lower() for c in match.group("codes").split("&") if c.strip())
    return sorted(codes)


# --- credits -------------------------------------------------------------------------------------------------


def _names(raw: str) -> list[str]:
    return [n for n in re.split(r"[ 　、，,和及]+", raw) if n]


def _outlet(name: str | None) -> str | None:
    if not name or name in rules.NOT_OUTLETS:
        return None
    return name


def credits(paras: list[str], hidden: list[str]) -> Credits:
    """Outlet, reporters, editor and proofreader from the visible paragraphs, then from comments."""
    c = Credits()
    for para in paras:
        if m := rules.DATELINE.match(para):
            c.outlet = c.outlet or _outlet(m.group("outlet"))
            c.dateline = c.dateline or m.group("place")
            if m.group("role") == "记者":
                c.reporters.extend(n for n in _names(m.group("names")) if n not in c.reporters)
            elif m.group("role") == "编辑":
                c.editor = c.editor or _names(m.group("names"))[0]
        elif m := rules.XINHUA_DATELINE.match(para):
            c.outlet = c.outlet or m.group("outlet")
            c.dateline = c.dateline or m.group("place")
        if m := rules.BYLINE.match(para):
            c.outlet = c.outlet or _outlet(m.group("outlet"))
            c.reporters.extend(n for n in _names(m.group("names")) if n not in c.reporters)
        elif m := rules.AUTHOR_LINE.match(para):
            c.reporters.extend(n for n in _names(m.group("names")) if n not in c.reporters)
        if (m := rules.SOURCE_LINE.match(para)) or (m := rules.FROM_LINE.match(para)):
            c.outlet = c.outlet or m.group("outlet")
        if m := rules.EDITOR_LINE.search(para):
            c.editor = m.group("name").strip()
        if c.proofreader is None and (m := rules.PROOFREADER.search(para)):
            c.proofreader = m.group("name")
    for line in hidden:
        if c.outlet is None and (m := rules.SOURCE_LINE.match(line) or rules.FROM_LINE.match(line)):
            c.outlet = m.group("outlet")
        if c.proofreader is None and (m := rules.PROOFREADER.search(line)):
            c.proofreader = m.group("name")
        if c.editor is None and (m := rules.EDITOR_LINE.search(line)):
            c.editor = m.group("name").strip()
    return c


# --- the record ----------------------------------------------------------------------------------------------


def article_id(entry: Entry, source: str) -> str:
    """Stable across reruns and feeds: the URL when there is one, else the title and the day it was published."""
    if entry.url:
        basis = "url:" + entry.url.split("#")[0].rstrip("/")
    else:
        day = entry.published_at.date().isoformat() if entry.published_at else ""
        basis = f"title:{text.fold(entry.title or '')}|{day}" if entry.title else f"key:{source}:{entry.key}"
    return hashlib.sha256(basis.encode("utf-8")).hexdigest()[:20]


def extract_post(entry: Entry, source: str = "") -> dict[str, Any]:
    """The article record for a post (Hexo post or feed item whose HTML is the article body)."""
    site = rules.site_for(entry.feed, entry.url)
    soup = parse_html(entry.html)
    comments = harvest_comments(soup)
    editor_lines = [text.fold(t.get_text()) for t in soup.select(".article-editor")]
    clean(soup, site)
    pics = images(soup)
    drop_captions(soup)
    all_paras = paragraphs(soup)
    who = credits(all_paras + editor_lines, comment_lines(comments))
    paras = [p for p in all_paras if not any(b.search(p) for b in rules.BOILERPLATE)]
    body = "\n".join(paras)
    if not body and not pics:
        raise RejectError("empty body: no text or images after cleaning")
    lang = text.language(f"{entry.title or ''}\n{body}")
    return {
        "article_id": article_id(entry, source),
        "source": source,
        "feed": entry.feed,
        "categories": entry.categories,
        "title": entry.title,
        "url": entry.url,
        "published_at": entry.published_at,
        "outlet": who.outlet,
        "reporters": who.reporters,
        "editor": who.editor,
        "proofreader": who.proofreader,
        "stock_codes": stock_codes(soup, comments),
        "images": pics,
        "head_image": entry.head_image or (pics[0]["src"] if pics else None),
        "body_text": body,
        "keywords": text.keywords(body, lang),
        "language": lang,
        "char_count": text.char_count(body),
        "content_hash": text.content_hash(body),
        "dateline": who.dateline,
        "item_key": entry.key,
    }
