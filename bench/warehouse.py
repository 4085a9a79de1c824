"""Warehouse: the analyst queries in sql/*.sql over a million synthetic articles over 365 days, through the
warehouse's views on the lake, against the same views over one unpartitioned, unsorted Parquet file per table.

The lake's rows are made directly with pyarrow in the real schemas (etl/schema.py) and written by the lake's own
partition writer (etl/lake.py), so its row groups and compression are what is measured; extraction is not run.

    python -m bench.warehouse [--articles 1000000] [--days 365] [--workdir DIR] [--runs 3]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import statistics
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

START = dt.date(2021, 1, 1)
SOURCES = ("sina", "cls", "tech")
FEEDS = {
    "sina": ["新浪财经/新浪财经－国內", "新浪财经/新浪财经－滚动"],
    "cls": ["财联社/电报", "财联社/深度"],
    "tech": ["9To5/9To5 分站", "数据周刊/图表"],
}
WORDS = (
    "市场 资金 银行 利率 债券 基金 保险 消费 出口 制造业 新能源 芯片 汽车 地产 物流 港口 算力 储能 光伏 医药 "
    "农业 外汇 期货 指数 板块 企业 平台 政策 监管 央行 财政 信贷 融资 并购 券商 机构 经济 需求 价格 库存 订单 "
    "利润 营收 估值 增长 回落 企稳 上涨 下跌 改善 放缓 加快 稳定 调整 回升 突破 apple chip battery market"
).split()
NAMES = [s + g for s in "王李张刘陈杨黄赵周吴徐孙马朱胡郭" for g in ("明", "华", "伟", "芳", "静", "强", "磊", "洋")]
OUTLETS = ["证券日报", "经济参考报", "中国证券报", "上海证券报", "第一财经", "21世纪经济报道", "界面新闻", None]
CODES = [f"{ex}{n:06d}" for ex, base in (("sh", 600000), ("sz", 0)) for n in range(base + 1, base + 301)]


@dataclass(frozen=True)
class QueryTime:
    query: str
    date_bounded: bool
    lake_s: float
    single_s: float
    rows: int

    @property
    def speedup(self) -> float:
        return self.single_s / self.lake_s if self.lake_s else float("inf")


def _lists(rng: np.random.Generator, pool: list[str], n: int, most: int) -> list[list[str]]:
    counts = rng.integers(0, most + 1, n)
    picks = rng.integers(0, len(pool), int(counts.sum()))
    out, at = [], 0
    for c in counts:
        out.append([pool[i] for i in picks[at : at + c]])
        at += c
    return out


def day_tables(rng: np.random.Generator, day: dt.date, source: str, n: int, first_id: int) -> dict[str, pa.Table]:
    """One day and source of every lake table, in the real schemas."""
    from etl import schema

    ids = np.arange(first_id, first_id + n)
    # One article in twenty is a new version of an article first seen in the week before (the view keeps the
    # latest). Never twice in one partition: a day's run loads each item once.
    again = rng.random(n) < 0.05
    earlier = first_id - 1 - rng.choice(20_000, n, replace=False)
    ids = np.where(again & (earlier >= 0), earlier, ids)
    article_id = [f"{i:020x}" for i in ids]
    midnight = dt.datetime.combine(day, dt.time(), dt.UTC) - dt.timedelta(hours=8)  # Asia/Shanghai midnight
    seconds = np.sort(rng.integers(0, 86_400, n))
    published = [midnight + dt.timedelta(seconds=int(s)) for s in seconds]
    inferred = rng.random(n) < 0.01
    fetched = [p + dt.timedelta(minutes=5) for p in published]
    words = rng.integers(0, len(WORDS), (n, 40))
    feeds = FEEDS[source]
    feed = [feeds[i] for i in rng.integers(0, len(feeds), n)]
    body = ["".join(WORDS[w] for w in row) + "。" for row in words]
    title = ["".join(WORDS[w] for w in row[:6]) for row in words]
    keywords = [[WORDS[w] for w in dict.fromkeys(row[:8])][:5] for row in words]
    # Near-duplicates: one article in a hundred shares the band keys of the one before it.
    minhash = rng.integers(0, 2**62, (n, 8))
    dup = np.flatnonzero(rng.random(n) < 0.01)
    dup = dup[dup > 0]
    minhash[dup] = minhash[dup - 1]
    for i in dup:
        body[i] = body[i - 1]
    n_images = rng.integers(0, 3, n)
    articles = {
        "article_id": article_id,
        "source": [source] * n,
        "feed": feed,
        "categories": [["金融", *f.split("/")] for f in feed],
        "title": title,
        "url": [f"https://example.org/{source}/{a}.html" if source == "tech" else None for a in article_id],
        "published_at": [None if inf else p for p, inf in zip(published, inferred, strict=True)],
        "fetched_at": fetched,
        "outlet": [OUTLETS[i] for i in rng.integers(0, len(OUTLETS), n)],
        "reporters": _lists(rng, NAMES, n, 2),
        "editor": [NAMES[i] for i in rng.integers(0, len(NAMES), n)],
        "proofreader": [NAMES[i] if i % 3 == 0 else None for i in rng.integers(0, len(NAMES), n)],
        "stock_codes": _lists(rng, CODES, n, 3),
        "images": [
            [{"src": f"https://img.example.org/{a}/{k}.jpg", "caption": ""} for k in range(c)]
            for a, c in zip(article_id, n_images, strict=True)
        ],
        "head_image": None,
        "body_text": body,
        "keywords": keywords,
        "language": ["en" if source == "tech" and i % 2 else "zh-Hans" for i in range(n)],
        "char_count": [len(b) for b in body],
        "content_hash": [f"{h:016x}" for h in minhash[:, 0]],
        "date_inferred": inferred.tolist(),
        "dateline": None,
        "item_key": [f"source/_posts/{f}/{a}.md" for f, a in zip(feed, article_id, strict=True)],
        "raw_sha256": [f"{a}{a}{a[:24]}" for a in article_id],
        "minhash": minhash.tolist(),
    }
    columns = {k: (v if isinstance(v, list) else [v] * n) for k, v in articles.items()}
    tables = {"articles": pa.Table.from_pydict(columns, schema=schema.ARTICLES)}
    # The search index: the distinct words of the title and the body's opening (a real body has ~300 tokens: the
    # index here is smaller than a real one, which the search figure flatters).
    tok: dict[str, list[Any]] = {k: [] for k in schema.TOKENS.names}
    for a, row, key in zip(article_id, words[:, :12], columns["item_key"], strict=True):
        uniq, counts = np.unique(row, return_counts=True)
        title_words = set(row[:6].tolist())
        tok["article_id"] += [a] * len(uniq)
        tok["source"] += [source] * len(uniq)
        tok["item_key"] += [key] * len(uniq)
        tok["token"] += [WORDS[u] for u in uniq]
        tok["tf"] += counts.tolist()
        tok["title_tf"] += [int(u in title_words) for u in uniq]
    tables["tokens"] = pa.Table.from_pydict(tok, schema=schema.TOKENS)
    tables["token_docs"] = pa.Table.from_pydict(
        {"article_id": article_id, "source": [source] * n, "item_key": columns["item_key"], "length": [46] * n},
        schema=schema.TOKEN_DOCS,
    )
    now = midnight + dt.timedelta(days=1, hours=3)
    tables["runs"] = schema.to_table(
        [
            {
                "source": source,
                "run_id": f"{day}-run",
                "status": "success",
                "fetched": n,
                "items": n,
                "articles": n,
                "rejected": 3,
                "date_inferred": int(inferred.sum()),
                "fetch_seconds": 1.0,
                "extract_seconds": 5.0,
                "load_seconds": 1.0,
                "started_at": now,
                "finished_at": now,
            }
        ],
        schema.RUNS,
    )
    reasons = ["empty body: no text or images after cleaning", "broken YAML front matter: x", "unparseable date: y"]
    tables["rejects"] = schema.to_table(
        [
            {"source": source, "stage": "extract", "item": f"r{day}{k}", "reason": reasons[k], "occurred_at": now}
            for k in range(3)
        ],
        schema.REJECTS,
    )
    return tables


def build(root: Path, articles: int, days: int, seed: int = 0) -> Path:
    """The lake under root/data (through etl.lake), and one shuffled file per table under root/single."""
    from etl import lake

    data, single = root / "data", root / "single"
    shutil.rmtree(root, ignore_errors=True)
    single.mkdir(parents=True)
    rng = np.random.default_rng(seed)
    per_partition = articles // (days * len(SOURCES))
    writers: dict[str, pq.ParquetWriter] = {}
    first_id = 0
    for d in range(days):
        day = START + dt.timedelta(days=d)
        for source in SOURCES:
            n = per_partition + (
                1 if d * len(SOURCES) + SOURCES.index(source) < articles % (days * len(SOURCES)) else 0
            )
            tables = day_tables(rng, day, source, n, first_id)
            first_id += n
            for name, table in tables.items():
                with lake.PartitionWriter(data / "lake", name, day, source) as writer:
                    writer.write_table(table)
                flat = table.append_column("dt", pa.array([day] * table.num_rows, pa.date32()))
                if name not in writers:
                    writers[name] = pq.ParquetWriter(
                        single / f"{name}.unsorted.parquet", flat.schema, compression="zstd"
                    )
                writers[name].write_table(flat)
    for writer in writers.values():
        writer.close()
    # Unsorted: rows in random order, one file, the writer's default row groups.
    for name in writers:
        table = pq.read_table(single / f"{name}.unsorted.parquet")
        table = table.take(np.random.default_rng(seed + 1).permutation(table.num_rows))
        pq.write_table(table, single / f"{name}.parquet", compression="zstd")
        (single / f"{name}.unsorted.parquet").unlink()
        del table
    return root


def _warehouses(root: Path) -> tuple[Path, Path, float]:
    import duckdb

    from etl import schema, warehouse
    from etl.settings import Settings

    settings = Settings(data_dir=root / "data", config_path=root / "none.yml")
    started = time.perf_counter()
    lake_db = warehouse.refresh(settings)
    refresh_s = time.perf_counter() - started
    single_db = root / "single.duckdb"
    single_db.unlink(missing_ok=True)
    con = duckdb.connect(str(single_db))
    # analysis_window still lists the lake's runs partitions for the newest day: the same few ms on both.
    single = {table: f"read_parquet('{root / 'single' / table}.parquet')" for table in schema.LAKE_TABLES}
    for statement in warehouse.view_sql(settings.lake_dir, single):
        con.execute(statement)
    con.close()
    return lake_db, single_db, refresh_s


def _params(name: str, sql: str, last_day: dt.date) -> dict[str, Any]:
    from etl import search, sqlfiles

    given: dict[str, Any] = {}
    declared = sqlfiles.params(sql)
    if name == "search":
        weights = search.query_weights("新能源 芯片")
        given = {"tokens": list(weights), "weights": list(weights.values()), "query": "新能源 芯片"}
        given |= {"from": last_day - dt.timedelta(days=29), "to": last_day}
    return sqlfiles.bind(sql, given, {"tz": "Asia/Shanghai"} if "tz" in declared else None)


def _time(db: Path, sql: str, params: dict[str, Any], runs: int) -> tuple[float, int]:
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    con.execute("set TimeZone = 'UTC'")
    times, rows = [], 0
    try:
        for _ in range(runs):
            started = time.perf_counter()
            rows = len(con.execute(sql, params).fetchall())
            times.append(time.perf_counter() - started)
    finally:
        con.close()
    return statistics.median(times), rows


def time_queries(root: Path, days: int, runs: int = 3) -> tuple[list[QueryTime], float]:
    """Each query's times, and the seconds the lake's warehouse refresh took (views and derived tables)."""
    from etl import sqlfiles

    lake_db, single_db, refresh_s = _warehouses(root)
    last_day = START + dt.timedelta(days=days - 1)
    out = []
    for path in sorted(sqlfiles.SQL_DIR.glob("*.sql")):
        sql = path.read_text(encoding="utf-8")
        params = _params(path.stem, sql, last_day)
        bounded = bool({"to", "from", "days"} & set(sqlfiles.params(sql)))
        lake_s, rows = _time(lake_db, sql, params, runs)
        single_s, single_rows = _time(single_db, sql, params, runs)
        if rows != single_rows:
            raise RuntimeError(f"{path.name}: {rows} rows on the lake, {single_rows} on the single file")
        out.append(QueryTime(path.stem, bounded, round(lake_s, 3), round(single_s, 3), rows))
    return out, refresh_s


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--articles", type=int, default=1_000_000)
    p.add_argument("--days", type=int, default=365)
    p.add_argument("--workdir", default="/tmp/news-etl-bench")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--reuse", action="store_true", help="time the lake already built")
    args = p.parse_args()
    root = Path(args.workdir) / f"warehouse-{args.articles}"
    if not args.reuse:
        started = time.perf_counter()
        build(root, args.articles, args.days)
        print(f"built in {time.perf_counter() - started:.1f} s", flush=True)
    times, refresh_s = time_queries(root, args.days, args.runs)
    print(f"warehouse refresh {refresh_s:.1f} s", flush=True)
    for q in times:
        print(json.dumps(asdict(q) | {"speedup": round(q.speedup, 2)}), flush=True)


if __name__ == "__main__":
    main()
