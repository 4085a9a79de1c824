"""The done-when, run for real: a backfill through the REST API of the local Airflow (`make airflow`'s launcher)
processes exactly 2021-09-20..2021-09-22 and leaves the warehouse as `etl run` does; a second backfill with
reprocess behaviour "completed" changes nothing and fetches nothing; stopping frees the port."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from etl import airflow_local

from .airflow_support import (
    DAYS,
    article_days,
    articles,
    cli_run,
    landed_files,
    local_days,
    running_airflow,
    wait_backfill,
)

pytestmark = [pytest.mark.integration, pytest.mark.timeout(2400)]


def _backfill(local: airflow_local.Local, reprocess: str) -> int:
    body = {
        "dag_id": "news_nightly",
        "from_date": f"{DAYS[0]}T00:00:00Z",
        "to_date": f"{DAYS[-1]}T00:00:00Z",
        "max_active_runs": 3,
        "reprocess_behavior": reprocess,
    }
    for attempt in range(30):
        # On SQLite the API answers 503 "Database is locked" while the scheduler writes, or, under load, 500
        # "Database error" (seen once): a user would try again.
        status, answer = airflow_local.request(
            local, "POST", "/api/v2/backfills", body, token=airflow_local.token(local)
        )
        if attempt and status == 409:
            # The failed answer came after the backfill was created (seen once): it is the one running now, as a
            # user would find it in the UI.
            return _running_backfill(local)
        if not (status == 503 or (status == 500 and "database" in str(answer).lower())):
            break
        time.sleep(2 + attempt)
    assert status in (200, 201), answer
    return int(answer["id"])


def _running_backfill(local: airflow_local.Local) -> int:
    status, answer = airflow_local.request(
        local, "GET", "/api/v2/backfills?dag_id=news_nightly", token=airflow_local.token(local)
    )
    assert status == 200, answer
    (running,) = [b for b in answer["backfills"] if not b["completed_at"]]
    return int(running["id"])


def _wait_rerun(local: airflow_local.Local, run_id: str, timeout: float = 600.0) -> None:
    """Until the run's last task has succeeded a second time. A reprocessing backfill can read as completed while a
    run it clears still shows its first, successful try (seen once): wait for the rerun rather than read that."""
    deadline = time.monotonic() + timeout
    while True:
        status, ti = airflow_local.request(
            local,
            "GET",
            f"/api/v2/dags/news_nightly/dagRuns/{run_id}/taskInstances/refresh_warehouse",
            token=airflow_local.token(local),
        )
        assert status == 200, ti
        if ti["try_number"] >= 2 and ti["state"] == "success":
            return
        assert time.monotonic() < deadline, f"{run_id} not rerun: {ti}; see {local.log_file}"
        time.sleep(3)


def test_rest_backfill_equals_etl_run(tmp_path: Path) -> None:
    expected_root = tmp_path / "cli"
    cli_run(expected_root)
    expected = articles(expected_root)
    assert len(expected) >= 5

    with running_airflow(tmp_path / "airflow") as local:
        data = local.data_dir
        assert data is not None
        runs = wait_backfill(local, _backfill(local, "none"))
        assert [r["state"] for r in runs] == ["success"] * 3, runs
        assert local_days(runs) == list(DAYS)
        assert article_days(data) == list(DAYS)
        assert articles(data) == expected

        before = landed_files(data)
        assert before, "the backfill landed nothing"
        again = wait_backfill(local, _backfill(local, "completed"))
        assert [r["state"] for r in again] == ["success"] * 3, again
        assert local_days(again) == list(DAYS)
        for run in again:  # each day really ran a second time
            _wait_rerun(local, run["dag_run_id"])
            status, ti = airflow_local.request(
                local,
                "GET",
                f"/api/v2/dags/news_nightly/dagRuns/{run['dag_run_id']}/taskInstances/plan",
                token=airflow_local.token(local),
            )
            assert status == 200 and ti["try_number"] == 2, ti
        assert landed_files(data) == before, "the reprocessing backfill fetched"
        assert articles(data) == expected
    assert not airflow_local.listening(local.host, local.port)
