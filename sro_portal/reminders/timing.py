"""Reminder times: stored in UTC, computed on the agency's calendar.

"Three days before, at 9:00" means 9:00 on the agency's wall clock, whatever daylight-saving time
does in between; adding 72 hours in UTC would be off by an hour across a change.
"""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


def at_local_time(tz: ZoneInfo, day: date, at: time) -> datetime:
    """`day` at wall-clock `at` in `tz`, as an aware UTC datetime.

    A wall time skipped by a spring-forward change moves forward by the gap (2:30 becomes 3:30);
    a repeated one (fall back) takes its first occurrence.
    """
    # fold=0 (PEP 495) reads a skipped time with the offset in force before the change, which
    # lands after the gap, and a repeated time as its first occurrence.
    return datetime.combine(day, at).replace(tzinfo=tz, fold=0).astimezone(UTC)


def days_before(tz: ZoneInfo, moment: datetime | date, days: int, at: time) -> datetime:
    """Wall-clock `at`, `days` days before `moment`'s date in `tz`."""
    day = moment.astimezone(tz).date() if isinstance(moment, datetime) else moment
    return at_local_time(tz, day - timedelta(days=days), at)


def local_date(tz: ZoneInfo, moment: datetime) -> date:
    return moment.astimezone(tz).date()
