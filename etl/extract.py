"""Clean and extract: an Entry's HTML to one article record. Pure: no I/O, same input, same output.

One parse and one walk per document: the walk sorts every element with the precompiled rules of `etl.rules`
(drop, credit box, caption, image, table, block, inline) and gathers paragraphs, images with captions, stock codes
and the HTML comments as it goes. Credits are then read from the text (`etl.credits`).
"""

from __future__ import annotations

import hashlib
import html as htmllib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from etl import credits, dedupe, rules, text
from etl.entry import Entry, RejectError

_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_COMMENT_BLOCK = re.compile(r"<(?:br|/?p|/?div|/?li|/?h\d|/?tr|/?section|/?blockquote)\b[^>]*>", re.I)
_COMMENT_TAG = re.compile(r"<[^>]*>")
_ADLIST = re.compile(r"^\s*article_adlist\[|\]article_adlist\s*$")


# lxml's own tree, not BeautifulSoup's: the same libxml2 parse without a Python object built per node (about ten
# times faster), walked with the rules BeautifulSoup's tree was walked with (tests hold the two readings equal).
_PARSER = etree.HTMLParser()
_UTF8_PARSER = etree.HTMLParser(encoding="utf-8")
# Elements whose strings BeautifulSoup types apart (Script, Stylesheet, TemplateString, ruby text): get_text skips
# them, the walk does not.
_STRING_CONTAINERS = frozenset({"script", "style", "template", "rt", "rp"})


def parse_html(html: str) -> list[Any]:
    """The document's top-level nodes: comments before and after the root element, and the root element."""
    try:
        root = etree.fromstring(html, _PARSER)
    except ValueError:  # a str with an XML encoding declaration: lxml wants bytes for it
        root = etree.fromstring(html.encode("utf-8"), _UTF8_PARSER)
    if root is None:
        if "<!--" not in html:
            return []
        # Nothing but comments (and space): lxml gives no tree where BeautifulSoup keeps the comments.
        root = etree.fromstring(f"<html><body>{html}</body></html>", _PARSER)
    return [*reversed(list(root.itersiblings(preceding=True))), root, *root.itersiblings()]


@dataclass
class Reading:
    """What one walk over an article's HTML found."""

    paragraphs: list[str] = field(default_factory=list)
    credit_lines: list[str] = field(default_factory=list)  # text of credit boxes: read for credits, not body
    images: list[dict[str, str]] = field(default_factory=list)
    stock_codes: set[str] = field(default_factory=set)
    comments: list[str] = field(default_factory=list)


def get_text(el: Any) -> str:
    """BeautifulSoup's Tag.get_text of an lxml element: its strings, not comments', scripts' or styles'."""
    parts: list[str] = []
    _strings(el, parts)
    return "".join(parts)


def _strings(el: Any, parts: list[str]) -> None:
    if el.text:
        parts.append(el.text)
    for child in el:
        if isinstance(child.tag, str) and child.tag not in _STRING_CONTAINERS:
            _strings(child, parts)
        if child.tail:
            parts.append(child.tail)


