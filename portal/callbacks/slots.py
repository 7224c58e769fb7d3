"""When the shop can call, pure: 30-minute slots in its opening hours, in its own time zone.

The hours are the support desk's business hours when the shop has set them (the ``sla``
policy's ``business_hours`` and ``holidays``); otherwise Monday to Friday, 9:00 to 16:00. A
buyer may choose a slot on the next ``days_ahead`` working days that starts at least ``lead``
from now, so that somebody is free to call. How many callbacks a slot takes is counted by the
service (``services.open_slots``): this module knows only the clock.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

DEFAULT_DAYS = frozenset({1, 2, 3, 4, 5})  # ISO weekdays: Monday to Friday
DEFAULT_OPENS = time(9, 0)
DEFAULT_CLOSES = time(16, 0)
SLOT_MINUTES = 30
DAYS_AHEAD = 5
LEAD = timedelta(hours=1)

# Why a chosen start cannot be booked (the service says it in the buyer's words).
INVALID, PAST, TOO_SOON, CLOSED_DAY, OUTSIDE_HOURS, TOO_FAR = (
    "invalid",
    "past",
    "too_soon",
    "closed_day",
    "outside_hours",
    "too_far",
)


def _hhmm(text: str, default: time) -> time:
    try:
        hours, minutes = str(text).split(":")
        return time(int(hours), int(minutes))
    except (TypeError, ValueError):
        return default


@dataclass(frozen=True)
class SlotRules:
    timezone: str
    days: frozenset[int] = DEFAULT_DAYS
    opens: time = DEFAULT_OPENS
    closes: time = DEFAULT_CLOSES
    holidays: frozenset[date] = field(default_factory=frozenset)
    slot_minutes: int = SLOT_MINUTES
    days_ahead: int = DAYS_AHEAD
    lead: timedelta = LEAD

    @classmethod
    def from_policy(cls, timezone: str, business_hours: dict | None, holidays=()) -> SlotRules:
        """The shop's own business hours when it has them, else the defaults."""
        closed = frozenset(d if isinstance(d, date) else date.fromisoformat(d) for d in holidays or ())
        if not business_hours:
            return cls(timezone=timezone, holidays=closed)
        return cls(
            timezone=timezone,
            days=frozenset(int(d) for d in business_hours.get("days") or DEFAULT_DAYS),
            opens=_hhmm(business_hours.get("start", ""), DEFAULT_OPENS),
            closes=_hhmm(business_hours.get("end", ""), DEFAULT_CLOSES),
            holidays=closed,
        )

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def is_working_day(self, day: date) -> bool:
        return day.isoweekday() in self.days and day not in self.holidays

    def day_slots(self, day: date) -> list[datetime]:
        """Every slot start of one day (UTC), whether or not it can still be booked."""
        if not self.is_working_day(day):
            return []
        start = datetime.combine(day, self.opens, self.zone)
        closes = datetime.combine(day, self.closes, self.zone)
        step = timedelta(minutes=self.slot_minutes)
        starts = []
        while start + step <= closes:
            starts.append(start.astimezone(UTC))
            start += step
        return starts

    def slots(self, now: datetime) -> list[datetime]:
        """The starts a buyer may choose now (UTC, in order): ``days_ahead`` working days that still
        have a slot far enough ahead, today included."""
        earliest = now + self.lead
        day = now.astimezone(self.zone).date()
        chosen: list[datetime] = []
        days = 0
        for _ in range(366):  # a year of days: hours that are never open offer nothing
            starts = [s for s in self.day_slots(day) if s >= earliest]
            if starts:
                chosen.extend(starts)
                days += 1
                if days == self.days_ahead:
                    break
            day += timedelta(days=1)
        return chosen

    def end_of(self, start: datetime) -> datetime:
        return start + timedelta(minutes=self.slot_minutes)

    def problem(self, start: datetime | None, now: datetime) -> str | None:
        """Why ``start`` cannot be booked at ``now`` (one of the codes above), or None."""
        if start is None or start.tzinfo is None:
            return INVALID
        if start < now:
            return PAST
        if start < now + self.lead:
            return TOO_SOON
        local = start.astimezone(self.zone)
        if not self.is_working_day(local.date()):
            return CLOSED_DAY
        if start.astimezone(UTC) not in self.day_slots(local.date()):
            return OUTSIDE_HOURS
        if start.astimezone(UTC) not in self.slots(now):
            return TOO_FAR
        return None
