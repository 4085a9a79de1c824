"""Airflow as production runs it: scheduler, DAG processor, API server, triggerer and a Celery worker on a
PostgreSQL metadata DB and a Redis broker. A backfill of the example days created through the REST API must leave
the warehouse as `etl run` does for those days.

Every component is a real subprocess from the project's venv, in its own process group, stopped and reaped at the
end even when the test fails. The metadata DB is a fresh database created for the session and dropped afterwards.
Skips where PostgreSQL (127.0.0.1:5432, user postgres, trust auth) or Redis (127.0.0.1:6379) is not answering;
`.ci/run` starts them.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from .conftest import ROOT

pytestmark = [pytest.mark.integration, pytest.mark.timeout(1800)]

BIN = Path(sys.executable).parent
PG_HOST, PG_PORT, PG_USER = "127.0.0.1", 5432, "postgres"
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
# A Redis database of this test's own; the queue name is unique per session as well, so another Celery worker on
# the same Redis never takes these tasks.
REDIS_DB = 13
EXAMPLE_DAYS = ["2021-09-20", "2021-09-21", "2021-09-22"]
# The three calendar days in the pipeline's time zone. The backfill's from/to are the first and last logical dates
# the DAG's timetable has in them (a dry run asks Airflow): with the calendar-day timetable, whose run for day D has
# the logical date D 00:00 Asia/Shanghai, that is 2021-09-20T00:00:00+08:00 .. 2021-09-22T00:00:00+08:00.
WINDOW_FROM = "2021-09-20T00:00:00+08:00"
WINDOW_TO = "2021-09-22T23:59:59+08:00"
# The machine is shared and slow at times: these bound a hang, they are not performance targets.
START_TIMEOUT = 300.0
RUNS_TIMEOUT = 1200.0
POOLS = {"news_http": 4, "news_warehouse": 1}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _require_services() -> None:
    import psycopg
    import redis

    try:
        psycopg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, dbname="postgres", connect_timeout=5).close()
    except psycopg.OperationalError as exc:
        pytest.skip(f"PostgreSQL is not reachable on {PG_HOST}:{PG_PORT} as {PG_USER} ({exc}); .ci/run starts it")
    try:
        redis.Redis(host=REDIS_HOST, port=REDIS_PORT, socket_connect_timeout=5).ping()
    except redis.RedisError as exc:
        pytest.skip(f"Redis is not reachable on {REDIS_HOST}:{REDIS_PORT} ({exc}); .ci/run starts it")


@pytest.fixture(scope="session")
def metadata_db() -> Iterator[str]:
    """A fresh PostgreSQL database for Airflow's metadata, dropped at the end of the session."""
    _require_services()
    import psycopg
    from psycopg import sql

    name = f"news_etl_it_{os.getpid()}_{secrets.token_hex(4)}"
    with psycopg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, dbname="postgres", autocommit=True) as con:
        con.execute(sql.SQL("create database {}").format(sql.Identifier(name)))
    try:
        yield f"{PG_USER}@{PG_HOST}:{PG_PORT}/{name}"
    finally:
        with psycopg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, dbname="postgres", autocommit=True) as con:
            con.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name)))


@dataclass
class Cluster:
    home: Path
    data_dir: Path
    env: dict[str, str]
    api: str
    queue: str
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    token: str = ""

    def airflow(self, *args: str, timeout: float = 600) -> str:
        done = subprocess.run(
            [str(BIN / "airflow"), *args], env=self.env, capture_output=True, text=True, timeout=timeout, check=False
        )
        assert done.returncode == 0, f"airflow {' '.join(args)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        return done.stdout

    def start(self, name: str, *args: str) -> None:
        log = open(self.home / f"{name}.log", "wb")  # noqa: SIM115 - the child holds it for its lifetime
        self.procs[name] = subprocess.Popen(
            [str(BIN / "airflow"), *args],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # its own process group: stopping it reaches the children it forks
        )
        log.close()

    def alive(self) -> None:
        dead = {n: p.returncode for n, p in self.procs.items() if p.poll() is not None}
        assert not dead, f"Airflow components exited: {dead}\n{self.tails()}"

    def stop(self) -> None:
        for proc in self.procs.values():
            _signal_group(proc, signal.SIGTERM)
        deadline = time.monotonic() + 45
        for proc in self.procs.values():
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            # Whatever is left of the group (a hung child, a task runner) is killed, and the leader reaped.
            _signal_group(proc, signal.SIGKILL)
            proc.wait()

    def request(self, method: str, path: str, body: Any = None, ok: tuple[int, ...] = (200, 201)) -> Any:
        import httpx

        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        response = httpx.request(method, self.api + path, json=body, headers=headers, timeout=60)
        assert response.status_code in ok, f"{method} {path}: {response.status_code} {response.text[:2000]}"
        return response.json() if response.content else None

    def tails(self, chars: int = 4000) -> str:
        out = []
        for name in self.procs:
            text = (self.home / f"{name}.log").read_text(encoding="utf-8", errors="replace")
            out.append(f"----- {name} (last {chars} chars) -----\n{text[-chars:]}")
        return "\n".join(out)

    def task_logs(self, chars: int = 6000) -> str:
        out = []
        for path in sorted((self.home / "logs").rglob("*.log")):
            if "dag_id=" in str(path):
                text = path.read_text(encoding="utf-8", errors="replace")
                out.append(f"----- {path.relative_to(self.home)} -----\n{text[-chars:]}")
        return "\n".join(out) or "(no task logs)"


