"""The SLA clock with fixed moments: every day of the week by default; business hours, weekends,
holidays and a daylight-saving change when the shop sets them."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.support.sla import due_at, sla_time_between

HELSINKI = ZoneInfo("Europe/Helsinki")
OFFICE = {"days": [1, 2, 3, 4, 5], "start": "08:00", "end": "16:00"}


def local(*args) -> datetime:
    return datetime(*args, tzinfo=HELSINKI)


def test_without_business_hours_the_clock_runs_through_the_weekend():
    friday_evening = local(2026, 11, 27, 22, 30)
    assert due_at(friday_evening, 24) == local(2026, 11, 28, 22, 30).astimezone(UTC)  # Saturday


def test_business_hours_count_only_open_hours_and_skip_the_weekend():
    # Friday 15:00: one open hour left that day, the other 7 on Monday from 08:00.
    assert due_at(local(2026, 11, 27, 15, 0), 8, business_hours=OFFICE) == local(2026, 11, 30, 15, 0)
    # Opened on Saturday: the clock starts on Monday at 08:00.
    assert due_at(local(2026, 11, 28, 11, 0), 2, business_hours=OFFICE) == local(2026, 11, 30, 10, 0)
    # Opened after closing on Wednesday: Thursday 08:00 + 24 open hours = Monday 16:00.
    assert due_at(local(2026, 11, 25, 17, 45), 24, business_hours=OFFICE) == local(2026, 11, 30, 16, 0)


def test_holidays_are_closed_all_day():
    # Independence Day (Sunday 6.12.2026 is closed anyway); Christmas Eve and Day on Thu–Fri.
    christmas = [date(2026, 12, 24), date(2026, 12, 25)]
    assert due_at(local(2026, 12, 23, 15, 0), 2, business_hours=OFFICE, holidays=christmas) == local(2026, 12, 28, 9, 0)


def test_the_clock_crosses_a_daylight_saving_change_in_local_time():
    # Finland goes to summer time on Sunday 29.3.2026: Friday 15:30 + 1 open hour = Monday 08:30 local.
    due = due_at(local(2026, 3, 27, 15, 30), 1, business_hours=OFFICE)
    assert due == local(2026, 3, 30, 8, 30) and due.utcoffset() == timedelta(0)
    assert due.astimezone(HELSINKI).utcoffset() == timedelta(hours=3)


def test_time_between_counts_the_same_hours():
    start = local(2026, 11, 27, 15, 0)
    assert sla_time_between(start, local(2026, 11, 30, 15, 0), business_hours=OFFICE) == timedelta(hours=8)
    assert sla_time_between(start, local(2026, 11, 30, 15, 0)) == timedelta(hours=72)
    assert sla_time_between(start, start - timedelta(hours=1)) == timedelta(0)


def test_nonsense_is_refused():
    with pytest.raises(ValueError):
        due_at(datetime(2026, 11, 27, 12, 0), 1)  # naive
    with pytest.raises(ValueError):
        due_at(local(2026, 11, 27, 12, 0), 1, business_hours={"days": [], "start": "08:00", "end": "16:00"})


@settings(max_examples=150, deadline=None)
@given(
    start=st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31)),
    hours=st.integers(min_value=0, max_value=200),
    days=st.sets(st.integers(min_value=1, max_value=7), min_size=1),
)
def test_the_time_counted_up_to_the_due_moment_is_the_sla(start, hours, days):
    opened = start.replace(tzinfo=HELSINKI)
    policy = {"days": sorted(days), "start": "08:00", "end": "16:00"}
    due = due_at(opened, hours, business_hours=policy)
    assert due >= opened
    assert sla_time_between(opened, due, business_hours=policy) == timedelta(hours=hours)
