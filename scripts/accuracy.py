"""`make accuracy`: extraction measured against ../shared/corpus. Skips cleanly where the corpus is absent.

Posts: `etl extract --kind post` over the labelled posts, per field exact match against corpus/labels (LABELS.md
defines right), and the body's mean character-4-gram F1 over non-whitespace characters.
Pages: `etl extract --kind page` beside trafilatura on corpus/pages/news.zfe.space (reference title and day from
MANIFEST.tsv, reference body read from the post content inside the theme's <article>), and on corpus/news-pages
(no labels: found-rates, lengths and agreement, with the outputs written for reading).
"""

from __future__ import annotations

import argparse
import collections
import csv
import datetime as dt
import json
import re
import subprocess
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus"
ETL = str(Path(sys.executable).parent / "etl")
POST_FIELDS = (
    "title",
    "published_at",
    "categories",
    "outlet",
    "reporters",
    "editor",
    "proofreader",
    "stock_codes",
    "images",
    "body_text",
)


# --- measures ------------------------------------------------------------------------------------------------


def grams(text: str, n: int = 4) -> collections.Counter[str]:
    chars = "".join(text.split())
    if len(chars) < n:
        return collections.Counter([chars] if chars else [])
    return collections.Counter(chars[i : i + n] for i in range(len(chars) - n + 1))


def f1(got: str, want: str) -> float:
    a, b = grams(got), grams(want)
    if not a and not b:
        return 1.0
    overlap = sum((a & b).values())
    return 2 * overlap / (sum(a.values()) + sum(b.values()))


def etl_extract(kind: str, paths: Sequence[Path]) -> dict[str, dict[str, Any]]:
    done = subprocess.run(
        [ETL, "extract", "--kind", kind, *map(str, paths)], capture_output=True, text=True, check=False
    )
    if done.returncode not in (0, 3):
        sys.exit(f"etl extract failed ({done.returncode}): {done.stderr[-2000:]}")
    return {rec["path"]: rec for rec in map(json.loads, done.stdout.splitlines())}


def pct(hits: int, n: int) -> str:
    return f"{hits / n:6.1%} ({hits}/{n})" if n else "   n/a"


def miss(got: Any, want: Any) -> str:
    """A miss, shown briefly: for texts only the paragraphs that differ."""
    if isinstance(got, str) and isinstance(want, str) and "\n" in got + want:
        g, w = got.split("\n"), want.split("\n")
        return "\n".join(
            [*(f"    extra: {p[:160]}" for p in g if p not in w), *(f"    lost:  {p[:160]}" for p in w if p not in g)]
        )
    return f"    got:  {got!r}\n    want: {want!r}"


# --- posts ---------------------------------------------------------------------------------------------------


def posts(verbose: bool) -> None:
    labels = [json.loads(p.read_text(encoding="utf-8")) for p in sorted((CORPUS / "labels").glob("*.json"))]
    out = etl_extract("post", [CORPUS / lab["path"] for lab in labels])
    hits: collections.Counter[str] = collections.Counter()
    scored: collections.Counter[str] = collections.Counter()
    scores: list[float] = []
    notes: list[str] = []
    for lab in labels:
        rec = out[str(CORPUS / lab["path"])]
        if "error" in rec:
            if lab["body_text"] == "":
                # Rejecting an empty post is right (issue 2): right on the body, no record to score otherwise.
                hits["body_text"] += 1
                scored["body_text"] += 1
                scores.append(1.0)
                notes.append(f"rejected, label body empty (scored right on body only): {lab['path']}")
            else:
                notes.append(f"REJECTED: {lab['path']}: {rec['error']}")
                for name in POST_FIELDS:
                    scored[name] += 1
                scores.append(0.0)
            continue
        for name in POST_FIELDS:
            scored[name] += 1
            if rec.get(name) == lab[name]:
                hits[name] += 1
            elif verbose:
                notes.append(f"{name} {lab['path']}\n" + miss(rec.get(name), lab[name]))
        scores.append(f1(rec.get("body_text") or "", lab["body_text"]))
    print(f"== posts: {len(labels)} labelled posts in corpus/posts (exact match per field)")
    for name in POST_FIELDS:
        print(f"  {name:<14} {pct(hits[name], scored[name])}")
    print(f"  {'body F1':<14} {sum(scores) / len(scores):.4f} (mean char-4-gram F1, non-whitespace)")
    for note in notes:
        print("  note:", note)