def _signal_group(proc: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, sig)


def _wait(what: str, check: Any, timeout: float, cluster: Cluster, every: float = 2.0) -> Any:
    import httpx

    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        cluster.alive()
        try:
            last = check()
        except (httpx.TransportError, AssertionError) as exc:  # not up yet
            last = exc
        else:
            if last:
                return last
        time.sleep(every)
    pytest.fail(f"timed out after {timeout:.0f}s waiting for {what} (last: {last!r})\n{cluster.tails()}")


@pytest.fixture(scope="session")
def cluster(metadata_db: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    base = tmp_path_factory.mktemp("celery")
    home, data_dir = base / "airflow_home", base / "data"
    home.mkdir()
    # The simple auth manager's known login: admin/admin.
    (home / "simple_auth_manager_passwords.json.generated").write_text(json.dumps({"admin": "admin"}))
    api_port = _free_port()
    queue = f"news_etl_it_{secrets.token_hex(4)}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "ETL_"))}
    env.update(
        {
            "PATH": f"{BIN}{os.pathsep}{env.get('PATH', '')}",
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"postgresql+psycopg2://{metadata_db}",
            "AIRFLOW__CELERY__BROKER_URL": f"redis://{REDIS_HOST}:{REDIS_PORT}/{REDIS_DB}",
            "AIRFLOW__CELERY__RESULT_BACKEND": f"db+postgresql+psycopg2://{metadata_db}",
            "AIRFLOW__CELERY__WORKER_CONCURRENCY": "4",
            "AIRFLOW__OPERATORS__DEFAULT_QUEUE": queue,
            "AIRFLOW__CORE__AUTH_MANAGER": "airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "admin:admin",
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{api_port}/execution/",
            # One secret for every component, as a deployment has: the worker's task tokens must verify at the API.
            "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_urlsafe(32),
            "AIRFLOW__API__SECRET_KEY": secrets.token_urlsafe(32),
            "AIRFLOW__API__WORKERS": "1",
            "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(_free_port()),
            "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(_free_port()),
            # Only the backfill's runs: no scheduled run for yesterday competing for the worker.
            "AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": "False",
            "ETL_DATA_DIR": str(data_dir),
            "ETL_WORKERS": "1",
        }
    )
    c = Cluster(home=home, data_dir=data_dir, env=env, api=f"http://127.0.0.1:{api_port}", queue=queue)
    try:
        c.airflow("db", "migrate")
        pools = ROOT / "config" / "airflow_pools.json"
        if pools.exists():
            c.airflow("pools", "import", str(pools))
        else:
            for name, slots in POOLS.items():
                c.airflow("pools", "set", name, str(slots), f"news-etl {name}")
        c.start("api-server", "api-server", "--host", "127.0.0.1", "--port", str(api_port))
        c.start("scheduler", "scheduler")
        c.start("dag-processor", "dag-processor")
        c.start("triggerer", "triggerer")
        c.start("worker", "celery", "worker", "--queues", queue, "--without-gossip", "--without-mingle")
        yield c
    finally:
        c.stop()
        _forget_queue(queue)


def _forget_queue(queue: str) -> None:
    import redis

    with contextlib.suppress(redis.RedisError):
        redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=REDIS_DB).delete(queue, f"_kombu.binding.{queue}")


def _articles(data_dir: Path, days: list[str]) -> dict[str, list[tuple[Any, ...]]]:
    """Every article version of each day present in the warehouse, without the landing time, which differs per run."""
    import duckdb

    con = duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True)
    try:
        rows = con.execute(
            "select cast(dt as varchar) as day, * exclude (dt, fetched_at) from articles_versions "
            "where cast(dt as varchar) in (select unnest($days)) order by day, article_id, source, item_key",
            {"days": days},
        ).fetchall()
    finally:
        con.close()
    by_day: dict[str, list[tuple[Any, ...]]] = {}
    for row in rows:
        by_day.setdefault(row[0], []).append(row[1:])
    return by_day


