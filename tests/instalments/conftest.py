"""A shop offering instalments and a delivered, card-paid order of 948,00 € that qualifies."""

from __future__ import annotations

import pytest

from portal.actors import Actor
from portal.merchants.services import update_policy
from tests.returns import conftest as returns_fixtures

delivered_order = returns_fixtures.delivered_order
SHOP = returns_fixtures.SHOP
BUYER = Actor(kind="buyer", id="cus_test", label="aino@example.fi", ip="203.0.113.7")

TERMS = {
    "enabled": True,
    "months": [3, 6, 12],
    "nominal_rate": "9.90",
    "monthly_fee": 0,
    "setup_fee": 150,
    "min_amount": 20000,
    "max_amount": 500000,
    "window_days": 30,
}
FRIDGE = [
    {
        "id": "L1",
        "sku": "FRIDGE-A-200",
        "name": "Jääkaappi A200",
        "quantity": 1,
        "unit_price": 89900,
        "tax_rate": "25.5",
        "attributes": {"colour": "white"},
    }
]
PAID = 89900 + 4900  # 948,00 €


@pytest.fixture
def shop(make_merchant):
    merchant = make_merchant()
    update_policy(merchant, {"instalments": TERMS}, actor=SHOP)
    return merchant


@pytest.fixture
def order(shop, delivered_order):
    return delivered_order(shop, days_ago=3, items=FRIDGE)
