"""Extraction speed on ../shared/corpus: ours beside the parse floor and trafilatura, in one run, same documents.

Per document, in turn (interleaved, so load on the machine hits all three alike), each timed `--repeat` times and
the fastest kept:
  ours         what `etl extract` does per document once the bytes are decoded: posts `hexo.parse_post` then
               `extract.extract_post`; pages `page.page_entry` then `extract.extract_post` (every field, keywords and
               minhash included);
  floor        `BeautifulSoup(html, "lxml")` of the same HTML (a post's HTML after its front matter; a whole page),
               and nothing else;
  trafilatura  `trafilatura.extract(html, include_comments=False)` of the same HTML.
Then the median over documents. Body F1 (scripts/accuracy.py's char-4-gram F1) where references exist: the hand
labels of posts, the theme's post content of news.zfe.space pages, the reading references of news-pages.

`python -m bench.extraction` prints the section; `section(corpus)` returns it for bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import csv
import gc
import importlib.util
import json
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus"
POST_GOAL = 1.5  # ours <= 1.5x the parse floor


def _accuracy() -> ModuleType:
    """scripts/accuracy.py (not a package): its measures and references, reused rather than copied."""
    spec = importlib.util.spec_from_file_location("etl_accuracy", ROOT / "scripts" / "accuracy.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@dataclass
class Doc:
    name: str
    html: str  # what the floor and trafilatura parse
    ours: Callable[[], Any]
    reference: str | None = None  # reference body text, when there is one


@dataclass
class Timings:
    ours: list[float] = field(default_factory=list)
    floor: list[float] = field(default_factory=list)
    trafilatura: list[float] = field(default_factory=list)
    f1_ours: list[float] = field(default_factory=list)
    f1_trafilatura: list[float] = field(default_factory=list)


def _best(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    best, out = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        try:
            out = fn()
        except Exception as exc:  # a rejected document costs its time like any other
            out = exc
        best = min(best, time.perf_counter() - start)
    return best * 1000, out


def _body(out: Any) -> str | None:
    """The body of our record; None for a rejected document."""
    return out.get("body_text") or "" if isinstance(out, dict) else None


def measure(docs: Sequence[Doc], repeat: int, accuracy: ModuleType) -> Timings:
    from bs4 import BeautifulSoup
    from trafilatura import extract as traf_extract

    got = Timings()
    for doc in docs:
        floor_ms, _ = _best(lambda d=doc: BeautifulSoup(d.html, "lxml"), repeat)  # type: ignore[misc]
        ours_ms, mine = _best(doc.ours, repeat)
        traf_ms, theirs = _best(lambda d=doc: traf_extract(d.html, include_comments=False), repeat)  # type: ignore[misc]
        got.floor.append(floor_ms)
        got.ours.append(ours_ms)
        got.trafilatura.append(traf_ms)
        if doc.reference is not None:
            body = _body(mine)
            # As in make accuracy: rejecting a document whose reference is empty is right.
            right_reject = body is None and not doc.reference.strip()
            got.f1_ours.append(1.0 if right_reject else accuracy.f1(body or "", doc.reference))
            got.f1_trafilatura.append(accuracy.f1(theirs if isinstance(theirs, str) else "", doc.reference))
    return got


# --- the documents -------------------------------------------------------------------------------------------


def post_docs(corpus: Path) -> list[Doc]:
    from etl import encoding, extract, hexo

    labels = {}
    for path in sorted((corpus / "labels").glob("*.json")):
        lab = json.loads(path.read_text(encoding="utf-8"))
        labels[lab["path"]] = lab["body_text"]
    docs = []
    for path in sorted((corpus / "posts").rglob("*.md")):
        text = encoding.decode_utf8(path.read_bytes())
        rel = path.relative_to(corpus).as_posix()
        try:
            html = hexo.parse_post(text, key=rel).html
        except Exception:
            continue  # no HTML to give the floor and trafilatura: not comparable

        def ours(text: str = text, rel: str = rel) -> Any:
            return extract.extract_post(hexo.parse_post(text, key=rel), source="")

        docs.append(Doc(rel, html, ours, labels.get(rel)))
    return docs


def page_docs(corpus: Path, accuracy: ModuleType) -> tuple[list[Doc], list[Doc]]:
    from etl import encoding, extract, page

    def ours_of(html: str, key: str) -> Callable[[], Any]:
        return lambda: extract.extract_post(page.page_entry(html, key=key), source="")

    zfe_root = corpus / "pages" / "news.zfe.space"
    zfe = []
    if (zfe_root / "MANIFEST.tsv").is_file():
        with (zfe_root / "MANIFEST.tsv").open(encoding="utf-8") as f:
            rows = list(csv.DictReader(f, delimiter="\t"))
        for row in rows:
            html = encoding.decode((zfe_root / row["file"]).read_bytes())
            reference = accuracy.theme_body(html) if row["body_found"] == "Y" else None
            zfe.append(Doc(row["file"], html, ours_of(html, row["file"]), reference))
    news_root = corpus / "news-pages"
    news = []
    for path in sorted(news_root.rglob("*.html")):
        rel = path.relative_to(news_root).as_posix()
        html = encoding.decode(path.read_bytes())
        reference = None
        if rel in accuracy.NEWS_PAGES:
            body_sel, drop, title_sel, _day = accuracy.NEWS_PAGES[rel]
            reference = accuracy.page_reference(html, body_sel, drop, title_sel)[0]
        news.append(Doc(rel, html, ours_of(html, rel), reference))
    return zfe, news


# --- the section ---------------------------------------------------------------------------------------------


def _median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else float("nan")


def _f1(values: Sequence[float]) -> str:
    return f"{_mean(values):.4f} ({len(values)})" if values else "n/a"


def section(corpus: Path | None = CORPUS, repeat: int = 3, limit: int | None = None, only: str | None = None) -> str:
    """The "## Extraction" section of bench/RESULTS.md; a one-line note when the corpus is absent."""
    head = "## Extraction\n\n"
    if corpus is None or not (corpus / "posts").is_dir():
        return head + f"Skipped: the corpus ({corpus}) is absent.\n"
    import trafilatura

    from etl import text

    accuracy = _accuracy()
    text.keywords("预热分词词典", "zh-Hans")  # jieba's dictionary loads once per process, before any timing
    zfe, news = page_docs(corpus, accuracy) if only in (None, "pages") else ([], [])
    posts = post_docs(corpus) if only in (None, "posts") else []
    sets = [("posts", posts), ("pages: news.zfe.space", zfe), ("pages: news-pages", news)]
    if limit:
        sets = [(name, docs[:limit]) for name, docs in sets]
    gc.collect()
    results = [(name, measure(docs, repeat, accuracy)) for name, docs in sets if docs]
    lines = [
        "Median ms per document (each document timed "
        f"{repeat}× and its fastest kept; ours, floor and trafilatura interleaved in one run). "
        "Floor: `BeautifulSoup(html, 'lxml')` of the same HTML and nothing else. "
        f"trafilatura {trafilatura.__version__}: `extract(html, include_comments=False)`. "
        "Body F1: mean char-4-gram F1 (scripts/accuracy.py) over the documents with a reference (count).",
        "",
        "| documents | n | ours ms | floor ms | trafilatura ms | ours/floor | ours/trafilatura "
        "| body F1 ours | body F1 trafilatura |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, t in results:
        ours, floor, traf = _median(t.ours), _median(t.floor), _median(t.trafilatura)
        lines.append(
            f"| {name} | {len(t.ours)} | {ours:.2f} | {floor:.2f} | {traf:.2f} | {ours / floor:.2f}× "
            f"| {ours / traf:.2f}× | {_f1(t.f1_ours)} | {_f1(t.f1_trafilatura)} |"
        )
    lines += ["", "Goals:", ""]
    for name, t in results:
        ours, floor, traf = _median(t.ours), _median(t.floor), _median(t.trafilatura)
        if name == "posts":
            met = ours <= POST_GOAL * floor
            lines.append(f"- posts ≤ {POST_GOAL}× the parse floor: {ours / floor:.2f}× — met: {'yes' if met else 'no'}")
        else:
            fast = ours <= traf
            good = _mean(t.f1_ours) >= _mean(t.f1_trafilatura)
            lines.append(
                f"- {name} no slower than trafilatura ({ours:.2f} vs {traf:.2f} ms) at an F1 at least its own "
                f"({_mean(t.f1_ours):.4f} vs {_mean(t.f1_trafilatura):.4f}) — met: {'yes' if fast and good else 'no'}"
            )
    return head + "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--corpus", type=Path, default=CORPUS)
    p.add_argument("--repeat", type=int, default=3, help="timings per document; the fastest is kept")
    p.add_argument("--limit", type=int, help="the first N documents of each set only (a quick look)")
    p.add_argument("--only", choices=["posts", "pages"], help="one kind of document only (a quick look)")
    args = p.parse_args(argv)
    print(section(args.corpus if args.corpus.is_dir() else None, args.repeat, args.limit, args.only))
    return 0


if __name__ == "__main__":
    sys.exit(main())
