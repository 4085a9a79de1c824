"""Shared by the tests that run Airflow for real: a local Airflow on free ports, REST calls, warehouse comparison."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from etl import airflow_local

from .conftest import ROOT

DAYS = ("2021-09-20", "2021-09-21", "2021-09-22")
# Timing columns: when an item was landed differs between two runs, everything else must not.
TIMING = {"fetched_at"}


@contextmanager
def running_airflow(root: Path) -> Iterator[airflow_local.Local]:
    """A local Airflow (the launcher `make airflow` uses) with its own home, data root and free ports."""
    local = airflow_local.Local(
        home=root / "airflow_home",
        port=airflow_local.free_port(),
        log_port=airflow_local.free_port(),
        trigger_log_port=airflow_local.free_port(),
        data_dir=root / "data",
    )
    airflow_local.start(local)
    try:
        yield local
    finally:
        airflow_local.stop(local)
        assert not airflow_local.listening(local.host, local.port)


def wait_backfill(local: airflow_local.Local, backfill_id: int, timeout: float = 900.0) -> list[dict[str, Any]]:
    """Wait until the backfill completes; its DAG runs."""
    deadline = time.monotonic() + timeout
    while True:
        jwt = airflow_local.token(local)
        status, body = airflow_local.request(local, "GET", f"/api/v2/backfills/{backfill_id}", token=jwt)
        assert status == 200, body
        if body["completed_at"]:
            break
        assert time.monotonic() < deadline, f"backfill {backfill_id} not completed; see {local.log_file}"
        time.sleep(3)
    status, body = airflow_local.request(
        local, "GET", "/api/v2/dags/news_nightly/dagRuns?run_type=backfill&limit=100", token=jwt
    )
    assert status == 200, body
    runs: list[dict[str, Any]] = body["dag_runs"]
    return runs


def local_days(runs: list[dict[str, Any]]) -> list[str]:
    """The local days the runs' data intervals cover (each exactly one day)."""
    import pendulum

    days = []
    for run in runs:
        start = pendulum.parse(run["data_interval_start"]).in_timezone("Asia/Shanghai")
        end = pendulum.parse(run["data_interval_end"]).in_timezone("Asia/Shanghai")
        assert (start.hour, start.minute, end - start) == (0, 0, pendulum.duration(days=1)), run
        days.append(start.date().isoformat())
    return sorted(days)


def articles(data_dir: Path) -> list[str]:
    """The warehouse's articles, minus timing columns, as sorted comparable rows."""
    import duckdb

    con = duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True)
    try:
        columns = [c for (c,) in con.execute("select column_name from (describe articles)").fetchall()]
        kept = ", ".join(c for c in columns if c not in TIMING)
        return sorted(repr(row) for row in con.execute(f"select {kept} from articles").fetchall())
    finally:
        con.close()


def article_days(data_dir: Path) -> list[str]:
    import duckdb

    con = duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True)
    try:
        return [str(d) for (d,) in con.execute("select distinct dt from articles order by dt").fetchall()]
    finally:
        con.close()


def cli_run(data_dir: Path) -> None:
    """`etl run` of the example days into another data root: what the backfill must equal."""
    env = {**os.environ, "ETL_DATA_DIR": str(data_dir)}
    env.pop("ETL_CONFIG", None)
    etl = Path(sys.executable).parent / "etl"
    subprocess.run([str(etl), "run", "--from", DAYS[0], "--to", DAYS[-1]], env=env, cwd=ROOT, check=True)


def landed_files(data_dir: Path) -> set[str]:
    return {
        str(p.relative_to(data_dir)) for sub in ("raw", "landing") for p in (data_dir / sub).rglob("*") if p.is_file()
    }
