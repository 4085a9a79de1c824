"""When an rss source is due to be polled: every `poll_minutes` (default 60) as set per source in sources.yml.

A feed shows only its newest items, so a busy feed needs polling often enough that none scrolls off between two
polls. The time of the last poll is kept per source under `$ETL_DATA_DIR/http/polls/`.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from etl import atomic
from etl.config import ConfigError, SourceConfig

DEFAULT_POLL_MINUTES = 60
# news_fetch wakes every TICK_MINUTES; a poll that is due within a minute of a tick is done at that tick rather than
# one tick later, so a 60-minute source polled at 10:00:05 is polled again at 11:00, not 11:15.
TICK_MINUTES = 15
SLACK = dt.timedelta(minutes=1)


def poll_minutes(cfg: SourceConfig) -> int:
    value = cfg.option("poll_minutes", DEFAULT_POLL_MINUTES)
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ConfigError(f"source {cfg.name}: poll_minutes must be a whole number of minutes >= 1, got {value!r}")
    return value


def _state(polls_dir: Path, source: str) -> Path:
    return polls_dir / f"{source}.json"


def last_polled(polls_dir: Path, source: str) -> dt.datetime | None:
    try:
        doc = json.loads(_state(polls_dir, source).read_text(encoding="utf-8"))
        return dt.datetime.fromisoformat(doc["polled_at"])
    except (FileNotFoundError, KeyError, ValueError):
        return None


def is_due(cfg: SourceConfig, polls_dir: Path, now: dt.datetime) -> bool:
    last = last_polled(polls_dir, cfg.name)
    return last is None or now - last >= dt.timedelta(minutes=poll_minutes(cfg)) - SLACK


def mark_polled(polls_dir: Path, source: str, when: dt.datetime) -> None:
    atomic.write_bytes(_state(polls_dir, source), json.dumps({"polled_at": when.isoformat()}).encode())
