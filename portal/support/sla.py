"""The SLA clock, pure: when an answer is due, counted in the shop's own time.

Without business hours the clock runs every hour of every day of the week (the default: a
first answer within 24 hours, weekends included). With business hours (``{"days": [1..7],
"start": "08:00", "end": "16:00"}``, 1 = Monday) only the open hours count, in the shop's
time zone, and holidays (dates) are closed all day; a ticket opened after closing starts
counting at the next opening. Daylight-saving changes are handled by working in local time
and converting each moment back to UTC.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


def _hhmm(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def _opening(day: date, hours: dict, holidays: frozenset[date], zone: ZoneInfo) -> tuple[datetime, datetime] | None:
    """The day's open interval as aware datetimes, or None when closed."""
    if day.isoweekday() not in hours.get("days", [1, 2, 3, 4, 5]) or day in holidays:
        return None
    opens = datetime.combine(day, _hhmm(hours.get("start", "08:00")), zone)
    closes = datetime.combine(day, _hhmm(hours.get("end", "16:00")), zone)
    return opens, closes


def due_at(
    start: datetime,
    hours: float,
    *,
    business_hours: dict | None = None,
    timezone: str = "Europe/Helsinki",
    holidays: Iterable[date] = (),
) -> datetime:
    """The moment ``hours`` of SLA time have passed since ``start`` (aware, any zone), in UTC."""
    if start.tzinfo is None:
        raise ValueError("start must be timezone-aware")
    if hours < 0:
        raise ValueError("hours must not be negative")
    if not business_hours:
        return (start + timedelta(hours=hours)).astimezone(UTC)
    zone = ZoneInfo(timezone)
    closed = frozenset(holidays)
    left = timedelta(hours=hours)
    moment = start.astimezone(zone)
    day = moment.date()
    for _ in range(3660):  # ten years of days: a policy that is never open is refused below
        interval = _opening(day, business_hours, closed, zone)
        if interval is not None:
            opens, closes = interval
            begin = max(moment, opens)
            if begin < closes:
                available = closes - begin
                if left <= available:
                    return (begin + left).astimezone(UTC)
                left -= available
        day += timedelta(days=1)
        moment = datetime.combine(day, time(0, 0), zone)
    raise ValueError("the business hours are never open")


def sla_time_between(
    start: datetime,
    end: datetime,
    *,
    business_hours: dict | None = None,
    timezone: str = "Europe/Helsinki",
    holidays: Iterable[date] = (),
) -> timedelta:
    """How much SLA time passed between two moments (for first-response and resolution times)."""
    if end <= start:
        return timedelta(0)
    if not business_hours:
        return end - start
    zone = ZoneInfo(timezone)
    closed = frozenset(holidays)
    total = timedelta(0)
    moment, finish = start.astimezone(zone), end.astimezone(zone)
    day = moment.date()
    while day <= finish.date():
        interval = _opening(day, business_hours, closed, zone)
        if interval is not None:
            begin, stop = max(moment, interval[0]), min(finish, interval[1])
            if stop > begin:
                total += stop - begin
        day += timedelta(days=1)
    return total
