"""``flask jobs notify-late``: each buyer whose order is late hears it once, by e-mail."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from portal.actors import Actor
from portal.extensions import db
from portal.notifications.models import OutboxMessage
from portal.orders.models import Order
from portal.orders.services import add_shipment, add_tracking_event, notify_late_orders
from tests.conftest import days_from_today

SYSTEM = Actor.system("tests")


def buyer(name: str) -> dict:
    return {"email": f"{name}@example.fi", "name": name.title()}


def ship_and_track(shop, number: str, *statuses: str):
    shipment = add_shipment(shop, number, {"carrier": "Posti", "tracking_number": f"JJFI{number}"}, actor=SYSTEM)
    for hours_ago, status in zip(range(len(statuses) + 1, 1, -1), statuses, strict=False):
        occurred = (datetime.now(UTC) - timedelta(hours=hours_ago)).isoformat()
        add_tracking_event(shop, shipment.id, {"status": status, "occurred_at": occurred}, actor=SYSTEM)


def late_mail(mail_server) -> list[tuple[str, str]]:
    return sorted((str(m["To"]), str(m["Subject"])) for m in mail_server.messages if "is late" in str(m["Subject"]))


def test_each_late_order_gets_one_late_mail(mail_server, runner, shop, make_order):
    make_order(shop, "1001", locale="en", customer=buyer("aino"), promised_delivery_date=days_from_today(-3))
    make_order(shop, "1002", locale="en", customer=buyer("matti"), promised_delivery_date=days_from_today(-5))
    ship_and_track(shop, "1002", "info_received", "in_transit")
    make_order(shop, "1003", locale="en", customer=buyer("laura"), promised_delivery_date=days_from_today(-3))
    ship_and_track(shop, "1003", "in_transit", "delivered")
    make_order(shop, "1004", locale="en", customer=buyer("elsa"), promised_delivery_date=days_from_today(2))
    make_order(shop, "1005", locale="en", customer=buyer("oskar"), promised_delivery_date=None)

    first = runner.invoke(args=["jobs", "notify-late"])

    assert first.exit_code == 0, first.output
    assert first.stdout.strip() == "Late notices sent: 2"
    assert late_mail(mail_server) == [
        ("aino@example.fi", "Your order 1001 is late"),
        ("matti@example.fi", "Your order 1002 is late"),
    ]

    second = runner.invoke(args=["jobs", "notify-late"])

    assert second.stdout.strip() == "Late notices sent: 0"
    assert len(late_mail(mail_server)) == 2


def test_the_late_mail_says_what_was_promised_and_what_the_buyer_can_do(mail_server, shop, make_order):
    order = make_order(shop, "1001", locale="en", customer=buyer("aino"), promised_delivery_date=days_from_today(-3))
    promised = order.promised_delivery_date

    assert notify_late_orders() == 1

    (email,) = mail_server.messages
    text = email.get_body(preferencelist=("plain",)).get_content()
    assert f"{promised:%B} {promised.day}, {promised.year}" in text
    assert "asiakaspalvelu@kodinkone.example" in text
    assert "http://127.0.0.1:5000/o/" in text
    message = db.session.scalar(select(OutboxMessage))
    assert (message.kind, message.status) == ("order_late", "sent")
    assert db.session.get(Order, order.id).late_notified_at is not None


def test_a_late_order_is_told_once_even_without_a_mail_server(app, shop, make_order):
    assert not app.config["SMTP_URL"]
    make_order(shop, "1001", locale="fi", customer=buyer("aino"), promised_delivery_date=days_from_today(-3))

    assert notify_late_orders() == 1
    assert notify_late_orders() == 0

    (message,) = db.session.scalars(select(OutboxMessage)).all()
    assert (message.kind, message.status, message.locale) == ("order_late", "held", "fi")
    assert "1001" in message.subject
