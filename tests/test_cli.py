from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from etl import cli

from .conftest import FIXTURES, ROOT

ETL = str(Path(sys.executable).parent / "etl")


def lines(out: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in out.splitlines()]


def test_extract_prints_json_lines_with_the_schema_fields(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["extract", "--kind", "post", str(FIXTURES / "sina_post.md")]) == 0
    (rec,) = lines(capsys.readouterr().out)
    assert rec["path"] == str(FIXTURES / "sina_post.md")
    assert rec["published_at"] == "2021-09-22T13:01:34Z"
    for field in (
        "article_id",
        "title",
        "outlet",
        "reporters",
        "editor",
        "proofreader",
        "stock_codes",
        "images",
        "head_image",
        "body_text",
        "keywords",
        "language",
        "char_count",
        "content_hash",
        "categories",
    ):
        assert field in rec


def test_extract_goes_on_after_a_reject_and_exits_3(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = tmp_path / "broken.md"
    broken.write_bytes(b"\n---\ntitle: [x\n---\n<p>x</p>")
    missing = tmp_path / "missing.md"
    code = cli.main(["extract", str(broken), str(FIXTURES / "sina_post.md"), str(missing)])
    assert code == 3
    out = lines(capsys.readouterr().out)
    assert [o["path"] for o in out] == [str(broken), str(FIXTURES / "sina_post.md"), str(missing)]
    assert str(out[0]["error"]).startswith("broken YAML front matter")
    assert "error" not in out[1]
    assert "No such file" in str(out[2]["error"])


def test_extract_page(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    page = tmp_path / "page.html"
    page.write_text(
        "<html><head><title>Site</title><meta property='og:title' content='页面标题'>"
        "<meta property='article:published_time' content='2021-09-22T21:01:34+08:00'></head>"
        "<body><nav><a href='/'>首页</a></nav><div class='content'>"
        + "".join(f"<p>第{i}段，正文内容足够长，可以被识别为文章主体，包含逗号，以及更多文字。</p>" for i in range(5))
        + "</div><footer>版权所有</footer></body></html>",
        encoding="utf-8",
    )
    assert cli.main(["extract", "--kind", "page", "--url", "https://e.x/a.html", str(page)]) == 0
    (rec,) = lines(capsys.readouterr().out)
    assert rec["title"] == "页面标题" and rec["url"] == "https://e.x/a.html"
    assert rec["published_at"] == "2021-09-22T13:01:34Z"
    assert str(rec["body_text"]).count("\n") == 4 and "版权所有" not in str(rec["body_text"])


@pytest.mark.parametrize(
    "argv",
    [
        ["extract"],
        ["run"],
        ["run", "--date", "2021-02-30"],
        ["nonsense"],
        ["extract", "--url", "u", "a", "b"],
        ["run", "--from", "2021-09-22", "--to", "2021-09-20"],
        ["query"],
    ],
)
def test_usage_errors_exit_2(argv: list[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        code = cli.main(argv)
        raise SystemExit(code)
    assert exc.value.code == 2


def test_installed_entry_point_and_query(tmp_path: Path) -> None:
    env = {"ETL_DATA_DIR": str(tmp_path / "data"), "PATH": str(Path(sys.executable).parent)}
    done = subprocess.run([ETL, "run", "--date", "2021-09-21"], env=env, capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    shown = subprocess.run(
        [ETL, "query", "select count(*) as n from articles"], env=env, capture_output=True, text=True
    )
    assert shown.returncode == 0 and shown.stdout.splitlines()[2].strip() == "2"
    denied = subprocess.run([ETL, "query", "create table t(x int)"], env=env, capture_output=True, text=True)
    assert denied.returncode == 1 and "read-only" in denied.stderr
    param = subprocess.run(
        [ETL, "query", "select $n::int + 1 as m", "--param", "n=41", "--format", "json"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert json.loads(param.stdout) == {"m": 42}
