"""Clean and extract: an Entry's HTML to one article record. Pure: no I/O, same input, same output.

One parse and one walk per document: the walk sorts every element with the precompiled rules of `etl.rules`
(drop, credit box, caption, image, table, block, inline) and gathers paragraphs, images with captions, stock codes
and the HTML comments as it goes. Credits are then read from the text (`etl.credits`).
"""

from __future__ import annotations

import hashlib
import html as htmllib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from bs4 import BeautifulSoup
from bs4.element import Comment, NavigableString, PreformattedString, Tag

from etl import credits, dedupe, rules, text
from etl.entry import Entry, RejectError

_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_COMMENT_BLOCK = re.compile(r"<(?:br|/?p|/?div|/?li|/?h\d|/?tr|/?section|/?blockquote)\b[^>]*>", re.I)
_COMMENT_TAG = re.compile(r"<[^>]*>")
_ADLIST = re.compile(r"^\s*article_adlist\[|\]article_adlist\s*$")


def parse_html(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "lxml")


@dataclass
class Reading:
    """What one walk over an article's HTML found."""

    paragraphs: list[str] = field(default_factory=list)
    credit_lines: list[str] = field(default_factory=list)  # text of credit boxes: read for credits, not body
    images: list[dict[str, str]] = field(default_factory=list)
    stock_codes: set[str] = field(default_factory=set)
    comments: list[str] = field(default_factory=list)


class _Walker:
    def __init__(self, site: rules.SiteRule) -> None:
        self.selectors = rules.selectors_for(site)
        self.found = Reading()
        self.buf: list[str] = []
        self.target = self.found.paragraphs
        self.in_cell = False  # inside a table cell: blocks and <br> are spaces, not paragraph breaks
        self.in_credit = False  # inside a credit box: its images are not content

    # --- paragraphs

    def flush(self) -> None:
        if self.in_cell:
            self.buf.append(" ")
            return
        para = text.fold("".join(self.buf))
        self.buf.clear()
        if para:
            self.target.append(para)

    def kind(self, tag: Tag) -> rules.Kind | None:
        found = self.selectors.kind(tag.name, tag.attrs)
        if found is None:
            style = tag.attrs.get("style")
            if isinstance(style, str) and ("none" in style or "hidden" in style) and _HIDDEN_STYLE.search(style):
                return "drop"
        return found

    def walk(self, node: Tag) -> None:
        section: rules.Kind | None = None  # inside a 'Read also' / 'Follow my work' block of siblings
        for child in node.children:
            if isinstance(child, NavigableString):
                if isinstance(child, Comment):
                    self.found.comments.append(str(child))
                elif not isinstance(child, PreformattedString) and section is None:
                    self.buf.append(str(child))
                continue
            if not isinstance(child, Tag):
                continue
            name = child.name
            if name in rules.DROP_TAGS:
                continue
            if name in rules.HEADING_TAGS:
                section = _section_of(child)
            if section is not None:
                if section == "credit":
                    self.credit_box(child)
                continue
            kind = self.kind(child)
            if kind == "drop" or kind == "caption":
                continue
            if kind == "credit":
                self.credit_box(child)
                continue
            self.codes(child)
            if name == "img":
                self.image(child, "")
            elif name == "br":
                self.flush()
            elif name == "table":
                self.table(child)
            elif (name in rules.FIGURE_TAGS or _has_class(child, rules.CAPTION_WRAPPER_CLASSES)) and self.figure(child):
                continue
            elif name in rules.BLOCK_TAGS:
                self.flush()
                self.walk(child)
                self.flush()
            else:
                self.walk(child)

    def credit_box(self, tag: Tag) -> None:
        self.flush()
        target, self.target = self.target, self.found.credit_lines
        in_credit, self.in_credit = self.in_credit, True
        self.walk(tag)
        self.flush()
        self.target, self.in_credit = target, in_credit

    def table(self, table: Tag) -> None:
        """One paragraph per row, cells trimmed and joined by a space; the <caption> is left out."""
        self.flush()
        for row in table.find_all("tr"):
            if row.find_parent("table") is not table:
                continue  # a nested table's rows are read as text of the cell holding it
            cells = []
            for cell in row.find_all(["td", "th"], recursive=False):
                self.in_cell = True
                self.walk(cell)
                self.in_cell = False
                cells.append(text.fold("".join(self.buf)))
                self.buf.clear()
            line = " ".join(c for c in cells if c)
            if line:
                self.target.append(line)

    # --- images

    def image(self, img: Tag, caption: str) -> None:
        if self.in_credit:
            return
        src = _image_src(img)
        if src is None or rules.NON_CONTENT_IMAGE.search(src):
            return
        alt = img.get("alt")
        if not caption and isinstance(alt, str):
            caption = text.fold(alt)
        self.found.images.append({"src": src, "caption": caption})

    def figure(self, wrapper: Tag) -> bool:
        """An image wrapper: its images, captioned by span.img_descr, else figcaption, else the figure's bare text."""
        imgs = [img for img in wrapper.find_all("img") if self.kind(img) != "drop"]
        if not imgs:
            return False
        caption = ""
        for tag in wrapper.find_all(True):
            if self.kind(tag) == "caption" and (caption := text.fold(tag.get_text())):
                break
        if not caption and (cap := wrapper.find("figcaption")) is not None:
            caption = text.fold(cap.get_text())
        if not caption and wrapper.name in rules.FIGURE_TAGS:
            caption = text.fold(wrapper.get_text())
        for img in imgs:
            self.image(img, caption)
        return True

    # --- stock codes

    def codes(self, tag: Tag) -> None:
        ident = tag.attrs.get("id")
        if isinstance(ident, str) and ident.startswith("stock_") and (m := rules.STOCK_ID.match(ident)):
            self.found.stock_codes.add(m.group("code").lower())
        if tag.name != "a":
            return
        code = tag.attrs.get("code")
        href = tag.attrs.get("href")
        in_url = rules.STOCK_IN_URL.search(href) if isinstance(href, str) else None
        if in_url:
            exchange = in_url.group("ex").lower()
            self.found.stock_codes.add(("sh" if exchange == "ss" else exchange) + in_url.group("code"))
        elif isinstance(code, str) and re.fullmatch(r"\d{6}", code.strip()):
            self.found.stock_codes.add(rules.exchange_of(code.strip()) + code.strip())


