"""Debian's chromium for the browser tests, never a downloaded browser, and no network beyond 127.0.0.1."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
# Without the background-networking flags chromium keeps dialling Google's hosts, which this network refuses.
BROWSER_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def require_chromium() -> None:
    """Skip the test (before it starts anything costly) where `make test` has not installed chromium."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is absent: `make test` installs Debian's chromium")


def launch(pw: Any) -> Any:
    """A headless chromium through Playwright."""
    require_chromium()
    return pw.chromium.launch(executable_path=str(CHROMIUM), args=BROWSER_ARGS)
