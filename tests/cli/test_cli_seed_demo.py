"""``flask seed-demo``: a demo shop with orders in every language and state, and returns in
every state the shop handles, loaded once."""

from __future__ import annotations

import re

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from portal.accounts.services import authenticate
from portal.audit.models import AuditEntry
from portal.catalogue.models import Variant
from portal.demo import AUTO_APPROVE_MAX, DEMO_PASSWORD, PRODUCTS, RETURN_ADDRESS, STAFF
from portal.extensions import db
from portal.merchants.models import Merchant
from portal.merchants.policy import effective_policy
from portal.orders import policy
from portal.orders.models import Order, OrderItem
from portal.orders.services import merchant_today
from portal.payments.models import Refund, RefundStatus
from portal.returns import policy as return_rules
from portal.returns import services as returns
from portal.returns.models import ReturnRequest

BASE = "http://127.0.0.1:5000"
BUYER_LINK = re.compile(r"^\s+(http://127\.0\.0\.1:5000/o/\S+)$", re.MULTILINE)
LINK_LABEL = re.compile(r"— (\d+)$", re.MULTILINE)
FEATURED_NUMBERS = ["100101", "100102", "100103", "100104", "100105", "100106"]


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


def test_seed_demo_prints_the_staff_logins_and_the_featured_buyer_links(seed):
    result = seed()

    assert result.stdout.startswith("Demo shop loaded.")
    assert f"{BASE}/staff/login" in result.stdout
    assert DEMO_PASSWORD in result.stdout
    for email, _role, _shop, _name in STAFF:
        assert email in result.stdout
        assert authenticate(email, DEMO_PASSWORD).email == email
    assert len(BUYER_LINK.findall(result.stdout)) == 6
    assert LINK_LABEL.findall(result.stdout) == FEATURED_NUMBERS


def test_each_printed_buyer_link_opens_its_order_page(seed, client):
    result = seed()
    links = BUYER_LINK.findall(result.stdout)
    numbers = LINK_LABEL.findall(result.stdout)
    assert len(links) == len(numbers) == 6

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
    assert LINK_LABEL.findall(again.stdout) == FEATURED_NUMBERS
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
    assert len(addresses) == 11  # sign-in, six buyer links, lookup, sent mail, help centre, assistant
    assert all(address.startswith("https://apuri.example.net/") for address in addresses), addresses


def kodinkone() -> Merchant:
    return db.session.scalar(select(Merchant).where(Merchant.slug == "kodinkone"))


def demo_returns() -> dict[str, ReturnRequest]:
    rows = db.session.scalars(select(ReturnRequest).join(Merchant).where(Merchant.slug == "kodinkone"))
    return {ret.order.number: ret for ret in rows}


def test_the_demo_shop_takes_returns_at_its_address_and_approves_small_ones_at_once(seed):
    seed()

    policy = effective_policy(kodinkone().policy)["returns"]

    assert policy["return_address"] == RETURN_ADDRESS
    assert policy["auto_approve_max"] == AUTO_APPROVE_MAX == 10000
    assert policy["window_days"] == 30


def test_the_demo_catalogue_has_an_apron_in_sizes_with_one_sold_out(seed):
    seed()
    shop = kodinkone()

    aprons = {
        v.attributes["size"]: v
        for v in db.session.scalars(select(Variant).where(Variant.merchant_id == shop.id, Variant.product == "APRON"))
    }

    assert set(aprons) == {"S", "M", "L"}
    assert aprons["M"].stock == 0
    assert aprons["S"].stock > 0 and aprons["L"].stock > 0
    assert len({v.price for v in aprons.values()}) == 1
    skus = set(db.session.scalars(select(Variant.sku).where(Variant.merchant_id == shop.id)))
    assert {sku for sku, _names, _price, _attributes in PRODUCTS} <= skus


