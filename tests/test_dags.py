"""The DAG folder imports cleanly and wires the stages."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from .conftest import ROOT


@pytest.fixture(scope="module")
def dagbag(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    home = tmp_path_factory.mktemp("airflow_home")
    os.environ.setdefault("AIRFLOW_HOME", str(home))
    os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
    os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(ROOT / "dags")
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(ROOT / "dags"))


def test_no_import_errors(dagbag) -> None:  # type: ignore[no-untyped-def]
    assert dagbag.import_errors == {}
    assert "news_nightly" in dagbag.dag_ids


def test_news_nightly_wiring(dagbag) -> None:  # type: ignore[no-untyped-def]
    dag = dagbag.dags["news_nightly"]
    assert {t.task_id for t in dag.tasks} >= {"sources", "run_source", "refresh_warehouse"}
    assert dag.doc_md
    assert "refresh_warehouse" in dag.get_task("run_source").downstream_task_ids


def test_dag_files_stay_thin() -> None:
    # Heavy libraries are imported inside tasks, so parsing the DAG folder stays fast.
    for path in Path(ROOT / "dags").glob("*.py"):
        head = path.read_text(encoding="utf-8").split("@dag", 1)[0]
        for heavy in ("import pandas", "import pyarrow", "import duckdb", "from etl", "import etl", "bs4"):
            assert heavy not in head, f"{path.name} imports {heavy} at module level"
