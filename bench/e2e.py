"""End to end: `etl run` over one synthetic day of N articles, from an empty data root (land, extract, load, refresh).

python -m bench.e2e 10000 [--runs 3] [--workdir /tmp/bench] [--env K=V]...
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import statistics
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

from bench import measure

DAY = dt.date(2022, 6, 1)
ROOT = Path(__file__).resolve().parent.parent
ETL = [sys.executable, "-m", "etl.cli"]


@dataclass(frozen=True)
class E2E:
    articles_requested: int
    articles: int  # loaded into the day's partition
    wall: float  # median of the runs
    walls: list[float]
    peak_rss_mib: float  # the largest of the runs: RSS summed over the process tree
    peak_pss_mib: float  # the same in PSS (shared pages counted once)
    per_second: float
    cpu_s: float  # median CPU seconds of the process tree
    cpu_ms_per_article: float


def synth_source(workdir: Path, articles: int, seed: int = 0) -> Path:
    """The synthetic source of N articles on DAY, made once and kept (the marker says it is complete)."""
    out = workdir / f"synth-{articles}-{seed}"
    if not (out / ".complete").exists():
        shutil.rmtree(out, ignore_errors=True)
        from etl import synth

        synth.write(out, articles, 1, seed, DAY)
        (out / ".complete").write_text("")
    return out


def run_day(workdir: Path, articles: int, runs: int = 1, env: dict[str, str] | None = None) -> E2E:
    source = synth_source(workdir, articles)
    config = workdir / f"sources-{articles}.yml"
    config.write_text(f"sources:\n  - name: synth\n    kind: hexo\n    path: {source}\n", encoding="utf-8")
    walls, peaks, psss, cpus, loaded = [], [], [], [], 0
    for _ in range(runs):
        data = workdir / f"data-{articles}"
        shutil.rmtree(data, ignore_errors=True)
        got = measure.run(
            [*ETL, "run", "--config", str(config), "--date", DAY.isoformat()],
            env={"ETL_DATA_DIR": str(data), **(env or {})},
            cwd=str(ROOT),
        )
        if got.returncode != 0:
            raise RuntimeError(f"etl run failed ({got.returncode}): {got.stderr[-2000:]}")
        walls.append(got.wall)
        peaks.append(got.peak_rss)
        psss.append(got.peak_pss)
        cpus.append(got.cpu)
        import duckdb

        glob = str(data / "lake" / "articles" / f"dt={DAY}" / "*" / "*.parquet")
        loaded = duckdb.connect().execute(f"select count(*) from read_parquet('{glob}')").fetchall()[0][0]
        shutil.rmtree(data, ignore_errors=True)
    wall = statistics.median(walls)
    return E2E(
        articles,
        loaded,
        round(wall, 2),
        [round(w, 2) for w in walls],
        round(max(peaks) / 2**20, 1),
        round(max(psss) / 2**20, 1),
        round(loaded / wall, 1),
        round(statistics.median(cpus), 1),
        round(statistics.median(cpus) / max(loaded, 1) * 1000, 2),
    )


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("articles", type=int, nargs="+")
    p.add_argument("--runs", type=int, default=1)
    p.add_argument("--workdir", default="/tmp/news-etl-bench")
    p.add_argument("--env", action="append", default=[])
    args = p.parse_args()
    env = dict(kv.split("=", 1) for kv in args.env)
    workdir = Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    for n in args.articles:
        print(json.dumps(asdict(run_day(workdir, n, args.runs, env))), flush=True)


if __name__ == "__main__":
    main()
