"""The assistant's routing: the parcel question answered from the buyer's own tracking, a return
question opening the return flow, a defect the claim form, a general question from the help
centre — each with its source; an unclear question or a request for a person hands over to a
ticket with the conversation attached, saying when a person answers. Nothing is made up."""

from __future__ import annotations

from datetime import date, timedelta
from html import unescape

import pytest
from sqlalchemy import select

from portal.actors import Actor
from portal.db import utcnow
from portal.extensions import db
from portal.help import assistant as bot
from portal.orders.services import add_shipment, add_tracking_event
from portal.support.models import Ticket
from tests.conftest import csrf_from
from tests.returns.test_buyer_return_pages import open_link

SHOP = Actor.system("tests")


@pytest.fixture
def shop(make_merchant):
    return make_merchant("kodinkone", name="Kodinkone Oy")


@pytest.fixture
def late_order(shop, make_order):
    order = make_order(shop, "6001", locale="en", promised_delivery_date=(date.today() - timedelta(days=2)).isoformat())
    shipment = add_shipment(shop, "6001", {"carrier": "Posti", "tracking_number": "JJFI123"}, actor=SHOP)
    add_tracking_event(
        shop,
        shipment.id,
        {"status": "in_transit", "occurred_at": (utcnow() - timedelta(hours=5)).isoformat(), "location": "Vantaa"},
        actor=SHOP,
    )
    return order


def ask(client, question: str, **extra):
    response = client.post("/s/kodinkone/assistant", data={"q": question, **extra})
    assert response.status_code == 302
    return unescape(client.get(response.headers["Location"]).get_data(as_text=True))


def latest(html: str) -> str:
    return html[html.index('id="latest"') :]


def test_where_is_my_parcel_is_answered_from_the_buyers_tracking(client, late_order):
    open_link(client, late_order)
    html = latest(ask(client, "Where is my parcel?", order="6001"))
    assert "Order 6001: On its way. Carrier Posti, tracking number JJFI123." in html
    assert "Latest news from the carrier: On its way (Vantaa)" in html
    assert "It is late, and we are sorry." in html
    assert "Source:" in html and "Order 6001: tracking" in html and "Help centre:" in html
    assert 'href="/s/kodinkone/orders/6001"' in html


def test_without_an_order_the_same_question_is_answered_from_the_article(client, shop):
    html = latest(ask(client, "where is my parcel"))
    assert "Help centre:" in html and 'href="/s/kodinkone/help/where-is-my-parcel"' in html
    assert "JJFI" not in html and "Order " not in html.split("Source:")[0]


def test_i_want_to_return_opens_the_return_flow(client, shop, make_order):
    order = make_order(shop, "6002", locale="en")
    shipment = add_shipment(shop, "6002", {"carrier": "Posti", "tracking_number": "JJ2"}, actor=SHOP)
    add_tracking_event(shop, shipment.id, {"status": "delivered", "occurred_at": utcnow().isoformat()}, actor=SHOP)
    open_link(client, order)
    html = latest(ask(client, "I want to return an item", order="6002"))
    assert "You can return items of order 6002 now." in html
    assert 'href="/s/kodinkone/orders/6002/return"' in html and "Start a return" in html


def test_a_broken_product_leads_to_the_claim_form(client, shop, make_order):
    order = make_order(shop, "6003", locale="en")
    open_link(client, order)
    html = latest(ask(client, "the product is faulty and broken", order="6003"))
    assert 'href="/s/kodinkone/orders/6003/claim"' in html and "Report a defect" in html


def test_swedish_question_gets_a_swedish_answer(client, late_order):
    open_link(client, late_order)
    client.get("/s/kodinkone/help?lang=sv")
    html = latest(ask(client, "Var är mitt paket?", order="6001"))
    assert "Carrier Posti" not in html  # the sentence is Swedish
    assert "JJFI123" in html and "Posti" in html


def test_an_unclear_question_is_not_guessed_and_hands_over_with_the_conversation(client, late_order):
    open_link(client, late_order)
    ask(client, "Where is my parcel?", order="6001")
    html = latest(ask(client, "Can you engrave my initials on the lid?"))
    assert "I am not sure I understood, and I do not want to guess." in html
    assert "A person answers you by" in html and "Ask a person" in html
    response = client.post("/s/kodinkone/assistant/person", data={"csrf_token": csrf_from(html)})
    assert response.status_code == 302
    ticket = db.session.scalars(select(Ticket)).one()
    assert ticket.source == "assistant" and ticket.order_id == late_order.id
    assert ticket.subject == "Question to the assistant: Where is my parcel?"
    body = ticket.messages[0].body
    assert "Buyer: Where is my parcel?" in body and "Assistant: Order 6001: On its way." in body
    assert "Buyer: Can you engrave my initials on the lid?" in body
    page = unescape(client.get(response.headers["Location"]).get_data(as_text=True))
    assert f"A person from Kodinkone Oy has your question: ticket {ticket.number}." in page
    # The conversation starts afresh.
    assert "Can you engrave" not in unescape(client.get("/s/kodinkone/assistant").get_data(as_text=True))


def test_asking_for_a_person_offers_the_hand_over_at_once(client, late_order):
    open_link(client, late_order)
    html = latest(ask(client, "I want to talk to a human"))
    assert "Of course. A person from Kodinkone Oy can take this" in html and "Ask a person" in html


def test_a_stranger_is_asked_to_find_their_order_before_a_hand_over(client, shop):
    html = latest(ask(client, "please let me talk to a person"))
    assert "we first need your order" in html
    response = client.post("/s/kodinkone/assistant/person", data={"csrf_token": csrf_from(html)})
    assert response.status_code == 302 and response.headers["Location"].endswith("/s/kodinkone/")
    assert db.session.scalars(select(Ticket)).all() == []


def test_another_buyers_order_is_never_used(client, late_order, make_order, shop):
    other = make_order(shop, "6009", locale="en", customer={"email": "eero@example.fi", "name": "Eero"})
    open_link(client, other)
    html = latest(ask(client, "Where is my parcel?", order="6001"))  # not theirs
    assert "JJFI123" not in html and "6001" not in html


def test_every_answer_cites_its_source(app, shop, late_order):
    from tests.help.questions import QUESTIONS

    with app.test_request_context("/"):
        for language, question, _key in QUESTIONS:
            reply = bot.answer(shop, question, language, order=late_order)
            assert reply.sources or reply.offer_person, (language, question)