# --- pages ---------------------------------------------------------------------------------------------------


def theme_body(html: str) -> str | None:
    """The reference body of a news.zfe.space page: the post content inside the theme's <article> (measurement
    only; the extractor never looks for it)."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "lxml")
    top = soup.select_one("article div.article-meta#top")
    content = top.find_next_sibling("div") if top is not None else None
    if content is None:
        return None
    for tag in content(["script", "style", "noscript", "template"]):
        tag.decompose()
    # A post that leaves a <div> open pulls the theme's own footer, meta and prev/next boxes into its content
    # element; they are not the post (MANIFEST.tsv's body lengths leave them out too).
    for tag in content.select("div.footer, div.article-meta, div.prev-next"):
        tag.decompose()
    return str(content.get_text())


def trafilatura_of(html: str) -> dict[str, Any]:
    import trafilatura

    found = trafilatura.bare_extraction(html, with_metadata=True, include_comments=False)
    return found.as_dict() if found is not None else {}


def local_day(iso: str | None) -> str | None:
    if not iso:
        return None
    from zoneinfo import ZoneInfo

    moment = dt.datetime.fromisoformat(iso.replace("Z", "+00:00"))
    return moment.astimezone(ZoneInfo("Asia/Shanghai")).date().isoformat()


def manifest_day(text: str) -> str:
    y, m, d = (int(x) for x in re.findall(r"\d+", text)[:3])
    return dt.date(y, m, d).isoformat()


def zfe_pages(verbose: bool) -> None:
    from etl import encoding

    root = CORPUS / "pages" / "news.zfe.space"
    rows = list(csv.DictReader((root / "MANIFEST.tsv").open(encoding="utf-8"), delimiter="\t"))
    ours = etl_extract("page", [root / r["file"] for r in rows])
    hits: collections.Counter[str] = collections.Counter()
    f1s: dict[str, list[float]] = {"ours": [], "trafilatura": []}
    misses: list[str] = []
    for row in rows:
        html = encoding.decode((root / row["file"]).read_bytes())
        rec, traf = ours[str(root / row["file"])], trafilatura_of(html)
        reference = theme_body(html) if row["body_found"] == "Y" else None
        if reference is not None and not reference.strip() and "error" in rec:
            # No article on the page: rejecting it is right (as for posts); no title or date to score.
            hits["empty"] += 1
            f1s["ours"].append(1.0)
            f1s["trafilatura"].append(f1(traf.get("text") or "", reference))
            continue
        hits["scored"] += 1
        title, day = row["title"].strip(), manifest_day(row["published_day"])
        hits["title ours"] += rec.get("title") == title
        hits["title trafilatura"] += (traf.get("title") or "").strip() == title
        hits["date ours"] += local_day(rec.get("published_at")) == day
        hits["date trafilatura"] += traf.get("date") == day
        hits["images ours"] += len(rec.get("images") or []) == int(row["n_img"])
        if reference is None:
            continue
        hits["bodies"] += 1
        for name, got in (("ours", rec.get("body_text") or ""), ("trafilatura", traf.get("text") or "")):
            f1s[name].append(f1(got, reference))
        if verbose and f1s["ours"][-1] < 0.95:
            misses.append(
                f"{row['file']}: body F1 ours {f1s['ours'][-1]:.3f}, trafilatura {f1s['trafilatura'][-1]:.3f}"
            )
        if verbose and rec.get("title") != title:
            misses.append(f"{row['file']}: title {rec.get('title')!r} want {title!r}")
        if verbose and local_day(rec.get("published_at")) != day:
            misses.append(f"{row['file']}: date {rec.get('published_at')!r} want {day}")
    n = hits["scored"]
    print(
        f"== pages: corpus/pages/news.zfe.space, {len(rows)} pages (reference: MANIFEST.tsv and the theme's post content)"
    )
    print(f"  {hits['empty']} pages without an article, rejected by ours: right on body, no title or date to score")
    print(f"  {'':14} {'ours':>20} {'trafilatura':>20}")
    print(f"  {'title':<14} {pct(hits['title ours'], n):>20} {pct(hits['title trafilatura'], n):>20}")
    print(f"  {'published day':<14} {pct(hits['date ours'], n):>20} {pct(hits['date trafilatura'], n):>20}")
    print(f"  {'image count':<14} {pct(hits['images ours'], n):>20} {'':>20}")
    print(
        f"  {'body F1':<14} {mean(f1s['ours']):>20.4f} {mean(f1s['trafilatura']):>20.4f}"
        f"   (mean over {hits['bodies'] + hits['empty']} pages whose body the manifest found)"
    )
    for note in misses:
        print("  note:", note)


# corpus/news-pages has no labels. These references were made by reading each page: the element holding the
# article's text (and boxes inside it that are not), where its title is shown, and its publication day (local).
# Selectors and dates only: no text of the pages. A title given as "doctitle:SEP" is <title> cut at SEP.
NEWS_PAGES: dict[str, tuple[str, tuple[str, ...], str, str]] = {
    "163/1.html": ("div#endText", (), "h1", "2019-09-07"),
    "163/2.html": ("div#endText", (), "h1", "2019-09-07"),
    "163/3.html": ("div#endText", (), "h1", "2019-09-08"),
    "163/4.html": ("div#endText", (), "h1", "2019-09-07"),
    "163/5.html": ("div#endText", (), "h1", "2019-09-07"),
    "163/6.html": ("div#endText", (), "h1", "2019-09-09"),
    "163/7.html": ("div#endText", (), "h1", "2019-11-25"),
    "163/8.html": ("div#endText", (), "h1", "2020-02-29"),
    "163/9.html": ("div#content", (), "doctitle:_", "2019-05-17"),
    "baijiahao/1.html": ("div.article-content", (), "div.article-title", "2019-10-08"),
    "baijiahao/2.html": ("div.article-content", (), "div.article-title", "2019-09-30"),
    "baijiahao/3.html": ("div.article-content", (), "div.article-title", "2018-03-08"),
    "baijiahao/4.html": ("div.article-content", (), "div.article-title", "2020-01-14"),
    "cjddsb/1.html": ("div.single-content", (), "h1.entry-h1", "2019-09-23"),
    "cjn/1.html": ("div.TRS_Editor", (), "h1.art-title", "2020-10-04"),
    "cmse/1.html": ("div.TRS_Editor", (), "div.title", "2012-06-24"),
    "csdn/1.html": ("div.news_content", (), "h1.title", "2014-08-24"),
    "ednchina/1.html": ("div.article_text", (), "doctitle:-EDN", "2019-09-25"),
    "gamersky/gamersky.html": ("div#gsAreaContext", ("span.pagecss",), "h1", "2019-09-05"),
    "gsc/1.html": ("div.detailCon", (), "h5", "2019-05-18"),
    "guancha/2.html": ("div.all-txt", (), "h3", "2019-09-07"),
    "guancha/3.html": ("div.all-txt", (), "h3", "2019-09-09"),
    "guancha/guancha.html": ("div.all-txt", (), "h3", "2019-09-07"),
    "gzggw/1.html": ("div#zoom", (), "p.con-title", "2016-11-22"),
    "hexun/1.html": ("div.art_contextBox", (), "h1", "2019-09-26"),
    "huanqiu/1.html": ("div.a-con", (), "h1.a-title", "2020-06-05"),
    "ifeng/1.html": ("div.text-3zQ3cZD4", (), "h1", "2019-11-25"),
    "ifeng/2.html": ("div.text-3zQ3cZD4", (), "h1", "2019-09-09"),
    "ifeng/3.html": ("div#main_content", (), "h1#artical_topic", "2020-09-11"),
    "ifeng/ifeng.html": ("div.text-3zQ3cZD4", (), "h1", "2019-09-07"),
    "mingridapan/1.html": ("div.page_art_content", (), "div.title-text", "2019-09-26"),
    "njxfhn/1.html": ("div.post-body", (), "h2.post-title", "2019-09-11"),
    "other/1.html": ("div#UCAP-CONTENT", (), "doctitle:__", "2007-08-20"),
    "people/1.html": ("div#rwb_zw", (), "h1", "2019-06-15"),
    "qq/2.html": ("div.qq_article div.bd", (), "h1", "2019-09-23"),
    "qq/qq.html": ("div.content-article", (), "h1", "2019-09-07"),
    "readhub/readhub.html": ("div.summary___3oqrM", (), "h2", "2019-09-07"),
    "shanxi/1.html": ("div.TRS_Editor", (), "h2", "2019-09-18"),
    "sina/1.html": ("div#article", (), "h1.main-title", "2019-11-25"),
    "sina/2.html": ("div#artibody", (), "h1.main-title", "2018-12-28"),
    "sina/3.html": ("div#artibody", (), "h1.main-title", "2019-09-09"),
    "sina/4.html": ("div#artibody", (), "h1#artibodyTitle", "2019-09-11"),
    "sina/5.html": ("div#article", (), "h1.main-title", "2019-10-23"),
    "sina/sina.html": ("div#article", (), "h1.main-title", "2019-09-07"),
    "stcn/1.html": ("div.txt_con", (), "h2", "2019-09-26"),
    "sxmu/1.html": ("div#vsb_content", (), "doctitle:-", "2018-05-17"),
    "thepaper/1.html": ("div.news_txt", (), "h1.news_title", "2019-09-24"),
    "thepaper/2.html": ("div.news_txt", (), "h1.news_title", "2019-08-13"),
    "thepaper/3.html": ("div.news_txt", (), "h1.news_title", "2020-01-03"),
    "thepaper/4.html": ("div.news_txt", (), "h1.news_title", "2019-08-13"),
    "thepaper/5.html": ("div.news_txt", (), "h1.news_title", "2020-06-06"),
    "toutiao/2.html": ("div.abstract", ("span.abstract-index",), "doctitle:", "2019-09-08"),
    "toutiao/3.html": ("div.article-content", (), "h1.article-title", "2019-09-09"),
    "toutiao/4.html": ("div.article-content", (), "h1.article-title", "2019-11-25"),
    "toutiao/5.html": ("div.article-content", (), "h1.article-title", "2020-03-09"),
    "toutiao/toutiao.html": ("div.article-content", (), "h1.article-title", "2019-09-04"),
    "wechat/1.html": ("div#js_content", (), "h2#activity-name", "2020-02-12"),
    "wechat/2.html": ("div#js_content", (), "h2#activity-name", "2020-02-11"),
    "xds/1.html": ("div.statuses-text", (), "h1", "2019-09-26"),
    "xinhuanet/1.html": ("div#p-detail", (), "div.h-title", "2019-12-10"),
    "zsnews/1.html": ('td[style*="font-size:14px"]', (), "span.Title", "2019-03-06"),
    "zyyfy/1.html": ("div#z", (), "div[id^=ArticleContentBlockTitle] div.title", "2019-10-31"),
}


def page_reference(html: str, body: str, drop: Sequence[str], title: str) -> tuple[str, str]:
    """The reference body and title of a news page, from the selectors read off it."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "lxml")
    if title.startswith("doctitle:"):
        cut = title.removeprefix("doctitle:")
        doc = soup.title.get_text() if soup.title else ""
        shown = doc.split(cut)[0] if cut else doc
    else:
        shown = soup.select_one(title).get_text(" ")  # type: ignore[union-attr]
    root = soup.select_one(body)
    assert root is not None, body
    for tag in root(["script", "style", "noscript", "template"]):
        tag.decompose()
    for selector in drop:
        for tag in root.select(selector):
            tag.decompose()
    return str(root.get_text()), shown


