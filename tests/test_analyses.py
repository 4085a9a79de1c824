"""The analyst's SQL library: every sql/*.sql file runs on the examples and gives their real values."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import pytest

from etl import cli, lake, report, sqlfiles, warehouse
from etl.dates import local_day
from etl.settings import Settings

from .conftest import ROOT

Rows = list[dict[str, Any]]
LIBRARY = sorted(p.stem for p in (ROOT / "sql").glob("*.sql"))
SINA = "新浪财经/新浪财经－国內"
DATA = "长三角三省一市发布数据要素流通试点方案"
LIQUOR = "白酒板块午后走强 龙头股成交放量"


def require_near_duplicates() -> None:
    if not (ROOT / "sql" / "warehouse" / "06_near_duplicates.sql").exists():
        pytest.skip("sql/warehouse/06_near_duplicates.sql (issue 3) is not in this tree yet: no near_duplicates view")


@pytest.fixture
def analyst(examples_warehouse: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ETL_DATA_DIR", str(examples_warehouse))
    return examples_warehouse


def run_file(name: str, **given: Any) -> Rows:
    sql = sqlfiles.load(name)
    columns, rows = warehouse.query(Settings.from_env(), sql, sqlfiles.bind(sql, given, {"tz": "Asia/Shanghai"}))
    return [dict(zip(columns, row, strict=True)) for row in rows]


def pick(rows: Rows, *keys: str) -> list[tuple[Any, ...]]:
    return [tuple(r[k] for k in keys) for r in rows]


def today() -> dt.date:
    return local_day(dt.datetime.now(dt.UTC), "Asia/Shanghai")


# --- one check per file, on the examples ---------------------------------------------------------------------


def check_articles_per_day() -> None:
    rows = run_file("articles_per_day", to=dt.date(2021, 9, 22), days=3)
    per_day: dict[dt.date, int] = {}
    for r in rows:
        per_day[r["dt"]] = per_day.get(r["dt"], 0) + r["articles"]
    assert per_day == {dt.date(2021, 9, 20): 3, dt.date(2021, 9, 21): 2, dt.date(2021, 9, 22): 5}
    # 01:30 on the 22nd in Shanghai is the 21st in UTC: the article counts on the local day.
    assert (dt.date(2021, 9, 22), "财联社/深度", 1, 0.2) in pick(rows, "dt", "feed", "articles", "share_of_day")
    # Default window: 30 days to the newest day processed, today, where the undated post was counted.
    assert pick(run_file("articles_per_day"), "dt", "feed", "articles", "dated_by_landing") == [
        (today(), "IT 之家/热榜", 1, 1)
    ]


def check_articles_per_hour() -> None:
    rows = run_file("articles_per_hour", to=dt.date(2021, 9, 20))
    assert pick(rows, "hour", "feed", "articles") == [(10, SINA, 1), (14, "财联社/电报", 1), (23, "9To5/9To5 分站", 1)]
    utc = run_file("articles_per_hour", to=dt.date(2021, 9, 20), tz="UTC")
    assert [r["hour"] for r in utc] == [2, 6, 15]
    assert pick(run_file("articles_per_hour"), "hour", "feed") == [(None, "IT 之家/热榜")]


def check_top_stocks() -> None:
    rows = run_file("top_stocks", to=dt.date(2021, 9, 22))
    assert pick(rows, "rank", "stock_code", "articles", "feeds", "titles") == [
        (1, "sh600519", 1, ["证券时报网/要闻"], [LIQUOR]),
        (2, "sz000858", 1, ["证券时报网/要闻"], [LIQUOR]),
        (3, "sh600000", 1, [SINA], [DATA]),
        (4, "sz000001", 1, [SINA], [DATA]),
    ]
    assert [r["stock_code"] for r in run_file("top_stocks", to=dt.date(2021, 9, 20), days=1, limit=1)] == ["sh600000"]
    assert run_file("top_stocks", to=dt.date(2021, 9, 22), days=1) == []


def check_top_keywords() -> None:
    rows = run_file("top_keywords", to=dt.date(2021, 9, 22), days=3, limit=1000)
    by_keyword = {r["keyword"]: r for r in rows}
    assert pick([by_keyword["五粮液"]], "articles", "share", "feeds", "titles") == [(1, 0.1, 1, [LIQUOR])]
    assert "apple" in by_keyword  # lower-cased
    # '22' is a keyword of three articles, but a date is not a topic.
    assert not [k for k in by_keyword if re.fullmatch(r"[0-9.,%]+", k)]
    keywords = {
        k.lower()
        for (ks,) in warehouse.query(Settings.from_env(), "select keywords from articles where dt < '2021-09-23'")[1]
        for k in ks
    }
    assert len(rows) == len({k for k in keywords if not re.fullmatch(r"[0-9.,%]+", k)})
    assert [r["rank"] for r in rows] == list(range(1, len(rows) + 1))


def check_rising_keywords() -> None:
    # No keyword is in two articles of the example week, and nothing came before it.
    assert run_file("rising_keywords", to=dt.date(2021, 9, 22)) == []
    rows = run_file("rising_keywords", to=dt.date(2021, 9, 22), min_articles=1, limit=1000)
    assert "五粮液" in {r["keyword"] for r in rows}
    assert {(r["this_week"], r["last_four_weeks"], r["expected"], r["lift"], r["new"]) for r in rows} == {
        (1, 0, 0.0, 2.0, True)
    }


def check_reporters() -> None:
    rows = run_file("reporters", to=dt.date(2021, 9, 22))
    assert sorted(pick(rows, "reporter", "articles", "outlets", "feeds", "latest_title")) == [
        ("宋佳宁", 1, ["经济参考报"], [SINA], "多地出台措施稳定中秋节日消费"),
        ("曹一鸣", 1, ["经济参考报"], [SINA], "多地出台措施稳定中秋节日消费"),
        ("林若溪", 1, ["澎湃新闻"], [SINA], DATA),
        ("程一帆", 1, ["证券时报"], [SINA], "证监会：进一步规范 私募基金管理人登记"),
        ("许晨阳", 1, ["中证网"], ["中证网/资讯"], "银保监会：推动保险资金加大科技创新支持力度"),
    ]
    assert [r["reporter"] for r in run_file("reporters", to=dt.date(2021, 9, 20), days=1)] == ["林若溪"]


def check_outlets() -> None:
    rows = run_file("outlets", to=dt.date(2021, 9, 22))
    assert sorted(pick(rows, "outlet", "articles", "reporters", "feeds")) == [
        ("中证网", 1, ["许晨阳"], ["中证网/资讯"]),
        ("每日经济新闻", 1, [], ["每经网/分类"]),
        ("澎湃新闻", 1, ["林若溪"], [SINA]),
        ("经济参考报", 1, ["宋佳宁", "曹一鸣"], [SINA]),
        ("证券时报", 1, ["程一帆"], [SINA]),
        ("证券时报e公司", 1, [], ["证券时报网/要闻"]),
        ("财联社", 2, [], ["财联社/深度", "财联社/电报"]),
    ]


def check_near_duplicate_stories() -> None:
    require_near_duplicates()
    # The examples hold one story twice, but as one article (same title and time): no cluster of articles.
    assert run_file("near_duplicate_stories", to=dt.date(2021, 9, 22), days=30, min_feeds=1) == []


def check_extraction_coverage() -> None:
    rows = {r["feed"]: r for r in run_file("extraction_coverage", to=dt.date(2021, 9, 22), days=3)}
    total = rows[None]
    assert total["source"] == "examples" and total["articles"] == 10
    assert pick([total], "title", "published_at", "reporters", "stock_codes", "proofreader", "dateline", "url") == [
        (1.0, 1.0, 0.4, 0.2, 0.1, 0.1, 0.0)
    ]
    assert pick([rows["财联社/深度"]], "articles", "editor", "dateline", "reporters") == [(1, 1.0, 1.0, 0.0)]
    assert pick([rows[SINA]], "articles", "reporters", "editor", "proofreader") == [(3, 1.0, 1.0, 0.3333)]
    assert set(rows) == {None, SINA, "财联社/深度", "财联社/电报", "证券时报网/要闻", "中证网/资讯", "每经网/分类"} | {
        "9To5/9To5 分站",
        "示例博客/Essays",
    }


def check_rejects_by_reason() -> None:
    rows = run_file("rejects_by_reason", to=dt.date(2021, 9, 21), days=1)
    assert pick(rows, "reason", "stage", "rejects", "days") == [("empty body", "extract", 1, 1)]
    assert rows[0]["item"].endswith("空正文.md")
    assert {r["reason"] for r in run_file("rejects_by_reason")} == {
        "binary content, not text",
        "broken YAML front matter",
        "unparseable date",
        "wrong encoding",
    }


def check_search() -> None:
    rows = run_file("search", tokens=["私募", "基金"], query="私募基金")
    assert [r["title"] for r in rows] == [
        "证监会：进一步规范 私募基金管理人登记",
        "银保监会：推动保险资金加大科技创新支持力度",
    ]
    assert rows[0]["matched"] == ["基金", "私募"] and "私募基金管理人" in rows[0]["snippet"]
    assert rows[0]["score"] > rows[1]["score"] > 0
    assert run_file("search", tokens=["私募", "基金"], to=dt.date(2021, 9, 21)) == []


def check_summary() -> None:
    rows = run_file("summary")
    assert pick(rows, "dt", "status", "articles", "rejects") == [
        (dt.date(2021, 9, 20), "success", 3, 0),
        (dt.date(2021, 9, 21), "success", 2, 1),
        (dt.date(2021, 9, 22), "success", 5, 0),
        (today(), "success", 1, 4),
    ]


CHECKS: dict[str, Callable[[], None]] = {
    name.removeprefix("check_"): fn for name, fn in globals().items() if name.startswith("check_")
}


def test_every_sql_file_has_a_check() -> None:
    assert sorted(CHECKS) == LIBRARY


@pytest.mark.parametrize("name", LIBRARY)
def test_sql_file_on_the_examples(name: str, analyst: Path) -> None:
    CHECKS[name]()


def declared_columns(sql: str) -> list[str]:
    block = sql.split("-- columns:\n", 1)[1].split("\n")
    return [m.group(1) for line in block if (m := re.match(r"--   (\w+) ", line))]


@pytest.mark.parametrize("name", LIBRARY)
def test_header_documents_the_file(name: str, analyst: Path) -> None:
    """What it answers, its parameters and their defaults, and exactly the columns it returns, in order."""
    if name == "near_duplicate_stories":
        require_near_duplicates()
    sql = sqlfiles.load(name)
    assert sql.startswith("-- ") and "-- columns:\n" in sql
    declared = sqlfiles.params(sql)
    body = "\n".join(line for line in sql.splitlines() if not line.startswith("--"))
    assert set(re.findall(r"\$(\w+)", body)) == set(declared)
    required = {k: ["x"] if p.type == "varchar[]" else "x" for k, p in declared.items() if p.default is None}
    con = warehouse.connect_read_only(Settings.from_env())
    try:
        cursor = con.execute(sql, sqlfiles.bind(sql, required))
        assert [d[0] for d in cursor.description] == declared_columns(sql)
    finally:
        con.close()


def test_dbt_style(analyst: Path) -> None:
    for path in [*(ROOT / "sql").glob("*.sql"), *(ROOT / "sql" / "warehouse").glob("1*.sql")]:
        body = "\n".join(line for line in path.read_text(encoding="utf-8").splitlines() if not line.startswith("--"))
        code = re.sub(r"'[^']*'", "", body)  # string literals may hold any case
        assert code == code.lower(), path
        if path.stem != "summary":
            assert "final as (" in body and "select * from final" in body, path


# --- parameters ------------------------------------------------------------------------------------------------

HEADER = """-- t: a test.
-- params:
--   $to     date       = null     the last day;
--                                 null: the newest
--   $days   integer    = 7        days
--   $tz     varchar    = 'Asia/Shanghai'  zone
--   $codes  varchar[]             required: the codes
--   $on     boolean    = false    a switch
-- columns:
--   x  integer  x
select 1 as x
"""


@pytest.mark.parametrize(
    ("given", "defaults", "expected"),
    [
        (
            {"codes": "a, b"},
            None,
            {"to": None, "days": 7, "tz": "Asia/Shanghai", "codes": ["a", "b"], "on": False},
        ),
        (
            {"codes": ["x"], "to": "2021-09-22", "days": "3", "on": "TRUE", "tz": "UTC"},
            {"tz": "Europe/Paris"},
            {"to": dt.date(2021, 9, 22), "days": 3, "tz": "UTC", "codes": ["x"], "on": True},
        ),
        ({"codes": "a", "to": "null"}, {"tz": "Europe/Paris"}, {"to": None, "days": 7, "tz": "Europe/Paris"}),
    ],
)
def test_bind_types_and_defaults(
    given: dict[str, Any], defaults: dict[str, Any] | None, expected: dict[str, Any]
) -> None:
    bound = sqlfiles.bind(HEADER, given, defaults)
    assert {k: bound[k] for k in expected} == expected


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({}, "missing required parameter: --param codes=<varchar[]> (required: the codes)"),
        ({"codes": "a", "day": "2021-09-22"}, "unknown parameter day; this SQL takes codes, days, on, to, tz"),
        ({"codes": "a", "days": "seven"}, "$days takes a integer, got 'seven'"),
        ({"codes": "a", "to": "2021-02-30"}, "$to takes a date, got '2021-02-30'"),
        ({"codes": "a", "on": "maybe"}, "$on takes a boolean, got 'maybe'"),
    ],
)
def test_bind_errors_say_what_is_wrong(given: dict[str, Any], message: str) -> None:
    with pytest.raises(sqlfiles.ParamError) as exc:
        sqlfiles.bind(HEADER, given)
    assert str(exc.value) == message


def test_sql_without_a_header_binds_as_given() -> None:
    assert sqlfiles.bind("select $n::int", {"n": "41"}) == {"n": "41"}
    assert sqlfiles.params("select 1") == {}


def test_etl_query_file_with_defaults_and_params(analyst: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["query", "--file", "sql/top_stocks.sql", "--param", "to=2021-09-22", "--param", "limit=2"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split(" | ")[:2] == ["rank", "stock_code"]
    assert [line.split(" | ")[1].strip() for line in out[2:4]] == ["sh600519", "sz000858"] and out[4] == "(2 rows)"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--file", "sql/search.sql"], "sql/search.sql: missing required parameter: --param tokens=<varchar[]>"),
        (["--file", "sql/top_stocks.sql", "--param", "days=x"], "sql/top_stocks.sql: $days takes a integer"),
        (["--file", "sql/top_stocks.sql", "--param", "day=1"], "unknown parameter day; this SQL takes days, limit, to"),
        (["--file", "sql/nope.sql"], "No such file"),
    ],
)
def test_etl_query_param_errors_exit_2(
    argv: list[str], message: str, analyst: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["query", *argv]) == 2
    assert message in capsys.readouterr().err


# --- the logic that the examples cannot show -----------------------------------------------------------------


def test_rising_keywords_lift_against_the_four_weeks_before(data_dir: Path) -> None:
    """This week 10 articles, the four weeks before 40: a keyword's expected count scales with the volume."""
    settings = Settings.from_env()
    end = dt.date(2021, 10, 31)
    weeks: dict[dt.date, list[list[str]]] = {
        end: [["芯片"]] * 5 + [["中秋"]] * 2 + [["新词"]] * 3,  # this week
        end - dt.timedelta(days=10): [["芯片"]] * 4 + [["中秋"]] * 8 + [["其他"]] * 28,  # the four weeks before
        end - dt.timedelta(days=40): [["芯片"]] * 50,  # before the baseline: ignored
    }
    for day, keyword_lists in weeks.items():
        rows = [
            {
                "article_id": f"{day}-{i}",
                "source": "s",
                "fetched_at": dt.datetime(2021, 11, 1, tzinfo=dt.UTC),
                "keywords": keywords,
            }
            for i, keywords in enumerate(keyword_lists)
        ]
        lake.write_partition(settings.lake_dir, "articles", day, "s", rows)
    warehouse.refresh(settings)
    rows = run_file("rising_keywords", to=end)
    assert pick(rows, "rank", "keyword", "this_week", "last_four_weeks", "expected", "lift", "new") == [
        (1, "新词", 3, 0, 0.0, 4.0, True),  # (3 + 1) / (0 + 1)
        (2, "芯片", 5, 4, 1.0, 3.0, False),  # 4 * 10 / 40 = 1 expected
        (3, "中秋", 2, 8, 2.0, 1.0, False),  # as many as expected
    ]


