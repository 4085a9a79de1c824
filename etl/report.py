"""The daily report: one static HTML page per day, charts inline, from the analyses in `sql/`.

`$ETL_DATA_DIR/reports/YYYY-MM-DD.html` per day and `reports/latest.html`, a copy of the newest day's; both are
replaced atomically, so a browser or a web server never reads half a page.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Any

from etl import atomic, charts, sqlfiles, warehouse
from etl.settings import Settings

WINDOW = 7  # days of context for stocks and keywords: one day of news is too few to rank them
HISTORY = 14  # days in the volume chart
TOP = 12
COVERAGE_FIELDS = [
    "title",
    "published_at",
    "outlet",
    "reporters",
    "editor",
    "proofreader",
    "stock_codes",
    "images",
    "head_image",
    "keywords",
    "language",
    "dateline",
    "url",
]


def reports_dir(settings: Settings) -> Path:
    return settings.data_dir / "reports"


Rows = list[dict[str, Any]]


@dataclass
class Data:
    day: dt.date
    timezone: str
    per_hour: Rows
    per_day: Rows
    stocks: Rows
    keywords: Rows
    rising: Rows
    clusters: Rows | None  # None: the warehouse has no near_duplicates view
    coverage: Rows
    rejects: Rows
    generated_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))


def _rows(con: Any, name: str, **given: Any) -> Rows:
    sql = sqlfiles.load(name)
    cursor = con.execute(sql, sqlfiles.bind(sql, given))
    columns = [d[0] for d in cursor.description]
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def collect(settings: Settings, day: dt.date) -> Data:
    con = warehouse.connect_read_only(settings)
    try:
        has_clusters = con.execute(
            "select count(*) from information_schema.tables where table_name = 'near_duplicates'"
        ).fetchall() == [(1,)]
        return Data(
            day=day,
            timezone=settings.timezone,
            per_hour=_rows(con, "articles_per_hour", to=day, days=1, tz=settings.timezone),
            per_day=_rows(con, "articles_per_day", to=day, days=HISTORY),
            stocks=_rows(con, "top_stocks", to=day, days=WINDOW, limit=TOP),
            keywords=_rows(con, "top_keywords", to=day, days=WINDOW, limit=TOP),
            rising=_rows(con, "rising_keywords", to=day, limit=TOP),
            clusters=_rows(con, "near_duplicate_stories", to=day, days=1, min_feeds=1) if has_clusters else None,
            coverage=_rows(con, "extraction_coverage", to=day, days=1),
            rejects=_rows(con, "rejects_by_reason", to=day, days=1),
        )
    finally:
        con.close()


def newest_day(settings: Settings) -> dt.date:
    """The newest day processed: the default day of a report."""
    ((day,),) = warehouse.query(settings, "select max(dt) from runs")[1]
    if day is None:
        raise FileNotFoundError(f"no day processed yet in {settings.warehouse_path}: run `etl run` first")
    return day  # type: ignore[no-any-return]


# --- rendering ---------------------------------------------------------------------------------------------------


def _feed(row: Mapping[str, Any]) -> str:
    return str(row.get("feed") or row.get("source") or "?")


def _fmt(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, dt.datetime):
        return f"{value:%Y-%m-%d %H:%M} UTC"
    if isinstance(value, float):
        return f"{value:.2f}"
    if isinstance(value, list):
        return ", ".join(_fmt(v) for v in value)
    return str(value)


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]], numeric: Iterable[int] = ()) -> str:
    right = set(numeric)
    head = "".join(f"<th{' class=num' if i in right else ''}>{escape(h)}</th>" for i, h in enumerate(headers))
    body = "".join(
        "<tr>"
        + "".join(f"<td{' class=num' if i in right else ''}>{escape(_fmt(v))}</td>" for i, v in enumerate(row))
        + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _empty(text: str) -> str:
    return f'<p class="empty">{escape(text)}</p>'


def _series(rows: Rows, categories: Sequence[str], key: str, keep: int = 8) -> dict[str, list[float]]:
    """Counts per category and feed, the `keep` biggest feeds by name and the rest as "other"."""
    totals: dict[str, float] = {}
    for row in rows:
        totals[_feed(row)] = totals.get(_feed(row), 0) + row["articles"]
    kept = sorted(totals, key=lambda f: (-totals[f], f))[:keep]
    series = {name: [0.0] * len(categories) for name in [*kept, "other"]}
    index = {c: i for i, c in enumerate(categories)}
    for row in rows:
        name = _feed(row) if _feed(row) in kept else "other"
        series[name][index[row[key]]] += row["articles"]
    if not any(series["other"]):
        del series["other"]
    return series


def volume_section(data: Data) -> str:
    hours = [f"{h:02d}" for h in range(24)]
    dated = [{**r, "hour": f"{r['hour']:02d}"} for r in data.per_hour if r["hour"] is not None]
    undated = sum(r["articles"] for r in data.per_hour if r["hour"] is None)
    parts = ["<h2>Volume</h2>", f"<h3>Articles per hour on {data.day} ({escape(data.timezone)}), by feed</h3>"]
    if dated:
        parts.append(charts.columns(hours, _series(dated, hours, "hour"), "articles per hour by feed", every=3))
    else:
        parts.append(_empty(f"No article with a published time on {data.day}."))
    if undated:
        parts.append(f'<p class="note">{undated} article(s) without a usable published time count on this day.</p>')
    days = [(data.day - dt.timedelta(days=n)).isoformat() for n in range(HISTORY - 1, -1, -1)]
    daily = [{**r, "dt": r["dt"].isoformat()} for r in data.per_day]
    parts.append(f"<h3>Articles per day, {HISTORY} days to {data.day}</h3>")
    if daily:
        labels = [d[5:] for d in days]
        series = _series(daily, days, "dt")
        parts.append(charts.columns(labels, series, "articles per day by feed", highlight=labels[-1], every=2))
    else:
        parts.append(_empty(f"No articles in the {HISTORY} days to {data.day}."))
    today = [r for r in data.per_day if r["dt"] == data.day]
    if today:
        rows = [(r["source"], r["feed"], r["articles"], r["dated_by_landing"]) for r in today]
        parts.append(table(["source", "feed", "articles", "dated by landing"], rows, numeric=(2, 3)))
    return "\n".join(parts)


def stocks_section(data: Data) -> str:
    parts = [f"<h2>Top stocks, {WINDOW} days to {data.day}</h2>"]
    if not data.stocks:
        return "\n".join([*parts, _empty(f"No stock mentioned in the {WINDOW} days to {data.day}.")])
    items = [(r["stock_code"], float(r["articles"])) for r in data.stocks]
    parts.append(charts.hbar(items, "articles per stock", color=charts.PALETTE[0]))
    rows = [(r["stock_code"], r["articles"], r["feeds"], r["titles"][:3]) for r in data.stocks]
    parts.append(table(["stock", "articles", "feeds", "latest titles"], rows, numeric=(1,)))
    return "\n".join(parts)


def keywords_section(data: Data) -> str:
    parts = [f"<h2>Keywords, {WINDOW} days to {data.day}</h2>"]
    if data.keywords:
        items = [(r["keyword"], float(r["articles"])) for r in data.keywords]
        parts.append(charts.hbar(items, "articles per keyword", color=charts.PALETTE[2]))
    else:
        parts.append(_empty(f"No keywords in the {WINDOW} days to {data.day}."))
    parts.append("<h3>Rising: this week against the four weeks before</h3>")
    if data.rising:
        rows = [(r["keyword"], r["this_week"], r["last_four_weeks"], r["lift"], r["new"]) for r in data.rising]
        parts.append(table(["keyword", "this week", "4 weeks before", "lift", "new"], rows, numeric=(1, 2, 3)))
    else:
        parts.append(_empty("No keyword in two or more articles this week."))
    return "\n".join(parts)


def clusters_section(data: Data) -> str:
    parts = ["<h2>New near-duplicate clusters</h2>"]
    if data.clusters is None:
        return "\n".join([*parts, _empty("This warehouse has no near_duplicates view.")])
    if not data.clusters:
        return "\n".join([*parts, _empty(f"No new cluster of near-duplicate articles on {data.day}.")])
    rows = [(r["title"], r["articles"], r["feed_list"], r["min_jaccard"]) for r in data.clusters]
    parts.append(table(["story", "articles", "feeds", "min. Jaccard"], rows, numeric=(1, 3)))
    return "\n".join(parts)


def coverage_section(data: Data) -> str:
    parts = [f"<h2>Extraction coverage on {data.day}</h2>"]
    if not data.coverage:
        return "\n".join([*parts, _empty(f"No articles on {data.day}.")])
    multi = len({r["source"] for r in data.coverage}) > 1
    rows = [
        f"{r['source']} (all)" if r["feed"] is None else (f"{r['source']} · {r['feed']}" if multi else r["feed"])
        for r in data.coverage
    ]
    values = [[float(r[f]) for f in COVERAGE_FIELDS] for r in data.coverage]
    parts.append(charts.heatmap(rows, COVERAGE_FIELDS, values, "share of articles with each field filled"))
    return "\n".join(parts)


def rejects_section(data: Data) -> str:
    parts = [f"<h2>Rejects on {data.day}</h2>"]
    if not data.rejects:
        return "\n".join([*parts, _empty(f"Nothing rejected on {data.day}.")])
    per_reason: dict[str, float] = {}
    for r in data.rejects:
        per_reason[r["reason"]] = per_reason.get(r["reason"], 0) + r["rejects"]
    items = sorted(per_reason.items(), key=lambda kv: (-kv[1], kv[0]))
    parts.append(charts.hbar(items, "rejects per reason", color=charts.PALETTE[3]))
    rows = [(r["reason"], r["stage"], r["source"], r["rejects"], r["item"], r["example"]) for r in data.rejects]
    parts.append(table(["reason", "stage", "source", "rejects", "latest item", "latest reason"], rows, numeric=(3,)))
    return "\n".join(parts)


CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei",
       sans-serif; margin: 0 auto; max-width: 980px; padding: 1.5rem; color: #222; background: #fff; }
header p, .note, .empty { color: #666; }
nav a { margin-right: 1rem; }
.tiles { display: flex; flex-wrap: wrap; gap: .75rem; margin: 1rem 0; }
.tile { border: 1px solid #ddd; border-radius: 6px; padding: .5rem .9rem; min-width: 7rem; }
.tile b { display: block; font-size: 1.6rem; }
h2 { border-bottom: 1px solid #ddd; padding-bottom: .2rem; margin-top: 2.2rem; }
h3 { font-size: 1rem; color: #444; }
svg.chart { display: block; max-width: 100%; height: auto; margin: .5rem 0 1rem; }
svg .label, svg .value { fill: #333; } svg .axis { fill: #666; font-size: 11px; }
svg .cell { font-size: 10px; } svg .grid { stroke: #e5e5e5; }
svg .mark:hover { opacity: .8; }
table { border-collapse: collapse; width: 100%; font-size: .85rem; margin: .5rem 0 1rem; }
th, td { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid #eee; vertical-align: top; }
th { background: #f6f6f6; } td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
"""


