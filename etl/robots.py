"""robots.txt (RFC 9309): which URLs a source may fetch from a site, and how slowly."""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.robotparser import RobotFileParser

from etl import atomic

# RFC 9309 asks crawlers to read at least the first 500 KiB; rules further down are ignored.
MAX_ROBOTS_BYTES = 500 * 1024
# RFC 9309: a cached robots.txt should not be used for more than 24 hours.
MAX_AGE = 24 * 3600.0


@dataclass(frozen=True)
class Rules:
    parser: RobotFileParser | None = None  # None: no rules, everything may be fetched
    refusal: str | None = None  # robots.txt could not be read: nothing may be fetched, for this reason

    def allows(self, url: str, user_agent: str) -> bool:
        if self.refusal is not None:
            return False
        return self.parser is None or self.parser.can_fetch(user_agent, url)

    def crawl_delay(self, user_agent: str) -> float | None:
        if self.parser is None:
            return None
        delay = self.parser.crawl_delay(user_agent)
        return float(delay) if delay is not None else None


def parse(body: bytes) -> Rules:
    parser = RobotFileParser()
    parser.parse(body[:MAX_ROBOTS_BYTES].decode("utf-8", errors="replace").splitlines())
    return Rules(parser)


def unavailable(status: int | None, reason: str) -> Rules:
    """No robots.txt to read. A 4xx means the site has none: no rules. A server error, a 429 or no answer at all
    means we cannot know: RFC 9309 says to assume everything is disallowed."""
    if status is not None and 400 <= status < 500 and status != 429:
        return Rules()
    return Rules(refusal=f"robots.txt unavailable ({reason})")


class Cache:
    """robots.txt files read in the last 24 hours, one JSON file per origin: every source, task and process on
    the machine reads a site's robots.txt once a day, not once per run. Unreachable ones are not cached."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, origin: str) -> Path:
        return self.root / (hashlib.sha256(origin.encode()).hexdigest()[:32] + ".json")

    def get(self, origin: str) -> Rules | None:
        try:
            entry = json.loads(self._path(origin).read_text(encoding="utf-8"))
            if time.time() - float(entry["fetched_at"]) > MAX_AGE:
                return None
            status, body = int(entry["status"]), str(entry["body"]).encode()
        except (OSError, ValueError, KeyError, TypeError):
            return None
        return parse(body) if 200 <= status < 300 else unavailable(status, f"HTTP {status}")

    def put(self, origin: str, status: int, body: bytes) -> None:
        text = body[:MAX_ROBOTS_BYTES].decode("utf-8", errors="replace")
        entry = {"origin": origin, "fetched_at": time.time(), "status": status, "body": text}
        atomic.write_bytes(self._path(origin), json.dumps(entry, ensure_ascii=False).encode())
