"""The DAG folder imports cleanly, wires the stages, and schedules whole local days."""

from __future__ import annotations

import copy
import datetime as dt
import json
import os

import pendulum
import pytest

from .conftest import DAGS, ROOT, load_dagbag


@pytest.fixture(scope="module")
def dagbag(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    home = tmp_path_factory.mktemp("airflow_home")
    os.environ.setdefault("AIRFLOW_HOME", str(home))
    return load_dagbag()


def test_no_import_errors(dagbag) -> None:  # type: ignore[no-untyped-def]
    assert dagbag.import_errors == {}
    assert {"news_nightly", "news_fetch", "news_report"} <= set(dagbag.dag_ids)


def test_every_dag_is_documented(dagbag) -> None:  # type: ignore[no-untyped-def]
    for dag_id, dag in dagbag.dags.items():
        assert dag.doc_md and len(dag.doc_md) > 200, f"{dag_id} has no doc_md"


def test_news_nightly_wiring(dagbag) -> None:  # type: ignore[no-untyped-def]
    dag = dagbag.dags["news_nightly"]
    assert {t.task_id for t in dag.tasks} == {"plan", "run_source", "quality_gate", "refresh_warehouse"}
    assert dag.get_task("plan").downstream_task_ids == {"run_source"}
    assert dag.get_task("run_source").downstream_task_ids == {"quality_gate"}
    assert dag.get_task("quality_gate").downstream_task_ids == {"refresh_warehouse"}
    # A task per source, through dynamic task mapping.
    assert dag.get_task("run_source").is_mapped
    assert {a.name for a in dag.get_task("refresh_warehouse").outlets} == {
        "news_warehouse",
        "news_articles",
        "news_rejects",
        "news_runs",
    }


def test_news_nightly_operability(dagbag) -> None:  # type: ignore[no-untyped-def]
    dag = dagbag.dags["news_nightly"]
    run_source = dag.get_task("run_source")
    assert run_source.partial_kwargs["pool"] == "news_http"
    assert dag.get_task("refresh_warehouse").pool == "news_warehouse"
    plan = dag.get_task("plan")
    assert plan.retries >= 1
    assert plan.retry_exponential_backoff
    assert plan.max_retry_delay is not None
    # Bad data is not fixed by retrying.
    assert dag.get_task("quality_gate").retries == 0


def test_news_nightly_params(dagbag) -> None:  # type: ignore[no-untyped-def]
    params = dagbag.dags["news_nightly"].params
    assert params["sources"] == []
    assert params["reprocess_from_raw"] is False
    good = copy.deepcopy(params)
    good.update({"sources": ["examples"], "reprocess_from_raw": True})
    assert good.validate() == {"sources": ["examples"], "reprocess_from_raw": True}
    bad = copy.deepcopy(params)
    with pytest.raises(ValueError):
        bad["reprocess_from_raw"] = "maybe"
        bad.validate()


def test_news_fetch_wiring(dagbag) -> None:  # type: ignore[no-untyped-def]
    dag = dagbag.dags["news_fetch"]
    fetch = dag.get_task("fetch")
    assert fetch.is_mapped
    assert fetch.partial_kwargs["pool"] == "news_http"
    assert [a.name for a in fetch.outlets] == ["news_raw"]


def test_news_report_listens_to_the_warehouse_asset(dagbag) -> None:  # type: ignore[no-untyped-def]
    import news_assets

    assert news_assets.WAREHOUSE.name == "news_warehouse"
    assert news_assets.WAREHOUSE.uri.rstrip("/") == "news-etl://warehouse"
    assert {a.name for a in (news_assets.RAW, *news_assets.TABLES)} == {
        "news_raw",
        "news_articles",
        "news_rejects",
        "news_runs",
    }


def test_pools_file() -> None:
    pools = json.loads((ROOT / "config" / "airflow_pools.json").read_text(encoding="utf-8"))
    assert pools["news_warehouse"]["slots"] == 1
    assert pools["news_http"]["slots"] >= 1
    for pool in pools.values():
        assert set(pool) == {"slots", "description", "include_deferred"}


def test_dag_files_stay_thin() -> None:
    # Heavy libraries are imported inside tasks, so parsing the DAG folder stays fast. The timetable is the one
    # module of etl a DAG file imports: the scheduler needs it, and it imports nothing but Airflow.
    for path in DAGS.glob("*.py"):
        head = path.read_text(encoding="utf-8").split("@dag", 1)[0].replace("from etl.timetables import", "")
        for heavy in ("import pandas", "import pyarrow", "import duckdb", "from etl", "import etl", "bs4"):
            assert heavy not in head, f"{path.name} imports {heavy} at module level"
    timetables = (ROOT / "etl" / "timetables.py").read_text(encoding="utf-8")
    assert "from etl" not in timetables and "import pyarrow" not in timetables


# --- the nightly timetable -------------------------------------------------------------------------------------


def _days(earliest: str, latest: str) -> list[tuple[str, str, str]]:
    from airflow.timetables.base import TimeRestriction

    from etl.timetables import LocalDayTimetable

    table = LocalDayTimetable("Asia/Shanghai", dt.timedelta(hours=2))
    restriction = TimeRestriction(pendulum.parse(earliest), pendulum.parse(latest), catchup=True)
    out, info = [], None
    while (info := table.next_dagrun_info_v2(last_dagrun_info=info, restriction=restriction)) is not None:
        assert info.data_interval is not None
        out.append(
            (
                info.data_interval.start.in_timezone("Asia/Shanghai").isoformat(),
                info.data_interval.end.in_timezone("Asia/Shanghai").isoformat(),
                info.run_after.in_timezone("Asia/Shanghai").isoformat(),
            )
        )
    return out


@pytest.mark.parametrize(
    ("earliest", "latest"),
    [
        ("2021-09-20T00:00:00Z", "2021-09-22T00:00:00Z"),  # UTC midnights: the CLI, most REST clients
        ("2021-09-19T16:00:00Z", "2021-09-21T16:00:00Z"),  # local midnights: a browser in Asia/Shanghai
        ("2021-09-20T00:00:00+08:00", "2021-09-22T23:59:59+08:00"),
    ],
)
def test_backfill_of_three_days_gives_exactly_those_days(earliest: str, latest: str) -> None:
    assert _days(earliest, latest) == [
        (
            f"2021-09-{d:02d}T00:00:00+08:00",
            f"2021-09-{d + 1:02d}T00:00:00+08:00",
            f"2021-09-{d + 1:02d}T02:00:00+08:00",
        )
        for d in (20, 21, 22)
    ]


def test_one_day_backfill() -> None:
    assert [d[0][:10] for d in _days("2021-09-21T00:00:00Z", "2021-09-21T00:00:00Z")] == ["2021-09-21"]


def test_timetable_serialises_and_infers_manual_intervals() -> None:
    from etl.timetables import LocalDayTimetable

    table = LocalDayTimetable("Asia/Shanghai", dt.timedelta(hours=2))
    again = LocalDayTimetable.deserialize(table.serialize())
    assert again == table
    interval = table.infer_manual_data_interval(run_after=pendulum.parse("2021-09-23T01:30:00+08:00"))
    assert interval.start == pendulum.parse("2021-09-22T00:00:00+08:00")
    assert interval.end == pendulum.parse("2021-09-23T00:00:00+08:00")


def test_scheduled_runs_without_catchup_start_from_the_last_day_due() -> None:
    from airflow.timetables.base import TimeRestriction

    from etl.timetables import LocalDayTimetable

    table = LocalDayTimetable("Asia/Shanghai", dt.timedelta(hours=2))
    restriction = TimeRestriction(pendulum.parse("2021-09-20T00:00:00+08:00"), None, catchup=False)
    info = table.next_dagrun_info(last_automated_data_interval=None, restriction=restriction)
    assert info is not None and info.data_interval is not None
    now = pendulum.now("Asia/Shanghai")
    assert info.run_after <= now
    assert now - info.run_after <= pendulum.duration(days=1)
    assert info.data_interval.end - info.data_interval.start == pendulum.duration(days=1)


def test_plugin_registers_the_timetable() -> None:
    from airflow import plugins_manager

    assert "etl.timetables.LocalDayTimetable" in plugins_manager.get_timetables_plugins()