def _has_class(tag: Tag, names: frozenset[str]) -> bool:
    classes = tag.attrs.get("class")
    return isinstance(classes, list) and any(c in names for c in classes)


def _section_of(heading: Tag) -> rules.Kind | None:
    title = text.fold(heading.get_text())
    for pattern, kind in rules.SECTION_HEADINGS:
        if pattern.match(title):
            return kind
    return None


def _image_src(img: Tag) -> str | None:
    for attr in rules.IMAGE_SRC_ATTRS:
        value = img.attrs.get(attr)
        if isinstance(value, str) and value.strip() and not value.startswith("data:"):
            return value.strip()
    return None


def read(root: Tag, site: rules.SiteRule = rules.GENERIC) -> Reading:
    walker = _Walker(site)
    walker.walk(root)
    walker.flush()
    return walker.found


def paragraphs(root: Tag) -> list[str]:
    """The body paragraphs of an element, by the conventions of LABELS.md."""
    return read(root).paragraphs


# --- comments ------------------------------------------------------------------------------------------------


def comment_lines(comments: Iterable[str]) -> list[str]:
    """Text lines inside comments such as <!--article_adlist[<p>校对：刘威</p>]article_adlist-->, without a parse."""
    lines: list[str] = []
    for body in comments:
        inner = _ADLIST.sub("", body)
        if "<" in inner:
            inner = htmllib.unescape(_COMMENT_TAG.sub("", _COMMENT_BLOCK.sub("\n", inner)))
        lines.extend(line for raw in inner.split("\n") if (line := text.fold(raw)))
    return lines


def comment_stock_codes(comments: Iterable[str]) -> set[str]:
    codes: set[str] = set()
    for body in comments:
        match = rules.KEYWORD_PUB.search(body)
        if not match:
            continue
        prefix = rules.KEYWORD_PUB_STOCK_KINDS.get(match.group("kind"))
        if prefix is not None:
            codes.update(prefix + c.strip().lower() for c in match.group("codes").split("&") if c.strip())
    return codes


def publisher_keywords(comments: Iterable[str]) -> list[str]:
    """The publisher's own keyword tags (Sina's news_keyword_pub comment), in order.

    A comment of a stock kind lists ticker codes, which `stock_codes` already holds: as keywords they would crowd out
    the topic terms analysts rank, so only the other kinds count here.
    """
    for body in comments:
        match = rules.KEYWORD_PUB.search(body)
        if match and match.group("kind") not in rules.KEYWORD_PUB_STOCK_KINDS:
            return [k.strip() for k in match.group("codes").split("&") if k.strip()]
    return []


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
    return record(entry, source, read(parse_html(entry.html), site), site)


def _topic_keywords(body: str, lang: str | None, entry: Entry, who: credits.Credits, k: int = 8) -> list[str]:
    """Top terms of the body, leaving out pieces of its credits and feed ('联社' of 财联社 is not a topic)."""
    names = [n for n in (who.outlet, who.editor, who.proofreader, entry.feed, *who.reporters) if n]
    return [w for w in text.keywords(body, lang, k + 4) if not any(w in n for n in names)][:k]


def record(entry: Entry, source: str, found: Reading, site: rules.SiteRule) -> dict[str, Any]:
    hidden = comment_lines(found.comments)
    who = credits.read(found.paragraphs, found.credit_lines, hidden, site)
    if entry.kind == "page" and not who.reporters and entry.author:
        who.reporters = [entry.author]  # the page's declared author, when its text credits nobody
    boilerplate = rules.boilerplate_for(site)
    paras = [p for p in found.paragraphs if not any(b.search(p) for b in boilerplate)]
    body = "\n".join(paras)
    if not body and not found.images:
        raise RejectError("empty body: no text or images after cleaning")
    lang = text.language(f"{entry.title or ''}\n{body}")
    images = found.images
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
        "stock_codes": sorted(found.stock_codes | comment_stock_codes(found.comments)),
        "images": images,
        "head_image": entry.head_image or (images[0]["src"] if images else None),
        "body_text": body,
        "keywords": publisher_keywords(found.comments) or _topic_keywords(body, lang, entry, who),
        "language": lang,
        "char_count": text.char_count(body),
        "content_hash": text.content_hash(body),
        "dateline": who.dateline,
        "item_key": entry.key,
        "minhash": dedupe.minhash_bands(body),
    }
