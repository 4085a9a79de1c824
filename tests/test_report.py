"""The daily report: charts, the HTML pages of the example days, a real browser, and the Airflow DAG."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from etl import charts, cli, report, tasks
from etl.settings import Settings

from .browser import launch, require_chromium
from .conftest import load_dagbag

EXAMPLE_DAYS = [dt.date(2021, 9, 20), dt.date(2021, 9, 21), dt.date(2021, 9, 22)]


# --- charts ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("top", "expected"),
    [(0, [0, 1]), (1, [0, 1]), (3, [0, 1, 2, 3]), (7, [0, 2, 4, 6, 8]), (95, [0, 25, 50, 75, 100])],
)
def test_ticks(top: float, expected: list[float]) -> None:
    assert charts.ticks(top) == expected


def test_text_width_and_clip() -> None:
    assert charts.text_width("数据", 10) == 20 and charts.text_width("ab", 10) == 12
    clipped = charts.clip("长三角三省一市发布数据要素流通试点方案", 60, 12)
    assert clipped.endswith("…") and charts.text_width(clipped, 12) <= 60


def marks(svg: str) -> list[str]:
    return re.findall(r'<rect class="mark"[^>]*><title>([^<]*)</title>', svg)


def test_charts_draw_one_mark_per_value_with_a_tooltip() -> None:
    bars = charts.hbar([("sh600000", 3), ("<b>", 1)], "stocks")
    assert marks(bars) == ["sh600000: 3", "&lt;b&gt;: 1"]  # names are escaped
    stacked = charts.columns(["00", "01", "02"], {"a": [1, 0, 2], "other": [0, 0, 1]}, "hours", highlight="02")
    assert marks(stacked) == ["00 · a: 1", "02 · a: 2", "02 · other: 1"]  # zeros draw nothing
    assert stacked.count('opacity="0.45"') == 1  # only the highlighted column stays solid
    grid = charts.heatmap(["feed"], ["title", "url"], [[1.0, 0.25]], "coverage")
    assert marks(grid) == ["feed · title: 100%", "feed · url: 25%"]


# --- the pages -------------------------------------------------------------------------------------------------


@pytest.fixture
def reports_root(examples_warehouse: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A data root of its own (reports are written into it) over the examples' warehouse."""
    root = tmp_path / "data"
    root.mkdir()
    shutil.copy(examples_warehouse / "warehouse.duckdb", root / "warehouse.duckdb")
    monkeypatch.setenv("ETL_DATA_DIR", str(root))
    return root


def charts_in(page: str) -> dict[str, int]:
    """aria-label of each chart -> its number of marks."""
    return {
        label: len(marks(svg))
        for label, svg in re.findall(r'(?s)<svg class="chart"[^>]*aria-label="([^"]*)"[^>]*>(.*?)</svg>', page)
    }


def test_reports_of_the_example_days(reports_root: Path) -> None:
    settings = Settings.from_env()
    for day in EXAMPLE_DAYS:
        report.build(settings, day)
    folder = reports_root / "reports"
    assert sorted(p.name for p in folder.glob("*.html")) == [
        "2021-09-20.html",
        "2021-09-21.html",
        "2021-09-22.html",
        "index.html",
        "latest.html",
    ]
    pages = {day: (folder / f"{day}.html").read_text(encoding="utf-8") for day in EXAMPLE_DAYS}
    assert (folder / "latest.html").read_bytes() == (folder / "2021-09-22.html").read_bytes()
    assert oct((folder / "latest.html").stat().st_mode & 0o777) == "0o644"

    tiles = {day: re.findall(r'<div class="tile"><b>([^<]*)</b>([^<]*)</div>', page) for day, page in pages.items()}
    assert tiles[EXAMPLE_DAYS[1]][:4] == [
        ("2", "articles"),
        ("2", "feeds"),
        ("1", "rejects"),
        ("0", "without a published time"),
    ]
    assert [t[0][0] for t in tiles.values()] == ["3", "2", "5"]

    # Marks: one per (hour, feed) and (day, feed); one per stock and keyword; a cell per feed row and field.
    assert charts_in(pages[EXAMPLE_DAYS[2]]) == {
        "articles per hour by feed": 5,
        "articles per day by feed": 10,
        "articles per stock": 4,
        "articles per keyword": report.TOP,
        "share of articles with each field filled": (1 + 5) * len(report.COVERAGE_FIELDS),
    }
    assert charts_in(pages[EXAMPLE_DAYS[0]])["articles per stock"] == 2  # the window ends on the day
    assert charts_in(pages[EXAMPLE_DAYS[1]])["rejects per reason"] == 1
    assert "空正文.md" in pages[EXAMPLE_DAYS[1]] and "Nothing rejected on 2021-09-22." in pages[EXAMPLE_DAYS[2]]
    assert "长三角三省一市发布数据要素流通试点方案" in pages[EXAMPLE_DAYS[0]]  # the stock table names the article
    assert "<h2>New near-duplicate clusters</h2>" in pages[EXAMPLE_DAYS[2]]
    # Self-contained: nothing to fetch.
    for page in pages.values():
        assert not re.search(r"(?i)<script|<link|src=|url\(|@import", page)
    assert '<a href="index.html">all reports</a>' in pages[EXAMPLE_DAYS[0]]
    index = (folder / "index.html").read_text(encoding="utf-8")
    assert re.findall(r'<a href="([^"]+)">', index) == ["latest.html"] + [f"{d}.html" for d in reversed(EXAMPLE_DAYS)]