def stand_in_warehouse(con: duckdb.DuckDBPyConnection, lake_dir: Path) -> None:
    """Tables to the interface of the near_duplicates table (conventions.md), and a runs partition of 2021-09-22."""
    runs = lake_dir / "runs" / "dt=2021-09-22" / "source=s" / "data.parquet"
    runs.parent.mkdir(parents=True)
    runs.touch()  # analysis_window reads the newest day off the partitions' paths
    window = sqlfiles.load("warehouse/12_analysis_window")
    con.execute(window.replace("{runs_glob}", "'" + str(lake_dir / "runs" / warehouse.PARTITION_FILES) + "'"))
    con.execute(
        "create table near_duplicates (cluster_id varchar, article_id varchar, source varchar, feed varchar, "
        "title varchar, published_at timestamptz, dt date, jaccard double)"
    )
    con.execute(
        """insert into near_duplicates values
        ('a1', 'a1', 's', 'sina', '央行开展逆回购', '2021-09-22 01:00:00+00', '2021-09-22', 1.0),
        ('a1', 'a9', 's', 'cls',  '央行今日开展逆回购', '2021-09-22 02:00:00+00', '2021-09-22', 0.93),
        ('a1', 'a7', 't', 'nbd',  '央行逆回购', '2021-09-22 03:00:00+00', '2021-09-22', 0.91),
        ('b1', 'b1', 's', 'sina', '同一来源重发', '2021-09-22 04:00:00+00', '2021-09-22', 1.0),
        ('b1', 'b2', 's', 'sina', '同一来源重发（更新）', '2021-09-22 05:00:00+00', '2021-09-22', 0.95),
        ('c1', 'c2', 's', 'sina', '旧故事的转载', '2021-09-21 05:00:00+00', '2021-09-21', 0.92),
        ('c1', 'c1', 's', 'cls',  '旧故事', '2021-09-01 05:00:00+00', '2021-09-01', 1.0)"""
    )


