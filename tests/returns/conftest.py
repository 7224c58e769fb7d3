"""Delivered orders, a catalogue with sizes, and a staff actor: what every returns test starts from."""

from __future__ import annotations

from datetime import timedelta

import pytest

from portal.actors import Actor
from portal.db import utcnow
from portal.orders.services import add_shipment, add_tracking_event

SHOP = Actor(kind="user", id="usr_test", label="staff@example.com", role="merchant_admin")
BUYER = Actor(kind="buyer", id="cus_test", label="aino@example.fi")

# Two lines: a fridge (one) and a pair of trainers in size 42 (two pairs).
ITEMS = [
    {
        "id": "L1",
        "sku": "FRIDGE-A-200",
        "name": "Jääkaappi A200",
        "quantity": 1,
        "unit_price": 89900,
        "tax_rate": "25.5",
        "attributes": {"colour": "white"},
    },
    {
        "id": "L2",
        "sku": "SHOE-42",
        "name": "Juoksukenkä",
        "quantity": 2,
        "unit_price": 5000,
        "tax_rate": "25.5",
        "attributes": {"size": "42"},
    },
]
CAPTURED = 89900 + 2 * 5000 + 4900  # items and delivery: 104,800


@pytest.fixture
def variants(app, make_merchant):
    """Sizes 41–44 of the trainer (44 costs less; 43 is sold out) at the given shop."""
    from portal.catalogue.services import upsert_variant

    def make(merchant):
        for sku, size, price, stock in (
            ("SHOE-41", "41", 5000, 5),
            ("SHOE-42", "42", 5000, 3),
            ("SHOE-43", "43", 5000, 0),
            ("SHOE-44", "44", 4000, 2),
            ("SHOE-45", "45", 6000, 4),
        ):
            upsert_variant(
                merchant,
                sku,
                {
                    "product": "SHOE",
                    "name": f"Juoksukenkä {size}",
                    "attributes": {"size": size},
                    "price": price,
                    "currency": "EUR",
                    "stock": stock,
                },
                actor=SHOP,
            )

    return make


@pytest.fixture
def delivered_order(app, make_order):
    """An order of ITEMS delivered ``days_ago`` days ago (None: shipped, not delivered)."""

    def make(merchant, number: str | None = None, *, days_ago: int | None = 2, items=None, shipped=True, **overrides):
        items = items or ITEMS
        captured = sum(i["unit_price"] * i["quantity"] for i in items) + 4900  # items and delivery
        document = {
            "items": items,
            "payment": {"provider": "simulated", "reference": "pay_1", "method": "card", "captured": captured},
        }
        document.update(overrides)
        order = make_order(merchant, number, **document)
        if shipped:
            shipment = add_shipment(
                merchant, order.number, {"carrier": "Posti", "tracking_number": "JJFI1"}, actor=SHOP
            )
            if days_ago is not None:
                at = (utcnow() - timedelta(days=days_ago)).isoformat()
                add_tracking_event(merchant, shipment.id, {"status": "delivered", "occurred_at": at}, actor=SHOP)
        from portal.orders.services import get_order

        return get_order(merchant.id, order.number)

    return make


def line(item_id="L2", quantity=1, reason="wrong_size", resolution="refund", exchange_sku=None) -> dict:
    entry = {"item_id": item_id, "quantity": quantity, "reason": reason, "resolution": resolution}
    if exchange_sku:
        entry["exchange_sku"] = exchange_sku
    return entry
