"""``flask seed-demo``: a demo shop with orders in every language and state, loaded once."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from portal.accounts.services import authenticate
from portal.demo import DEMO_PASSWORD, PRODUCTS, STAFF
from portal.extensions import db
from portal.merchants.models import Merchant
from portal.orders import policy
from portal.orders.models import Order, OrderItem
from portal.orders.services import merchant_today
from portal.payments.models import Refund, RefundStatus

BASE = "http://127.0.0.1:5000"
BUYER_LINK = re.compile(r"^\s+(http://127\.0\.0\.1:5000/o/\S+)$", re.MULTILINE)
LINK_LABEL = re.compile(r"— (\d+)$", re.MULTILINE)


@pytest.fixture
def seed(runner):
    def run():
        result = runner.invoke(args=["seed-demo"])
        assert result.exit_code == 0, result.output
        return result

    return run


def all_orders() -> list[Order]:
    return list(db.session.scalars(select(Order).join(Merchant).where(Merchant.slug == "kodinkone")))


def table_counts() -> dict[str, int]:
    return {
        table.name: db.session.scalar(select(func.count()).select_from(table)) for table in db.metadata.sorted_tables
    }


def test_seed_demo_prints_the_staff_logins_and_three_buyer_links(seed):
    result = seed()

    assert result.stdout.startswith("Demo shop loaded.")
    assert f"{BASE}/staff/login" in result.stdout
    assert DEMO_PASSWORD in result.stdout
    for email, _role, _shop, _name in STAFF:
        assert email in result.stdout
        assert authenticate(email, DEMO_PASSWORD).email == email
    assert len(BUYER_LINK.findall(result.stdout)) == 3
    assert LINK_LABEL.findall(result.stdout) == ["100101", "100102", "100103"]


def test_each_printed_buyer_link_opens_its_order_page(seed, client):
    result = seed()
    links = BUYER_LINK.findall(result.stdout)
    numbers = LINK_LABEL.findall(result.stdout)
    assert len(links) == len(numbers) == 3

    for link, number in zip(links, numbers, strict=True):
        response = client.get(link.removeprefix(BASE), follow_redirects=True)
        assert response.status_code == 200, link
        assert response.request.path == f"/s/kodinkone/orders/{number}"
        assert number in response.get_data(as_text=True)


def test_the_demo_has_forty_orders_in_six_languages(seed):
    seed()
    orders = all_orders()

    assert len(orders) >= 40
    assert {order.locale for order in orders} == {"fi", "sv", "da", "nb", "is", "en"}
    for order in orders:
        assert order.items, order.number
        assert order.payment.captured == order.total, order.number


def test_the_demo_has_an_order_in_every_state(seed):
    seed()
    states: dict[str, list[str]] = {}
    for order in all_orders():
        late = policy.is_late(order.promised_delivery_date, order.delivery_status, merchant_today(order.merchant))
        refunded = db.session.scalar(
            select(func.coalesce(func.sum(Refund.amount), 0)).where(
                Refund.order_id == order.id, Refund.status == RefundStatus.SUCCEEDED.value
            )
        )
        if late:
            states.setdefault("late", []).append(order.number)
        elif not order.shipments:
            states.setdefault("paid, not shipped", []).append(order.number)
        else:
            states.setdefault(order.delivery_status, []).append(order.number)
        if 0 < refunded < order.payment.captured:
            states.setdefault("partly refunded", []).append(order.number)

    expected = {"paid, not shipped", "in_transit", "out_for_delivery", "delivered", "late", "partly refunded"}
    assert expected <= set(states), states
    # The featured links are what their labels promise.
    assert "100101" in states["late"]
    assert "100102" in states["partly refunded"]
    assert "100103" in states["out_for_delivery"]


def test_a_late_demo_order_has_passed_its_promised_date_undelivered(seed):
    seed()
    (order,) = [o for o in all_orders() if o.number == "100101"]

    assert order.promised_delivery_date < merchant_today(order.merchant)
    assert order.delivery_status != "delivered"
    assert order.delivered_at is None


def test_running_seed_demo_twice_adds_nothing(seed, client):
    seed()
    before = table_counts()

    again = seed()

    assert again.stdout.startswith("Demo shop already loaded.")
    assert table_counts() == before
    links = BUYER_LINK.findall(again.stdout)
    assert LINK_LABEL.findall(again.stdout) == ["100101", "100102", "100103"]
    response = client.get(links[0].removeprefix(BASE), follow_redirects=True)
    assert response.request.path == "/s/kodinkone/orders/100101"


def test_icelandic_prices_are_whole_kronur_at_the_shops_rate(seed):
    seed()
    base_prices = {sku: price for sku, _names, price, _attributes in PRODUCTS}
    items = db.session.scalars(select(OrderItem).join(Order).where(Order.currency == "ISK")).all()

    assert items
    for item in items:
        # 1.5 krónur per euro cent (150 ISK per euro), rounded to tens of krónur.
        assert item.unit_price % 10 == 0
        assert abs(item.unit_price - base_prices[item.sku] * 1.5) <= 5, (item.sku, item.unit_price)


def test_a_seed_that_fails_half_way_leaves_nothing_behind(runner, seed, monkeypatch):
    import portal.demo

    def provider_down(*args, **kwargs):
        raise RuntimeError("simulated failure while seeding")

    monkeypatch.setattr(portal.demo, "_demo_refund", provider_down)
    failed = runner.invoke(args=["seed-demo"])
    assert failed.exit_code != 0
    assert db.session.scalar(select(func.count()).select_from(Merchant)) == 0
    assert db.session.scalar(select(func.count()).select_from(Order)) == 0

    monkeypatch.undo()
    result = seed()

    assert result.stdout.startswith("Demo shop loaded.")
    assert len(all_orders()) >= 40


def test_printed_addresses_use_the_public_base_url(app, seed):
    app.config["PUBLIC_BASE_URL"] = "https://apuri.example.net"
    result = seed()

    addresses = re.findall(r"https?://\S+", result.stdout)
    assert len(addresses) == 6  # sign-in, three buyer links, lookup, sent mail
    assert all(address.startswith("https://apuri.example.net/") for address in addresses), addresses
