"""The one settings object, read from environment variables with defaults."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from etl.http import HttpPolicy

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _int(env: Mapping[str, str], key: str, default: int) -> int:
    raw = env.get(key, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ValueError(f"{key} must be an integer, got {raw!r}") from exc


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    config_path: Path
    timezone: str = "Asia/Shanghai"
    user_agent: str = "news-etl/0.1 (+https://example.invalid/news-etl)"
    # 0 means "as many processes as cores"; 1 keeps extraction in-process.
    workers: int = 0
    batch_size: int = 500
    progress_every: int = 1000
    # DuckDB's memory limit while the warehouse refresh derives its tables (beyond it DuckDB spills to disk): the
    # near-duplicate candidates of a large warehouse would otherwise take a gigabyte or more.
    duckdb_memory_limit: str = "512MB"
    # Timeouts, retries, size caps, politeness: ETL_HTTP_* variables, overridden per source (etl/http.py).
    http: HttpPolicy = field(default_factory=HttpPolicy)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        data_dir = Path(env.get("ETL_DATA_DIR") or "data")
        config = Path(env.get("ETL_CONFIG") or PROJECT_ROOT / "config" / "sources.yml")
        return cls(
            data_dir=data_dir.resolve(),
            config_path=config.resolve(),
            timezone=env.get("ETL_TIMEZONE") or cls.timezone,
            user_agent=env.get("ETL_USER_AGENT") or cls.user_agent,
            workers=_int(env, "ETL_WORKERS", cls.workers),
            batch_size=_int(env, "ETL_BATCH_SIZE", cls.batch_size),
            progress_every=_int(env, "ETL_PROGRESS_EVERY", cls.progress_every),
            duckdb_memory_limit=env.get("ETL_DUCKDB_MEMORY_LIMIT") or cls.duckdb_memory_limit,
            http=HttpPolicy.from_env(env),
        )

    def with_config(self, path: str | Path | None) -> Settings:
        return self if path is None else replace(self, config_path=Path(path).resolve())

    @property
    def raw_dir(self) -> Path:
        return self.data_dir / "raw"

    @property
    def landing_dir(self) -> Path:
        """Index of landed items: which raw object holds which item, and when it arrived."""
        return self.data_dir / "landing"

    @property
    def lake_dir(self) -> Path:
        return self.data_dir / "lake"

    @property
    def warehouse_path(self) -> Path:
        return self.data_dir / "warehouse.duckdb"

    @property
    def polls_dir(self) -> Path:
        """When each rss source was last polled (etl/polling.py)."""
        return self.data_dir / "http" / "polls"

    @property
    def lock_path(self) -> Path:
        return self.data_dir / ".warehouse.lock"
