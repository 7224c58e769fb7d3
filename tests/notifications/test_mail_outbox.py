"""Buyer e-mail goes through the outbox: written with the change that caused it, in the
buyer's language, and kept there ("held") when no mail server is set up."""

from __future__ import annotations

import re

import pytest
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, select

from portal.actors import Actor
from portal.db import unit_of_work
from portal.extensions import db
from portal.notifications.models import OutboxMessage
from portal.orders.models import Shipment
from portal.orders.services import add_shipment

SYSTEM = Actor.system("tests")
ORDER_LINK = re.compile(r"http://127\.0\.0\.1:5000(/o/[A-Za-z0-9._-]+)")
SHIPMENT = {"carrier": "Posti", "tracking_number": "JJFI6428100012345", "estimated_delivery": "2026-11-06"}

LONG_DATES = {
    "fi": "6. marraskuuta 2026",
    "sv": "6 november 2026",
    "da": "6. november 2026",
    "nb": "6. november 2026",
    "is": "6. nóvember 2026",
    "en": "November 6, 2026",
}


def outbox() -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.created_at)))


@pytest.mark.parametrize("locale", list(LONG_DATES))
def test_a_shipment_notice_waits_in_the_outbox_in_the_buyers_language(app, shop, make_order, locale):
    assert not app.config["SMTP_URL"]
    make_order(shop, "1001", locale=locale, customer={"email": "buyer@example.fi", "name": "Aino Virtanen"})

    add_shipment(shop, "1001", SHIPMENT, actor=SYSTEM)

    (message,) = outbox()
    assert (message.status, message.kind, message.recipient, message.locale) == (
        "held",
        "shipment_added",
        "buyer@example.fi",
        locale,
    )
    assert message.sent_at is None and message.attempts == 0
    with force_locale(locale):
        assert message.subject == _("Your order %(number)s is on its way", number="1001")
    if locale != "en":
        assert message.subject != "Your order 1001 is on its way"
    assert f'<html lang="{locale}">' in message.html_body
    for body in (message.text_body, message.html_body):
        assert LONG_DATES[locale] in body
        assert "JJFI6428100012345" in body
        assert "Kodinkone Oy" in body
        assert "Aino Virtanen" in body


def test_the_link_in_the_notice_opens_the_buyers_order(client, shop, make_order):
    make_order(shop, "1001", locale="fi")
    add_shipment(shop, "1001", SHIPMENT, actor=SYSTEM)
    (message,) = outbox()

    (path,) = set(ORDER_LINK.findall(message.text_body))
    assert ORDER_LINK.findall(message.html_body) == [path]
    response = client.get(path, follow_redirects=True)

    assert response.status_code == 200
    assert response.request.path == "/s/kodinkone/orders/1001"
    assert "JJFI6428100012345" in response.get_data(as_text=True)


def test_an_english_notice_reads_in_english(shop, make_order):
    make_order(shop, "1001", locale="en", customer={"email": "emily@example.com", "name": "Emily Carter"})

    add_shipment(shop, "1001", SHIPMENT, actor=SYSTEM)

    (message,) = outbox()
    assert message.subject == "Your order 1001 is on its way"
    assert "Your order 1001 from Kodinkone Oy has been shipped with Posti." in message.text_body
    assert "Carrier's estimate: November 6, 2026" in message.text_body


def test_a_rolled_back_change_leaves_no_message(shop, make_order):
    make_order(shop, "1001")

    with pytest.raises(RuntimeError), unit_of_work():
        add_shipment(shop, "1001", SHIPMENT, actor=SYSTEM)
        raise RuntimeError("the rest of the operation failed")

    assert outbox() == []
    assert db.session.scalar(select(func.count()).select_from(Shipment)) == 0
