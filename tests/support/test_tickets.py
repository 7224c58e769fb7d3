"""Tickets: opened with their due times and an acknowledgement in the buyer's language; answers
by e-mail; internal notes kept in; the buyer writing again reopens; the SLA job warns once and
escalates once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from portal.actors import Actor
from portal.errors import ValidationFailed
from portal.extensions import db
from portal.merchants.services import update_policy
from portal.notifications.models import OutboxMessage
from portal.support import services as tickets
from portal.support.models import Ticket

HELSINKI = ZoneInfo("Europe/Helsinki")
SHOP = Actor(kind="user", id="usr_test", label="staff@example.com", role="merchant_admin")
FRIDAY_NOON = datetime(2026, 11, 27, 12, 0, tzinfo=HELSINKI)


def buyer(order) -> Actor:
    return Actor(kind="buyer", id=order.customer_id, label=order.customer.email, merchant_id=order.merchant_id)


def mails(kind):
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind)))


@pytest.fixture
def order(make_merchant, make_order):
    return make_order(make_merchant(), "2001")


@pytest.fixture
def staff(make_user, order) -> Actor:
    user = make_user(email="staff@example.com", role="merchant_agent", merchant=order.merchant)
    return Actor(kind="user", id=user.id, label=user.email, merchant_id=order.merchant_id)


def opened(order, now=FRIDAY_NOON, **kwargs):
    return tickets.open_ticket(
        order.merchant,
        order.customer,
        {"subject": "Missing screws", "message": "The fridge came without the door screws."},
        buyer(order),
        order=order,
        now=now,
        **kwargs,
    )


def test_a_ticket_opens_with_its_due_times_and_the_buyer_is_told_at_once_in_finnish(order):
    ticket = opened(order)
    assert ticket.status == "new" and ticket.locale == "fi"
    assert ticket.first_response_due_at == (FRIDAY_NOON + timedelta(hours=24)).astimezone(UTC)  # Saturday
    assert ticket.resolution_due_at == (FRIDAY_NOON + timedelta(hours=72)).astimezone(UTC)
    [ack] = mails("ticket_received")
    assert ack.recipient == "aino@example.fi" and ticket.number in ack.subject and ticket.reply_token in ack.subject
    assert ticket.number in ack.text_body and "28.11.2026" in ack.text_body


def test_a_bad_ticket_is_refused_by_field_and_nothing_is_kept(order):
    with pytest.raises(ValidationFailed) as refused:
        tickets.open_ticket(order.merchant, order.customer, {"subject": "", "message": "x"}, buyer(order), order=order)
    assert set(refused.value.fields) == {"subject", "message"}
    assert db.session.scalars(select(Ticket)).all() == [] and mails("ticket_received") == []


def test_business_hours_move_the_due_time_past_the_weekend(order):
    business = {"days": [1, 2, 3, 4, 5], "start": "08:00", "end": "16:00"}
    update_policy(order.merchant, {"sla": {"first_response_hours": 8, "business_hours": business}}, actor=SHOP)
    ticket = opened(order, now=datetime(2026, 11, 27, 15, 0, tzinfo=HELSINKI))
    assert ticket.first_response_due_at == datetime(2026, 11, 30, 15, 0, tzinfo=HELSINKI).astimezone(UTC)


def test_a_reply_reaches_the_buyer_and_a_note_does_not(order, staff):
    ticket = opened(order)
    tickets.reply(
        ticket,
        {"message": "Sisäinen: tilaa ruuvit varastosta."},
        staff,
        internal=True,
        now=FRIDAY_NOON + timedelta(hours=1),
    )
    assert mails("ticket_reply") == [] and db.session.get(Ticket, ticket.id).first_responded_at is None
    tickets.reply(ticket, {"message": "Lähetämme ruuvit huomenna."}, staff, now=FRIDAY_NOON + timedelta(hours=2))
    ticket = db.session.get(Ticket, ticket.id)
    assert ticket.status == "waiting_on_buyer" and ticket.assignee_id == staff.id
    assert ticket.first_responded_at == (FRIDAY_NOON + timedelta(hours=2)).astimezone(UTC)
    [mail] = mails("ticket_reply")
    assert "Lähetämme ruuvit huomenna." in mail.text_body and "Sisäinen" not in mail.text_body
    assert [m.internal for m in ticket.messages] == [False, True, False] and len(ticket.public_messages) == 2


def test_the_buyer_writing_again_reopens_a_solved_ticket_with_a_new_due_time(order, staff):
    ticket = opened(order)
    tickets.reply(ticket, {"message": "Ruuvit ovat tulossa."}, staff)
    tickets.set_status(ticket, "solved", SHOP)
    later = FRIDAY_NOON + timedelta(days=5)
    tickets.buyer_message(ticket, {"message": "Ruuveja ei tullut."}, buyer(order), now=later)
    ticket = db.session.get(Ticket, ticket.id)
    assert ticket.status == "open" and ticket.solved_at is None
    assert ticket.resolution_due_at == (later + timedelta(hours=72)).astimezone(UTC)


def test_the_sla_job_warns_the_assignee_once_and_escalates_once_after_the_breach(order, make_user):
    agent = make_user(email="agent@shop.example", role="merchant_agent", merchant=order.merchant)
    ticket = opened(order)
    tickets.assign(ticket, agent.id, SHOP)
    assert tickets.check_sla(FRIDAY_NOON + timedelta(hours=1)) == (0, 0)
    assert tickets.check_sla(FRIDAY_NOON + timedelta(hours=21)) == (1, 0)  # 3 hours left
    assert tickets.check_sla(FRIDAY_NOON + timedelta(hours=22)) == (0, 0)
    [warning] = mails("ticket_due_soon")
    assert warning.recipient == "agent@shop.example" and ticket.number in warning.subject
    assert tickets.check_sla(FRIDAY_NOON + timedelta(hours=25)) == (0, 1)
    assert tickets.check_sla(FRIDAY_NOON + timedelta(hours=26)) == (0, 0)
    ticket = db.session.get(Ticket, ticket.id)
    assert (ticket.queue, ticket.priority) == ("team_lead", "high") and ticket.breached_at is not None


def test_another_shops_staff_cannot_take_the_ticket(order, make_merchant, make_user):
    other = make_user(email="agent@other.example", role="merchant_agent", merchant=make_merchant())
    ticket = opened(order)
    with pytest.raises(ValidationFailed):
        tickets.assign(ticket, other.id, SHOP)
    assert db.session.get(Ticket, ticket.id).assignee_id is None


def test_the_queues_show_the_answer_due_soonest_first(order, staff, make_order):
    first = opened(order, now=FRIDAY_NOON)
    second = opened(make_order(order.merchant, "2002"), now=FRIDAY_NOON - timedelta(hours=3))
    page = tickets.list_tickets(order.merchant_id, "unassigned", now=FRIDAY_NOON)
    assert [t.id for t in page.tickets] == [second.id, first.id]
    tickets.reply(first, {"message": "Katsomme asiaa."}, staff, now=FRIDAY_NOON + timedelta(hours=1))
    mine = tickets.list_tickets(order.merchant_id, "mine", user_id=staff.id, now=FRIDAY_NOON)
    assert [t.id for t in mine.tickets] == [first.id]
    assert [t.id for t in tickets.list_tickets(order.merchant_id, "waiting").tickets] == [first.id]
    soon = tickets.list_tickets(order.merchant_id, "breaching", now=FRIDAY_NOON + timedelta(hours=18))
    assert [t.id for t in soon.tickets] == [second.id]
    one = tickets.list_tickets(order.merchant_id, "all", now=FRIDAY_NOON, limit=1)
    rest = tickets.list_tickets(order.merchant_id, "all", now=FRIDAY_NOON, limit=1, cursor=one.next_cursor)
    assert [t.id for t in one.tickets + rest.tickets] == [second.id, first.id] and rest.next_cursor is None
    with pytest.raises(ValidationFailed):
        tickets.list_tickets(order.merchant_id, "nonsense")


def test_the_shops_holidays_are_closed_and_bad_dates_are_refused(order, client):
    from portal.merchants.services import create_api_key

    business = {"days": [1, 2, 3, 4, 5], "start": "08:00", "end": "16:00"}
    update_policy(
        order.merchant,
        {"sla": {"first_response_hours": 2, "business_hours": business, "holidays": ["2026-12-24", "2026-12-25"]}},
        actor=SHOP,
    )
    ticket = opened(order, now=datetime(2026, 12, 23, 15, 0, tzinfo=HELSINKI))
    assert ticket.first_response_due_at == datetime(2026, 12, 28, 9, 0, tzinfo=HELSINKI).astimezone(UTC)
    _key, secret = create_api_key(order.merchant, name="tests", actor=SHOP)
    headers = {"Authorization": f"Bearer {secret}"}
    response = client.patch("/api/v1/policy", json={"sla": {"holidays": ["24.12.2026"]}}, headers=headers)
    assert response.status_code == 422 and "sla.holidays" in response.get_json()["error"]["fields"]


def test_a_buyer_cannot_flood_the_desk(app, order):
    from portal.errors import RateLimited
    from portal.extensions import limiter

    app.config.update(RATELIMIT_ENABLED=True, TICKET_LIMIT_PER_BUYER="2/hour")
    limiter.reset()
    try:
        opened(order)
        opened(order)
        with pytest.raises(RateLimited):
            opened(order)
        assert len(db.session.scalars(select(Ticket)).all()) == 2 and len(mails("ticket_received")) == 2
    finally:
        limiter.reset()
