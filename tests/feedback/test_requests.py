"""The buyer is asked once after a delivery (a day later) and after each settled return, claim and
solved ticket, by e-mail in their language, with five one-click answers."""

from __future__ import annotations

import re
from datetime import timedelta

from portal.claims import services as claims
from portal.db import utcnow
from portal.returns import services as returns
from portal.support import services as desk
from tests.feedback.conftest import (
    BASE,
    SHOP,
    buyer,
    claim_body,
    deliver,
    fresh_ticket,
    in_language,
    line,
    mails,
    open_ticket,
    requests,
    score_links,
    send,
)


def test_a_delivery_is_asked_about_a_day_later_in_finnish(shop, shipped_order):
    order = shipped_order(shop, "1042", locale="fi")
    delivered = utcnow() - timedelta(hours=2)
    deliver(order, delivered)
    assert send(delivered + timedelta(hours=23)).sent == 0 and mails() == []

    assert send(delivered + timedelta(hours=25)).sent == 1
    [mail] = mails()
    assert (mail.recipient, mail.locale) == ("aino@example.fi", "fi")
    assert mail.subject == in_language("fi", "How did your delivery go? Order %(number)s", number="1042")
    assert mail.text_body.startswith("Hei Aino Virtanen,")
    assert in_language("fi", "How did your delivery go?") in mail.text_body
    links = score_links(mail)
    assert sorted(links) == [1, 2, 3, 4, 5]
    assert all(re.fullmatch(rf"/feedback/[\w.-]+/{n}", path) for n, path in links.items())
    assert "5 – Erittäin hyvä: " in mail.text_body and "1 – Erittäin huono: " in mail.text_body
    assert len(re.findall(r'href="' + re.escape(BASE) + r"/feedback/", mail.html_body)) == 5
    assert "Avaa tilauksesi" in mail.html_body  # the order's own link, as in every order e-mail
    [request] = requests()
    assert (request.topic, request.status, request.subject_id) == ("delivery", "sent", order.id)

    assert send(delivered + timedelta(days=2)).sent == 0 and len(mails()) == 1  # asked once


def test_a_settled_return_is_asked_about_at_once_in_swedish(shop, delivered_order):
    # Delivered ten days ago: the delivery's own question is too old to send by now.
    order = delivered_order(
        shop, "2001", locale="sv", customer={"email": "sara@example.se", "name": "Sara Ek"}, days_ago=10
    )
    ret = returns.request_return(order, {"items": [line("L2")]}, actor=buyer(order))
    returns.approve(shop.id, ret.id, actor=SHOP)
    assert [r.topic for r in requests()] == ["delivery"]  # approved is not settled
    returns.receive(shop.id, ret.id, None, actor=SHOP)

    assert send().sent == 1
    [mail] = mails()
    assert (mail.recipient, mail.locale) == ("sara@example.se", "sv")
    assert mail.subject == in_language("sv", "How did your return go? Return %(number)s", number=ret.number)
    assert mail.text_body.startswith("Hej Sara Ek,")
    assert "5 – Mycket bra: " in mail.text_body and "1 – Mycket dåligt: " in mail.text_body
    assert (
        in_language("sv", "Your return %(number)s to %(shop)s is settled.", number=ret.number, shop="Kodinkone Oy")
        in mail.text_body
    )
    returns.receive(shop.id, ret.id, None, actor=SHOP)  # a second click settles nothing new
    assert [(r.topic, r.status) for r in requests()] == [("delivery", "skipped"), ("return", "sent")]


def test_a_claim_is_asked_about_when_its_money_is_agreed_or_its_replacement_sent(shop, delivered_order, photo):
    order = delivered_order(shop, "3001", locale="fi", days_ago=10)
    reduction = claims.open_claim(order, claim_body(item_id="L1", amount=20000), photos=[photo], actor=buyer(order))
    claims.accept(shop.id, reduction.id, actor=SHOP)
    replacement = claims.open_claim(
        order, claim_body(item_id="L2", remedy="replacement", amount=None), photos=[photo], actor=buyer(order)
    )
    claims.accept(shop.id, replacement.id, actor=SHOP)
    asked = [r.subject_id for r in requests() if r.topic == "claim"]
    assert asked == [reduction.id]  # the replacement is not sent yet
    claims.resolve(shop.id, replacement.id, {"carrier": "Posti", "tracking_number": "JJFI9"}, actor=SHOP)
    assert [r.subject_id for r in requests() if r.topic == "claim"] == [reduction.id, replacement.id]

    assert (send().sent, send().sent) == (1, 0)  # one a week: the second claim's request is skipped
    [mail] = mails()
    assert mail.locale == "fi" and mail.text_body.startswith("Hei Aino Virtanen,")
    assert mail.subject == in_language("fi", "How did your claim go? Claim %(number)s", number=reduction.number)
    assert [(r.topic, r.status, r.skip_reason) for r in requests()] == [
        ("delivery", "skipped", "expired"),
        ("claim", "sent", None),
        ("claim", "skipped", "weekly_limit"),
    ]


def test_a_solved_ticket_gets_one_question_by_the_feedback_job_not_a_second_survey(shop, shipped_order):
    order = shipped_order(shop, "4001", locale="sv", email="sara@example.se", name="Sara Ek")
    ticket = open_ticket(order, "Dörren", "Dörren stänger inte ordentligt.")
    desk.set_status(ticket, "solved", SHOP)
    assert mails() == [] and mails("ticket_survey") == []  # not sent by solving: by the job, within the limit

    assert send().sent == 1
    [mail] = mails()
    assert mails("ticket_survey") == []
    assert mail.subject == in_language("sv", "How did we do? Ticket %(number)s", number=ticket.number) + (
        f" [#{ticket.reply_token}]"
    )
    assert mail.reply_to.startswith(f"support+{ticket.reply_token}@")  # a reply lands on the ticket
    assert in_language("sv", "How did we do?") in mail.text_body and "Hej Sara Ek," in mail.text_body
    assert fresh_ticket(ticket.id).survey_sent_at is not None  # the desk sees the buyer was asked

    desk.buyer_message(fresh_ticket(ticket.id), {"message": "Den stänger fortfarande inte."}, buyer(order))
    desk.set_status(fresh_ticket(ticket.id), "solved", SHOP)
    assert send(utcnow() + timedelta(days=8)).sent == 0 and len(mails()) == 1  # once per ticket


def test_a_ticket_reopened_before_the_job_is_asked_about_when_solved_again(shop, shipped_order):
    order = shipped_order(shop, "4002")
    ticket = open_ticket(order)
    desk.set_status(ticket, "solved", SHOP)
    desk.buyer_message(fresh_ticket(ticket.id), {"message": "Ei se vieläkään toimi."}, buyer(order))
    assert send().sent == 0 and [r.status for r in requests()] == ["due"]
    desk.set_status(fresh_ticket(ticket.id), "solved", SHOP)
    assert send().sent == 1 and len(mails()) == 1


def test_a_request_the_job_reaches_more_than_a_week_late_is_not_sent(shop, shipped_order):
    order = shipped_order(shop, "5001")
    deliver(order, utcnow() - timedelta(days=10))
    assert send().sent == 0 and mails() == []
    [request] = requests()
    assert (request.status, request.skip_reason) == ("skipped", "expired")
