"""robots.txt (RFC 9309): which URLs a source may fetch from a site, and how slowly."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.robotparser import RobotFileParser

# RFC 9309 asks crawlers to read at least the first 500 KiB; rules further down are ignored.
MAX_ROBOTS_BYTES = 500 * 1024


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
