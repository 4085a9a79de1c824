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
# RFC-2822 as feeds write it in GMT: read directly, the same instant email.utils reads, a few times faster (years
# from 1000: email.utils moves two-digit years, and "0021" is one to it).
_RFC_GMT = re.compile(
    r"^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\d{1,2}) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) ([1-9]\d{3}) "
    r"(\d{2}):(\d{2}):(\d{2}) GMT$"
)
_MONTHS = {m: i for i, m in enumerate("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(), start=1)}


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
    if gmt := _RFC_GMT.match(value):
        day, mon, year, hour, minute, second = gmt.groups()
        try:
            return dt.datetime(int(year), _MONTHS[mon], int(day), int(hour), int(minute), int(second), tzinfo=dt.UTC)
        except ValueError:
            pass  # email.utils says how it is wrong
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