def _backfill(cluster: Cluster, body: dict[str, Any]) -> list[dict[str, Any]]:
    """Create a backfill through the REST API and wait until Airflow marks it complete with every run successful."""
    backfill = cluster.request("POST", "/api/v2/backfills", body)
    print("backfill:", json.dumps(backfill))
    created = time.monotonic()

    def done() -> list[dict[str, Any]] | None:
        # The test's backfills cover the same days: the DAG's backfill runs are theirs.
        runs = cluster.request("GET", "/api/v2/dags/news_nightly/dagRuns?limit=100&run_type=backfill")["dag_runs"]
        failed = [r for r in runs if r["state"] == "failed"]
        if failed:
            pytest.fail(f"backfill runs failed: {failed}\n{cluster.task_logs()}\n{cluster.tails()}")
        if not cluster.request("GET", f"/api/v2/backfills/{backfill['id']}")["completed_at"]:
            return None
        return runs if runs and all(r["state"] == "success" for r in runs) else None

    runs = _wait(f"backfill {backfill['id']} to complete", done, RUNS_TIMEOUT, cluster, every=5.0)
    print(
        f"backfill {backfill['id']} ({body['reprocess_behavior']}): {len(runs)} runs in {time.monotonic() - created:.0f}s"
    )
    return runs


def _lake_files(data_dir: Path) -> list[str]:
    return sorted(str(p.relative_to(data_dir)) for p in (data_dir / "lake" / "articles").rglob("*.parquet"))


def test_rest_backfill_on_celery_matches_etl_run(cluster: Cluster, tmp_path: Path) -> None:
    started = time.monotonic()
    _wait("the API server", lambda: cluster.request("GET", "/api/v2/version"), START_TIMEOUT, cluster)
    token = cluster.request("POST", "/auth/token", {"username": "admin", "password": "admin"})
    cluster.token = token["access_token"]
    _wait(
        "the DAG processor to parse news_nightly",
        lambda: cluster.request("GET", "/api/v2/dags/news_nightly"),
        START_TIMEOUT,
        cluster,
    )
    pools = {p["name"]: p["slots"] for p in cluster.request("GET", "/api/v2/pools")["pools"]}
    assert {k: pools.get(k) for k in POOLS} == POOLS
    cluster.request("PATCH", "/api/v2/dags/news_nightly", {"is_paused": False})
    print(f"components up in {time.monotonic() - started:.0f}s")

    body = {
        "dag_id": "news_nightly",
        "from_date": WINDOW_FROM,
        "to_date": WINDOW_TO,
        "reprocess_behavior": "none",
        "max_active_runs": 3,
        "run_backwards": False,
        "dag_run_conf": {},
    }
    planned = cluster.request("POST", "/api/v2/backfills/dry_run", body)
    logical = sorted(b["logical_date"] for b in planned["backfills"])
    assert len(logical) == len(EXAMPLE_DAYS), f"one run per example day, not {logical}"
    body |= {"from_date": logical[0], "to_date": logical[-1]}
    runs = _backfill(cluster, body)
    assert sorted(r["logical_date"] for r in runs) == logical

    # The same days through the command line, into a data root of its own.
    reference = tmp_path / "reference"
    env = {**cluster.env, "ETL_DATA_DIR": str(reference)}
    done = subprocess.run(
        [str(BIN / "etl"), "run", "--from", EXAMPLE_DAYS[0], "--to", EXAMPLE_DAYS[-1]],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr

    got, want = _articles(cluster.data_dir, EXAMPLE_DAYS), _articles(reference, EXAMPLE_DAYS)
    assert sorted(want) == EXAMPLE_DAYS, "the example days all have articles"
    assert sorted(got) == EXAMPLE_DAYS, f"the backfill filled {sorted(got)}, not every example day"
    for day in EXAMPLE_DAYS:
        assert got[day] == want[day], f"{day}: the backfill's articles differ from etl run's"

    # Rerunning the completed days changes nothing: same articles, and their partitions replaced, not appended to.
    files = _lake_files(cluster.data_dir)
    rerun = _backfill(cluster, body | {"reprocess_behavior": "completed"})
    assert sorted(r["logical_date"] for r in rerun) == logical
    assert _articles(cluster.data_dir, EXAMPLE_DAYS) == got
    assert _lake_files(cluster.data_dir) == files
    print(f"whole test {time.monotonic() - started:.0f}s")
