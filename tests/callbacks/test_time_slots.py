"""When the shop calls: 30-minute slots in its hours (the desk's business hours, else Monday to
Friday 9–16), in its own time zone, on the next five working days, at least an hour ahead, and
never a slot that is already full. "Now" is passed in: no clock is patched."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask_babel import force_locale

from portal.actors import Actor
from portal.callbacks import services as callbacks
from portal.callbacks import slots as clock
from portal.errors import ValidationFailed
from portal.merchants.services import update_policy
from tests.callbacks.conftest import MONDAY, ask

HELSINKI = clock.SlotRules(timezone="Europe/Helsinki")
STOCKHOLM = clock.SlotRules(timezone="Europe/Stockholm")


def local(rules: clock.SlotRules, *args) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo(rules.timezone)).astimezone(UTC)


def test_slots_run_every_half_hour_from_an_hour_ahead_over_five_working_days():
    starts = HELSINKI.slots(MONDAY)  # Monday 10:00 in Helsinki
    assert starts[0] == local(HELSINKI, 2026, 12, 7, 11, 0)  # an hour from now
    assert starts[1] - starts[0] == timedelta(minutes=30)
    assert starts[-1] == local(HELSINKI, 2026, 12, 11, 15, 30)  # Friday's last: it ends at 16:00
    days = {s.astimezone(ZoneInfo("Europe/Helsinki")).date().isoformat() for s in starts}
    assert days == {"2026-12-07", "2026-12-08", "2026-12-09", "2026-12-10", "2026-12-11"}
    assert len(starts) == 10 + 4 * 14


def test_after_closing_the_five_days_start_tomorrow_and_skip_the_weekend():
    friday_evening = local(HELSINKI, 2026, 12, 11, 15, 30)
    starts = HELSINKI.slots(friday_evening)
    assert starts[0] == local(HELSINKI, 2026, 12, 14, 9, 0)  # Monday 9:00
    assert starts[-1] == local(HELSINKI, 2026, 12, 18, 15, 30)  # Friday


@pytest.mark.parametrize(
    ("chosen", "why"),
    [
        ((2026, 12, 7, 9, 0), clock.PAST),
        ((2026, 12, 7, 10, 30), clock.TOO_SOON),  # half an hour from now
        ((2026, 12, 12, 10, 0), clock.CLOSED_DAY),  # Saturday
        ((2026, 12, 13, 10, 0), clock.CLOSED_DAY),  # Sunday
        ((2026, 12, 8, 8, 30), clock.OUTSIDE_HOURS),  # before opening
        ((2026, 12, 8, 16, 0), clock.OUTSIDE_HOURS),  # it would end after closing
        ((2026, 12, 8, 10, 15), clock.OUTSIDE_HOURS),  # not a slot's start
        ((2026, 12, 14, 10, 0), clock.TOO_FAR),  # the sixth working day
        ((2026, 12, 8, 10, 0), None),
        ((2026, 12, 7, 11, 0), None),  # exactly an hour from now
    ],
)
def test_a_chosen_time_is_refused_with_its_reason(chosen, why):
    assert HELSINKI.problem(local(HELSINKI, *chosen), MONDAY) == why


def test_the_hours_are_the_shops_own_time_zone():
    tuesday_7_utc = datetime(2026, 12, 8, 7, 0, tzinfo=UTC)  # 9:00 in Helsinki, 8:00 in Stockholm
    assert HELSINKI.problem(tuesday_7_utc, MONDAY) is None
    assert STOCKHOLM.problem(tuesday_7_utc, MONDAY) == clock.OUTSIDE_HOURS
    tuesday_14_30_utc = datetime(2026, 12, 8, 14, 30, tzinfo=UTC)  # 16:30 in Helsinki, 15:30 in Stockholm
    assert HELSINKI.problem(tuesday_14_30_utc, MONDAY) == clock.OUTSIDE_HOURS
    assert STOCKHOLM.problem(tuesday_14_30_utc, MONDAY) is None
    assert STOCKHOLM.slots(MONDAY)[0] == local(STOCKHOLM, 2026, 12, 7, 10, 0)  # Stockholm's 9:00 + an hour


def test_the_clock_follows_daylight_saving_time():
    friday = local(HELSINKI, 2027, 3, 26, 8, 0)  # winter time, +02:00
    starts = HELSINKI.slots(friday)
    assert local(HELSINKI, 2027, 3, 26, 9, 0) == datetime(2027, 3, 26, 7, 0, tzinfo=UTC)
    assert datetime(2027, 3, 29, 6, 0, tzinfo=UTC) in starts  # Monday 9:00 in summer time, +03:00
    assert datetime(2027, 3, 29, 7, 0, tzinfo=UTC) in starts


def test_the_desks_business_hours_and_holidays_are_the_calling_hours(app, helsinki):
    update_policy(
        helsinki,
        {
            "sla": {
                "business_hours": {"days": [1, 2, 3, 4, 5, 6], "start": "08:00", "end": "12:00"},
                "holidays": ["2026-12-08"],
            }
        },
        actor=Actor.system("tests"),
    )
    rules = callbacks.rules_for(helsinki)
    assert rules.problem(local(rules, 2026, 12, 12, 8, 0), MONDAY) is None  # Saturday morning
    assert rules.problem(local(rules, 2026, 12, 9, 12, 0), MONDAY) == clock.OUTSIDE_HOURS
    assert rules.problem(local(rules, 2026, 12, 8, 9, 0), MONDAY) == clock.CLOSED_DAY  # the holiday


def test_without_business_hours_the_shop_calls_monday_to_friday_9_to_16(app, helsinki, stockholm):
    assert callbacks.rules_for(helsinki) == clock.SlotRules(timezone="Europe/Helsinki")
    assert callbacks.rules_for(stockholm) == clock.SlotRules(timezone="Europe/Stockholm")


def test_a_full_slot_is_not_offered_and_cannot_be_taken(app, helsinki, make_order):
    first = callbacks.open_slots(helsinki, now=MONDAY)[0]
    assert first.free == 3
    for n in range(3):
        ask(make_order(helsinki, f"10{n}1"), slot=first.value)
    offered = callbacks.open_slots(helsinki, now=MONDAY)
    assert first.value not in [s.value for s in offered]
    assert offered[0].start == first.start + timedelta(minutes=30)
    with pytest.raises(ValidationFailed) as full:
        ask(make_order(helsinki, "1091"), slot=first.value)
    assert str(full.value.fields["slot"][0]) == "That time has just been fully booked. Choose another time."


def test_a_refused_time_is_said_in_the_buyers_language(app, order_fi, order_sv):
    saturday = local(HELSINKI, 2026, 12, 12, 10, 0)
    with force_locale("fi"), pytest.raises(ValidationFailed) as weekend:
        ask(order_fi, slot=callbacks.slot_value(saturday))
    with force_locale("fi"):
        assert str(weekend.value.fields["slot"][0]) == "Emme soita sinä päivänä. Valitse listalta arkipäivä."
    with force_locale("fi"), pytest.raises(ValidationFailed) as soon:
        ask(order_fi, slot=callbacks.slot_value(MONDAY + timedelta(minutes=30)))
    with force_locale("fi"):
        assert "vähintään tunnin päähän" in str(soon.value.fields["slot"][0])
    early = datetime(2026, 12, 8, 7, 0, tzinfo=UTC)  # 8:00 in Stockholm
    with force_locale("en"), pytest.raises(ValidationFailed) as outside:
        ask(order_sv, slot=callbacks.slot_value(early))
    with force_locale("en"):
        assert str(outside.value.fields["slot"][0]) == (
            "We call between 9:00\u202fAM and 4:00\u202fPM (Stockholm time). Choose a time from the list."
        )


def test_every_problem_of_the_form_is_said_at_once(app, order_fi):
    with pytest.raises(ValidationFailed) as refused:
        callbacks.request_callback(
            order_fi, {"phone": "x", "topic": "weather", "slot": "", "note": "n" * 1001}, Actor.system("t"), now=MONDAY
        )
    assert set(refused.value.fields) == {"phone", "topic", "slot", "note"}


def test_the_last_places_of_a_slot_go_to_the_first_buyers_when_they_ask_at_once(app, helsinki, make_order):
    """Five buyers take the same slot at the same moment: three get it, two are told it is full."""
    import threading

    from portal.extensions import db
    from portal.orders.models import Order

    slot = callbacks.open_slots(helsinki, now=MONDAY)[0].value
    order_ids = [make_order(helsinki, f"70{n}").id for n in range(5)]
    db.session.remove()
    barrier = threading.Barrier(5)
    results: list[str] = []

    def ask_at_once(order_id):
        with app.app_context():
            try:
                order = db.session.get(Order, order_id)
                barrier.wait()
                callbacks.request_callback(
                    order, {"phone": "0401234567", "topic": "other", "slot": slot}, Actor.system("t"), now=MONDAY
                )
                results.append("booked")
            except ValidationFailed as exc:
                results.append(str(exc.fields["slot"][0]))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=ask_at_once, args=(ident,)) for ident in order_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["That time has just been fully booked. Choose another time."] * 2 + ["booked"] * 3


def test_a_second_click_books_nothing_new(app, order_fi):
    first = ask(order_fi)
    again = ask(order_fi)
    assert again.id == first.id
    assert callbacks.open_slots(order_fi.merchant, now=MONDAY)[0].free == 2
