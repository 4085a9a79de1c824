"""ETag and Last-Modified per fetched URL of a source, under the data root, for conditional GETs.

Validators are saved only once the documents they describe are landed and indexed: a run that fails in between
fetches the whole document again next time instead of hearing "304, nothing new" about data it never kept.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

from etl import atomic


class HttpState:
    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            known = json.loads(path.read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):
            known = {}
        self._known: dict[str, dict[str, str]] = known if isinstance(known, dict) else {}

    def validators(self, url: str) -> dict[str, str]:
        found = self._known.get(url)
        return {k: v for k, v in found.items() if isinstance(v, str)} if isinstance(found, dict) else {}

    def save(self, validators: Mapping[str, Mapping[str, str]]) -> None:
        """Remember each URL's validators (an empty mapping forgets them)."""
        if not validators:
            return
        self._known.update({url: dict(v) for url, v in validators.items()})
        atomic.write_bytes(self.path, json.dumps(self._known, ensure_ascii=False, indent=1, sort_keys=True).encode())
