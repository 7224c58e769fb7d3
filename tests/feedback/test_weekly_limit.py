"""Never more than one feedback request a week per buyer (e-mail address) and shop, whatever it is
about, the ticket satisfaction question included; a request skipped for it is never sent later."""

from __future__ import annotations

from datetime import timedelta

from portal.db import utcnow
from portal.extensions import db
from portal.returns import services as returns
from portal.support import services as desk
from tests.feedback.conftest import SHOP, buyer, deliver, fresh_ticket, line, mails, open_ticket, requests, send


def _statuses():
    return [(r.topic, r.status, r.skip_reason) for r in requests()]


def test_one_request_a_week_across_delivery_return_and_ticket(shop, shipped_order):
    start = utcnow() - timedelta(days=12)
    order = shipped_order(shop, "1001")
    deliver(order, start)
    assert send(start + timedelta(days=1, hours=1)).sent == 1  # the delivery question

    # Three days later the buyer returns an item and support solves a question of theirs.
    day3 = start + timedelta(days=3)
    ret = returns.request_return(order, {"items": [line("L2")]}, actor=buyer(order), now=day3)
    returns.receive(shop.id, ret.id, None, actor=SHOP)
    ticket = open_ticket(order)
    desk.set_status(ticket, "solved", SHOP, now=day3)
    for request in requests():
        request.due_at = day3 if request.topic != "delivery" else request.due_at
    db.session.commit()
    result = send(day3 + timedelta(minutes=10))
    assert (result.sent, result.skipped) == (0, 2)
    assert sorted(_statuses()) == [
        ("delivery", "sent", None),
        ("return", "skipped", "weekly_limit"),
        ("ticket", "skipped", "weekly_limit"),
    ]
    assert len(mails()) == 1 and mails("ticket_survey") == []
    assert fresh_ticket(ticket.id).survey_sent_at is None  # the desk sees it was not asked

    # A week after the first question the limit is over, but what was skipped stays skipped.
    assert send(start + timedelta(days=9)).sent == 0 and len(mails()) == 1


def test_the_ticket_survey_sent_on_its_own_counts_toward_the_limit(shop, shipped_order):
    order = shipped_order(shop, "1002")
    ticket = open_ticket(order)
    desk.set_status(ticket, "solved", SHOP)
    assert desk.send_survey(fresh_ticket(ticket.id))  # the desk's own one-off e-mail
    deliver(order, utcnow() - timedelta(days=1, hours=1))
    assert send().sent == 0
    assert len(mails("ticket_survey")) == 1 and mails() == []
    assert sorted(_statuses()) == [("delivery", "skipped", "weekly_limit"), ("ticket", "skipped", "already_asked")]


def test_two_questions_due_at_once_send_the_one_about_what_the_buyer_asked_for(shop, delivered_order):
    order = delivered_order(shop, "1003", days_ago=10)
    ticket = open_ticket(order)
    ret = returns.request_return(order, {"items": [line("L2")]}, actor=buyer(order))
    now = utcnow()
    desk.set_status(ticket, "solved", SHOP, now=now)
    returns.receive(shop.id, ret.id, None, actor=SHOP)
    for request in requests():
        if request.topic != "delivery":
            request.due_at = now
    db.session.commit()
    send(now + timedelta(minutes=5))
    [mail] = mails()
    assert ret.number in mail.subject
    assert sorted(_statuses()) == [
        ("delivery", "skipped", "expired"),
        ("return", "sent", None),
        ("ticket", "skipped", "weekly_limit"),
    ]


def test_the_limit_is_per_email_address_and_shop(shop, make_merchant, shipped_order):
    other_shop = make_merchant("toinen", name="Toinen Kauppa")
    delivered = utcnow() - timedelta(days=1, hours=1)
    for merchant, number, email in (
        (shop, "2001", "aino@example.fi"),
        (shop, "2002", "aino@example.fi"),  # the same buyer, another order: skipped
        (shop, "2003", "olli@example.fi"),  # another buyer at the same shop
        (other_shop, "2001", "aino@example.fi"),  # the same address at another shop
    ):
        deliver(shipped_order(merchant, number, email=email), delivered)
    result = send()
    assert (result.sent, result.skipped) == (3, 1)
    sent = sorted((m.merchant_id == shop.id, m.recipient) for m in mails())
    assert sent == [(False, "aino@example.fi"), (True, "aino@example.fi"), (True, "olli@example.fi")]