def render(data: Data) -> str:
    articles = sum(r["articles"] for r in data.per_day if r["dt"] == data.day)
    feeds = len({_feed(r) for r in data.per_day if r["dt"] == data.day})
    tiles = [
        ("articles", articles),
        ("feeds", feeds),
        ("rejects", sum(r["rejects"] for r in data.rejects)),
        ("without a published time", sum(r["dated_by_landing"] for r in data.per_day if r["dt"] == data.day)),
        ("new duplicate clusters", "–" if data.clusters is None else len(data.clusters)),
    ]
    sections = [
        volume_section(data),
        stocks_section(data),
        keywords_section(data),
        clusters_section(data),
        coverage_section(data),
        rejects_section(data),
    ]
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>News report {data.day}</title>
<style>{CSS}</style>
</head>
<body>
<header>
<h1>News report {data.day}</h1>
<p>Articles counted on {data.day} in {escape(data.timezone)}; generated {data.generated_at:%Y-%m-%d %H:%M} UTC.</p>
<nav><a href="index.html">all reports</a></nav>
<div class="tiles">{"".join(f'<div class="tile"><b>{escape(str(v))}</b>{escape(k)}</div>' for k, v in tiles)}</div>
</header>
<main>
{"".join(f"<section>{s}</section>" for s in sections)}
</main>
</body>
</html>
"""


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """Reports of several days may be written at once (mapped Airflow tasks): one decides latest.html at a time."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def render_index(days: Sequence[str]) -> str:
    items = "".join(f'<li><a href="{d}.html">{d}</a></li>' for d in sorted(days, reverse=True))
    return f"""<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>News reports</title><style>{CSS}</style></head>
<body><h1>News reports</h1><p><a href="latest.html">latest</a></p><ul>{items}</ul></body>
</html>
"""


