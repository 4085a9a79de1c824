from __future__ import annotations

import datetime as dt

import pytest

from etl import dates

UTC = dt.UTC


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Wed, 22 Sep 2021 13:01:34 GMT", dt.datetime(2021, 9, 22, 13, 1, 34, tzinfo=UTC)),
        ("Wed, 22 Sep 2021 21:01:34 +0800", dt.datetime(2021, 9, 22, 13, 1, 34, tzinfo=UTC)),
        ("2021-09-22 21:01:34", dt.datetime(2021, 9, 22, 13, 1, 34, tzinfo=UTC)),  # Asia/Shanghai local
        ("2021-09-22T13:01:34Z", dt.datetime(2021, 9, 22, 13, 1, 34, tzinfo=UTC)),
        ("2021-09-22T21:01:34+08:00", dt.datetime(2021, 9, 22, 13, 1, 34, tzinfo=UTC)),
        ("2021年9月22日 21:01", dt.datetime(2021, 9, 22, 13, 1, tzinfo=UTC)),
        ("2021/09/22", dt.datetime(2021, 9, 21, 16, 0, tzinfo=UTC)),
        ("Invalid Date", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_date(text: str | None, expected: dt.datetime | None) -> None:
    assert dates.parse_date(text) == expected


@pytest.mark.parametrize("text", ["32 Septober 2021", "2021-13-45 10:00:00", "yesterday-ish"])
def test_unreadable_dates_raise(text: str) -> None:
    with pytest.raises(dates.DateError):
        dates.parse_date(text)


def test_day_boundaries_are_local() -> None:
    # 17:30 UTC on the 21st is 01:30 on the 22nd in Shanghai.
    moment = dt.datetime(2021, 9, 21, 17, 30, tzinfo=UTC)
    assert dates.local_day(moment, "Asia/Shanghai") == dt.date(2021, 9, 22)
    assert dates.local_day(moment, "UTC") == dt.date(2021, 9, 21)
    start, end = dates.day_bounds(dt.date(2021, 9, 22), "Asia/Shanghai")
    assert start == dt.datetime(2021, 9, 21, 16, tzinfo=UTC)
    assert end - start == dt.timedelta(days=1)
