"""Search: the tokeniser, the token tables written with the articles, and BM25 ranking on the examples."""

from __future__ import annotations

import datetime as dt
import json
import unicodedata
from pathlib import Path
from typing import Any

import duckdb
import pytest

from etl import cli, search
from etl.settings import Settings
from etl.text import ENGLISH_STOPWORDS

from .conftest import shared


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # jieba's words, and the bigrams of a long word so that a part of it matches.
        ("数字化转型", ["数字化", "数字", "字化", "转型"]),
        # A name jieba does not know falls apart into characters: bigrams keep it findable.
        ("记者林若溪", ["记者", "者林", "林若", "若溪"]),
        # A single character beside a word: the bigram across them keeps the compound.
        ("逆回购", ["逆回", "回购"]),
        ("Apple Watch Series 7 preorders", ["apple", "watch", "series", "7", "preorders"]),
        ("The best of the tools", ["best", "tools"]),  # English stop words go
        ("ＧＤＰ增长５.３%", ["gdp", "增长", "5.3"]),  # full-width folded, case folded
        ("", []),
        (None, []),
        ("，。！", []),
    ],
)
def test_tokenize(text: str | None, expected: list[str]) -> None:
    assert search.tokenize(text) == expected


def test_query_and_document_agree_on_a_compound() -> None:
    # The query is cut alone, the document in context, and they still share tokens.
    assert set(search.tokenize("数据要素")) <= set(search.tokenize("长三角三省一市联合发布数据要素流通试点方案"))
    assert set(search.tokenize("统计局")) & set(search.tokenize("国家统计局数据显示"))


def test_each_query_term_weighs_one() -> None:
    weights = search.query_weights("新能源汽车 芯片")
    assert weights == pytest.approx({"新能源": 1 / 3, "新能": 1 / 3, "能源": 1 / 3, "汽车": 1, "芯片": 1})
    assert search.query_weights("the") == {}


def test_index_counts_title_and_body() -> None:
    record = {
        "article_id": "a",
        "source": "s",
        "item_key": "k",
        "title": "白酒板块走强",
        "body_text": "白酒板块午后走强，白酒",
    }
    token_table, doc_table = search.index_tables([record])
    tokens, (doc,) = token_table.to_pylist(), doc_table.to_pylist()
    by_token = {r["token"]: (r["tf"], r["title_tf"]) for r in tokens}
    assert by_token["白酒"] == (2, 1) and by_token["午后"] == (1, 0)
    assert doc == {"article_id": "a", "source": "s", "item_key": "k", "length": sum(sum(v) for v in by_token.values())}
    assert all(r["article_id"] == "a" and r["item_key"] == "k" for r in tokens)


