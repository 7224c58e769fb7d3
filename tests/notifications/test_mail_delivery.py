"""With SMTP_URL set, buyer e-mail is really delivered to a mail server after the commit;
a server that is down loses nothing, and ``flask mail retry`` sends it later."""

from __future__ import annotations

import smtplib
import threading
from datetime import UTC, datetime, timedelta

import pytest
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from portal.actors import Actor
from portal.db import unit_of_work
from portal.extensions import db
from portal.notifications.models import OutboxMessage
from portal.notifications.services import retry_failed, send_outbox_message
from portal.orders.services import add_shipment, add_tracking_event
from tests.notifications.mail_server import MailServer

SYSTEM = Actor.system("tests")
BUYER = {"email": "aino@example.fi", "name": "Aino Virtanen"}


def ship(shop, number: str = "1001"):
    return add_shipment(shop, number, {"carrier": "Posti", "tracking_number": "JJFI1"}, actor=SYSTEM)


def delivered(shop, shipment, hours_ago: float = 1):
    occurred = (datetime.now(UTC) - timedelta(hours=hours_ago)).isoformat()
    return add_tracking_event(shop, shipment.id, {"status": "delivered", "occurred_at": occurred}, actor=SYSTEM)


def outbox() -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.created_at)))


def test_a_shipment_notice_is_delivered_as_text_and_html(mail_server, shop, make_order):
    make_order(shop, "1001", locale="en", customer=BUYER)

    ship(shop)

    (email,) = mail_server.messages
    assert mail_server.recipients == [["aino@example.fi"]]
    assert email["To"] == "aino@example.fi"
    assert "1001" in email["Subject"]
    assert email["Subject"] == "Your order 1001 is on its way"
    assert email.get_content_type() == "multipart/alternative"
    text = email.get_body(preferencelist=("plain",)).get_content()
    html = email.get_body(preferencelist=("html",)).get_content()
    assert "JJFI1" in text and "JJFI1" in html
    assert "http://127.0.0.1:5000/o/" in text and 'href="http://127.0.0.1:5000/o/' in html
    (message,) = outbox()
    assert (message.status, message.attempts, message.last_error) == ("sent", 1, None)
    assert message.sent_at is not None


def test_the_buyers_language_reaches_the_delivered_mail(mail_server, shop, make_order):
    make_order(shop, "1001", locale="sv", customer=BUYER)

    ship(shop)

    (email,) = mail_server.messages
    with force_locale("sv"):
        assert email["Subject"] == _("Your order %(number)s is on its way", number="1001")
    assert email["Subject"] != "Your order 1001 is on its way"
    html = email.get_body(preferencelist=("html",)).get_content()
    assert '<html lang="sv">' in html


def test_a_delivery_reported_twice_sends_one_delivered_mail(mail_server, shop, make_order):
    make_order(shop, "1001", locale="en", customer=BUYER)
    shipment = ship(shop)

    delivered(shop, shipment, hours_ago=2)
    delivered(shop, shipment, hours_ago=1)

    assert mail_server.subjects() == ["Your order 1001 is on its way", "Your order 1001 has been delivered"]
    assert [m.kind for m in outbox()] == ["shipment_added", "order_delivered"]


def test_a_rolled_back_change_sends_nothing(mail_server, shop, make_order):
    make_order(shop, "1001", customer=BUYER)

    with pytest.raises(RuntimeError), unit_of_work():
        ship(shop)
        raise RuntimeError("the rest of the operation failed")

    assert mail_server.messages == []
    assert outbox() == []


def test_mail_is_sent_only_after_the_commit(mail_server, shop, make_order):
    make_order(shop, "1001", customer=BUYER)

    with unit_of_work():
        ship(shop)
        assert mail_server.messages == []

    assert len(mail_server.messages) == 1


