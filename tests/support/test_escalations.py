"""What self-service could not settle reaches the desk: a rejected claim and a declined
counter-offer each open one ticket about the claim, due by the shop's SLA."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from portal.claims import services as claims
from portal.extensions import db
from portal.notifications.models import OutboxMessage
from portal.support.models import Ticket
from tests.claims import conftest as claims_fixtures
from tests.claims.conftest import BUYER, SHOP, claim_body

delivered_order = claims_fixtures.delivered_order
photo = claims_fixtures.photo


def test_a_rejected_claim_becomes_one_ticket_with_the_negotiation_for_the_desk(make_merchant, delivered_order, photo):
    shop = make_merchant()
    order = delivered_order(shop)
    claim = claims.open_claim(order, claim_body(amount=20000), photos=[photo], actor=BUYER)
    claims.reject(shop.id, claim.id, {"message": "Naarmu on käyttäjän aiheuttama."}, actor=SHOP)
    claims.reject(shop.id, claim.id, {"message": "Naarmu on käyttäjän aiheuttama."}, actor=SHOP)  # a repeat
    [ticket] = db.session.scalars(select(Ticket)).all()
    assert (ticket.source, ticket.about_type, ticket.about_id, ticket.priority) == (
        "escalation",
        "claim",
        claim.id,
        "high",
    )
    assert ticket.order_id == order.id and ticket.subject.startswith(claim.number)
    assert ticket.first_response_due_at == ticket.created_at + timedelta(hours=24)
    [summary] = ticket.messages
    assert summary.internal and "€200.00" in summary.body and "Naarmu on käyttäjän aiheuttama." in summary.body
    kinds = [m.kind for m in db.session.scalars(select(OutboxMessage))]
    assert "ticket_received" not in kinds and "claim_escalated" in kinds  # the buyer is told once


def test_a_declined_counter_offer_goes_to_the_desk_too(make_merchant, delivered_order, photo):
    shop = make_merchant()
    order = delivered_order(shop)
    claim = claims.open_claim(order, claim_body(amount=20000), photos=[photo], actor=BUYER)
    claims.counter(shop.id, claim.id, {"amount": 5000, "message": "50 €?"}, actor=SHOP)
    claims.respond(shop.id, claim.id, {"decision": "decline"}, customer_id=order.customer_id, actor=BUYER)
    [ticket] = db.session.scalars(select(Ticket)).all()
    assert ticket.about_id == claim.id and "declined" in ticket.messages[0].body


def test_support_decides_an_escalated_claim_with_the_same_rules_and_the_desk_ticket_is_solved(
    make_merchant, delivered_order, photo
):
    from portal.payments.models import Refund

    shop = make_merchant()
    order = delivered_order(shop)
    claim = claims.open_claim(order, claim_body(amount=20000), photos=[photo], actor=BUYER)
    claims.reject(shop.id, claim.id, {"message": "Ei."}, actor=SHOP)
    support = SHOP
    accepted = claims.accept(shop.id, claim.id, actor=support, note="Naarmu näkyy kuvissa.", as_support=True)
    assert accepted.status == "accepted" and accepted.agreed_amount == 20000
    assert claims.accept(shop.id, claim.id, actor=support, as_support=True).status == "accepted"  # a repeat
    refunds = db.session.scalars(select(Refund).where(Refund.order_id == order.id)).all()
    assert [(r.amount, r.source) for r in refunds] == [(20000, "claim")]
    [ticket] = db.session.scalars(select(Ticket)).all()
    assert ticket.status == "solved" and "Naarmu näkyy kuvissa." in ticket.messages[-1].body
    assert ticket.messages[-1].internal


def test_an_offer_from_support_declined_again_reopens_the_same_ticket(make_merchant, delivered_order, photo):
    shop = make_merchant()
    order = delivered_order(shop)
    claim = claims.open_claim(order, claim_body(amount=20000), photos=[photo], actor=BUYER)
    claims.reject(shop.id, claim.id, {"message": "Ei."}, actor=SHOP)
    claims.counter(shop.id, claim.id, {"amount": 8000, "message": "80 €?"}, actor=SHOP, as_support=True)
    assert db.session.scalars(select(Ticket)).one().status == "solved"
    claims.respond(shop.id, claim.id, {"decision": "decline"}, customer_id=order.customer_id, actor=BUYER)
    [ticket] = db.session.scalars(select(Ticket)).all()
    assert ticket.status == "open" and "declined support's offer" in ticket.messages[-1].body


def test_a_rejected_return_disputed_and_a_late_order_not_received_reach_the_desk_once(
    make_merchant, delivered_order, make_order
):
    from datetime import date

    import pytest

    from portal.actors import Actor
    from portal.errors import Conflict
    from portal.returns import services as returns
    from portal.support import services as desk
    from tests.returns.conftest import line

    shop = make_merchant()
    order = delivered_order(shop)
    buyer = Actor(kind="buyer", id=order.customer_id, label=order.customer.email, merchant_id=shop.id)
    ret = returns.request_return(order, {"items": [line("L1", reason="changed_mind")]}, actor=buyer)
    with pytest.raises(Conflict):
        desk.dispute_return(ret, {"message": "Palautin ajoissa."}, buyer)
    ret = returns.reject(shop.id, ret.id, {"message": "Käytetty tuote."}, actor=SHOP)
    first = desk.dispute_return(ret, {"message": "Tuote oli käyttämätön."}, buyer)
    again = desk.dispute_return(ret, {"message": "Lisään kuvan myöhemmin."}, buyer)
    assert first.id == again.id and (first.about_type, first.source) == ("return", "escalation")
    assert "Käytetty tuote." in first.messages[0].body and len(db.session.get(Ticket, first.id).messages) == 2

    late = make_order(shop, "4001", promised_delivery_date=(date.today() - timedelta(days=3)).isoformat())
    late_buyer = Actor(kind="buyer", id=late.customer_id, label=late.customer.email, merchant_id=shop.id)
    ticket = desk.report_not_received(late, {"message": "Paketti ei ole tullut."}, late_buyer)
    assert ticket.about_type == "order" and ticket.subject.endswith("Order not received")
    on_time = make_order(shop, "4002", promised_delivery_date=(date.today() + timedelta(days=3)).isoformat())
    with pytest.raises(Conflict):
        desk.report_not_received(on_time, {"message": "Missä paketti?"}, late_buyer)
