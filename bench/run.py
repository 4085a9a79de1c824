"""`make bench`: every benchmark in one run, written to bench/RESULTS.md.

Sections, in order: Extraction (bench/extraction.py, on ../shared/corpus), End to end (`etl run` over a synthetic day
of 10,000 and of 100,000 articles), Warehouse (the analyst queries over a million synthetic articles, partitioned lake
against one unsorted file), Airflow overhead (news_nightly through dag.test() against `etl run`, same day).

    python -m bench.run [--workdir DIR] [--runs 3] [--big-runs 1] [--only e2e,warehouse,...]

The machine is what it is when this runs: other work on it slows every figure (the load average is recorded).
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import importlib.metadata
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "RESULTS.md"
CORPUS = Path(os.environ.get("BENCH_CORPUS") or ROOT.parent / "shared" / "corpus")
GIB = 2**30
PACKAGES = ("duckdb", "pyarrow", "beautifulsoup4", "lxml", "pyyaml", "jieba", "rjieba", "trafilatura", "apache-airflow")


def _yes(ok: bool) -> str:
    return "yes" if ok else "**no**"


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        ram = int(Path("/proc/meminfo").read_text().split()[1]) * 1024 / GIB
    except (OSError, ValueError, IndexError):
        ram = float("nan")
    versions = []
    for name in PACKAGES:
        try:
            versions.append(f"{name} {importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            continue
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return "\n".join(
        [
            f"- Date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC",
            f"- CPU: {cpu}, {os.cpu_count()} cores; RAM {ram:.1f} GiB",
            f"- Python {platform.python_version()} on {platform.system()} {platform.release()}",
            f"- Packages: {', '.join(versions)}",
            f"- Load average when the run started: {load} (the machine is shared: other work slows every figure)",
        ]
    )


def extraction_section() -> str:
    try:
        module = importlib.import_module("bench.extraction")
    except ModuleNotFoundError:
        return "## Extraction\n\n`bench/extraction.py` is missing from this checkout: no extraction figures.\n"
    corpus = CORPUS if CORPUS.is_dir() else None
    return str(module.section(corpus)).rstrip() + "\n"


def e2e_section(workdir: Path, runs: int, big_runs: int) -> str:
    from bench import e2e

    rows = []
    results = {}
    for n, k in ((10_000, runs), (100_000, big_runs)):
        got = e2e.run_day(workdir, n, k)
        results[n] = got
        rows.append(
            f"| {n:,} | {got.articles:,} | {got.wall:.1f} ({', '.join(f'{w:.1f}' for w in got.walls)}) "
            f"| {got.per_second:,.0f} | {_yes(got.per_second >= 1000)} | {got.cpu_s:.1f} ({got.cpu_ms_per_article:.2f}) "
            f"| {2000 / got.cpu_ms_per_article:,.0f} | {got.peak_rss_mib:,.0f} | {got.peak_pss_mib:,.0f} "
            f"| {_yes(got.peak_rss_mib <= 1024)} |"
        )
    small, big = results[10_000], results[100_000]
    growth = big.peak_rss_mib / small.peak_rss_mib
    growth_pss = big.peak_pss_mib / small.peak_pss_mib
    return "\n".join(
        [
            "## End to end",
            "",
            "`etl run --date 2022-06-01` from an empty data root over a synthetic Hexo source of one day (`etl synth "
            "--articles N --days 1`): landing into the raw zone, extraction on the process pool, Parquet, the "
            "warehouse refresh. Wall time is the median of the runs (each run listed); memory is the largest "
            "sum over the process tree (parent, forkserver, pool workers) sampled every 50 ms, as RSS (pages shared "
            "between processes counted in each) and as PSS (counted once). CPU is user + system time of the whole "
            "tree; 'on 2 idle cores' is 2 / (CPU per article), the rate the run would reach if nothing else ran "
            "and both cores were kept busy: other work on a shared machine inflates wall time, not CPU time.",
            "",
            "| articles in the source | loaded | wall s (runs) | articles/s | ≥ 1,000/s | CPU s (ms/article) "
            "| articles/s on 2 idle cores | peak RSS MiB | peak PSS MiB | RSS ≤ 1 GiB |",
            "| ---: | ---: | ---: | ---: | :-: | ---: | ---: | ---: | ---: | :-: |",
            *rows,
            "",
            f"Memory as the day grows: 100k / 10k = {growth:.2f} (RSS), {growth_pss:.2f} (PSS); goal ≤ 1.2: "
            f"{_yes(growth <= 1.2)}.",
            "",
        ]
    )


def warehouse_section(workdir: Path, articles: int, days: int, runs: int) -> str:
    from bench import warehouse

    root = workdir / f"warehouse-{articles}"
    started = time.perf_counter()
    warehouse.build(root, articles, days)
    built = time.perf_counter() - started
    times, refresh_s = warehouse.time_queries(root, days, runs)
    lake_bytes = sum(p.stat().st_size for p in (root / "data" / "lake").rglob("*.parquet"))
    single_bytes = sum(p.stat().st_size for p in (root / "single").glob("*.parquet"))
    rows = []
    for q in times:
        fast = q.lake_s <= 1.0
        ratio = f"{q.speedup:.1f}×"
        rows.append(
            f"| `{q.query}` | {q.rows} | {q.lake_s:.3f} | {_yes(fast)} | {q.single_s:.3f} | {ratio} "
            f"| {_yes(q.speedup >= 3) if q.date_bounded else 'n/a (whole warehouse)'} |"
        )
    slowest = max(times, key=lambda q: q.lake_s)
    bounded = [q.speedup for q in times if q.date_bounded]
    return "\n".join(
        [
            "## Warehouse",
            "",
            f"{articles:,} synthetic articles over {days} days in 3 sources ({articles // (days * 3):,} per day and "
            "source; one in twenty a new version of an earlier article, one in a hundred a near-duplicate), with "
            "their search index, runs and rejects, made with pyarrow in the schemas of `etl/schema.py` and written "
            f"by `etl/lake.py` ({built:.0f} s). Each query of `sql/*.sql` with its default parameters (the window "
            "ends on the newest day; `search` looks for 新能源 芯片 over its last 30 days), through DuckDB on the "
            "warehouse, then on the same warehouse built over one unpartitioned, shuffled Parquet file per table "
            f"(zstd, the writer's default row groups). Median of {runs} runs, seconds. Lake {lake_bytes / 2**20:,.0f} "
            f"MiB, single files {single_bytes / 2**20:,.0f} MiB. The lake's warehouse refresh (views, and the tables "
            f"it derives: superseded versions, near-duplicate clusters) took {refresh_s:.1f} s.",
            "",
            "| query | rows | lake s | ≤ 1 s | single file s | single / lake | date-bounded ≥ 3× faster |",
            "| --- | ---: | ---: | :-: | ---: | ---: | :-: |",
            *rows,
            "",
            f"Slowest on the lake: `{slowest.query}` {slowest.lake_s:.2f} s. Date-bounded queries, median "
            f"single/lake: {statistics.median(bounded):.1f}×."
            if bounded
            else "",
            "",
        ]
    )


def airflow_section(workdir: Path, articles: int) -> str:
    from bench import airflow

    got = airflow.run(workdir, articles)
    return "\n".join(
        [
            "## Airflow overhead",
            "",
            f"One synthetic day of {articles:,} articles, from an empty data root each time: `etl run` against a "
            "news_nightly run through `dag.test()` (a subprocess with its own AIRFLOW_HOME on SQLite, migrated before "
            "the clock starts; the whole process is timed, Airflow's imports and DAG parsing included).",
            "",
            "| | wall s | articles | state |",
            "| --- | ---: | ---: | --- |",
            f"| `etl run` | {got.etl_run_s:.1f} | {articles:,} in the source | |",
            f"| news_nightly `dag.test()` | {got.dag_test_s:.1f} | {got.dag_articles:,} loaded | {got.state} |",
            "",
            f"Overhead: {got.overhead_s:+.1f} s ({got.dag_test_s / got.etl_run_s:.2f}× `etl run`). No goal is set "
            "for it: the figure is reported.",
            "",
        ]
    )


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--workdir", default=os.environ.get("BENCH_WORKDIR", "/tmp/news-etl-bench"))
    p.add_argument("--runs", type=int, default=int(os.environ.get("BENCH_RUNS", "3")))
    p.add_argument("--big-runs", type=int, default=int(os.environ.get("BENCH_BIG_RUNS", "1")))
    p.add_argument("--warehouse-articles", type=int, default=1_000_000)
    p.add_argument("--only", help="comma-separated sections: extraction,e2e,warehouse,airflow")
    p.add_argument("--out", default=str(RESULTS))
    args = p.parse_args()
    workdir = Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    only = set(args.only.split(",")) if args.only else {"extraction", "e2e", "warehouse", "airflow"}
    sections: list[tuple[str, Callable[[], str]]] = [
        ("extraction", extraction_section),
        ("e2e", lambda: e2e_section(workdir, args.runs, args.big_runs)),
        ("warehouse", lambda: warehouse_section(workdir, args.warehouse_articles, 365, args.runs)),
        ("airflow", lambda: airflow_section(workdir, 10_000)),
    ]
    out = [
        "# Benchmarks",
        "",
        "Written by `make bench` (`python -m bench.run`). Before/after figures and the profiles of the remaining gaps: "
        "`bench/NOTES.md`.",
        "",
        machine(),
        "",
    ]
    for name, make in sections:
        if name not in only:
            continue
        started = time.perf_counter()
        print(f"bench: {name} ...", file=sys.stderr, flush=True)
        try:
            out.append(make())
        except Exception as exc:  # one failing benchmark still leaves the others' figures
            out.append(f"## {name}\n\nFailed: {type(exc).__name__}: {exc}\n")
        print(f"bench: {name} done in {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
        Path(args.out).write_text("\n".join(out), encoding="utf-8")
    print(Path(args.out).read_text(encoding="utf-8"))


if __name__ == "__main__":
    main()