def squash(value: str | None) -> str:
    return "".join((value or "").split())


def news_pages(out_dir: Path) -> None:
    """Against references made by reading (NEWS_PAGES); both outputs are also written out for reading."""
    from etl import encoding

    root = CORPUS / "news-pages"
    paths = sorted(root.rglob("*.html"))
    ours = etl_extract("page", paths)
    out_dir.mkdir(parents=True, exist_ok=True)
    hits: collections.Counter[str] = collections.Counter()
    f1s: dict[str, list[float]] = {"ours": [], "trafilatura": []}
    lines = []
    for path in paths:
        rel = path.relative_to(root).as_posix()
        html = encoding.decode(path.read_bytes())
        rec, traf = ours[str(path)], trafilatura_of(html)
        body_sel, drop, title_sel, day = NEWS_PAGES[rel]
        reference, title = page_reference(html, body_sel, drop, title_sel)
        mine, theirs = rec.get("body_text") or "", traf.get("text") or ""
        hits["title ours"] += squash(rec.get("title")) == squash(title)
        hits["title trafilatura"] += squash(traf.get("title")) == squash(title)
        hits["date ours"] += local_day(rec.get("published_at")) == day
        hits["date trafilatura"] += traf.get("date") == day
        f1s["ours"].append(f1(mine, reference))
        f1s["trafilatura"].append(f1(theirs, reference))
        name = rel.replace("/", "_").removesuffix(".html")
        lines.append(f"  {name:<22} body F1 ours {f1s['ours'][-1]:.3f}  trafilatura {f1s['trafilatura'][-1]:.3f}")
        (out_dir / f"{name}.txt").write_text(
            "\n".join(
                [
                    f"# {path}",
                    f"ours:        {rec.get('title')!r} | {rec.get('published_at')} | {rec.get('outlet')} | "
                    f"{rec.get('reporters')} | {len(rec.get('images') or [])} images",
                    f"trafilatura: {traf.get('title')!r} | {traf.get('date')} | {traf.get('author')}",
                    f"reference:   {squash(title)!r} | {day} | {body_sel}",
                    "",
                    "## ours",
                    mine or f"(error: {rec.get('error')})",
                    "",
                    "## trafilatura",
                    theirs,
                ]
            ),
            encoding="utf-8",
        )
    n = len(paths)
    print(f"== pages: corpus/news-pages, {n} pages from 31 sites (references made by reading; outputs in {out_dir})")
    print(f"  {'':14} {'ours':>20} {'trafilatura':>20}")
    print(f"  {'title':<14} {pct(hits['title ours'], n):>20} {pct(hits['title trafilatura'], n):>20}")
    print(f"  {'published day':<14} {pct(hits['date ours'], n):>20} {pct(hits['date trafilatura'], n):>20}")
    print(f"  {'body F1':<14} {mean(f1s['ours']):>20.4f} {mean(f1s['trafilatura']):>20.4f}")
    for line in lines:
        print(line)


def mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def main(argv: Iterable[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("-v", "--verbose", action="store_true", help="show every miss")
    p.add_argument("--out", type=Path, default=ROOT / "data" / "accuracy", help="where page outputs are written")
    args = p.parse_args(list(argv) if argv is not None else None)
    if not CORPUS.is_dir():
        print(f"accuracy: {CORPUS} is absent, nothing to measure (skipped)")
        return 0
    posts(args.verbose)
    zfe_pages(args.verbose)
    news_pages(args.out / "news-pages")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
