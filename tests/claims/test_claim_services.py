"""The negotiation, every transition, and the money in the ledger."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.claims import services as claims
from portal.claims.models import Claim
from portal.errors import Conflict, NotFound, ValidationFailed
from portal.extensions import db
from portal.merchants.policy import merge_policy
from portal.payments.models import Refund
from portal.returns import services as returns
from tests.claims.conftest import BUYER, SHOP, claim_body
from tests.returns.conftest import line


def _refunds(order) -> list[tuple[int, str, str]]:
    rows = db.session.scalars(select(Refund).where(Refund.order_id == order.id).order_by(Refund.created_at))
    return [(r.amount, r.source, r.status) for r in rows]


def _policy(merchant, **claims_section):
    merchant.policy = merge_policy(merchant.policy, {"claims": claims_section})
    db.session.commit()


def test_the_shop_accepts_a_price_reduction_in_one_click(app, make_merchant, delivered_order, photo):
    shop = make_merchant()
    order = delivered_order(shop)
    claim = claims.open_claim(order, claim_body(amount=20000), photos=[photo], actor=BUYER)
    assert (claim.number, claim.status, claim.remedy) == (f"{order.number}-C1", "open", "price_reduction")
    assert [(o.by, o.amount, o.status) for o in claim.offers] == [("buyer", 20000, "open")]
    assert len(claim.photos) == 1 and claim.photos[0].storage_key != claim.photos[0].thumb_key
    claim = claims.accept(shop.id, claim.id, actor=SHOP)
    assert (claim.status, claim.agreed_amount) == ("accepted", 20000)
    assert _refunds(order) == [(20000, "claim", "succeeded")]
    again = claims.accept(shop.id, claim.id, actor=SHOP)  # a double click
    assert again.refund_id == claim.refund_id and _refunds(order) == [(20000, "claim", "succeeded")]


def test_counter_then_the_buyer_accepts(app, make_merchant, delivered_order, photo):
    shop = make_merchant()
    order = delivered_order(shop)
    claim = claims.open_claim(order, claim_body(amount=30000), photos=[photo], actor=BUYER)
    claim = claims.counter(shop.id, claim.id, {"amount": 15000, "message": "Naarmu on pieni."}, actor=SHOP)
    assert claim.status == "countered"
    assert [(o.by, o.amount, o.status) for o in claim.offers] == [
        ("buyer", 30000, "superseded"),
        ("merchant", 15000, "open"),
    ]
    with pytest.raises(Conflict):
        claims.accept(shop.id, claim.id, actor=SHOP)  # the shop cannot accept its own offer
    claim = claims.respond(shop.id, claim.id, {"decision": "accept"}, customer_id=order.customer_id, actor=BUYER)
    assert (claim.status, claim.agreed_amount) == ("accepted", 15000)
    assert _refunds(order) == [(15000, "claim", "succeeded")]


def test_a_declined_counter_and_a_rejection_go_to_support(app, make_merchant, delivered_order, photo):
    shop = make_merchant()
    order = delivered_order(shop)
    first = claims.open_claim(order, claim_body(amount=30000), photos=[photo], actor=BUYER)
    claims.counter(shop.id, first.id, {"amount": 5000}, actor=SHOP)
    first = claims.respond(shop.id, first.id, {"decision": "decline"}, customer_id=order.customer_id, actor=BUYER)
    assert first.status == "escalated" and first.escalated_at is not None
    second = claims.open_claim(order, claim_body("L2", amount=1000), photos=[photo], actor=BUYER)
    with pytest.raises(ValidationFailed):
        claims.reject(shop.id, second.id, {"message": ""}, actor=SHOP)
    second = claims.reject(shop.id, second.id, {"message": "Käyttäjän aiheuttama vaurio."}, actor=SHOP)
    assert second.status == "escalated" and second.offers[-1].message == "Käyttäjän aiheuttama vaurio."
    assert _refunds(order) == []
    with pytest.raises(Conflict):  # the shop handed it to support
        claims.accept(shop.id, second.id, actor=SHOP)
    # Support decides an escalated claim with the same rules: accepting takes the buyer's proposal.
    assert claims.accept(shop.id, second.id, actor=SHOP, as_support=True).agreed_amount == 1000


def test_replacement_and_repair_are_tracked_to_their_end(app, make_merchant, delivered_order, photo):
    shop = make_merchant()
    order = delivered_order(shop)
    claim = claims.open_claim(order, claim_body(remedy="replacement", amount=None), photos=[photo], actor=BUYER)
    claim = claims.accept(shop.id, claim.id, actor=SHOP)
    assert (claim.status, claim.agreed_amount, _refunds(order)) == ("accepted", 0, [])
    with pytest.raises(ValidationFailed):
        claims.resolve(shop.id, claim.id, {"carrier": "Posti"}, actor=SHOP)  # a carrier without a number
    claim = claims.resolve(shop.id, claim.id, {"carrier": "Posti", "tracking_number": "JJFI123"}, actor=SHOP)
    assert claim.status == "resolved" and claim.resolved_at is not None
    assert (claim.fulfilment_carrier, claim.fulfilment_tracking) == ("Posti", "JJFI123")
    from portal.notifications.models import OutboxMessage

    kinds = db.session.scalars(select(OutboxMessage.kind).where(OutboxMessage.recipient == order.customer.email))
    assert "claim_resolved" in list(kinds)


def test_cancelling_the_purchase_refunds_what_is_left_of_the_item(app, make_merchant, delivered_order, photo):
    shop = make_merchant()
    order = delivered_order(shop)
    claim = claims.open_claim(order, claim_body("L2", remedy="cancel", amount=None), photos=[photo], actor=BUYER)
    claims.accept(shop.id, claim.id, actor=SHOP)
    assert _refunds(order) == [(10000, "claim", "succeeded")]  # two trainers, 50 € each


def test_auto_accept_by_percent_or_amount(app, make_merchant, delivered_order, photo):
    shop = make_merchant()
    _policy(shop, auto_accept_max_pct="10", auto_accept_max_amount=5000)
    order = delivered_order(shop)
    by_pct = claims.open_claim(order, claim_body(amount=8990), photos=[photo], actor=BUYER)  # 10 % of 899.00
    assert (by_pct.status, by_pct.auto_accepted) == ("accepted", True)
    by_amount = claims.open_claim(order, claim_body("L2", amount=4000), photos=[photo], actor=BUYER)
    assert by_amount.status == "accepted"
    too_much = claims.open_claim(order, claim_body(amount=9000), photos=[photo], actor=BUYER)
    assert too_much.status == "open"
    assert _refunds(order) == [(8990, "claim", "succeeded"), (4000, "claim", "succeeded")]


def test_claims_and_returns_never_refund_an_item_twice(app, make_merchant, delivered_order, photo):
    shop = make_merchant()
    order = delivered_order(shop)
    ret = returns.request_return(order, {"items": [line("L2", quantity=1)]}, actor=BUYER)
    returns.receive(shop.id, ret.id, None, actor=SHOP)  # one trainer back: 50 € of 100 € refunded
    assert claims.options(order).item("L2").room == 5000
    with pytest.raises(ValidationFailed) as refused:
        claims.open_claim(order, claim_body("L2", amount=6000), photos=[photo], actor=BUYER)
    assert "proposed_amount" in refused.value.fields
    first = claims.open_claim(order, claim_body("L2", amount=3000), photos=[photo], actor=BUYER)
    # The first claim's open proposal holds its 30 €: a second claim may ask for the 20 € left.
    assert claims.options(order).item("L2").room == 2000
    with pytest.raises(ValidationFailed):
        claims.open_claim(order, claim_body("L2", amount=3000), photos=[photo], actor=BUYER)
    second = claims.open_claim(order, claim_body("L2", amount=2000), photos=[photo], actor=BUYER)
    claims.accept(shop.id, first.id, actor=SHOP)
    claims.accept(shop.id, second.id, actor=SHOP)
    assert sorted(a for a, _s, _st in _refunds(order)) == [2000, 3000, 5000]  # the item's 100 €, no more
    assert claims.options(order).item("L2").room == 0
    with pytest.raises(Conflict) as nothing:
        claims.open_claim(order, claim_body("L2", amount=100), photos=[photo], actor=BUYER)
    assert nothing.value.code == "nothing_left"


def test_bad_claims_change_nothing(app, make_merchant, delivered_order, photo, tmp_path):
    shop = make_merchant()
    order = delivered_order(shop)
    for body, photos, field in (
        (claim_body(amount=None), [photo], "proposed_amount"),
        (claim_body("L9"), [photo], "item_id"),
        (claim_body(description="short"), [photo], "description"),
        (claim_body(remedy="refund_please"), [photo], "remedy"),
        (claim_body(), [], "photos"),
        (claim_body(), [photo] * 6, "photos"),
    ):
        with pytest.raises(ValidationFailed) as refused:
            claims.open_claim(order, body, photos=photos, actor=BUYER)
        assert field in refused.value.fields
    assert db.session.scalars(select(Claim)).all() == []
    uploads = tmp_path / "uploads"
    assert not uploads.exists() or not [p for p in uploads.rglob("*") if p.is_file()]  # no orphan files


def test_not_delivered_or_too_late(app, make_merchant, delivered_order, photo):
    shop = make_merchant()
    with pytest.raises(Conflict) as early:
        claims.open_claim(delivered_order(shop, days_ago=None), claim_body(), photos=[photo], actor=BUYER)
    assert early.value.code == "claim_not_allowed"
    with pytest.raises(Conflict) as late:
        claims.open_claim(delivered_order(shop, days_ago=800), claim_body(), photos=[photo], actor=BUYER)
    assert late.value.code == "claim_not_allowed" and "claim period" in str(late.value)


def test_only_the_buyer_answers_and_other_shops_see_nothing(app, make_merchant, delivered_order, photo):
    shop, other = make_merchant(), make_merchant()
    order = delivered_order(shop)
    claim = claims.open_claim(order, claim_body(), photos=[photo], actor=BUYER)
    claims.counter(shop.id, claim.id, {"amount": 100}, actor=SHOP)
    with pytest.raises(NotFound):
        claims.respond(shop.id, claim.id, {"decision": "accept"}, customer_id="cus_other", actor=BUYER)
    with pytest.raises(NotFound):
        claims.accept(other.id, claim.id, actor=SHOP)


def test_the_inbox_is_oldest_due_first_and_paged(app, make_merchant, delivered_order, photo):
    from datetime import timedelta

    from portal.db import utcnow

    shop = make_merchant()
    made = []
    for n in range(3):
        claim = claims.open_claim(delivered_order(shop), claim_body(), photos=[photo], actor=BUYER)
        claim.answer_due_at = utcnow() + timedelta(hours=10 - n)
        made.append(claim.id)
    db.session.commit()
    first = claims.list_claims(shop.id, limit=2)
    rest = claims.list_claims(shop.id, limit=2, cursor=first.next_cursor)
    assert [c.id for c in first.claims + rest.claims] == list(reversed(made))
    assert rest.next_cursor is None