def _elements(el: Any, tag: str | None = None) -> Iterator[Any]:
    """Descendant elements (not comments), in document order: BeautifulSoup's find_all."""
    for node in el.iterdescendants(tag) if tag else el.iterdescendants():
        if isinstance(node.tag, str):
            yield node


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
        if not self.buf:
            return
        para = text.fold("".join(self.buf))
        self.buf.clear()
        if para:
            self.target.append(para)

    def kind(self, tag: Any) -> rules.Kind | None:
        return self.kind_of(tag.tag, tag.attrib)

    def kind_of(self, name: str, attrs: Any) -> rules.Kind | None:
        if not attrs:
            return None  # every selector and the hidden style test an attribute
        found = self.selectors.kind(name, attrs)
        if found is None:
            style = attrs.get("style")
            if style is not None and ("none" in style or "hidden" in style) and _HIDDEN_STYLE.search(style):
                return "drop"
        return found

    def walk(self, node: Any) -> None:
        if node.text:
            self.buf.append(node.text)
        self.nodes(node)

    def nodes(self, children: Iterable[Any]) -> None:
        section: rules.Kind | None = None  # inside a 'Read also' / 'Follow my work' block of siblings
        for child in children:
            name = child.tag
            if not isinstance(name, str):
                if isinstance(child, etree._Comment):
                    self.found.comments.append(child.text or "")
            elif name in rules.DROP_TAGS:
                pass
            else:
                if name in rules.HEADING_TAGS:
                    section = _section_of(child)
                if section is not None:
                    if section == "credit":
                        self.credit_box(child)
                else:
                    self.element(child, name)
            # The text after an element, a sibling string in BeautifulSoup's tree.
            if child.tail and section is None:
                self.buf.append(child.tail)

    def element(self, child: Any, name: str) -> None:
        attrs = child.attrib
        if attrs:
            kind = self.kind_of(name, attrs)
            if kind == "drop" or kind == "caption":
                return
            if kind == "credit":
                self.credit_box(child)
                return
            self.codes(attrs, name)
        if name == "img":
            self.image(child, "")
        elif name == "br":
            self.flush()
        elif name == "table":
            self.table(child)
        elif (
            name in rules.FIGURE_TAGS or (attrs and _has_class(child, rules.CAPTION_WRAPPER_CLASSES))
        ) and self.figure(child):
            return
        elif name in rules.BLOCK_TAGS:
            self.flush()
            self.walk(child)
            self.flush()
        else:
            self.walk(child)

    def credit_box(self, tag: Any) -> None:
        self.flush()
        target, self.target = self.target, self.found.credit_lines
        in_credit, self.in_credit = self.in_credit, True
        self.walk(tag)
        self.flush()
        self.target, self.in_credit = target, in_credit

    def table(self, table: Any) -> None:
        """One paragraph per row, cells trimmed and joined by a space; the <caption> is left out."""
        self.flush()
        for row in _elements(table, "tr"):
            if next(row.iterancestors("table"), None) is not table:
                continue  # a nested table's rows are read as text of the cell holding it
            cells = []
            for cell in row:
                if cell.tag != "td" and cell.tag != "th":
                    continue
                self.in_cell = True
                self.walk(cell)
                self.in_cell = False
                cells.append(text.fold("".join(self.buf)))
                self.buf.clear()
            line = " ".join(c for c in cells if c)
            if line:
                self.target.append(line)

    # --- images

    def image(self, img: Any, caption: str) -> None:
        if self.in_credit:
            return
        src = _image_src(img)
        if src is None or rules.NON_CONTENT_IMAGE.search(src):
            return
        alt = img.get("alt")
        if not caption and alt is not None:
            caption = text.fold(alt)
        self.found.images.append({"src": src, "caption": caption})

    def figure(self, wrapper: Any) -> bool:
        """An image wrapper: its images, captioned by span.img_descr, else figcaption, else the figure's bare text."""
        imgs = [img for img in _elements(wrapper, "img") if self.kind(img) != "drop"]
        if not imgs:
            return False
        caption = ""
        for tag in _elements(wrapper):
            if self.kind(tag) == "caption" and (caption := text.fold(get_text(tag))):
                break
        if not caption and (cap := next(_elements(wrapper, "figcaption"), None)) is not None:
            caption = text.fold(get_text(cap))
        if not caption and wrapper.tag in rules.FIGURE_TAGS:
            caption = text.fold(get_text(wrapper))
        for img in imgs:
            self.image(img, caption)
        return True

    # --- stock codes

    def codes(self, attrs: Any, name: str) -> None:
        ident = attrs.get("id")
        if ident is not None and ident.startswith("stock_") and (m := rules.STOCK_ID.match(ident)):
            self.found.stock_codes.add(m.group("code").lower())
        if name != "a":
            return
        code = attrs.get("code")
        href = attrs.get("href")
        in_url = rules.STOCK_IN_URL.search(href) if href is not None else None
        if in_url:
            exchange = in_url.group("ex").lower()
            self.found.stock_codes.add(("sh" if exchange == "ss" else exchange) + in_url.group("code"))
        elif code is not None and _SIX_DIGITS.fullmatch(code.strip()):
            self.found.stock_codes.add(rules.exchange_of(code.strip()) + code.strip())


_SIX_DIGITS = re.compile(r"\d{6}")


def _has_class(tag: Any, names: frozenset[str]) -> bool:
    classes = tag.get("class")
    return classes is not None and any(c in names for c in classes.split())


def _section_of(heading: Any) -> rules.Kind | None:
    title = text.fold(get_text(heading))
    for pattern, kind in rules.SECTION_HEADINGS:
        if pattern.match(title):
            return kind
    return None


def _image_src(img: Any) -> str | None:
    for attr in rules.IMAGE_SRC_ATTRS:
        value: str | None = img.get(attr)
        if value is not None and value.strip() and not value.startswith("data:"):
            return value.strip()
    return None


def read(nodes: list[Any], site: rules.SiteRule = rules.GENERIC) -> Reading:
    """One walk over a document's top-level nodes (`parse_html`)."""
    walker = _Walker(site)
    walker.nodes(nodes)
    walker.flush()
    return walker.found


def paragraphs(html: str) -> list[str]:
    """The body paragraphs of an HTML fragment, by the conventions of LABELS.md."""
    return read(parse_html(html)).paragraphs


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
    boilerplate = rules.boilerplate_pattern(site).search
    paras = [p for p in found.paragraphs if not boilerplate(p)]
    body = "\n".join(paras)
    if not body and not found.images:
        raise RejectError("empty body: no text or images after cleaning")
    lang = text.language(f"{entry.title or ''}\n{body[: text.LANGUAGE_SAMPLE]}")  # (not a copy of a long body)
    images = found.images
    squeezed = text.squeeze(body)  # whitespace out: what the count, the hash and the shingles read
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
        "char_count": len(squeezed),
        "content_hash": text.squeezed_hash(squeezed),
        "dateline": who.dateline,
        "item_key": entry.key,
        "minhash": dedupe.minhash_of(squeezed),
    }
