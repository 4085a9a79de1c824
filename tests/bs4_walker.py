"""The walk of etl.extract as it was before issue 6, over BeautifulSoup's tree: the reference the lxml walk is held
equal to (tests/test_fast_paths.py). Kept verbatim but for imports."""

# ruff: noqa
# mypy: ignore-errors
from __future__ import annotations

import re
import warnings

from bs4 import BeautifulSoup, XMLParsedAsHTMLWarning
from bs4.element import Comment, NavigableString, PreformattedString, Tag

from etl import rules, text
from etl.extract import _HIDDEN_STYLE, Reading


def read_html(html: str, site: rules.SiteRule = rules.GENERIC) -> Reading:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", XMLParsedAsHTMLWarning)
        return read(BeautifulSoup(html, "lxml"), site)


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
