"""`config/sources.yml`: which sources to read and how."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

KINDS = ("hexo", "rss", "pages")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


class ConfigError(ValueError):
    """The sources file cannot be used as written."""


@dataclass(frozen=True)
class SourceConfig:
    name: str
    kind: str
    path: Path | None = None
    url: str | None = None
    urls: tuple[str, ...] = ()
    # Kind-specific options, kept as written (e.g. poll_minutes, allow_private_network, glob).
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def location(self) -> str:
        if self.path is not None:
            return str(self.path)
        return self.url or ", ".join(self.urls)

    def option(self, key: str, default: Any = None) -> Any:
        return self.options.get(key, default)


def _source(entry: Any, index: int, base: Path) -> SourceConfig:
    where = f"sources[{index}]"
    if not isinstance(entry, dict):
        raise ConfigError(f"{where}: expected a mapping, got {type(entry).__name__}")
    name = entry.get("name")
    if not isinstance(name, str) or not _NAME.match(name):
        raise ConfigError(f"{where}: 'name' must be letters, digits, '_', '.' or '-', got {name!r}")
    kind = entry.get("kind")
    if kind not in KINDS:
        raise ConfigError(f"{where} ({name}): 'kind' must be one of {', '.join(KINDS)}, got {kind!r}")
    raw_path, url, urls = entry.get("path"), entry.get("url"), entry.get("urls") or []
    if not isinstance(urls, list) or not all(isinstance(u, str) for u in urls):
        raise ConfigError(f"{where} ({name}): 'urls' must be a list of strings")
    if raw_path is None and url is None and not urls:
        raise ConfigError(f"{where} ({name}): needs 'path' or 'url'")
    if kind == "hexo" and raw_path is None:
        raise ConfigError(f"{where} ({name}): a hexo source reads a folder: give 'path'")
    if kind == "rss" and not isinstance(url, str):
        raise ConfigError(f"{where} ({name}): an rss source needs 'url'")
    path = None
    if raw_path is not None:
        path = Path(str(raw_path)).expanduser()
        if not path.is_absolute():
            path = (base / path).resolve()
    options = {k: v for k, v in entry.items() if k not in {"name", "kind", "path", "url", "urls"}}
    return SourceConfig(name=name, kind=kind, path=path, url=url, urls=tuple(urls), options=options)


def load_sources(config_path: Path) -> list[SourceConfig]:
    """Parse the sources file; a relative `path` is relative to the file's own folder."""
    try:
        doc = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"{config_path}: no such file") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"{config_path}: not valid YAML: {exc}") from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("sources"), list):
        raise ConfigError(f"{config_path}: expected a mapping with a 'sources:' list")
    sources = [_source(entry, i, config_path.parent) for i, entry in enumerate(doc["sources"])]
    seen: set[str] = set()
    for src in sources:
        if src.name in seen:
            raise ConfigError(f"{config_path}: source name {src.name!r} appears twice")
        seen.add(src.name)
    return sources


def select(sources: list[SourceConfig], names: list[str] | None) -> list[SourceConfig]:
    if not names:
        return sources
    known = {s.name for s in sources}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise ConfigError(f"unknown source(s): {', '.join(unknown)} (configured: {', '.join(sorted(known))})")
    return [s for s in sources if s.name in names]
