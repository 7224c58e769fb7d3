"""A shop with buyers in Finnish, Swedish and English, the moments feedback falls due (a delivery,
a settled return or claim, a solved ticket), the job that sends it, and the e-mail as the buyer
reads it."""

from __future__ import annotations

import re
from html import unescape

import pytest
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from portal.actors import Actor
from portal.db import utcnow
from portal.extensions import db
from portal.feedback import services as feedback
from portal.feedback.models import FeedbackAnswer, FeedbackRequest
from portal.notifications.models import OutboxMessage
from portal.orders.services import add_shipment, add_tracking_event
from portal.support import services as desk
from portal.support.models import Ticket
from tests.claims.conftest import claim_body, photo  # noqa: F401  (fixtures)
from tests.conftest import csrf_from
from tests.returns.conftest import ITEMS, delivered_order, line  # noqa: F401  (fixtures)

SHOP = Actor(kind="user", id="usr_test", label="staff@example.com", role="merchant_admin")
BASE = "http://127.0.0.1:5000"


def buyer(order) -> Actor:
    return Actor(kind="buyer", id=order.customer_id, label=order.customer.email, merchant_id=order.merchant_id)


@pytest.fixture
def shop(make_merchant):
    return make_merchant("kodinkone", name="Kodinkone Oy")


@pytest.fixture
def shipped_order(make_order):
    """An order of ITEMS with a parcel on its way (not delivered), in ``locale``."""

    def make(merchant, number=None, *, locale="fi", email="aino@example.fi", name="Aino Virtanen"):
        captured = sum(i["unit_price"] * i["quantity"] for i in ITEMS) + 4900
        order = make_order(
            merchant,
            number,
            locale=locale,
            items=ITEMS,
            customer={"email": email, "name": name},
            payment={"provider": "simulated", "reference": "pay_1", "method": "card", "captured": captured},
        )
        add_shipment(merchant, order.number, {"carrier": "Posti", "tracking_number": f"JJFI{order.number}"}, actor=SHOP)
        return order

    return make


def deliver(order, at):
    """The carrier reports the parcel delivered at ``at``."""
    shipment = order.shipments[0]
    add_tracking_event(order.merchant, shipment.id, {"status": "delivered", "occurred_at": at.isoformat()}, actor=SHOP)


def open_ticket(order, subject="Oven ovi", message="Ovi ei sulkeudu kunnolla."):
    return desk.open_ticket(
        order.merchant, order.customer, {"subject": subject, "message": message}, buyer(order), order=order
    )


def mails(kind: str = "feedback_request") -> list[OutboxMessage]:
    db.session.expire_all()
    return list(
        db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.created_at))
    )


def requests() -> list[FeedbackRequest]:
    db.session.expire_all()
    return list(db.session.scalars(select(FeedbackRequest).order_by(FeedbackRequest.created_at)))


def answers() -> list[FeedbackAnswer]:
    db.session.expire_all()
    return list(db.session.scalars(select(FeedbackAnswer)))


def fresh_ticket(ticket_id: str) -> Ticket:
    db.session.expire_all()
    return db.session.get(Ticket, ticket_id)


def follow_ups() -> list[Ticket]:
    db.session.expire_all()
    return list(db.session.scalars(select(Ticket).where(Ticket.source == "feedback")))


def in_language(locale: str, msgid: str, **values) -> str:
    """A message as the buyer's language has it (the catalogue's words, or English until translated)."""
    with force_locale(locale):
        return _(msgid, **values)


def score_links(mail: OutboxMessage) -> dict[int, str]:
    """The five answers in the e-mail's text part, as paths on this site."""
    found = re.findall(r"^(\d) – .*: (\S+)$", mail.text_body, re.MULTILINE)
    return {int(score): url.removeprefix(BASE) for score, url in found}


def page(response) -> str:
    return unescape(response.get_data(as_text=True))


def send(now=None):
    return feedback.send_due_feedback(now or utcnow())


def click(client, path: str):
    """What a click in the e-mail does in a browser: open the page, and its script sends the score."""
    opened = client.get(path)
    assert opened.status_code == 200
    html = page(opened)
    score = path.rsplit("/", 1)[1]
    assert f'id="score-{score}" checked' in html
    if 'data-auto-submit="1"' not in html:  # this score is already the answer
        return html, None
    answer_url = re.search(r'id="feedback-form"[^>]*action="([^"]+)"', html).group(1)
    sent = client.post(
        answer_url, data={"csrf_token": csrf_from(html), "score": score}, headers={"Accept": "application/json"}
    )
    assert sent.status_code == 200
    return html, sent.get_json()
