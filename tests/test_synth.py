"""`etl synth`: the synthetic Hexo source extracts to what the generator meant, and a seed fixes every byte."""

from __future__ import annotations

import collections
import datetime as dt
import hashlib
from pathlib import Path

import pytest

from etl import cli, extract, hexo, synth
from etl.entry import RejectError


def _tree_digest(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_extracted_fields_are_what_the_generator_meant() -> None:
    seen = collections.Counter[str]()
    for post in synth.generate(600, days=3, seed=7):
        meant = post.intended
        try:
            entry = hexo.parse_post(post.data.decode("utf-8"), meant.path)
            record = extract.extract_post(entry, "synth")
        except RejectError as exc:
            assert meant.reject is not None and meant.reject in str(exc), (meant.path, str(exc))
            seen["rejected"] += 1
            continue
        assert meant.reject is None, meant.path
        assert record["title"] == meant.title
        assert record["published_at"] == meant.published_at
        assert record["body_text"].split("\n") == meant.paragraphs
        assert len(record["images"]) == meant.images
        assert record["stock_codes"] == meant.stock_codes
        assert record["editor"] == meant.editor
        assert record["language"] == meant.language
        seen[meant.language] += 1
        seen["undated" if meant.published_at is None else "dated"] += 1
        seen["old layout" if meant.path.startswith("post/") else "new layout"] += 1
    # The variants are all there: both layouts, both languages, undated posts, broken posts.
    assert min(seen["en"], seen["zh-Hans"], seen["old layout"], seen["new layout"], seen["undated"]) > 0, seen
    assert seen["rejected"] > 0, seen


def test_front_matter_variants_are_written() -> None:
    texts = [p.data.decode("utf-8") for p in synth.generate(1000, seed=3)]
    dates = [t.split("\ndate: ", 1)[1].split("\n", 1)[0] for t in texts]
    assert any(d.endswith(" GMT") for d in dates)
    assert any(d[:4].isdigit() for d in dates)
    assert "Invalid Date" in dates
    titles = [t.split("\ntitle: ", 1)[1].split("\n", 1)[0] for t in texts]
    assert any(t.startswith("'") for t in titles) and any(t[0] not in "'\"" for t in titles)
    assert any(t.startswith('"""') for t in titles)
    assert any("&#123;" in t for t in texts)


def test_articles_spread_over_the_days_in_local_time() -> None:
    start = dt.date(2023, 3, 1)
    days = collections.Counter(
        p.intended.published_at.astimezone(dt.timezone(dt.timedelta(hours=8))).date()
        for p in synth.generate(300, days=3, seed=1, start=start)
        if p.intended.published_at is not None
    )
    assert set(days) == {start, start + dt.timedelta(days=1), start + dt.timedelta(days=2)}
    assert all(80 <= n <= 100 for n in days.values()), days


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path: Path) -> None:
    for name, seed in (("a", 5), ("b", 5), ("c", 6)):
        assert (
            cli.main(["synth", "--out", str(tmp_path / name), "--articles", "300", "--days", "2", "--seed", str(seed)])
            == 0
        )
    first = _tree_digest(tmp_path / "a")
    assert len(first) == 300
    assert first == _tree_digest(tmp_path / "b")
    assert first != _tree_digest(tmp_path / "c")


def test_synth_usage_errors(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert cli.main(["synth", "--out", str(tmp_path), "--articles", "10", "--days", "0"]) == cli.EXIT_USAGE
    assert "--days" in capsys.readouterr().err


def test_a_synthetic_day_runs_end_to_end(tmp_path: Path, data_dir: Path) -> None:
    import duckdb

    day = dt.date(2022, 6, 1)
    posts = list(synth.generate(150, days=1, seed=2, start=day))
    assert cli.main(["synth", "--out", str(tmp_path / "src"), "--articles", "150", "--seed", "2"]) == 0
    config = tmp_path / "sources.yml"
    config.write_text(f"sources:\n  - name: synth\n    kind: hexo\n    path: {tmp_path / 'src'}\n", encoding="utf-8")
    assert cli.main(["run", "--config", str(config), "--date", day.isoformat()]) == 0
    expected = sorted(p.intended.title or "" for p in posts if p.intended.reject is None and p.intended.published_at)
    con = duckdb.connect()
    titles = con.execute(
        "select title from read_parquet(?) order by title", [str(data_dir / "lake/articles/dt=2022-06-01/*/*.parquet")]
    ).fetchall()
    assert sorted(t for (t,) in titles) == expected


def test_the_pool_loads_what_one_process_loads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Landing and extraction on the process pool (small batches, so there are many) against both in-process."""
    import duckdb
    import pyarrow.parquet as pq

    assert cli.main(["synth", "--out", str(tmp_path / "src"), "--articles", "60", "--seed", "4"]) == 0
    config = tmp_path / "sources.yml"
    config.write_text(f"sources:\n  - name: synth\n    kind: hexo\n    path: {tmp_path / 'src'}\n", encoding="utf-8")
    loaded = {}
    for workers in ("1", "2"):
        root = tmp_path / f"data-{workers}"
        monkeypatch.setenv("ETL_DATA_DIR", str(root))
        monkeypatch.setenv("ETL_WORKERS", workers)
        monkeypatch.setenv("ETL_BATCH_SIZE", "7")
        assert cli.main(["run", "--config", str(config), "--date", "2022-06-01"]) == 0
        partition = root / "lake" / "articles" / "dt=2022-06-01" / "source=synth"
        table = pq.read_table(partition / "data.parquet").drop_columns(["fetched_at"])

        def count(glob: Path) -> int:
            return int(duckdb.connect().execute(f"select count(*) from read_parquet('{glob}')").fetchall()[0][0])

        landings = count(root / "landing" / "source=synth" / "*.parquet")
        rejects = count(root / "lake" / "rejects" / "dt=2022-06-01" / "source=synth" / "*.parquet")
        tokens = count(root / "lake" / "tokens" / "dt=2022-06-01" / "source=synth" / "*.parquet")
        loaded[workers] = (table.to_pylist(), landings, rejects, tokens)
    assert loaded["1"][0] and loaded["1"][1] == 60
    assert loaded["1"] == loaded["2"]
