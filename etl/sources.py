"""Sources, read through one interface: fetch documents (the live edge), split them into items (pure)."""

from __future__ import annotations

import collections
import datetime as dt
import fnmatch
import functools
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, TypeVar

from etl import encoding, feeds, hexo, http
from etl.config import SourceConfig
from etl.entry import Entry, RejectError
from etl.httpstate import HttpState
from etl.raw import RawDoc, RawZone
from etl.settings import Settings

T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True)
class Failure:
    """Something that could not be fetched at all; it becomes a row in `rejects`."""

    item: str
    reason: str


@dataclass(frozen=True)
class Unchanged:
    """A URL whose server says nothing changed since it was last landed (HTTP 304): not a failure."""

    item: str


@dataclass(frozen=True)
class Fetched:
    doc: RawDoc
    # The item's key when the fetcher knows it (a post's path); feeds name their own items.
    key: str | None = None
    # (requested URL, its ETag/Last-Modified): remembered once the document is landed and indexed.
    validators: tuple[str, Mapping[str, str]] | None = None


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

    def fetch(self) -> Iterator[Fetched | Unchanged | Failure]:
        raise NotImplementedError

    def split(self, doc: RawDoc, key: str | None) -> list[Split]:
        raise NotImplementedError

    def _now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)

    def _policy(self) -> http.HttpPolicy:
        """Settings.http, then the source's own options (user_agent, deadline, robots, allow_private_network...)."""
        return self.settings.http.with_options({"user_agent": self.settings.user_agent, **self.cfg.options})

    @functools.cached_property
    def _http_state(self) -> HttpState:
        return HttpState(self.settings.data_dir / "http" / "state" / f"{self.name}.json")

    def remember(self, validators: Mapping[str, Mapping[str, str]]) -> None:
        """Keep ETag/Last-Modified for the next run's conditional GETs; land() calls it once the documents are safe."""
        if validators:
            self._http_state.save(validators)

    def _read_files(self, root: Path, patterns: tuple[str, ...]) -> Iterator[Fetched | Failure]:
        for path in _files(root, patterns):
            key = path.relative_to(root).as_posix()
            try:
                data = path.read_bytes()
            except OSError as exc:
                yield Failure(item=key, reason=f"cannot read: {exc}")
                continue
            yield Fetched(RawDoc(source=self.name, uri=path.as_uri(), fetched_at=self._now(), data=data), key=key)

    def _fetch_urls(self, urls: list[tuple[str, str | None]]) -> Iterator[Fetched | Unchanged | Failure]:
        """GET each (url, key), several at once; 304s come back as Unchanged, failures as Failure."""
        try:
            policy = self._policy()
        except ValueError as exc:
            yield from (Failure(item=url, reason=str(exc)) for url, _ in urls)
            return
        # Without landed items there is nothing a 304 could refer to: fetch everything in full.
        landed = RawZone(self.settings.raw_dir, self.settings.landing_dir).has_landings(self.name)
        state = self._http_state if landed else None
        with http.Fetcher(policy, self.settings.data_dir / "http") as fetcher:

            def get(pair: tuple[str, str | None]) -> Fetched | Unchanged | Failure:
                url, key = pair
                try:
                    response = fetcher.get(url, http.conditional_headers(state.validators(url)) if state else None)
                except http.FetchError as exc:
                    return Failure(item=url, reason=str(exc))
                if response.status == 304:
                    return Unchanged(item=url)
                doc = RawDoc(
                    source=self.name,
                    uri=response.url,
                    fetched_at=self._now(),
                    data=response.data,
                    content_type=response.content_type,
                    headers=response.headers,
                    status=response.status,
                )
                return Fetched(doc, key=key, validators=(url, response.validators))

            yield from _ordered_map(get, urls, policy.workers)


def _files(root: Path, patterns: tuple[str, ...]) -> Iterator[Path]:
    """The files under root matching a pattern, in sorted order, listed one folder at a time: a folder of 100,000
    posts is not held as a list of paths."""
    try:
        entries = sorted(os.scandir(root), key=lambda e: e.name)
    except OSError:
        return
    for entry in entries:
        if entry.is_dir():
            yield from _files(Path(entry.path), patterns)
        elif entry.is_file() and any(fnmatch.fnmatchcase(entry.name, p) for p in patterns):
            yield Path(entry.path)


def _ordered_map(fn: Callable[[T], R], items: Iterable[T], workers: int) -> Iterator[R]:
    """fn over items on `workers` threads, results in order, at most 2 x workers of them waiting to be consumed."""
    if workers <= 1:
        yield from map(fn, items)
        return
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="fetch")
    pending: collections.deque[Future[R]] = collections.deque()
    try:
        for item in items:
            pending.append(pool.submit(fn, item))
            if len(pending) >= 2 * workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


class HexoSource(Source):
    """A folder, searched recursively, of Hexo Markdown posts."""

    kind = "hexo"

    def fetch(self) -> Iterator[Fetched | Unchanged | Failure]:
        root = self.cfg.path
        if root is None or not root.is_dir():
            yield Failure(item=str(root), reason=f"hexo folder not found: {root}")
            return
        yield from self._read_files(root, ("*.md", "*.markdown"))

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

    def fetch(self) -> Iterator[Fetched | Unchanged | Failure]:
        yield from self._fetch_urls([(str(self.cfg.url), None)])

    def split(self, doc: RawDoc, key: str | None) -> list[Split]:
        """The feed's items; a Split with index -1 speaks of the document as a whole (unreadable, or malformed)."""
        try:
            feed = feeds.parse_feed(doc.data, self.settings.timezone, doc.content_type)
        except RejectError as exc:
            return [Split(key=doc.uri, index=-1, sha256=doc.sha256, published_at=None, error=str(exc))]
        site = str(self.cfg.option("feed") or feed.title or self.name)
        out = []
        if feed.problem:
            out.append(Split(key=doc.uri, index=-1, sha256=doc.sha256, published_at=None, error=feed.problem))
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

    def fetch(self) -> Iterator[Fetched | Unchanged | Failure]:
        urls = list(self.cfg.urls) + ([self.cfg.url] if self.cfg.url else [])
        if urls:
            yield from self._fetch_urls([(url, url) for url in urls])
        root = self.cfg.path
        if root is None:
            return
        if not root.is_dir():
            yield Failure(item=str(root), reason=f"pages folder not found: {root}")
            return
        yield from self._read_files(root, ("*.html", "*.htm", "*.shtml"))

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
