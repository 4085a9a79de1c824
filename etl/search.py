"""Search over Chinese and English text without a network extension.

The articles are tokenised as they are loaded (`IndexWriter`, in `pipeline.process`) into the lake tables `tokens`
and `token_docs`; `sql/search.sql` ranks them by BM25. Chinese is cut by jieba (dictionary only, no HMM, so the
cut is deterministic) and completed by character bigrams where jieba is weak: inside long words, so a query for a
part of a compound finds it, and around single characters, which is how jieba leaves names and words it does not
know. A query goes through the same function, so both sides always agree on the tokens.
"""

from __future__ import annotations

import collections
import contextlib
import datetime as dt
import functools
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

import pyarrow as pa

from etl import lake, schema, sqlfiles
from etl.settings import Settings
from etl.text import ENGLISH_STOPWORDS, WIDE_PUNCTUATION

_PIECES = re.compile(r"(?P<han>[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+)|(?P<word>[a-z0-9]+(?:\.[0-9]+)?)")


@functools.cache
def _segmenter() -> Callable[[str], list[str]]:
    """jieba's dictionary words of a run, without HMM guesses: `etl.text.segment` where extraction provides it
    (rjieba: the same words, about ten times faster, and no jieba dictionary in every process), else jieba."""
    from etl import text

    segment: Callable[[str], list[str]] | None = getattr(text, "segment", None)
    if segment is not None:
        return segment
    import jieba

    jieba.setLogLevel(60)  # once: it costs as much as cutting a short article
    return functools.partial(jieba.lcut, HMM=False)


def _han_terms(run: str, words: Iterable[str]) -> Iterator[list[str]]:
    """The terms of a run of Chinese characters cut into `words`, each as its tokens: a word with its bigrams when
    it is long, or a run of single characters as the bigrams around them."""
    singles = -1  # where the current stretch of single characters starts, -1 when there is none
    at = 0
    for word in words:
        n = len(word)
        if n == 1:
            if singles < 0:
                singles = at
        else:
            if singles >= 0:
                yield _bigrams_around(run, singles, at)
                singles = -1
            yield [word, *[word[i : i + 2] for i in range(n - 1)]] if n > 2 else [word]
        at += n
    if singles >= 0 and len(run) > 1:  # a run of one character has no bigram
        yield _bigrams_around(run, singles, at)


def _bigrams_around(run: str, start: int, end: int) -> list[str]:
    """The bigrams of `run` that hold one of the single characters run[start:end]."""
    return [run[p : p + 2] for p in range(max(start - 1, 0), min(end - 1, len(run) - 2) + 1)]


def _terms(text: str | None) -> Iterator[list[str]]:
    if not text:
        return
    pieces = _PIECES.findall(_normalized(text).lower())
    words = iter(_cut_runs([han for han, _ in pieces if han]))
    for han, word in pieces:
        if han:
            yield from _han_terms(han, iter(words.__next__, _SEPARATOR))
        elif word not in ENGLISH_STOPWORDS and (len(word) > 1 or word.isdigit()):
            yield [word]


def tokenize(text: str | None) -> list[str]:
    """Search tokens: jieba words and bigrams for Chinese, lower-case words and numbers for the rest."""
    return [token for term in _terms(text) for token in term]


_SEPARATOR = "\n"  # a character jieba never joins to another: runs cut as one text are cut as each alone


def _cut_runs(runs: list[str]) -> list[str]:
    """The words of each run, each run's followed by the separator, from one call to the segmenter (a call per run
    costs more than the cutting)."""
    segment = _segmenter()
    words = segment(_SEPARATOR.join(runs)) if runs else []
    if words.count(_SEPARATOR) != len(runs) - 1 and runs:  # not expected: cut each run alone
        words = [w for run in runs for w in (*segment(run), _SEPARATOR)][:-1]
    words.append(_SEPARATOR)
    return words


def _normalized(text: str) -> str:
    """NFKC of the text. Chinese text is rarely NFKC only for its full-width punctuation, whose NFKC forms are single
    ASCII characters: replaced first, they leave the NFKC of the text as it was, and the quick check usually finds
    nothing left to do (as in `etl.text.squeezed_hash`)."""
    for wide, narrow in WIDE_PUNCTUATION:
        if wide in text:
            text = text.replace(wide, narrow)
    return text if unicodedata.is_normalized("NFKC", text) else unicodedata.normalize("NFKC", text)


def query_weights(query: str) -> dict[str, float]:
    """A query's tokens, each term weighing 1 however many tokens it has, so `新能源` (with 新能, 能源) does not
    outweigh `芯片` three to one."""
    weights: dict[str, float] = collections.defaultdict(float)
    for term in _terms(query):
        for token in term:
            weights[token] += 1 / len(term)
    return dict(weights)


def index_tables(records: Iterable[Mapping[str, Any]]) -> tuple[pa.Table, pa.Table]:
    """The `tokens` and `token_docs` tables of some article records, built column by column (no row dicts)."""
    tok: dict[str, list[Any]] = {name: [] for name in schema.TOKENS.names}
    docs: dict[str, list[Any]] = {name: [] for name in schema.TOKEN_DOCS.names}
    for record in records:
        title = collections.Counter(tokenize(record.get("title")))
        body = collections.Counter(tokenize(record.get("body_text")))
        terms = sorted(title.keys() | body.keys())
        key = (record["article_id"], record["source"], record.get("item_key"))
        for name, value in zip(("article_id", "source", "item_key"), key, strict=True):
            tok[name].extend([value] * len(terms))
            docs[name].append(value)
        tok["token"].extend(terms)
        tok["tf"].extend([body[t] for t in terms])
        tok["title_tf"].extend([title[t] for t in terms])
        docs["length"].append(title.total() + body.total())
    return (
        pa.Table.from_pydict(tok, schema=schema.TOKENS),
        pa.Table.from_pydict(docs, schema=schema.TOKEN_DOCS),
    )


class IndexWriter:
    """Writes the search index of a day's partition beside its articles, replaced with them."""

    def __init__(self, lake_dir: Path, day: dt.date, source: str) -> None:
        self._stack = contextlib.ExitStack()
        self._tokens = lake.PartitionWriter(lake_dir, "tokens", day, source)
        self._docs = lake.PartitionWriter(lake_dir, "token_docs", day, source)

    def __enter__(self) -> IndexWriter:
        self._stack.enter_context(self._tokens)
        self._stack.enter_context(self._docs)
        return self

    def write(self, records: Iterable[Mapping[str, Any]]) -> None:
        self.write_tables(*index_tables(records))

    def write_tables(self, tokens: pa.Table, docs: pa.Table) -> None:
        self._tokens.write_table(tokens)
        self._docs.write_table(docs)

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stack.__exit__(exc_type, exc, tb)


def search(
    settings: Settings,
    query: str,
    start: dt.date | None = None,
    end: dt.date | None = None,
    limit: int | None = None,
) -> tuple[list[str], list[Sequence[Any]]]:
    """Articles matching `query`, best first (BM25 over title and body); no tokens, no results."""
    from etl import warehouse

    weights = query_weights(query)
    if not weights:
        return [], []
    given = {"from": start, "to": end, "limit": limit}
    sql = sqlfiles.load("search")
    params = sqlfiles.bind(
        sql,
        {"tokens": list(weights), "weights": list(weights.values()), "query": query}
        | {k: v for k, v in given.items() if v is not None},
    )
    return warehouse.query(settings, sql, params)
