from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
DAGS = ROOT / "dags"


def load_dagbag() -> Any:
    """The project's DAG folder parsed in-process, as the DAG processor parses it."""
    os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
    os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(DAGS)
    # Airflow puts the DAG bundle's folder on sys.path (so `from news_assets import ...` works); so do we.
    if str(DAGS) not in sys.path:
        sys.path.append(str(DAGS))
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(DAGS))


FIXTURES = Path(__file__).resolve().parent / "fixtures"
SHARED = ROOT.parent / "shared"

# Airflow reads its home at import: keep it out of the user's ~/airflow.
os.environ.setdefault("AIRFLOW_HOME", tempfile.mkdtemp(prefix="airflow-home-"))


def shared(path: str) -> Path:
    """A path under ../shared; the test skips where that material is absent."""
    target = SHARED / path
    if not target.exists():
        pytest.skip(f"{target} is absent")
    return target


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh data root, selected through the environment as users do."""
    root = tmp_path / "data"
    monkeypatch.setenv("ETL_DATA_DIR", str(root))
    monkeypatch.delenv("ETL_CONFIG", raising=False)
    return root


@pytest.fixture
def examples_config(tmp_path: Path) -> Iterator[Path]:
    """A sources file reading a private copy of examples/, so tests may change it."""
    copy = tmp_path / "examples"
    shutil.copytree(ROOT / "examples", copy)
    cfg = tmp_path / "sources.yml"
    cfg.write_text(f"sources:\n  - name: examples\n    kind: hexo\n    path: {copy}\n", encoding="utf-8")
    yield cfg


@pytest.fixture(scope="session")
def examples_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data root with examples/ run for its days and today, built once and only read by the analyst tests."""
    from etl import cli

    root = tmp_path_factory.mktemp("examples") / "data"
    with pytest.MonkeyPatch.context() as env:
        env.setenv("ETL_DATA_DIR", str(root))
        env.delenv("ETL_CONFIG", raising=False)
        assert cli.main(["run", "--from", "2021-09-20", "--to", "2021-09-22", "--date", "today"]) == 0
    return root