@pytest.fixture
def analyst(examples_warehouse: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ETL_DATA_DIR", str(examples_warehouse))
    return examples_warehouse


def titles(query: str, **kwargs: Any) -> list[str]:
    columns, rows = search.search(Settings.from_env(), query, **kwargs)
    return [row[columns.index("title")] for row in rows]


@pytest.mark.parametrize(
    ("query", "first"),
    [
        ("数据要素", "长三角三省一市发布数据要素流通试点方案"),
        ("私募基金", "证监会：进一步规范 私募基金管理人登记"),
        ("逆回购", "央行开展1200亿元逆回购操作"),
        ("林若溪", "长三角三省一市发布数据要素流通试点方案"),  # a reporter's name, in no dictionary
        ("统计局", "国家统计局：8月规模以上工业增加值同比增长5.3%"),  # part of a word
        ("芯片 交付", "新能源车企三季度交付前瞻：芯片仍是最大变量"),
        ("Apple Watch", "Apple Watch Series 7 preorders slip to October in several regions"),
        ("small tools", "Notes on Writing Small Tools"),
        ("跨设备协同", "某国产手机品牌发布新系统 支持跨设备协同"),
    ],
)
def test_expected_example_article_comes_first(query: str, first: str, analyst: Path) -> None:
    assert titles(query)[0] == first


def test_ranking_and_window(analyst: Path) -> None:
    # In its title and its body beats in the body only.
    assert titles("私募基金") == ["证监会：进一步规范 私募基金管理人登记", "银保监会：推动保险资金加大科技创新支持力度"]
    assert titles("私募基金", end=dt.date(2021, 9, 21)) == []
    assert titles("私募基金", start=dt.date(2021, 9, 22), end=dt.date(2021, 9, 22), limit=1) == [
        "证监会：进一步规范 私募基金管理人登记"
    ]
    assert titles("数字化转型") == []  # no example article is about it


def test_only_the_latest_version_is_searched(analyst: Path) -> None:
    """The example story in two archive layouts is two versions in one partition and one article."""
    lake = analyst / "lake" / "token_docs" / "*" / "*" / "*.parquet"
    versions = duckdb.sql(f"select count(*) from read_parquet('{lake}')").fetchall()
    searched = duckdb.connect(str(analyst / "warehouse.duckdb"), read_only=True)
    try:
        assert versions == [(12,)]
        assert searched.execute("select count(*), count(distinct article_id) from token_docs").fetchall() == [(11, 11)]
    finally:
        searched.close()
    assert titles("数据要素").count("长三角三省一市发布数据要素流通试点方案") == 1


def test_etl_search_cli(analyst: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["search", "私募基金", "--format", "json"]) == 0
    first, second = (json.loads(line) for line in capsys.readouterr().out.splitlines())
    assert (first["rank"], first["title"], first["dt"]) == (1, "证监会：进一步规范 私募基金管理人登记", "2021-09-22")
    assert first["matched"] == ["基金", "私募"] and "私募基金管理人" in first["snippet"]
    assert second["rank"] == 2 and second["score"] < first["score"]
    assert cli.main(["search", "逆回购", "--from", "2021-09-22", "--to", "2021-09-22"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert [c.strip() for c in out[0].split(" | ")[:3]] == [
        "rank",
        "score",
        "dt",
    ] and "央行开展1200亿元逆回购操作" in out[2]
    assert cli.main(["search", "the", "of"]) == 2
    assert "nothing to search for" in capsys.readouterr().err
    assert cli.main(["search", "x", "--from", "2021-09-22", "--to", "2021-09-20"]) == 2


def test_token_partitions_are_replaced_with_the_articles(data_dir: Path, examples_config: Path) -> None:
    for _ in range(2):
        assert cli.main(["run", "--config", str(examples_config), "--date", "2021-09-20"]) == 0
        files = sorted(p.relative_to(data_dir) for p in (data_dir / "lake").glob("token*/*/*/*.parquet"))
        assert [str(f) for f in files] == [
            "lake/token_docs/dt=2021-09-20/source=examples/data.parquet",
            "lake/tokens/dt=2021-09-20/source=examples/data.parquet",
        ]
        assert titles("数据要素") == [
            "长三角三省一市发布数据要素流通试点方案",
            "国家统计局：8月规模以上工业增加值同比增长5.3%",
        ]


def test_corpus_digital_transformation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """On the real posts, the two articles about 数字化转型 (it is in their titles) come first."""
    posts = shared("corpus/posts")
    cfg = tmp_path / "sources.yml"
    cfg.write_text(f"sources:\n  - name: corpus\n    kind: hexo\n    path: {posts}\n", encoding="utf-8")
    monkeypatch.setenv("ETL_DATA_DIR", str(tmp_path / "data"))
    assert cli.main(["fetch", "--config", str(cfg)]) == 0
    landings = tmp_path / "data" / "landing" / "source=corpus" / "*.parquet"
    days = duckdb.sql(
        "select distinct cast(timezone('Asia/Shanghai', coalesce(published_at, fetched_at)) as date) "
        f"from read_parquet('{landings}')"
    ).fetchall()
    argv = ["run", "--config", str(cfg), "--no-fetch"] + [a for (d,) in days for a in ("--date", d.isoformat())]
    assert cli.main(argv) == 0
    found = titles("数字化转型")
    assert len(found) > 2
    assert all("数字化转型" in t for t in found[:2]), found[:3]
    # Each query term weighs one: the article about car chips beats those saying 新能源 often.
    assert "汽车芯片" in titles("新能源汽车 芯片")[0]


@pytest.mark.parametrize(
    "text",
    [
        "长三角三省一市联合发布数据要素流通试点方案，ＧＤＰ增长５.３%。记者林若溪 北京报道",
        "逆回购 Apple Watch 7 的 了 是\n\n新能源汽车、芯片（半导体）！",
        "㐀中国豈更兀 ﬁ² ㎡ 一 a 1",
    ],
)
def test_tokens_as_if_each_run_were_cut_alone(text: str) -> None:
    # tokenize cuts all the runs in one call and skips NFKC where a quick check allows, for speed: the tokens are
    # those of each run cut alone in the NFKC text, in order.
    segment = search._segmenter()
    expected: list[str] = []
    for han, word in search._PIECES.findall(unicodedata.normalize("NFKC", text).lower()):
        if han:
            expected += [token for term in search._han_terms(han, segment(han)) for token in term]
        elif word not in ENGLISH_STOPWORDS and (len(word) > 1 or word.isdigit()):
            expected.append(word)
    assert search.tokenize(text) == expected
