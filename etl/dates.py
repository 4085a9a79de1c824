"""Dates as news sources write them, to aware UTC datetimes."""

from __future__ import annotations

import datetime as dt
import email.utils
import re
from zoneinfo import ZoneInfo

_LOCAL = re.compile(
    r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ T]+(\d{1,2})[:时](\d{1,2})(?:[:分](\d{1,2})秒?)?)?$"
)
_ISO_OFFSET = re.compile(r"(Z|[+-]\d{2}:?\d{2})$")


class DateError(ValueError):
    """A date that is present but cannot be read."""


def parse_date(text: str | None, tz: str = "Asia/Shanghai") -> dt.datetime | None:
    """RFC-2822, ISO-8601 or a local 'YYYY-MM-DD HH:MM:SS' (in `tz`) to UTC.

    None for a missing date or a known placeholder such as 'Invalid Date'; DateError for anything else unreadable.
    """
    if text is None:
        return None
    value = text.strip()
    if not value or value.lower() in {"invalid date", "null", "none", "nan", "undefined"}:
        return None
    local = _LOCAL.match(value)
    if local:
        y, mo, d, h, mi, s = (int(g) if g else 0 for g in local.groups())
        try:
            naive = dt.datetime(y, mo, d, h, mi, s)
        except ValueError as exc:
            raise DateError(f"impossible date {value!r}: {exc}") from exc
        return naive.replace(tzinfo=ZoneInfo(tz)).astimezone(dt.UTC)
    if value[:4].isdigit():
        try:
            parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError as exc:
            raise DateError(f"unreadable date {value!r}") from exc
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=ZoneInfo(tz))
        return parsed.astimezone(dt.UTC)
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError) as exc:
        raise DateError(f"unreadable date {value!r}") from exc
    if parsed.tzinfo is None:
        # RFC 2822 '-0000' means "UTC, origin unknown"; parsedate_to_datetime returns it naive.
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed.astimezone(dt.UTC)


def local_day(moment: dt.datetime, tz: str) -> dt.date:
    return moment.astimezone(ZoneInfo(tz)).date()


def day_bounds(day: dt.date, tz: str) -> tuple[dt.datetime, dt.datetime]:
    """The UTC instants [start, end) of a calendar day in `tz`."""
    zone = ZoneInfo(tz)
    start = dt.datetime.combine(day, dt.time(), zone)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), zone)
    return start.astimezone(dt.UTC), end.astimezone(dt.UTC)