def test_near_duplicate_stories_on_the_views_interface(tmp_path: Path) -> None:
    sql = sqlfiles.load("near_duplicate_stories")
    con = duckdb.connect()
    try:
        stand_in_warehouse(con, tmp_path / "lake")

        def run(**given: Any) -> list[tuple[Any, ...]]:
            cursor = con.execute(sql, sqlfiles.bind(sql, given))
            columns = [d[0] for d in cursor.description]
            rows = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
            return pick(rows, "cluster_id", "first_dt", "title", "articles", "feeds", "feed_list", "min_jaccard")

        across_feeds = ("a1", dt.date(2021, 9, 22), "央行开展逆回购", 3, 3, ["cls", "nbd", "sina"], 0.91)
        assert run() == [across_feeds]
        assert run(min_feeds=1) == [across_feeds, ("b1", dt.date(2021, 9, 22), "同一来源重发", 2, 1, ["sina"], 0.95)]
        # A cluster is new on the day of its first article, not when it grows.
        assert run(days=30)[-1] == ("c1", dt.date(2021, 9, 1), "旧故事", 2, 2, ["cls", "sina"], 0.92)
    finally:
        con.close()


REPOST = """
---
title: '央行今日开展1200亿元逆回购操作 维护季末流动性'
categories:
 - 金融
 - 财联社
 - 电报
author: 财联社
date: Wed, 22 Sep 2021 02:40:00 GMT
---

<div>
<p>每经编辑 王一凡</p>
<p>9月22日，央行公告称，为维护季末流动性平稳，以利率招标方式开展了1200亿元7天期和14天期逆回购操作。</p>
<p>有市场人士表示，临近季末，央行加大公开市场投放力度，释放了呵护流动性的信号。</p>
<p>每日经济新闻综合央行网站</p>
</div>
"""


