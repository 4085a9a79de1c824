"""`dag.test()` of news_nightly over examples/: each example day, then the warehouse equals `etl run`'s; and of
news_fetch, which with the examples config has no feed to poll."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from .airflow_support import DAYS, article_days, articles, cli_run
from .conftest import ROOT

pytestmark = [pytest.mark.integration, pytest.mark.timeout(1200)]

SCRIPT = textwrap.dedent(
    """
    import sys
    import pendulum
    from airflow.dag_processing.dagbag import DagBag

    dag = DagBag(dag_folder=sys.argv[1]).dags["news_nightly"]
    for day in sys.argv[2:]:
        # A manual run processes the last day that ended before its logical date: the day's next midnight.
        when = pendulum.parse(day, tz="Asia/Shanghai").add(days=1)
        run = dag.test(logical_date=when)
        start = pendulum.instance(run.data_interval_start).in_timezone("Asia/Shanghai")
        print("RUN", day, run.state, start.date().isoformat(), flush=True)
    # news_fetch with the default config: no rss source, a mapped task over zero sources, a successful run.
    fetch = DagBag(dag_folder=sys.argv[1]).dags["news_fetch"].test()
    print("FETCH", fetch.state, flush=True)
    """
)


def test_dag_test_over_examples(tmp_path: Path) -> None:
    home, data = tmp_path / "airflow_home", tmp_path / "data"
    env = {
        **os.environ,
        "AIRFLOW_HOME": str(home),
        "ETL_DATA_DIR": str(data),
        "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        # Airflow puts the DAG folder on sys.path for DAG files; a script has to do it itself.
        "PYTHONPATH": str(ROOT / "dags"),
    }
    env.pop("ETL_CONFIG", None)
    airflow = Path(sys.executable).parent / "airflow"
    subprocess.run([str(airflow), "db", "migrate"], env=env, cwd=tmp_path, check=True, capture_output=True)
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(ROOT / "dags"), *DAYS],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    lines = [line.split() for line in done.stdout.splitlines() if line.startswith("RUN ")]
    assert done.returncode == 0, done.stderr[-5000:]
    assert lines == [["RUN", day, "success", day] for day in DAYS], done.stderr[-5000:]
    assert "FETCH success" in done.stdout, done.stderr[-5000:]
    assert "data quality" in done.stderr + done.stdout

    cli_run(tmp_path / "cli")
    assert article_days(data) == list(DAYS)
    assert articles(data) == articles(tmp_path / "cli")