def test_when_the_server_is_down_the_mail_waits_and_mail_retry_sends_it(
    mail_server_down, runner, shop, make_order, caplog
):
    make_order(shop, "1001", locale="en", customer=BUYER)

    shipment = ship(shop)  # the shipment is saved although the mail could not go

    assert shipment.id
    (message,) = outbox()
    assert (message.status, message.attempts) == ("failed", 1)
    assert message.last_error  # e.g. "[Errno 111] Connection refused"
    assert "inline job portal.notifications.services:send_outbox_message failed; kept for a retry" in caplog.text

    still_down = runner.invoke(args=["mail", "retry"])
    assert still_down.exit_code == 0, still_down.output
    assert still_down.stdout.strip() == "Sent: 0"
    assert [(m.status, m.attempts) for m in outbox()] == [("failed", 2)]

    mail_server_down.start()
    retried = runner.invoke(args=["mail", "retry"])

    assert retried.stdout.strip() == "Sent: 1"
    (email,) = mail_server_down.messages
    assert email["Subject"] == "Your order 1001 is on its way"
    assert email["To"] == "aino@example.fi"
    (message,) = outbox()
    assert (message.status, message.attempts, message.last_error) == ("sent", 3, None)

    again = runner.invoke(args=["mail", "retry"])
    assert again.stdout.strip() == "Sent: 0"
    assert len(mail_server_down.messages) == 1


def test_mail_retry_without_a_mail_server_configured_says_so(app, mail_server_down, runner, shop, make_order):
    make_order(shop, "1001", customer=BUYER)
    ship(shop)  # fails: nothing listens
    app.config["SMTP_URL"] = None

    result = runner.invoke(args=["mail", "retry"])

    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit)
    assert "Error: set SMTP_URL" in result.stderr
    assert retry_failed() == 0  # the scheduler's retries wait for SMTP_URL too
    assert [(m.status, m.attempts) for m in outbox()] == [("failed", 1)]


def test_smtp_credentials_in_the_url_are_decoded(app, shop, make_order):
    server = MailServer(credentials=("shop@kodinkone.example", "p@ss:w/rd"))
    server.start()
    try:
        app.config["SMTP_URL"] = f"smtp://shop%40kodinkone.example:p%40ss%3Aw%2Frd@127.0.0.1:{server.port}"
        make_order(shop, "1001", customer=BUYER)

        ship(shop)
    finally:
        server.stop()

    assert server.logins == [("shop@kodinkone.example", "p@ss:w/rd")]
    assert len(server.messages) == 1
    assert [m.status for m in outbox()] == ["sent"]


@pytest.mark.parametrize(
    ("url", "port"),
    [("smtps://mail.example.net", 465), ("smtp+starttls://mail.example.net", 587), ("smtp://mail.example.net", 25)],
)
def test_without_a_port_the_url_scheme_decides_it(app, monkeypatch, shop, make_order, url, port):
    app.config["SMTP_URL"] = None
    make_order(shop, "1001", customer=BUYER)
    ship(shop)
    (message,) = outbox()
    connections = []

    def refuse(host, port, timeout):
        connections.append((host, port))
        raise ConnectionRefusedError("refused in the test")

    monkeypatch.setattr(smtplib, "SMTP_SSL", refuse)
    monkeypatch.setattr(smtplib, "SMTP", refuse)
    app.config["SMTP_URL"] = url

    with pytest.raises(ConnectionRefusedError):
        send_outbox_message(message.id)

    assert connections == [("mail.example.net", port)]
    assert outbox()[0].status == "failed"


@pytest.mark.postgres
def test_two_senders_at_once_deliver_a_failed_message_once(app, mail_server_down, shop, make_order):
    make_order(shop, "1001", customer=BUYER)
    ship(shop)  # fails: nothing listens yet
    (message,) = outbox()
    mail_server_down.delay = 0.5
    mail_server_down.start()
    start = threading.Barrier(2)

    def job_retry_or_mail_retry():
        with app.app_context():
            try:
                start.wait()
                send_outbox_message(message.id)
            finally:
                db.session.remove()

    senders = [threading.Thread(target=job_retry_or_mail_retry) for _ in range(2)]
    for sender in senders:
        sender.start()
    for sender in senders:
        sender.join(timeout=30)

    assert len(mail_server_down.messages) == 1
    assert [(m.status, m.attempts) for m in outbox()] == [("sent", 2)]
