from __future__ import annotations

from pathlib import Path

import pytest

from etl import config
from etl.settings import Settings


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sources.yml"
    path.write_text(text, encoding="utf-8")
    return path


def test_default_config_reads_examples() -> None:
    settings = Settings.from_env({})
    (src,) = config.load_sources(settings.config_path)
    assert (src.name, src.kind) == ("examples", "hexo")
    assert src.path is not None and src.path.name == "examples" and src.path.is_dir()


def test_relative_paths_and_options(tmp_path: Path) -> None:
    cfg = write(
        tmp_path,
        "sources:\n"
        "  - {name: a, kind: hexo, path: posts}\n"
        "  - {name: b, kind: rss, url: 'http://127.0.0.1:1/feed', poll_minutes: 15, allow_private_network: true}\n",
    )
    a, b = config.load_sources(cfg)
    assert a.path == tmp_path / "posts"
    assert b.option("poll_minutes") == 15 and b.option("allow_private_network") is True
    assert config.select([a, b], ["b"]) == [b]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("sources: nope", "'sources:' list"),
        ("sources:\n  - {kind: hexo, path: x}", "'name'"),
        ("sources:\n  - {name: a, kind: ftp, path: x}", "'kind' must be one of"),
        ("sources:\n  - {name: a, kind: hexo}", "needs 'path' or 'url'"),
        ("sources:\n  - {name: a, kind: rss, path: x}", "needs 'url'"),
        ("sources:\n  - {name: a, kind: hexo, path: x}\n  - {name: a, kind: hexo, path: y}", "appears twice"),
        ("sources: [", "not valid YAML"),
    ],
)
def test_invalid_config_is_explained(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(config.ConfigError, match=message):
        config.load_sources(write(tmp_path, text))


def test_unknown_source_name(tmp_path: Path) -> None:
    sources = config.load_sources(write(tmp_path, "sources:\n  - {name: a, kind: hexo, path: x}\n"))
    with pytest.raises(config.ConfigError, match="unknown source"):
        config.select(sources, ["zzz"])


def test_settings_from_environment(tmp_path: Path) -> None:
    s = Settings.from_env({"ETL_DATA_DIR": str(tmp_path), "ETL_TIMEZONE": "UTC", "ETL_WORKERS": "3"})
    assert (s.data_dir, s.timezone, s.workers) == (tmp_path, "UTC", 3)
    assert s.warehouse_path == tmp_path / "warehouse.duckdb"
    with pytest.raises(ValueError, match="ETL_WORKERS"):
        Settings.from_env({"ETL_WORKERS": "many"})