def test_the_featured_returnable_order_can_be_returned_now_with_an_exchange(seed, client):
    result = seed()
    (order,) = [o for o in all_orders() if o.number == "100104"]

    eligibility = returns.options(order)

    assert eligibility.allowed and eligibility.within_window
    assert all(entry.allowed for entry in eligibility.items)
    apron = next(entry for entry in eligibility.items if entry.item.sku == "APRON-M")
    # Size M is sold out; S and L are in stock at the same price.
    assert sorted(option.sku for option in apron.exchange_options) == ["APRON-L", "APRON-S"]
    assert not returns.returns_of_order(order.id)

    link = dict(zip(LINK_LABEL.findall(result.stdout), BUYER_LINK.findall(result.stdout), strict=True))["100104"]
    page = client.get(link.removeprefix(BASE), follow_redirects=True)
    assert page.request.path == "/s/kodinkone/orders/100104"
    start = client.get("/s/kodinkone/orders/100104/return")
    assert start.status_code == 200
    assert "APRON-L" in start.get_data(as_text=True)


def test_the_demo_has_returns_in_every_state_made_through_the_services(seed):
    seed()

    by_order = demo_returns()
    states = {ret.status for ret in by_order.values()}

    assert {"requested", "approved", "refunded", "rejected"} <= states
    for ret in by_order.values():
        actions = set(
            db.session.scalars(
                select(AuditEntry.action).where(AuditEntry.subject_type == "return", AuditEntry.subject_id == ret.id)
            )
        )
        assert "return.requested" in actions, ret.number
        assert {"requested": set(), "approved": {"return.approved"}, "refunded": {"return.received"}}.get(
            ret.status, {f"return.{ret.status}"}
        ) <= actions, (ret.number, actions)


def test_the_refunded_demo_return_went_through_the_ledger(seed):
    seed()
    (ret,) = [r for r in demo_returns().values() if r.status == "refunded"]

    refund = db.session.get(Refund, ret.refund_id)

    assert refund is not None
    assert (refund.source, refund.source_id, refund.status) == ("return", ret.id, RefundStatus.SUCCEEDED.value)
    assert refund.amount == ret.refund_amount > 0
    assert refund.amount < ret.order.payment.captured  # the rest of the order was kept


def test_the_approved_demo_exchange_holds_its_size_in_stock(seed):
    seed()
    (ret,) = [r for r in demo_returns().values() if r.status == "approved"]

    (item,) = ret.items
    assert ret.auto_approved
    assert (item.resolution, item.order_item.sku, item.exchange_sku) == ("exchange", "APRON-S", "APRON-L")
    large = db.session.scalar(select(Variant).where(Variant.merchant_id == ret.merchant_id, Variant.sku == "APRON-L"))
    assert (large.stock, large.reserved, large.available) == (6, 1, 5)  # six on the shelf, one held


def test_a_demo_refund_is_due_soon_so_the_console_warns(seed):
    seed()
    shop = kodinkone()
    today = merchant_today(shop)

    due = {
        ret.number: return_rules.due_state(ret.refund_due_on, today) for ret in demo_returns().values() if ret.is_open
    }

    assert "due_soon" in due.values(), due
    assert "overdue" not in due.values(), due
    (waiting,) = [r for r in demo_returns().values() if r.status == "requested"]
    assert waiting.value > AUTO_APPROVE_MAX  # why the shop has to decide it
    assert return_rules.due_state(waiting.refund_due_on, today) == "due_soon"
    from portal.console.returns import due_note

    with force_locale("en"):
        note = due_note(waiting, today)
    assert note is not None and note.state == "due_soon"
    assert note.text.startswith("Refund due by")


def test_the_rejected_demo_return_tells_the_buyer_why(seed):
    seed()
    (ret,) = [r for r in demo_returns().values() if r.status == "rejected"]

    assert ret.decision_message
    assert ret.value > AUTO_APPROVE_MAX


def test_the_demo_has_claims_to_accept_and_to_answer(seed):
    seed()
    from portal.claims.models import Claim
    from portal.storage import get_storage

    claims = {c.number: c for c in db.session.scalars(select(Claim))}
    assert claims["100401-C1"].status == "open" and len(claims["100401-C1"].photos) == 2
    assert claims["100402-C1"].status == "countered" and claims["100402-C1"].offers[-1].amount == 2500
    assert all(get_storage().exists(p.storage_key) for c in claims.values() for p in c.photos)
