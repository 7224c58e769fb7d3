"""Returns from request to money back: every rule, the ledger, the stock, bad input."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.catalogue.models import Variant
from portal.db import utcnow
from portal.errors import Conflict, NotFound, ValidationFailed
from portal.extensions import db
from portal.merchants.policy import merge_policy
from portal.notifications.models import OutboxMessage
from portal.orders.models import Order
from portal.orders.services import merchant_today, upsert_order
from portal.payments.models import Refund, StoreCreditMovement
from portal.returns import services
from portal.returns.models import ReturnRequest
from tests.conftest import order_document
from tests.returns.conftest import BUYER, ITEMS, SHOP, line


def _policy(merchant, **returns):
    merchant.policy = merge_policy(merchant.policy, {"returns": returns})
    db.session.commit()


def _refunds(order) -> list[tuple[int, str, str]]:
    return [
        (r.amount, r.source, r.status)
        for r in db.session.scalars(select(Refund).where(Refund.order_id == order.id).order_by(Refund.created_at))
    ]


def _stock(sku: str) -> int:
    """What buyers can still get of ``sku``: on hand less what is held for exchanges."""
    return db.session.scalar(select(Variant).where(Variant.sku == sku)).available


def _mail_kinds(order) -> list[str]:
    return list(
        db.session.scalars(
            select(OutboxMessage.kind)
            .where(OutboxMessage.recipient == order.customer.email)
            .order_by(OutboxMessage.created_at)
        )
    )


def test_refund_return_from_request_to_money_back(app, make_merchant, delivered_order):
    shop = make_merchant()
    order = delivered_order(shop)
    ret = services.request_return(order, {"items": [line("L2", quantity=2)], "comment": "Liian pienet"}, actor=BUYER)
    assert (ret.number, ret.status, ret.value, ret.comment) == (
        f"{order.number}-R1",
        "requested",
        10000,
        "Liian pienet",
    )
    assert ret.refund_due_on == merchant_today(shop) + timedelta(days=14)
    assert not ret.whole_order and ret.shipping_refund == 0
    services.approve(shop.id, ret.id, actor=SHOP)
    settled = services.receive(shop.id, ret.id, None, actor=SHOP)
    assert (settled.status, settled.refund_amount) == ("refunded", 10000)
    assert _refunds(order) == [(10000, "return", "succeeded")]  # the simulated provider answers at once
    assert _mail_kinds(order)[-3:] == ["return_requested", "return_approved", "return_settled"]


def test_receiving_twice_moves_the_money_once(app, make_merchant, delivered_order):
    shop = make_merchant()
    order = delivered_order(shop)
    ret = services.request_return(order, {"items": [line("L2")]}, actor=BUYER)
    first = services.receive(shop.id, ret.id, None, actor=SHOP)
    second = services.receive(shop.id, ret.id, None, actor=SHOP)
    assert first.refund_id == second.refund_id
    assert _refunds(order) == [(5000, "return", "succeeded")]
    with pytest.raises(Conflict):
        services.reject(shop.id, ret.id, {"message": "too late"}, actor=SHOP)


def test_whole_order_withdrawn_in_the_window_refunds_the_delivery_too(app, make_merchant, delivered_order):
    shop = make_merchant()
    order = delivered_order(shop)
    first = services.request_return(order, {"items": [line("L2", quantity=2)]}, actor=BUYER)
    assert first.shipping_refund == 0
    last = services.request_return(
        order, {"items": [line("L1", reason="changed_mind", resolution="store_credit")]}, actor=BUYER
    )
    assert (last.whole_order, last.shipping_refund) == (True, 4900)
    services.receive(shop.id, first.id, None, actor=SHOP)
    services.receive(shop.id, last.id, None, actor=SHOP)
    # The delivery goes back to the payment even when the items became store credit.
    assert _refunds(order) == [(10000, "return", "succeeded"), (4900, "return", "succeeded")]
    credit = db.session.scalar(
        select(func.sum(StoreCreditMovement.amount)).where(StoreCreditMovement.order_id == order.id)
    )
    assert credit == 89900


def test_an_exchange_in_the_order_keeps_the_delivery_cost(app, make_merchant, delivered_order, variants):
    shop = make_merchant()
    variants(shop)
    order = delivered_order(shop)
    ret = services.request_return(
        order,
        {
            "items": [
                line("L1", reason="changed_mind"),
                line("L2", quantity=2, resolution="exchange", exchange_sku="SHOE-41"),
            ]
        },
        actor=BUYER,
    )
    assert (ret.whole_order, ret.shipping_refund) == (False, 0)


def test_store_credit_gets_the_shops_bonus(app, make_merchant, delivered_order):
    shop = make_merchant()
    _policy(shop, store_credit_bonus_pct="10")
    order = delivered_order(shop)
    ret = services.request_return(order, {"items": [line("L2", quantity=2, resolution="store_credit")]}, actor=BUYER)
    ret = services.receive(shop.id, ret.id, None, actor=SHOP)
    assert (ret.store_credit_amount, ret.store_credit_bonus, ret.refund_amount) == (10000, 1000, 0)
    movements = db.session.scalars(select(StoreCreditMovement).where(StoreCreditMovement.order_id == order.id)).all()
    assert [(m.amount, m.source, m.source_id) for m in movements] == [(11000, "return", ret.id)]
    assert _refunds(order) == []


def test_damaged_items_may_carry_the_restocking_fee(app, make_merchant, delivered_order):
    shop = make_merchant()
    _policy(shop, restocking_fee_pct="15")
    order = delivered_order(shop)
    ret = services.request_return(
        order, {"items": [line("L1", reason="changed_mind"), line("L2", quantity=2)]}, actor=BUYER
    )
    ret = services.receive(
        shop.id,
        ret.id,
        {
            "items": [
                {"item_id": "L1", "condition": "damaged", "restocking_fee": True},
                {"item_id": "L2", "condition": "damaged", "restocking_fee": False},
            ]
        },
        actor=SHOP,
    )
    assert ret.restocking_fees == 13485  # 15 % of 899.00
    # The whole order came back within the window: the delivery (49.00) is refunded as well.
    assert ret.refund_amount == 89900 - 13485 + 10000 + 4900
    assert _refunds(order) == [(89900 - 13485 + 10000 + 4900, "return", "succeeded")]


def test_exchange_reserves_stock_and_settles_with_an_exchange_order(app, make_merchant, delivered_order, variants):
    shop = make_merchant()
    variants(shop)
    order = delivered_order(shop)
    ret = services.request_return(
        order, {"items": [line("L2", quantity=1, resolution="exchange", exchange_sku="SHOE-44")]}, actor=BUYER
    )
    assert _stock("SHOE-44") == 1  # reserved at request
    # The shop's system sends its stock on hand again: the reservation holds.
    from portal.catalogue.services import upsert_variant

    upsert_variant(
        shop,
        "SHOE-44",
        {
            "product": "SHOE",
            "name": "Juoksukenkä 44",
            "attributes": {"size": "44"},
            "price": 4000,
            "currency": "EUR",
            "stock": 2,
        },
        actor=SHOP,
    )
    assert _stock("SHOE-44") == 1
    ret = services.receive(shop.id, ret.id, None, actor=SHOP)
    assert ret.status == "exchanged"
    assert _stock("SHOE-44") == 1 and _stock("SHOE-42") == 4  # the returned pair is back on the shelf
    size_44 = db.session.scalar(select(Variant).where(Variant.sku == "SHOE-44"))
    assert (size_44.stock, size_44.reserved) == (1, 0)  # the held pair left with the exchange order
    exchange = ret.exchange_order
    assert exchange.number == f"{ret.number}-E" and exchange.customer_id == order.customer_id
    assert [(i.sku, i.quantity, i.unit_price) for i in exchange.items] == [("SHOE-44", 1, 4000)]
    assert (exchange.payment.method, exchange.payment.captured) == ("exchange", 0)
    # Size 44 costs 10 € less: the difference goes back to the payment.
    assert _refunds(order) == [(1000, "return", "succeeded")]


def test_exchange_options_are_in_stock_and_not_pricier(app, make_merchant, delivered_order, variants):
    shop = make_merchant()
    variants(shop)
    entry = services.options(delivered_order(shop)).item("L2")
    # SHOE-43 is sold out; 44 costs 10 € less, 45 costs 10 € more.
    assert [(o.sku, o.stock, o.difference, o.to_pay) for o in entry.exchange_options] == [
        ("SHOE-44", 2, 1000, 0),
        ("SHOE-41", 5, 0, 0),
        ("SHOE-45", 4, 0, 1000),
    ]


def test_reject_tells_the_buyer_and_releases_the_reserved_stock(app, make_merchant, delivered_order, variants):
    shop = make_merchant()
    variants(shop)
    order = delivered_order(shop)
    ret = services.request_return(
        order, {"items": [line("L2", quantity=2, resolution="exchange", exchange_sku="SHOE-41")]}, actor=BUYER
    )
    assert _stock("SHOE-41") == 3
    with pytest.raises(ValidationFailed) as missing:
        services.reject(shop.id, ret.id, {"message": "  "}, actor=SHOP)
    assert "message" in missing.value.fields
    ret = services.reject(shop.id, ret.id, {"message": "Kengät on käytetty."}, actor=SHOP)
    assert (ret.status, ret.decision_message) == ("rejected", "Kengät on käytetty.")
    assert _stock("SHOE-41") == 5
    services.reject(shop.id, ret.id, {"message": "again"}, actor=SHOP)  # a repeat changes nothing
    assert _stock("SHOE-41") == 5 and ret.decision_message == "Kengät on käytetty."
    assert _mail_kinds(order).count("return_rejected") == 1
    # The items are free to be returned again.
    assert services.options(order).item("L2").left == 2


def test_buyer_cancels_before_sending(app, make_merchant, delivered_order, variants):
    shop = make_merchant()
    variants(shop)
    order = delivered_order(shop)
    ret = services.request_return(
        order, {"items": [line("L2", quantity=1, resolution="exchange", exchange_sku="SHOE-41")]}, actor=BUYER
    )
    with pytest.raises(NotFound):
        services.cancel(shop.id, ret.id, customer_id="cus_someone_else", actor=BUYER)
    services.cancel(shop.id, ret.id, customer_id=order.customer_id, actor=BUYER)
    assert _stock("SHOE-41") == 5
    with pytest.raises(Conflict):
        services.approve(shop.id, ret.id, actor=SHOP)


def test_auto_approval_under_the_shops_limit(app, make_merchant, delivered_order):
    shop = make_merchant()
    _policy(shop, auto_approve_max=5000)
    order = delivered_order(shop)
    small = services.request_return(order, {"items": [line("L2", quantity=1)]}, actor=BUYER)
    assert (small.status, small.auto_approved) == ("approved", True)
    big = services.request_return(order, {"items": [line("L1", reason="changed_mind")]}, actor=BUYER)
    assert (big.status, big.auto_approved) == ("requested", False)
    assert _mail_kinds(order)[-2:] == ["return_approved", "return_requested"]


@pytest.mark.parametrize(
    ("items", "field", "message"),
    [
        ([line("L2", quantity=3)], "items.0.quantity", "At most 2 of this item can still be returned."),
        ([line("L9")], "items.0.item_id", "There is no such item in this order."),
        ([line("L2"), line("L2")], "items.1.item_id", "This item is listed twice; give one quantity."),
        ([line("L2", reason="bored")], "items.0.reason", "Choose one of the shop's reasons."),
        (
            [line("L2", resolution="exchange", exchange_sku="SHOE-43")],
            "items.0.exchange_sku",
            "Choose another size or colour of this product that is in stock.",
        ),
        (
            [line("L2", resolution="exchange", exchange_sku="FRIDGE-A-200")],
            "items.0.exchange_sku",
            "Choose another size or colour of this product that is in stock.",
        ),
    ],
)
def test_bad_input_names_the_field_and_changes_nothing(
    app, make_merchant, delivered_order, variants, items, field, message
):
    shop = make_merchant()
    variants(shop)
    order = delivered_order(shop)
    version = order.version
    with pytest.raises(ValidationFailed) as refused:
        services.request_return(order, {"items": [line("L1", reason="changed_mind")] + items}, actor=BUYER)
    shifted = field.replace(field.split(".")[1], str(int(field.split(".")[1]) + 1), 1)
    assert [str(m) for m in refused.value.fields[shifted]] == [message]
    assert db.session.scalar(select(func.count(ReturnRequest.id))) == 0
    assert _stock("SHOE-41") == 5 and _stock("SHOE-44") == 2
    assert db.session.get(Order, order.id).version == version


def test_malformed_bodies_are_refused_by_field(app, make_merchant, delivered_order):
    shop = make_merchant()
    order = delivered_order(shop)
    for body, field in (
        ({"items": []}, "items"),
        ({"items": [line("L2", quantity=0)]}, "items.0.quantity"),
        ({"items": [line("L2", resolution="cash")]}, "items.0.resolution"),
        ({"items": [line("L2")], "extra": 1}, "extra"),
        ("not an object", None),
    ):
        with pytest.raises(ValidationFailed) as refused:
            services.request_return(order, body, actor=BUYER)
        if field:
            assert field in refused.value.fields


def test_an_order_not_delivered_cannot_be_returned(app, make_merchant, delivered_order):
    shop = make_merchant()
    order = delivered_order(shop, days_ago=None)
    with pytest.raises(Conflict) as refused:
        services.request_return(order, {"items": [line("L2")]}, actor=BUYER)
    assert refused.value.code == "return_not_allowed"


def test_the_shop_cannot_drop_an_item_being_returned(app, make_merchant, delivered_order):
    shop = make_merchant()
    order = delivered_order(shop)
    services.request_return(order, {"items": [line("L2", quantity=2)]}, actor=BUYER)
    fewer = [dict(ITEMS[0]), dict(ITEMS[1], quantity=1)]
    with pytest.raises(Conflict) as refused:
        upsert_order(
            shop,
            order.number,
            order_document(
                items=fewer,
                payment={
                    "provider": "simulated",
                    "reference": "pay_1",
                    "method": "card",
                    "captured": 89900 + 5000 + 4900,
                },
            ),
            actor=SHOP,
        )
    assert refused.value.code == "item_in_return"


def test_cancel_an_unsent_order_refunds_it_once(app, make_merchant, delivered_order):
    shop = make_merchant()
    order = delivered_order(shop, shipped=False)
    services.cancel_order(order, actor=BUYER)
    services.cancel_order(order, actor=BUYER)
    assert _refunds(order) == [(104800, "cancellation", "succeeded")]
    assert db.session.get(Order, order.id).cancelled_at is not None
    shipped = delivered_order(shop, days_ago=None)
    with pytest.raises(Conflict) as refused:
        services.cancel_order(shipped, actor=BUYER)
    assert refused.value.code == "already_shipped"


def test_receive_never_refunds_more_than_is_left(app, make_merchant, delivered_order):
    from portal.payments import services as ledger

    shop = make_merchant()
    order = delivered_order(shop)
    ledger.request_refund(order, 104800 - 3000, "manual", "goodwill", SHOP)
    ret = services.request_return(order, {"items": [line("L2", quantity=1)]}, actor=BUYER)
    ret = services.receive(shop.id, ret.id, None, actor=SHOP)
    assert ret.refund_amount == 3000
    assert sum(a for a, _s, st in _refunds(order) if st != "failed") == 104800


def test_list_returns_filters_and_pages(app, make_merchant, delivered_order):
    shop = make_merchant()
    other = make_merchant()
    orders = [delivered_order(shop) for _ in range(3)]
    made = []
    for n, order in enumerate(orders):
        ret = services.request_return(
            order, {"items": [line("L2", reason="changed_mind" if n else "wrong_size")]}, actor=BUYER
        )
        ret.created_at = utcnow() - timedelta(days=10 - n)
        made.append(ret.id)
    db.session.commit()
    services.request_return(delivered_order(other), {"items": [line("L2")]}, actor=BUYER)
    services.reject(shop.id, made[2], {"message": "no"}, actor=SHOP)
    first = services.list_returns(shop.id, limit=2)
    rest = services.list_returns(shop.id, limit=2, cursor=first.next_cursor)
    assert [r.id for r in first.returns + rest.returns] == made and rest.next_cursor is None
    assert [r.id for r in services.list_returns(shop.id, status="open").returns] == made[:2]
    assert [r.id for r in services.list_returns(shop.id, reason="wrong_size").returns] == made[:1]
    assert [r.id for r in services.list_returns(shop.id, older_than_days=9).returns] == made[:2]
    with pytest.raises(ValidationFailed):
        services.list_returns(shop.id, cursor="garbage!")


# -- exchanges for a dearer variant: the buyer pays the difference on the original card --------


def _charges(order) -> list[tuple[int, str]]:
    from portal.payments.models import Charge

    return [(c.amount, c.status) for c in db.session.scalars(select(Charge).where(Charge.order_id == order.id))]


def _dearer(order):
    return services.request_return(
        order, {"items": [line("L2", quantity=2, resolution="exchange", exchange_sku="SHOE-45")]}, actor=BUYER
    )


def test_a_dearer_variant_is_paid_for_then_exchanged(app, make_merchant, delivered_order, variants):
    shop = make_merchant()
    variants(shop)
    order = delivered_order(shop)
    ret = _dearer(order)
    db.session.expire_all()
    ret = db.session.get(ReturnRequest, ret.id)
    assert (ret.difference_due, ret.difference_status, ret.status) == (2000, "paid", "requested")
    assert _charges(order) == [(2000, "succeeded")]
    paid = db.session.get(Order, order.id).payment
    assert (paid.captured, paid.charged, paid.total_paid) == (104800, 2000, 106800)
    ret = services.receive(shop.id, ret.id, None, actor=SHOP)
    assert ret.status == "exchanged" and _refunds(order) == []
    assert [(i.sku, i.quantity, i.unit_price) for i in ret.exchange_order.items] == [("SHOE-45", 2, 6000)]


def test_a_declined_difference_withdraws_the_request_and_frees_the_stock(app, make_merchant, delivered_order, variants):
    from portal.payments.providers.simulated import switch_next_call

    shop = make_merchant()
    variants(shop)
    order = delivered_order(shop)
    switch_next_call("fail", "card_declined")
    ret = _dearer(order)
    db.session.expire_all()
    ret = db.session.get(ReturnRequest, ret.id)
    assert (ret.status, ret.difference_status, ret.decision_message) == (
        "cancelled",
        "failed",
        "The card was declined.",
    )
    assert _stock("SHOE-45") == 4 and _charges(order) == [(2000, "failed")]
    assert db.session.get(Order, order.id).payment.charged == 0
    assert _mail_kinds(order)[-1] == "return_payment_failed"
    assert services.options(order).item("L2").left == 2  # free to start again


def test_no_decision_while_the_difference_is_unpaid_and_reconcile_finishes_it(
    app, make_merchant, delivered_order, variants
):
    from portal.payments.charges import reconcile_charges
    from portal.payments.providers.simulated import switch_next_call

    shop = make_merchant()
    variants(shop)
    order = delivered_order(shop)
    switch_next_call("lose_answer")  # the card is charged, the answer never arrives
    ret = _dearer(order)
    for decide in (services.approve, services.receive):
        with pytest.raises(Conflict) as refused:
            decide(shop.id, ret.id, actor=SHOP)
        assert refused.value.code == "difference_unpaid"
    assert reconcile_charges(older_than=timedelta(0)) == 1
    assert reconcile_charges(older_than=timedelta(0)) == 0
    assert _charges(order) == [(2000, "succeeded")]
    from portal.payments.models import SimulatedTransaction

    assert (
        db.session.scalar(
            select(func.count()).select_from(SimulatedTransaction).where(SimulatedTransaction.kind == "charge")
        )
        == 1
    )
    assert services.approve(shop.id, ret.id, actor=SHOP).status == "approved"


def test_a_rejected_exchange_gives_the_paid_difference_back_once(app, make_merchant, delivered_order, variants):
    shop = make_merchant()
    variants(shop)
    order = delivered_order(shop)
    ret = _dearer(order)
    services.reject(shop.id, ret.id, {"message": "Size 45 is discontinued."}, actor=SHOP)
    services.reject(shop.id, ret.id, {"message": "again"}, actor=SHOP)
    db.session.expire_all()
    assert db.session.get(ReturnRequest, ret.id).difference_status == "refunded"
    assert _refunds(order) == [(2000, "return", "succeeded")]
    assert _stock("SHOE-45") == 4


def test_exchanges_are_only_offered_in_the_orders_currency(app, make_merchant, delivered_order, variants):
    shop = make_merchant()
    variants(shop)  # priced in euros
    order = delivered_order(shop, currency="SEK")
    assert services.options(order).item("L2").exchange_options == []
