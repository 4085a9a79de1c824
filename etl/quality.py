"""The data-quality gate a day passes before the warehouse is refreshed: the checks are SQL in `sql/quality/`, the
thresholds and accepted values are data here, and a failed check names the day, the check and the figures."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from etl import sqlfiles, warehouse
from etl.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Rules:
    # A day with fewer articles than this share of the recent average fails (a feed gone quiet, a broken extractor).
    min_ratio: float = 0.25
    window_days: int = 7
    min_history_days: int = 1
    # The most a key field may be missing from the day's articles, as a share of them.
    max_null_rate: dict[str, float] = field(
        default_factory=lambda: {"title": 0.05, "body_text": 0.05, "published_at": 0.5, "language": 0.5}
    )
    languages: tuple[str, ...] = ("zh-Hans", "zh-Hant", "ja", "ko", "en")
    stages: tuple[str, ...] = ("config", "fetch", "parse", "extract")
    statuses: tuple[str, ...] = ("success", "partial", "failed")


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    message: str


@dataclass
class Report:
    day: dt.date
    checks: list[Check]

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    @property
    def failures(self) -> list[Check]:
        return [c for c in self.checks if not c.ok]

    def summary(self) -> str:
        lines = [f"data quality {self.day}: {'passed' if self.ok else 'FAILED'}"]
        lines += [f"  {'ok  ' if c.ok else 'FAIL'} {c.name}: {c.message}" for c in self.checks]
        return "\n".join(lines)


class QualityError(RuntimeError):
    """A day's data failed the gate; the message lists every failed check."""


def _sql(name: str, settings: Settings) -> str:
    sql = sqlfiles.load(f"quality/{name}")
    for table in ("articles", "rejects", "runs"):
        sql = sql.replace(f"{{{table}_files}}", warehouse.files_relation(settings.lake_dir, table))
    return sql


def _rows(con: Any, name: str, settings: Settings, params: dict[str, Any]) -> tuple[list[str], list[Sequence[Any]]]:
    cursor = con.execute(_sql(name, settings), params)
    return [d[0] for d in cursor.description], cursor.fetchall()


def row_count(con: Any, settings: Settings, day: dt.date, rules: Rules) -> Check:
    _, rows = _rows(con, "01_row_count", settings, {"day": day, "window": rules.window_days})
    articles, average, days = rows[0]
    if not days or days < rules.min_history_days or not average:
        return Check("row_count", True, f"{articles} articles; no history in the last {rules.window_days} days")
    ok = articles >= rules.min_ratio * average
    return Check(
        "row_count",
        ok,
        f"{articles} articles against an average of {average:.1f} over the previous {days} day(s) "
        f"(at least {rules.min_ratio:.0%} of it expected)",
    )


def null_rates(con: Any, settings: Settings, day: dt.date, rules: Rules) -> Check:
    columns, rows = _rows(con, "02_null_rates", settings, {"day": day})
    found = dict(zip(columns, rows[0], strict=True))
    over = {k: found[k] for k, limit in rules.max_null_rate.items() if found[k] > limit}
    rates = ", ".join(f"{k} {found[k]:.0%} (max {rules.max_null_rate[k]:.0%})" for k in rules.max_null_rate)
    return Check("null_rates", not over, f"missing in {found['articles']} articles: {rates}")


def unique_article_id(con: Any, settings: Settings, day: dt.date) -> Check:
    _, rows = _rows(con, "03_unique_article_id", settings, {"day": day})
    if not rows:
        return Check("unique_article_id", True, "no article_id loaded twice from one item")
    shown = ", ".join(f"{source}/{article_id} x{copies}" for source, article_id, copies in rows[:10])
    return Check("unique_article_id", False, f"{len(rows)} duplicated article_id(s): {shown}")


def accepted_values(con: Any, settings: Settings, day: dt.date, rules: Rules, sources: Sequence[str]) -> Check:
    params = {
        "day": day,
        "languages": list(rules.languages),
        "sources": list(sources),
        "stages": list(rules.stages),
        "statuses": list(rules.statuses),
    }
    _, rows = _rows(con, "04_accepted_values", settings, params)
    if not rows:
        return Check("accepted_values", True, "languages, sources, reject stages and run statuses as expected")
    shown = ", ".join(f"{field_}={value!r} ({n} rows)" for field_, value, n in rows)
    return Check("accepted_values", False, f"unexpected values: {shown}")


def check_day(settings: Settings, day: dt.date, sources: Sequence[str], rules: Rules | None = None) -> Report:
    """Run every check on a day's lake partitions (the warehouse is refreshed only after they pass)."""
    import duckdb

    rules = rules or Rules()
    con = duckdb.connect()
    try:
        con.execute("set TimeZone = 'UTC'")
        checks = [
            row_count(con, settings, day, rules),
            null_rates(con, settings, day, rules),
            unique_article_id(con, settings, day),
            accepted_values(con, settings, day, rules, sources),
        ]
    finally:
        con.close()
    report = Report(day, checks)
    (log.info if report.ok else log.error)("%s", report.summary())
    return report
