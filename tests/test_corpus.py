"""Real documents from ../shared: read, never copied. Skips where ../shared is absent."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from .conftest import shared

ETL = str(Path(sys.executable).parent / "etl")


def extract(*args: str) -> tuple[int, list[dict[str, object]]]:
    done = subprocess.run([ETL, "extract", *args], capture_output=True, text=True, timeout=600)
    return done.returncode, [json.loads(line) for line in done.stdout.splitlines()]


def test_seed_post() -> None:
    seed = shared("seeds/000_96f97f836fd088eb.txt")
    code, (rec,) = extract("--kind", "post", str(seed))
    assert code == 0
    assert rec["published_at"] == "2021-09-22T13:01:34Z"
    assert (rec["outlet"], rec["reporters"], rec["editor"], rec["proofreader"]) == (
        "澎湃新闻",
        ["俞凯"],
        "王翔",
        "刘威",
    )
    images = rec["images"]
    assert isinstance(images, list) and len(images) == 2 and images[0]["caption"] == "上海市经信委 供图"
    body = str(rec["body_text"]).split("\n")
    assert len(body) == 8 and body[0] == "澎湃新闻记者 俞凯"


def test_every_corpus_post_extracts_or_rejects_with_a_reason() -> None:
    posts = sorted(str(p) for p in shared("corpus/posts").rglob("*.md"))
    code, out = extract("--kind", "post", *posts)
    assert [o["path"] for o in out] == posts  # one line per input, in order, nothing lost
    assert code in (0, 3)
    for rec in out:
        if "error" in rec:
            assert rec["error"] and not str(rec["error"]).startswith("internal error"), rec
        else:
            assert rec["article_id"] and rec["content_hash"], rec


def test_every_saved_news_page_extracts_or_rejects() -> None:
    pages = sorted(str(p) for p in shared("corpus/news-pages").rglob("*.html"))
    code, out = extract("--kind", "page", *pages)
    assert code in (0, 3)
    assert [o["path"] for o in out] == pages
    assert not [o for o in out if str(o.get("error", "")).startswith("internal error")]
