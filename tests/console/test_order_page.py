"""The staff order page: the whole story of one order, and only of the staff's own shop."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from html import unescape

import pytest

from portal.actors import Actor
from portal.orders.services import add_shipment, add_tracking_event

SYSTEM = Actor.system("tests")


@pytest.fixture
def signed_in_a(client, sign_in, agent_a):
    assert sign_in("agent@kodinkone.fi").status_code == 302
    client.get("/console/", follow_redirects=True)
    return client


def test_the_order_page_shows_items_payment_customer_and_tracking(signed_in_a, shop_a, make_order):
    make_order(shop_a, "1001", promised_delivery_date=(date.today() + timedelta(days=3)).isoformat())
    shipment = add_shipment(shop_a, "1001", {"carrier": "Posti", "tracking_number": "JJFI123456789"}, actor=SYSTEM)
    add_tracking_event(
        shop_a,
        shipment.id,
        {
            "status": "in_transit",
            "occurred_at": (datetime.now(UTC) - timedelta(hours=2)).isoformat(),
            "location": "Vantaa",
        },
        actor=SYSTEM,
    )
    response = signed_in_a.get("/console/orders/1001")
    html = unescape(response.get_data(as_text=True))
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-store"
    assert "<h1>Order 1001</h1>" in html
    assert "Jääkaappi A200" in html and "FRIDGE-A-200" in html
    assert "€899.00" in html and "€49.00" in html and "€948.00" in html
    assert "Card" in html and "pay_123" in html
    assert "Aino Virtanen" in html and "aino@example.fi" in html and "Kauppakatu 1" in html
    assert "Posti" in html and "JJFI123456789" in html
    assert "On its way" in html and "Vantaa" in html
    assert "Shipment created with Posti" in html


def test_the_order_page_offers_the_buyers_own_link_to_copy(client, signed_in_a, shop_a, make_order):
    make_order(shop_a, "1001")
    html = unescape(signed_in_a.get("/console/orders/1001").get_data(as_text=True))
    start = html.index('id="buyer-link"')
    link = html[html.index('value="', start) + 7 : html.index('"', html.index('value="', start) + 7)]
    assert link.startswith("http://127.0.0.1:5000/o/")
    assert '<label for="buyer-link">' in html
    buyer = client.application.test_client()
    opened = buyer.get(link.removeprefix("http://127.0.0.1:5000"))
    assert opened.headers["Location"] == "/s/kodinkone/orders/1001"


def test_the_history_lists_the_orders_and_its_shipments_audit_entries_newest_first(
    signed_in_a, shop_a, shop_b, make_order
):
    make_order(shop_a, "1001")
    make_order(
        shop_a,
        "1001",
        shipping={
            "amount": 4900,
            "address": {
                "name": "Aino Virtanen",
                "street": "Uusikatu 2",
                "postal_code": "00100",
                "city": "Helsinki",
                "country": "FI",
            },
        },
    )
    add_shipment(shop_a, "1001", {"carrier": "Posti", "tracking_number": "JJFI1"}, actor=SYSTEM)
    make_order(shop_a, "1002")
    make_order(shop_b, "1001")
    html = signed_in_a.get("/console/orders/1001").get_data(as_text=True)
    history = html[html.index('id="audit-title"') :]
    actions = [a for a in ("shipment.created", "order.replaced", "order.created") if a in history]
    assert actions == ["shipment.created", "order.replaced", "order.created"]
    assert history.index("shipment.created") < history.index("order.replaced") < history.index("order.created")
    # One "created" entry: the other order of this shop and the other shop's 1001 are not here.
    assert history.count("order.created") == 1


def test_a_late_order_says_so_on_the_staff_page(signed_in_a, shop_a, make_order):
    make_order(shop_a, "1001", promised_delivery_date=(date.today() - timedelta(days=2)).isoformat())
    html = signed_in_a.get("/console/orders/1001").get_data(as_text=True)
    assert "Late: promised by" in html


def test_the_order_page_needs_a_signed_in_staff_member(client, shop_a, make_order):
    make_order(shop_a, "1001")
    response = client.get("/console/orders/1001")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/staff/login?next=")
