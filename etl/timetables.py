"""The nightly schedule: each run's data interval is one whole local calendar day, run a little after it ends.

Airflow's `@daily` gives a zero-length interval and a cron interval timetable at 02:00 gives intervals from 02:00 to
02:00, neither of which is the day a run processes. Here the interval is exactly [00:00, 24:00) in the pipeline's time
zone and the run starts `run_at` after it ends, so a run's logical date is the local midnight its day starts at.

Backfills ask for the days between two instants. Callers send either UTC midnights (the CLI, most REST clients) or
local midnights (a browser in the local time zone): both bounds are floored to the local day they fall on, so
`--from 2021-09-20 --to 2021-09-22` means exactly those three local days either way.

Registered with Airflow by the plugin in `etl/airflow_plugin.py` (an `airflow.plugins` entry point), which the
scheduler needs to deserialise the DAG.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pendulum
from airflow.timetables.base import DagRunInfo, DataInterval, TimeRestriction, Timetable


def local_day(moment: dt.datetime, tz: str) -> dt.date:
    """The calendar day in `tz` that an aware instant falls on."""
    return moment.astimezone(ZoneInfo(tz)).date()


def day_start(day: dt.date, tz: str) -> pendulum.DateTime:
    """Local midnight of `day`, as an aware UTC instant."""
    return pendulum.datetime(day.year, day.month, day.day, tz=tz).in_timezone("UTC")


def day_interval(day: dt.date, tz: str) -> DataInterval:
    return DataInterval(day_start(day, tz), day_start(day + dt.timedelta(days=1), tz))


class LocalDayTimetable(Timetable):
    """One run per local calendar day, `run_at` after the day ends (default 02:00 the next morning)."""

    periodic = True
    can_be_scheduled = True
    run_ordering = ("data_interval_end", "logical_date")

    def __init__(self, timezone: str = "Asia/Shanghai", run_at: dt.timedelta = dt.timedelta(hours=2)) -> None:
        self.timezone = timezone
        self.run_at = run_at
        hours, rest = divmod(int(run_at.total_seconds()), 3600)
        self.description = f"Every local day [00:00, 24:00) {timezone}, run at {hours:02d}:{rest // 60:02d} after it"

    @property
    def summary(self) -> str:
        return f"local day, {self.timezone}"

    def serialize(self) -> dict[str, Any]:
        return {"timezone": self.timezone, "run_at_seconds": int(self.run_at.total_seconds())}

    @classmethod
    def deserialize(cls, data: dict[str, Any]) -> LocalDayTimetable:
        return cls(data["timezone"], dt.timedelta(seconds=data["run_at_seconds"]))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, LocalDayTimetable):
            return NotImplemented
        return (self.timezone, self.run_at) == (other.timezone, other.run_at)

    def __hash__(self) -> int:
        return hash((self.timezone, self.run_at))

    def validate(self) -> None:
        ZoneInfo(self.timezone)
        if not dt.timedelta(0) <= self.run_at < dt.timedelta(days=1):
            raise ValueError(f"run_at must be within a day, got {self.run_at}")

    def info(self, day: dt.date) -> DagRunInfo:
        interval = day_interval(day, self.timezone)
        return DagRunInfo(run_after=interval.end + self.run_at, data_interval=interval)

    def infer_manual_data_interval(self, *, run_after: dt.datetime) -> DataInterval:
        # A manual run processes the last day that has ended.
        return day_interval(local_day(run_after, self.timezone) - dt.timedelta(days=1), self.timezone)

    def next_dagrun_info(
        self, *, last_automated_data_interval: DataInterval | None, restriction: TimeRestriction
    ) -> DagRunInfo | None:
        if last_automated_data_interval is not None:
            day = local_day(last_automated_data_interval.end, self.timezone)
        elif restriction.earliest is not None:
            day = local_day(restriction.earliest, self.timezone)
        else:
            return None  # no start date: nothing to schedule
        if restriction.earliest is not None:
            day = max(day, local_day(restriction.earliest, self.timezone))
        if not restriction.catchup:
            # Without catch-up, start from the last day whose run time has come, not from the start date.
            now = pendulum.now("UTC")
            latest_due = local_day(now - self.run_at, self.timezone) - dt.timedelta(days=1)
            day = max(day, latest_due)
        if restriction.latest is not None and day > local_day(restriction.latest, self.timezone):
            return None
        return self.info(day)