def _publish(path: Path, page: str) -> None:
    with atomic.replacing(path) as tmp:
        tmp.write_text(page, encoding="utf-8")
        tmp.chmod(0o644)  # a web server or another user may serve or read the reports


def build(settings: Settings, day: dt.date) -> Path:
    """Write the day's report, latest.html when it is the newest day, and the index; returns the day's file."""
    page = render(collect(settings, day))
    folder = reports_dir(settings)
    target = folder / f"{day.isoformat()}.html"
    with _locked(folder):
        _publish(target, page)
        days = [p.stem for p in folder.glob("????-??-??.html")]
        if max(days) == day.isoformat():
            _publish(folder / "latest.html", page)
        _publish(folder / "index.html", render_index(days))
    return target


def days_to_report(day: str | None, events: Iterable[Any], settings: Settings) -> list[str]:
    """The days a report run writes: the one asked for, else the days the triggering warehouse refreshes loaded
    (an event's extra `day`/`days`, else its nightly run's data interval), else the newest day processed."""
    from etl import dates

    if day:
        return [dt.date.fromisoformat(day).isoformat()]
    found: set[str] = set()
    for event in events:
        extra = event.extra or {}
        if extra.get("day") or extra.get("days"):
            found.update(str(d) for d in ([extra["day"]] if extra.get("day") else extra["days"]))
        elif (run := event.source_dag_run) is not None and run.data_interval_start is not None:
            found.add(dates.local_day(run.data_interval_start, settings.timezone).isoformat())
    return sorted(found) or [newest_day(settings).isoformat()]