def test_latest_is_the_newest_day_not_the_last_written(reports_root: Path) -> None:
    settings = Settings.from_env()
    folder = reports_root / "reports"
    report.build(settings, EXAMPLE_DAYS[2])
    latest = (folder / "latest.html").read_bytes()
    report.build(settings, EXAMPLE_DAYS[0])  # a backfill of an older day
    assert (folder / "latest.html").read_bytes() == latest
    # A day without data still gets its page, which says so.
    page = report.build(settings, dt.date(2021, 9, 23)).read_text(encoding="utf-8")
    assert "No article with a published time on 2021-09-23." in page and "Nothing rejected on 2021-09-23." in page
    assert (folder / "latest.html").read_text(encoding="utf-8") == page
    assert not [p for p in folder.iterdir() if p.name.endswith(".tmp")]


def test_etl_report(reports_root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["report", "--date", "2021-09-21"]) == 0
    assert capsys.readouterr().out.strip() == str(reports_root / "reports" / "2021-09-21.html")
    assert cli.main(["report"]) == 0  # the newest day processed: today, where the undated post was counted
    newest = Path(capsys.readouterr().out.strip())
    assert newest.read_bytes() == (reports_root / "reports" / "latest.html").read_bytes()
    page = newest.read_text(encoding="utf-8")
    assert "1 article(s) without a usable published time count on this day." in page
    assert '<div class="tile"><b>1</b>without a published time</div>' in page
    assert tasks.daily_report("2021-09-20")["path"] == str(reports_root / "reports" / "2021-09-20.html")


def test_etl_report_without_a_warehouse(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["report", "--date", "2021-09-21"]) == 1
    assert "no warehouse" in capsys.readouterr().err


def test_days_to_report(reports_root: Path) -> None:
    settings = Settings.from_env()
    nightly = SimpleNamespace(data_interval_start=dt.datetime(2021, 9, 20, 16, tzinfo=dt.UTC))  # 00:00 Shanghai
    events = [
        SimpleNamespace(extra={}, source_dag_run=nightly),
        SimpleNamespace(extra={"day": "2021-09-22"}, source_dag_run=None),
        SimpleNamespace(extra={"days": ["2021-09-20"]}, source_dag_run=None),
    ]
    assert report.days_to_report("2021-09-20", events, settings) == ["2021-09-20"]
    assert report.days_to_report(None, events, settings) == ["2021-09-20", "2021-09-21", "2021-09-22"]
    newest = report.newest_day(settings).isoformat()
    assert report.days_to_report(None, [SimpleNamespace(extra={}, source_dag_run=None)], settings) == [newest]


# --- a real browser --------------------------------------------------------------------------------------------

RENDERED = """() => Array.from(document.querySelectorAll('svg.chart')).map(svg => {
    const box = svg.getBoundingClientRect();
    const drawn = Array.from(svg.querySelectorAll('.mark')).filter(m => {
        const b = m.getBBox(); return b.width > 0 && b.height > 0;
    });
    return {label: svg.getAttribute('aria-label'), width: box.width, height: box.height, marks: drawn.length};
})"""


@pytest.mark.integration
def test_reports_render_in_headless_chromium(reports_root: Path) -> None:
    """Every chart of every example day is drawn, with no console error and no request leaving the file."""
    require_chromium()
    from playwright.sync_api import sync_playwright

    settings = Settings.from_env()
    paths = [report.build(settings, day) for day in EXAMPLE_DAYS]
    expected = {
        EXAMPLE_DAYS[0]: 5,  # no rejects that day: a sentence says so instead of a chart
        EXAMPLE_DAYS[1]: 6,
        EXAMPLE_DAYS[2]: 5,
    }
    with sync_playwright() as pw:
        browser = launch(pw)
        try:
            for day, path in zip(EXAMPLE_DAYS, paths, strict=True):
                page = browser.new_page()
                errors: list[str] = []
                requests: list[str] = []
                page.on("console", lambda m, errors=errors: errors.append(m.text) if m.type == "error" else None)
                page.on("pageerror", lambda e, errors=errors: errors.append(str(e)))
                page.on("request", lambda r, requests=requests: requests.append(r.url))
                page.goto(path.as_uri(), wait_until="load")
                drawn = page.evaluate(RENDERED)
                assert errors == [], (day, errors)
                assert requests == [path.as_uri()], requests
                assert page.title() == f"News report {day}"
                assert len(drawn) == expected[day], drawn
                for chart in drawn:
                    assert chart["width"] > 100 and chart["height"] > 20, (day, chart)
                    assert chart["marks"] > 0, (day, chart)
                page.close()
        finally:
            browser.close()


# --- the downstream DAG ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def report_dag():  # type: ignore[no-untyped-def]
    bag = load_dagbag()
    assert bag.import_errors == {}
    return bag.dags["news_report"]


def test_news_report_is_scheduled_on_the_warehouse_asset(report_dag) -> None:  # type: ignore[no-untyped-def]
    assert type(report_dag.timetable).__name__ == "AssetTriggeredTimetable"
    assert [(a.name, a.uri.rstrip("/")) for a in report_dag.timetable.asset_condition.objects] == [
        ("news_warehouse", "news-etl://warehouse")
    ]
    assert report_dag.doc_md and "write_report" in report_dag.get_task("days").downstream_task_ids


def test_news_report_dag_writes_the_report(report_dag, reports_root: Path) -> None:  # type: ignore[no-untyped-def]
    airflow = Path(sys.executable).parent / "airflow"
    migrated = subprocess.run([str(airflow), "db", "migrate"], capture_output=True, text=True, env=os.environ)
    assert migrated.returncode == 0, migrated.stderr[-2000:]
    run = report_dag.test(run_conf={"day": "2021-09-21"})
    assert run.state == "success"
    page = (reports_root / "reports" / "2021-09-21.html").read_text(encoding="utf-8")
    assert "<title>News report 2021-09-21</title>" in page
    assert (reports_root / "reports" / "latest.html").read_text(encoding="utf-8") == page
