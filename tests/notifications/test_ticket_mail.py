"""Ticket e-mail through a real SMTP server on loopback: the acknowledgement and the answer reach
the buyer with the reply address that brings their reply back to the ticket — and it does."""

from __future__ import annotations

from portal.actors import Actor
from portal.support import services as tickets
from portal.support.inbound import receive


def test_the_acknowledgement_and_the_answer_arrive_and_a_reply_lands_on_the_ticket(
    mail_server, shop, make_order, make_user
):
    order = make_order(shop, "1001", locale="sv")
    buyer = Actor(kind="buyer", id=order.customer_id, label=order.customer.email, merchant_id=shop.id)
    ticket = tickets.open_ticket(
        shop, order.customer, {"subject": "Kvitto", "message": "Kan jag få kvittot?"}, buyer, order=order
    )
    user = make_user(email="agent@kodinkone.example", role="merchant_agent", merchant=shop)
    staff = Actor(kind="user", id=user.id, label=user.email, merchant_id=shop.id)
    tickets.reply(ticket, {"message": "Här är kvittot."}, staff)

    ack, answer = mail_server.messages
    assert mail_server.recipients == [["aino@example.fi"], ["aino@example.fi"]]
    assert ticket.number in ack["Subject"] and f"[#{ticket.reply_token}]" in ack["Subject"]
    assert ack["Reply-To"] == f"support+{ticket.reply_token}@apuri.localhost"
    assert "Här är kvittot." in answer.get_body(preferencelist=("plain",)).get_content()
    assert "agent@kodinkone.example" not in answer.as_string()  # signed by the shop, not the agent

    # The buyer's mail client answers to the Reply-To address, quoting the answer.
    reply = answer.__class__()
    reply["From"] = "Aino Virtanen <aino@example.fi>"
    reply["To"] = answer["Reply-To"]
    reply["Subject"] = "Re: " + answer["Subject"]
    reply["Message-ID"] = "<reply-1@example.fi>"
    reply.set_content("Tack!\n\n> Här är kvittot.\n")
    result = receive(reply.as_bytes())
    assert result.outcome == "landed" and result.ticket.id == ticket.id and result.message.body == "Tack!"
