"""Airflow overhead: a news_nightly run for one day through dag.test(), against `etl run` for the same day.

Each runs in a subprocess on a fresh data root; Airflow gets its own AIRFLOW_HOME (SQLite, migrated before the clock
starts) and reads dags/. The logical date is chosen so that the run's data interval starts on the day.

    python -m bench.airflow [--articles 10000] [--workdir DIR]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

from bench import e2e, measure

ROOT = Path(__file__).resolve().parent.parent

# news_nightly's timetable runs at 02:00 Asia/Shanghai for the day before: the run after DAY processes DAY.
_DAG_TEST = """
import datetime as dt, sys
from airflow.dag_processing.dagbag import DagBag
bag = DagBag(dag_folder=sys.argv[1])
dag = bag.dags["news_nightly"]
logical = dt.datetime.fromisoformat(sys.argv[2])
run = dag.test(logical_date=logical)
state = str(getattr(run, "state", ""))
print("state", state)
sys.exit(0 if state.endswith("success") else 1)
"""


@dataclass(frozen=True)
class Overhead:
    articles: int
    etl_run_s: float
    dag_test_s: float
    dag_articles: int
    state: str

    @property
    def overhead_s(self) -> float:
        return self.dag_test_s - self.etl_run_s


def _count(data: Path) -> int:
    import duckdb

    glob = data / "lake" / "articles" / f"dt={e2e.DAY}" / "*" / "*.parquet"
    if not any(glob.parent.parent.glob("*/*.parquet")):
        return 0
    return int(duckdb.connect().execute(f"select count(*) from read_parquet('{glob}')").fetchall()[0][0])


def run(workdir: Path, articles: int) -> Overhead:
    source = e2e.synth_source(workdir, articles)
    config = workdir / f"sources-{articles}.yml"
    config.write_text(f"sources:\n  - name: synth\n    kind: hexo\n    path: {source}\n", encoding="utf-8")
    etl_data = workdir / "airflow-etl-data"
    shutil.rmtree(etl_data, ignore_errors=True)
    plain = measure.run(
        [*e2e.ETL, "run", "--config", str(config), "--date", e2e.DAY.isoformat()],
        env={"ETL_DATA_DIR": str(etl_data)},
        cwd=str(ROOT),
    )
    if plain.returncode != 0:
        raise RuntimeError(f"etl run failed: {plain.stderr[-2000:]}")
    home = workdir / "airflow-home"
    dag_data = workdir / "airflow-dag-data"
    for path in (home, dag_data):
        shutil.rmtree(path, ignore_errors=True)
    home.mkdir(parents=True)
    env = {
        **os.environ,
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "ETL_DATA_DIR": str(dag_data),
        "ETL_CONFIG": str(config),
        # Airflow puts the DAG folder on sys.path for DAG files (news_assets); a script has to do it itself.
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "dags"), os.environ.get("PYTHONPATH", "")]),
    }
    airflow = Path(sys.executable).with_name("airflow")
    subprocess.run([str(airflow), "db", "migrate"], env=env, check=True, capture_output=True, cwd=str(ROOT))
    # The run after the day: 02:00 the next morning, local time.
    logical = dt.datetime.combine(e2e.DAY + dt.timedelta(days=1), dt.time(2), dt.timezone(dt.timedelta(hours=8)))
    dagged = measure.run(
        [sys.executable, "-c", _DAG_TEST, str(ROOT / "dags"), logical.isoformat()],
        env={k: v for k, v in env.items() if k not in os.environ or os.environ[k] != v},
        cwd=str(ROOT),
    )
    state = next((line.split()[1] for line in dagged.stdout.splitlines() if line.startswith("state ")), "unknown")
    if dagged.returncode != 0:
        state = f"{state} (exit {dagged.returncode}: {dagged.stderr.strip().splitlines()[-1:] or ''})"
    return Overhead(articles, round(plain.wall, 1), round(dagged.wall, 1), _count(dag_data), state)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--articles", type=int, default=10_000)
    p.add_argument("--workdir", default="/tmp/news-etl-bench")
    args = p.parse_args()
    workdir = Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    got = run(workdir, args.articles)
    print(json.dumps(asdict(got) | {"overhead_s": round(got.overhead_s, 1)}))


if __name__ == "__main__":
    main()
