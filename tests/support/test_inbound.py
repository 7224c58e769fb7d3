"""A buyer's reply to a ticket e-mail lands on the ticket: by the token in the reply address or
the subject, only from the ticket's buyer, without the quoted mail, once per Message-ID."""

from __future__ import annotations

from email.message import EmailMessage

import pytest
from sqlalchemy import select

from portal.actors import Actor
from portal.extensions import db
from portal.notifications.models import OutboxMessage
from portal.support import services as tickets
from portal.support.inbound import new_text, receive
from portal.support.models import Ticket

SECRET = "inbound-secret-for-tests"


@pytest.fixture
def ticket(make_merchant, make_order, make_user):
    order = make_order(make_merchant(), "3001")
    buyer = Actor(kind="buyer", id=order.customer_id, label=order.customer.email, merchant_id=order.merchant_id)
    opened = tickets.open_ticket(
        order.merchant, order.customer, {"subject": "Ovi", "message": "Oven sarana on rikki."}, buyer, order=order
    )
    user = make_user(email="agent@shop.example", role="merchant_agent", merchant=order.merchant)
    staff = Actor(kind="user", id=user.id, label=user.email, merchant_id=order.merchant_id)
    tickets.reply(opened, {"message": "Lähetämme uuden saranan."}, staff)
    return db.session.get(Ticket, opened.id)


def mail(
    ticket,
    *,
    sender="aino@example.fi",
    to=None,
    subject="Re: Vastaus",
    body="Kiitos, odotan.",
    message_id="<m1@example.fi>",
):
    message = EmailMessage()
    message["From"] = f"Aino Virtanen <{sender}>"
    message["To"] = to or f"support+{ticket.reply_token}@apuri.localhost"
    message["Subject"] = subject
    message["Message-ID"] = message_id
    message.set_content(body)
    return message.as_bytes()


def test_the_ticket_e_mails_carry_the_reply_address(ticket):
    sent = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind.in_(("ticket_received", "ticket_reply"))))
    for message in sent:
        assert message.reply_to == f"support+{ticket.reply_token}@apuri.localhost"
        assert f"[#{ticket.reply_token}]" in message.subject


def test_a_reply_lands_once_without_the_quoted_mail_and_reopens_the_ticket(ticket):
    body = "Kiitos, odotan saranaa.\n\nTo 26.11.2026 klo 10.00 Kodinkone kirjoitti:\n> Lähetämme uuden saranan.\n"
    result = receive(mail(ticket, body=body))
    assert result.outcome == "landed" and result.message.body == "Kiitos, odotan saranaa."
    assert result.message.via == "email" and db.session.get(Ticket, ticket.id).status == "open"
    assert receive(mail(ticket, body=body)).outcome == "duplicate"
    assert len([m for m in db.session.get(Ticket, ticket.id).messages if m.via == "email"]) == 1


def test_the_token_in_the_subject_is_enough(ticket):
    result = receive(mail(ticket, to="support@apuri.localhost", subject=f"Re: Vastaus [#{ticket.reply_token}]"))
    assert result.outcome == "landed"


@pytest.mark.parametrize(
    ("kwargs", "outcome"),
    [
        ({"sender": "mallory@example.com"}, "wrong_sender"),
        ({"to": "support+0000000000000000@apuri.localhost"}, "no_ticket"),
        ({"body": "> only the quote\n"}, "empty"),
    ],
)
def test_mail_that_is_not_the_buyers_reply_lands_nothing(ticket, kwargs, outcome):
    before = len(ticket.messages)
    assert receive(mail(ticket, **kwargs)).outcome == outcome
    assert len(db.session.get(Ticket, ticket.id).messages) == before


def test_quoted_text_and_signatures_are_cut_off():
    assert new_text("Kyllä.\n-- \nAino") == "Kyllä."
    assert new_text("Ja.\n\nDen 26 nov. 2026 skrev Butiken <a@b.se>:\n> Hej") == "Ja."


def test_the_endpoint_needs_the_secret(app, client, ticket):
    app.config["INBOUND_EMAIL_SECRET"] = SECRET
    headers = {"Content-Type": "message/rfc822"}
    assert client.post("/api/v1/inbound/email", data=mail(ticket), headers=headers).status_code == 401
    wrong = {**headers, "X-Inbound-Secret": "nope"}
    assert client.post("/api/v1/inbound/email", data=mail(ticket), headers=wrong).status_code == 401
    right = {**headers, "X-Inbound-Secret": SECRET}
    response = client.post("/api/v1/inbound/email", data=mail(ticket), headers=right)
    assert response.status_code == 200 and response.get_json() == {"outcome": "landed", "ticket": ticket.number}


def test_the_command_reads_the_mail_from_stdin(runner, ticket):
    result = runner.invoke(args=["support", "inbound"], input=mail(ticket, message_id="<m2@example.fi>"))
    assert result.exit_code == 0 and result.output.strip() == f"landed: ticket {ticket.number}"
    refused = runner.invoke(
        args=["support", "inbound"], input=mail(ticket, sender="x@example.com", message_id="<m3@x>")
    )
    assert refused.exit_code == 1 and refused.output.startswith("wrong_sender")


def raw_mail(ticket, headers: str, body: bytes = b"Kiitos, odotan.\n") -> bytes:
    """A hand-written message: what a broken or hostile mailer may send."""
    return headers.replace("TOKEN", ticket.reply_token).replace("\n", "\r\n").encode() + b"\r\n" + body


@pytest.mark.parametrize(
    "headers",
    [
        "From: Aino <aino@example.fi>\nTo: support+…@[x\nSubject: Re\nMessage-ID: <z1@x>\n",
        "From: Aino <aino@example.fi>\nTo: support+TOKEN@apuri.localhost\nSubject: Re\nMessage-ID: <\n",
        "From: <\nTo: support+TOKEN@apuri.localhost\nSubject: Re\nMessage-ID: <z2@x>\n",
    ],
    ids=["unparseable To", "unparseable Message-ID", "unparseable From"],
)
def test_a_malformed_mail_is_answered_not_a_server_error(app, client, ticket, headers):
    """Found by schemathesis: these made POST /api/v1/inbound/email answer 500."""
    app.config["INBOUND_EMAIL_SECRET"] = SECRET
    before = len(ticket.messages)
    response = client.post(
        "/api/v1/inbound/email",
        data=raw_mail(ticket, headers),
        headers={"Content-Type": "message/rfc822", "X-Inbound-Secret": SECRET},
    )
    assert response.status_code == 200
    assert response.get_json()["outcome"] in ("no_ticket", "wrong_sender", "landed")
    db.session.expire_all()
    if response.get_json()["outcome"] != "landed":
        assert len(db.session.get(Ticket, ticket.id).messages) == before


def test_a_mail_in_an_unknown_charset_lands_with_what_can_be_read(ticket):
    headers = (
        "From: Aino <aino@example.fi>\nTo: support+TOKEN@apuri.localhost\nSubject: Re\n"
        "Message-ID: <z3@x>\nContent-Type: text/plain; charset=unknown-8bit\n"
    )
    result = receive(raw_mail(ticket, headers, b"Kiitos, odotan saranaa.\n"))
    assert result.outcome == "landed" and result.message.body == "Kiitos, odotan saranaa."