def test_near_duplicate_stories_in_the_warehouse(data_dir: Path, examples_config: Path) -> None:
    """Issue 3's near_duplicates view, from the warehouse refresh: the story reposted by another feed is found."""
    require_near_duplicates()
    post = (
        examples_config.parent / "examples" / "source" / "_posts" / "金融" / "财联社" / "电报" / "央行今日开展逆回购.md"
    )
    post.write_text(REPOST, encoding="utf-8")
    assert cli.main(["run", "--config", str(examples_config), "--date", "2021-09-22"]) == 0
    rows = run_file("near_duplicate_stories", to=dt.date(2021, 9, 22), days=1)
    assert pick(rows, "first_dt", "articles", "feeds", "feed_list") == [
        (dt.date(2021, 9, 22), 2, 2, ["每经网/分类", "财联社/电报"])
    ]
    assert sorted(rows[0]["titles"]) == sorted(
        ["央行开展1200亿元逆回购操作", "央行今日开展1200亿元逆回购操作 维护季末流动性"]
    )
    assert rows[0]["min_jaccard"] >= 0.9
    page = report.build(Settings.from_env(), dt.date(2021, 9, 22)).read_text(encoding="utf-8")
    assert '<div class="tile"><b>1</b>new duplicate clusters</div>' in page
    assert re.search(r"New near-duplicate clusters</h2>\n<table>.*每经网/分类, 财联社/电报", page)


def test_warehouse_opens_in_duckdb_1_5_clis(analyst: Path) -> None:
    """`pip install duckdb-cli` gives DuckDB 1.5, which cannot read the 2.0 storage format: the file is written in 1.5's."""
    con = warehouse.connect_read_only(Settings.from_env())
    try:
        tags = con.execute("select tags from duckdb_databases() where database_name = 'warehouse'").fetchall()
    finally:
        con.close()
    assert tags == [({"storage_version": "v1.5.0+"},)]
