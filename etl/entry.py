"""An item ready for extraction, whatever kind of source it came from."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal


class RejectError(ValueError):
    """An input that cannot become an article; the message is the reason written to `rejects`."""


@dataclass(frozen=True)
class Entry:
    key: str
    html: str
    # "post": the HTML is the article body (Hexo post, feed item); "page": a whole page with site chrome.
    kind: Literal["post", "page"] = "post"
    title: str | None = None
    url: str | None = None
    published_at: dt.datetime | None = None
    categories: list[str] = field(default_factory=list)
    feed: str | None = None
    author: str | None = None
    head_image: str | None = None
