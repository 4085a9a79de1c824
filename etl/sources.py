"""Sources, read through one interface: fetch documents (the live edge), split them into items (pure)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from etl import encoding, feeds, hexo, http
from etl.config import SourceConfig
from etl.entry import Entry, RejectError
from etl.raw import RawDoc
from etl.settings import Settings


@dataclass(frozen=True)
class Failure:
    """Something that could not be fetched at all; it becomes a row in `rejects`."""

    item: str
    reason: str


@dataclass(frozen=True)
class Fetched:
    doc: RawDoc
    # The item's key when the fetcher knows it (a post's path); feeds name their own items.
    key: str | None = None


@dataclass(frozen=True)
class Split:
    """One item found in a raw document: an Entry to extract, or the reason it cannot be one."""

    key: str
    index: int
    sha256: str
    published_at: dt.datetime | None
    entry: Entry | None = None
    error: str | None = None


class Source:
    kind: ClassVar[str]

    def __init__(self, cfg: SourceConfig, settings: Settings) -> None:
        self.cfg = cfg
        self.settings = settings
        self.name = cfg.name

    def fetch(self) -> Iterator[Fetched | Failure]:
        raise NotImplementedError

    def split(self, doc: RawDoc, key: str | None) -> list[Split]:
        raise NotImplementedError

    def _now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)

    def _policy(self) -> http.HttpPolicy:
        return http.HttpPolicy(
            user_agent=str(self.cfg.option("user_agent") or self.settings.user_agent),
            allow_private_network=bool(self.cfg.option("allow_private_network", False)),
        )


def _files(root: Path, patterns: tuple[str, ...]) -> list[Path]:
    return sorted({p for pattern in patterns for p in root.rglob(pattern) if p.is_file()})


class HexoSource(Source):
    """A folder, searched recursively, of Hexo Markdown posts."""

    kind = "hexo"

    def fetch(self) -> Iterator[Fetched | Failure]:
        root = self.cfg.path
        if root is None or not root.is_dir():
            yield Failure(item=str(root), reason=f"hexo folder not found: {root}")
            return
        for path in _files(root, ("*.md", "*.markdown")):
            key = path.relative_to(root).as_posix()
            try:
                data = path.read_bytes()
            except OSError as exc:
                yield Failure(item=key, reason=f"cannot read: {exc}")
                continue
            yield Fetched(RawDoc(source=self.name, uri=path.as_uri(), fetched_at=self._now(), data=data), key=key)

    def split(self, doc: RawDoc, key: str | None) -> list[Split]:
        key = key or doc.uri
        try:
            entry = hexo.parse_post(encoding.decode_utf8(doc.data), key, self.settings.timezone)
        except RejectError as exc:
            return [Split(key=key, index=0, sha256=doc.sha256, published_at=None, error=str(exc))]
        return [Split(key=key, index=0, sha256=doc.sha256, published_at=entry.published_at, entry=entry)]


class RssSource(Source):
    """An RSS, Atom or JSON Feed URL; RSSHub items carry the full article HTML."""

    kind = "rss"

    def fetch(self) -> Iterator[Fetched | Failure]:
        url = str(self.cfg.url)
        try:
            yield Fetched(http.fetch(url, self.name, self._policy()))
        except http.FetchError as exc:
            yield Failure(item=url, reason=str(exc))

    def split(self, doc: RawDoc, key: str | None) -> list[Split]:
        try:
            feed = feeds.parse_feed(doc.data, self.settings.timezone)
        except RejectError as exc:
            return [Split(key=doc.uri, index=-1, sha256=doc.sha256, published_at=None, error=str(exc))]
        site = str(self.cfg.option("feed") or feed.title or self.name)
        out = []
        for i, item in enumerate(feed.items):
            entry = Entry(
                key=item.key,
                html=item.html,
                kind="post",
                title=item.title,
                url=item.link,
                published_at=item.published_at,
                categories=item.categories,
                feed=site,
                author=item.author,
                head_image=item.image,
            )
            out.append(Split(key=item.key, index=i, sha256=item.sha256, published_at=item.published_at, entry=entry))
        return out


class PagesSource(Source):
    """Article page URLs, or a folder of saved pages; the article is found among the site chrome."""

    kind = "pages"

    def fetch(self) -> Iterator[Fetched | Failure]:
        urls = list(self.cfg.urls) + ([self.cfg.url] if self.cfg.url else [])
        for url in urls:
            try:
                yield Fetched(http.fetch(url, self.name, self._policy()), key=url)
            except http.FetchError as exc:
                yield Failure(item=url, reason=str(exc))
        root = self.cfg.path
        if root is None:
            return
        if not root.is_dir():
            yield Failure(item=str(root), reason=f"pages folder not found: {root}")
            return
        for path in _files(root, ("*.html", "*.htm", "*.shtml")):
            key = path.relative_to(root).as_posix()
            yield Fetched(
                RawDoc(source=self.name, uri=path.as_uri(), fetched_at=self._now(), data=path.read_bytes()), key=key
            )

    def split(self, doc: RawDoc, key: str | None) -> list[Split]:
        from etl import page

        key = key or doc.uri
        try:
            html = encoding.decode(doc.data, doc.content_type)
            url = doc.uri if doc.uri.startswith("http") else None
            entry = page.page_entry(html, key=key, url=url, tz=self.settings.timezone)
        except RejectError as exc:
            return [Split(key=key, index=0, sha256=doc.sha256, published_at=None, error=str(exc))]
        return [Split(key=key, index=0, sha256=doc.sha256, published_at=entry.published_at, entry=entry)]


SOURCE_KINDS: dict[str, type[Source]] = {cls.kind: cls for cls in (HexoSource, RssSource, PagesSource)}


def build(cfg: SourceConfig, settings: Settings) -> Source:
    return SOURCE_KINDS[cfg.kind](cfg, settings)
