"""A score of 1 or 2 opens a follow-up ticket for the shop's support at once — exactly one per
answer, however often the buyer clicks — with the score, the comment and the order; the buyer's
page says who gets in touch and by when."""

from __future__ import annotations

import threading
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_datetime

from portal.db import utcnow
from portal.extensions import db
from portal.feedback import services as feedback
from portal.support import services as desk
from tests.conftest import ON_POSTGRES
from tests.feedback.conftest import (
    SHOP,
    answers,
    click,
    deliver,
    follow_ups,
    fresh_ticket,
    mails,
    open_ticket,
    requests,
    score_links,
    send,
)


@pytest.fixture
def delivery_request(shop, shipped_order):
    order = shipped_order(shop, "1042", locale="en", email="emma@example.com", name="Emma Lund")
    deliver(order, utcnow() - timedelta(days=1, hours=1))
    send()
    [request] = requests()
    return request


def test_a_poor_score_opens_one_follow_up_ticket_with_the_score_comment_and_order(app, delivery_request):
    feedback.answer(delivery_request, 1, comment="Parcel was left outside in the rain.")
    [ticket] = follow_ups()
    assert (ticket.source, ticket.priority, ticket.order_id) == ("feedback", "high", delivery_request.order_id)
    assert ticket.subject == "Feedback 1/5: the delivery of order 1042"
    [message] = ticket.messages
    assert message.internal and message.author_kind == "system"
    assert "The buyer rated the delivery of order 1042 1/5." in message.body
    assert "Their comment: Parcel was left outside in the rain." in message.body
    assert mails("ticket_received") == []  # the thank-you page told the buyer instead
    # Clicking again, or the other poor score, opens no second ticket: the change is noted on it.
    feedback.answer(requests()[0], 1)
    feedback.answer(requests()[0], 2)
    [ticket] = follow_ups()
    assert [m.body for m in ticket.messages][1:] == ["The buyer changed their score from 1/5 to 2/5."]
    assert answers()[0].follow_up_ticket_id == ticket.id
    # The desk finds it in its queue.
    queue = desk.list_tickets(delivery_request.merchant_id, "unassigned").tickets
    assert [t.id for t in queue] == [ticket.id]


def test_the_buyer_reads_who_gets_in_touch_and_by_when(app, shop, delivery_request):
    _html, answer = click(app.test_client(), score_links(mails()[0])[2])
    [ticket] = follow_ups()
    due = format_datetime(ticket.first_response_due_at, "medium", tzinfo=ZoneInfo(shop.timezone), locale="en")
    assert answer["title"] == "Thank you for telling us"
    assert (
        answer["message"]
        == f"We are sorry it did not go well. A person at Kodinkone Oy will contact you about it by {due}."
    )
    assert answer["recorded"] == "Your answer: 2 out of 5 (Poor)."


def test_a_good_or_neutral_score_opens_no_ticket_and_a_later_poor_one_does(app, delivery_request):
    feedback.answer(delivery_request, 5)
    feedback.answer(requests()[0], 3)
    assert follow_ups() == []
    feedback.answer(requests()[0], 2, comment="Actually the box was crushed.")
    [ticket] = follow_ups()
    assert "rated the delivery of order 1042 2/5" in ticket.messages[0].body
    assert "Actually the box was crushed." in ticket.messages[0].body


def test_a_ticket_answer_is_the_tickets_rating_for_the_desk(app, shop, shipped_order):
    order = shipped_order(shop, "2001")
    ticket = open_ticket(order)
    desk.set_status(ticket, "solved", SHOP)
    send()
    request = next(r for r in requests() if r.topic == "ticket")
    feedback.answer(request, 4, comment="Nopea apu, kiitos.")
    solved = fresh_ticket(ticket.id)
    assert (solved.csat_rating, solved.csat_comment) == (4, "Nopea apu, kiitos.") and solved.csat_at is not None
    feedback.answer(requests()[-1], 2)
    assert fresh_ticket(ticket.id).csat_rating == 2
    [follow_up] = follow_ups()
    assert f"the help with ticket {ticket.number} 2/5" in follow_up.messages[0].body


@pytest.mark.postgres
@pytest.mark.skipif(not ON_POSTGRES, reason="needs PostgreSQL row locks")
def test_two_poor_clicks_at_once_open_one_ticket(app, delivery_request):
    request_id = delivery_request.id
    db.session.commit()
    barrier = threading.Barrier(2)
    errors = []

    def click():
        with app.app_context():
            try:
                request = db.session.get(type(delivery_request), request_id)
                barrier.wait()
                feedback.answer(request, 1)
            except Exception as exc:  # noqa: BLE001
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=click) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(follow_ups()) == 1 and len(answers()) == 1
