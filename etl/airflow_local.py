"""A local Airflow for development and tests: `airflow standalone` (SQLite, LocalExecutor) on 127.0.0.1.

`python -m etl.airflow_local start` (what `make airflow` runs) prepares AIRFLOW_HOME (metadata DB, pools, the login),
starts `airflow standalone` in its own session and process group, waits until the REST API answers healthy and the
project's DAGs are parsed, and records the group id in `$AIRFLOW_HOME/airflow.pgid`. `stop` kills that whole group
(TERM, then KILL) and checks nothing listens on the port any more: `airflow standalone` ignores SIGINT in the
background and its children outlive a TERM sent to it alone, so only the group is a reliable handle.

Only the project's DAGs are loaded (no examples); they start unpaused, so `news_nightly` schedules the last day that
has ended as soon as it is parsed, and backfills can be created at once. The login is AIRFLOW_ADMIN_USER /
AIRFLOW_ADMIN_PASSWORD (default admin/admin), a simple-auth-manager admin. ETL_DATA_DIR is passed through as is.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from etl.settings import PROJECT_ROOT

DAGS = PROJECT_ROOT / "dags"
POOLS = PROJECT_ROOT / "config" / "airflow_pools.json"
PROJECT_DAGS = ("news_nightly", "news_fetch", "news_report")


class AirflowError(RuntimeError):
    pass


@dataclass(frozen=True)
class Local:
    home: Path
    port: int = 8080
    host: str = "127.0.0.1"
    user: str = "admin"
    password: str = "admin"
    # The task log server of the LocalExecutor and the triggerer's: their defaults (8793, 8794) would clash with any
    # other Airflow on the machine, so they follow the API port unless given.
    log_port: int | None = None
    trigger_log_port: int | None = None
    data_dir: Path | None = None  # default: $ETL_DATA_DIR, as the CLI

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def pgid_file(self) -> Path:
        return self.home / "airflow.pgid"

    @property
    def log_file(self) -> Path:
        return self.home / "standalone.log"

    def env(self, base: Mapping[str, str] | None = None) -> dict[str, str]:
        env = dict(os.environ if base is None else base)
        # Tasks run with the Airflow home as working directory: the data root must not depend on it.
        env["ETL_DATA_DIR"] = str(Path(self.data_dir or env.get("ETL_DATA_DIR") or "data").resolve())
        # standalone starts its components as `airflow ...` found on PATH: this venv's.
        env["PATH"] = os.pathsep.join([str(Path(airflow_bin()).parent), env.get("PATH", "")])
        env.update(
            {
                "AIRFLOW_HOME": str(self.home),
                "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS),
                "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
                "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
                "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
                "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{self.home / 'airflow.db'}",
                "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{self.user}:admin",
                "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(self.passwords_file),
                "AIRFLOW__API__HOST": self.host,
                "AIRFLOW__API__PORT": str(self.port),
                "AIRFLOW__API__BASE_URL": self.base_url,
                "AIRFLOW__API__WORKERS": "1",
                "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{self.base_url}/execution/",
                "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(self.log_port or self.port + 713),
                "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(self.trigger_log_port or self.port + 714),
                # The DAG folder is re-scanned often enough that a new DAG file shows up while developing.
                "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "30",
                "AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK": "True",
            }
        )
        return env

    @property
    def passwords_file(self) -> Path:
        return self.home / "simple_auth_manager_passwords.json.generated"


def airflow_bin() -> str:
    return str(Path(sys.executable).parent / "airflow")


def listening(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(1.0)
        return sock.connect_ex((host, port)) == 0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def request(
    local: Local, method: str, path: str, body: Any = None, token: str | None = None, timeout: float = 30.0
) -> tuple[int, Any]:
    """One JSON request to the API server; (status, decoded body)."""
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(local.base_url + path, data=data, method=method)
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            raw = resp.read()
            status = resp.status
    except urllib.error.HTTPError as exc:
        raw, status = exc.read(), exc.code
    try:
        return status, json.loads(raw) if raw else None
    except ValueError:
        return status, raw.decode(errors="replace")


def token(local: Local) -> str:
    status, body = request(local, "POST", "/auth/token", {"username": local.user, "password": local.password})
    if status not in (200, 201) or not isinstance(body, dict):
        raise AirflowError(f"login as {local.user} failed: HTTP {status}: {body}")
    return str(body["access_token"])


def _run(local: Local, *args: str) -> None:
    done = subprocess.run([airflow_bin(), *args], env=local.env(), capture_output=True, text=True, check=False)
    if done.returncode:
        raise AirflowError(f"airflow {' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")


def prepare(local: Local) -> None:
    """Metadata DB, pools and the login, before the first start (repeating it is harmless)."""
    local.home.mkdir(parents=True, exist_ok=True)
    # The simple auth manager reads the login from this file; standalone would generate a random password otherwise.
    local.passwords_file.write_text(json.dumps({local.user: local.password}), encoding="utf-8")
    _run(local, "db", "migrate")
    _run(local, "pools", "import", str(POOLS))


def _health(local: Local) -> dict[str, Any] | None:
    try:
        status, body = request(local, "GET", "/api/v2/monitor/health", timeout=5.0)
    except (OSError, urllib.error.URLError):
        return None
    return body if status == 200 and isinstance(body, dict) else None


def _healthy(health: dict[str, Any] | None) -> bool:
    if not health:
        return False
    parts = [health.get("metadatabase"), health.get("scheduler"), health.get("dag_processor")]
    return all(isinstance(p, dict) and p.get("status") == "healthy" for p in parts if p is not None)


def _group_alive(pgid: int) -> bool:
    try:  # reap the group's processes that are our own children (when stop runs in the process that started it)
        while os.waitpid(-pgid, os.WNOHANG)[0]:
            pass
    except ChildProcessError:
        pass
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def start(local: Local, timeout: float = 600.0) -> int:
    """Start `airflow standalone` in its own process group and wait until it is usable; returns the group id."""
    if listening(local.host, local.port):
        raise AirflowError(f"{local.host}:{local.port} is already in use (another Airflow? `make airflow-stop`)")
    prepare(local)
    log = open(local.log_file, "ab")  # noqa: SIM115  (the child keeps it open)
    proc = subprocess.Popen(
        [airflow_bin(), "standalone"],
        env=local.env(),
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # setsid: its own session and process group, whose id is its pid
        cwd=local.home,
    )
    log.close()
    pgid = proc.pid
    local.pgid_file.write_text(f"{pgid}\n", encoding="utf-8")
    deadline = time.monotonic() + timeout
    try:
        while not _healthy(_health(local)):
            if proc.poll() is not None:
                raise AirflowError(f"airflow standalone exited ({proc.returncode}); see {local.log_file}")
            if time.monotonic() > deadline:
                raise AirflowError(f"Airflow not healthy after {timeout:.0f}s; see {local.log_file}")
            time.sleep(2)
        jwt = token(local)
        for dag_id in PROJECT_DAGS:  # parsed by the DAG processor, with no import errors
            while request(local, "GET", f"/api/v2/dags/{dag_id}", token=jwt)[0] != 200:
                status, errors = request(local, "GET", "/api/v2/importErrors", token=jwt)
                if status == 200 and isinstance(errors, dict) and errors.get("total_entries"):
                    raise AirflowError(f"DAG import errors: {json.dumps(errors, indent=1)}")
                if time.monotonic() > deadline:
                    raise AirflowError(f"{dag_id} not parsed after {timeout:.0f}s; see {local.log_file}")
                time.sleep(2)
    except BaseException:
        stop(local)
        raise
    return pgid


def stop(local: Local, grace: float = 30.0) -> None:
    """Kill the process group `start` recorded (TERM, then KILL) and check the port is free."""
    pgid = int(local.pgid_file.read_text(encoding="utf-8").strip()) if local.pgid_file.exists() else None
    if pgid is not None and pgid > 1:
        for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 10.0)):
            try:
                os.killpg(pgid, sig)
            except ProcessLookupError:
                break
            deadline = time.monotonic() + wait
            while _group_alive(pgid) and time.monotonic() < deadline:
                time.sleep(0.5)
            if not _group_alive(pgid):
                break
        local.pgid_file.unlink(missing_ok=True)
    deadline = time.monotonic() + 10
    while listening(local.host, local.port) and time.monotonic() < deadline:
        time.sleep(0.5)
    if listening(local.host, local.port):
        raise AirflowError(f"something still listens on {local.host}:{local.port} (not started by this home?)")


def from_env(home: str | None = None, port: int | None = None) -> Local:
    env = os.environ
    return Local(
        home=Path(home or env.get("AIRFLOW_HOME") or PROJECT_ROOT / "airflow_home").resolve(),
        port=port or int(env.get("AIRFLOW_PORT") or 8080),
        user=env.get("AIRFLOW_ADMIN_USER") or "admin",
        password=env.get("AIRFLOW_ADMIN_PASSWORD") or "admin",
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m etl.airflow_local", description=__doc__.split("\n\n")[0])
    parser.add_argument("action", choices=["start", "stop"])
    parser.add_argument("--home", help="AIRFLOW_HOME (default: $AIRFLOW_HOME, else ./airflow_home)")
    parser.add_argument("--port", type=int, help="API/UI port (default: $AIRFLOW_PORT, else 8080)")
    args = parser.parse_args(argv)
    local = from_env(args.home, args.port)
    try:
        if args.action == "start":
            pgid = start(local)
            print(f"Airflow is up at {local.base_url} (login {local.user}/{'*' * len(local.password)})")
            print(f"AIRFLOW_HOME={local.home} ETL_DATA_DIR={os.environ.get('ETL_DATA_DIR', 'data')}")
            print(f"process group {pgid} (in {local.pgid_file}); log {local.log_file}; stop: make airflow-stop")
        else:
            stop(local)
            print(f"stopped; nothing listens on {local.host}:{local.port}")
    except AirflowError as exc:
        print(f"airflow_local: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
