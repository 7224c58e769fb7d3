"""What a buyer may return, told in plain words before they start."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from portal.errors import ValidationFailed
from portal.extensions import db
from portal.merchants.policy import merge_policy
from portal.returns import policy as rules
from portal.returns import services
from tests.returns.conftest import BUYER, line


def _set_policy(merchant, **returns):
    merchant.policy = merge_policy(merchant.policy, {"returns": returns})
    db.session.commit()


def test_a_delivered_order_can_be_returned_until_the_window_closes(app, make_merchant, delivered_order):
    shop = make_merchant()
    order = delivered_order(shop, days_ago=3)
    options = services.options(order)
    assert options.allowed and options.within_window
    assert options.window_closes_on == options.delivered_on + timedelta(days=14)
    assert [(e.item.line_id, e.left, e.allowed) for e in options.items] == [("L1", 1, True), ("L2", 2, True)]


def test_not_delivered_yet_points_to_cancelling_where_the_shop_allows_it(app, make_merchant, delivered_order):
    shop = make_merchant()
    unshipped = delivered_order(shop, shipped=False)
    options = services.options(unshipped)
    assert not options.allowed and options.cancel_instead
    assert "cancel" in options.reason
    on_its_way = delivered_order(shop, days_ago=None)  # shipped, not delivered
    options = services.options(on_its_way)
    assert not options.allowed and not options.cancel_instead
    assert options.reason == "You can return items once the order has been delivered."
    _set_policy(shop, allow_cancel=False)
    assert not services.options(db.session.merge(unshipped)).cancel_instead


def test_after_the_window_a_defect_claim_is_still_possible(app, make_merchant, delivered_order):
    shop = make_merchant()
    order = delivered_order(shop, days_ago=20)
    options = services.options(order)
    assert not options.allowed and options.claim_instead
    assert options.reason.startswith("The return window closed on ")
    assert "report a defect" in options.reason
    ancient = delivered_order(shop, days_ago=800)
    options = services.options(ancient)
    assert not options.allowed and not options.claim_instead


def test_the_shop_may_give_more_than_the_law_but_never_less(app, make_merchant, delivered_order):
    shop = make_merchant()
    _set_policy(shop, window_days=30)
    assert services.options(delivered_order(shop, days_ago=20)).allowed
    assert rules.window_closes_on(date(2026, 11, 1), 7) == date(2026, 11, 15)  # the law's 14 days at least


def test_items_the_shop_does_not_take_back_are_named_with_the_reason(app, make_merchant, delivered_order):
    shop = make_merchant()
    _set_policy(shop, non_returnable_skus=["FRIDGE-A-200"], non_returnable_categories=["hygiene"])
    items = [
        {"id": "L1", "sku": "FRIDGE-A-200", "name": "Jääkaappi", "quantity": 1, "unit_price": 89900},
        {
            "id": "L2",
            "sku": "TOOTHBRUSH",
            "name": "Hammasharja",
            "quantity": 1,
            "unit_price": 2000,
            "category": "Hygiene",
        },
        {"id": "L3", "sku": "SHOE-42", "name": "Kenkä", "quantity": 1, "unit_price": 5000},
    ]
    order = delivered_order(shop, items=items)
    options = services.options(order)
    assert {e.item.line_id: (e.allowed, e.reason) for e in options.items} == {
        "L1": (False, "The shop does not take this item back."),
        "L2": (False, "The shop does not take this item back."),
        "L3": (True, None),
    }
    with pytest.raises(ValidationFailed) as refused:
        services.request_return(order, {"items": [line("L1", reason="changed_mind")]}, actor=BUYER)
    assert refused.value.fields == {"items.0.item_id": ["The shop does not take this item back."]}


def test_quantities_already_returned_are_shown_and_refused(app, make_merchant, delivered_order):
    shop = make_merchant()
    order = delivered_order(shop)
    services.request_return(order, {"items": [line("L2", quantity=1)]}, actor=BUYER)
    entry = services.options(order).item("L2")
    assert (entry.already_returned, entry.left, entry.allowed) == (1, 1, True)
    services.request_return(order, {"items": [line("L2", quantity=1)]}, actor=BUYER)
    entry = services.options(order).item("L2")
    assert (entry.left, entry.allowed, entry.reason) == (0, False, "Already returned.")


def test_reasons_are_the_standard_codes_plus_the_shops_own_translated(app, make_merchant):
    shop = make_merchant()
    _set_policy(shop, reasons=[{"code": "too_loud", "labels": {"fi": "Liian äänekäs", "en": "Too loud"}}])
    policy = shop.policy["returns"]
    codes = rules.reason_codes(policy)
    assert codes[:6] == [
        "changed_mind",
        "wrong_size",
        "defective",
        "wrong_item",
        "damaged_in_transit",
        "not_as_described",
    ]
    assert codes[-2:] == ["too_loud", "other"]
    assert rules.reason_label("too_loud", policy, "fi") == "Liian äänekäs"
    assert rules.reason_label("too_loud", policy, "sv") == "Too loud"  # falls back to English


def test_due_state_warns_three_days_before_and_after():
    due = date(2026, 12, 1)
    assert rules.due_state(due, date(2026, 11, 27)) is None
    assert rules.due_state(due, date(2026, 11, 28)) == "due_soon"
    assert rules.due_state(due, date(2026, 12, 1)) == "due_soon"
    assert rules.due_state(due, date(2026, 12, 2)) == "overdue"


def test_percentages_round_half_up_to_whole_cents():
    assert rules.percent_of(5000, "10.00") == 500
    assert rules.percent_of(3333, "12.50") == 417  # 416.625
    assert rules.percent_of(1, "50.00") == 1
