"""A buyer follows an order from payment to doorstep without signing up."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from portal.actors import Actor
from portal.buyers.access import order_link
from portal.orders.services import add_shipment, add_tracking_event

SYSTEM = Actor.system("tests")


def open_link(client, order) -> str:
    response = client.get(order_link(order).removeprefix("http://127.0.0.1:5000"), follow_redirects=True)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def iso(days: float = 0, hours: float = 0) -> str:
    return (datetime.now(UTC) + timedelta(days=days, hours=hours)).isoformat()


def future(days: int) -> str:
    return (date.today() + timedelta(days=days)).isoformat()


def test_the_order_link_shows_items_amounts_payment_and_address(client, make_merchant, make_order):
    shop = make_merchant("kodinkone", name="Kodinkone Oy")
    order = make_order(shop, "1001", locale="en", promised_delivery_date=future(3))
    html = open_link(client, order)
    assert "Order 1001" in html
    assert "Jääkaappi A200" in html and "FRIDGE-A-200" in html
    assert "€899.00" in html  # the item
    assert "€49.00" in html  # delivery
    assert "€948.00" in html  # total = captured
    assert "Kauppakatu 1" in html and "00100 Helsinki" in html
    assert "Card" in html
    assert "Paid, being prepared" in html
    assert "Your order is late" not in html


def test_the_timeline_follows_tracking_events_with_carrier_and_tracking_number(client, make_merchant, make_order):
    shop = make_merchant("kodinkone")
    order = make_order(shop, "1002", locale="en", promised_delivery_date=future(2))
    shipment = add_shipment(
        shop,
        "1002",
        {"carrier": "Posti", "tracking_number": "JJFI123456789", "estimated_delivery": future(2)},
        actor=SYSTEM,
    )
    add_tracking_event(
        shop, shipment.id, {"status": "in_transit", "occurred_at": iso(hours=-5), "location": "Vantaa"}, actor=SYSTEM
    )
    add_tracking_event(
        shop,
        shipment.id,
        {"status": "out_for_delivery", "occurred_at": iso(hours=-1), "location": "Helsinki"},
        actor=SYSTEM,
    )
    html = open_link(client, order)
    assert "Posti" in html and "JJFI123456789" in html
    assert "Out for delivery" in html and "Vantaa" in html and "Helsinki" in html
    # newest first: out for delivery above on its way
    assert html.index("Out for delivery") < html.index("On its way")
    assert "Your parcel will be delivered today" in html


def test_a_late_order_says_so_and_what_the_buyer_can_do(client, make_merchant, make_order):
    shop = make_merchant("kodinkone", support_email="apu@kodinkone.example")
    order = make_order(shop, "1003", locale="en", promised_delivery_date=future(-2))
    shipment = add_shipment(shop, "1003", {"carrier": "Posti", "tracking_number": "JJFI1"}, actor=SYSTEM)
    add_tracking_event(shop, shipment.id, {"status": "in_transit", "occurred_at": iso(days=-3)}, actor=SYSTEM)
    html = open_link(client, order)
    assert "Your order is late" in html
    assert "What you can do" in html
    assert "apu@kodinkone.example" in html
    assert "right to cancel" in html


def test_a_delivered_order_is_never_late(client, make_merchant, make_order):
    shop = make_merchant("kodinkone")
    order = make_order(shop, "1004", locale="en", promised_delivery_date=future(-5))
    shipment = add_shipment(shop, "1004", {"carrier": "Bring", "tracking_number": "B1"}, actor=SYSTEM)
    add_tracking_event(shop, shipment.id, {"status": "delivered", "occurred_at": iso(days=-6)}, actor=SYSTEM)
    html = open_link(client, order)
    assert "Your order is late" not in html
    assert "Delivered" in html


def test_the_page_shows_refunds_and_the_partly_refunded_state(client, app, make_merchant, make_order):
    from portal.db import unit_of_work
    from portal.extensions import db
    from portal.payments.models import Refund

    shop = make_merchant("kodinkone")
    order = make_order(shop, "1005", locale="en")
    with unit_of_work():
        db.session.add(
            Refund(
                merchant_id=shop.id,
                order_id=order.id,
                amount=20000,
                currency="EUR",
                source="claim",
                status="succeeded",
                idempotency_key="k1",
            )
        )
        order.version += 1
    html = open_link(client, order)
    assert "Partly refunded" in html
    assert "€200.00" in html


def test_the_buyer_sees_their_other_orders_at_the_same_shop_only(client, make_merchant, make_order):
    shop = make_merchant("kodinkone")
    other_shop = make_merchant("fjallhem")
    first = make_order(shop, "2001", locale="en")
    make_order(shop, "2002", locale="en")
    make_order(shop, "2003", customer={"email": "someone.else@example.fi", "name": "Other"})
    make_order(other_shop, "2004")
    html = open_link(client, first)
    assert "Order 2002" in html
    assert "Order 2003" not in html
    assert "Order 2004" not in html


def test_another_customers_order_is_not_shown_even_with_a_session(client, make_merchant, make_order):
    shop = make_merchant("kodinkone")
    mine = make_order(shop, "3001")
    make_order(shop, "3002", customer={"email": "neighbour@example.fi", "name": "Naapuri"})
    open_link(client, mine)
    response = client.get("/s/kodinkone/orders/3002")
    assert response.status_code == 302
    assert "/s/kodinkone/" in response.headers["Location"]
    # and the same answer for an order that does not exist at all
    missing = client.get("/s/kodinkone/orders/9999")
    assert missing.status_code == 302 and missing.headers["Location"] == response.headers["Location"]


def test_a_session_at_one_shop_opens_nothing_at_another(client, make_merchant, make_order):
    shop = make_merchant("kodinkone")
    other = make_merchant("fjallhem")
    mine = make_order(shop, "4001")
    make_order(other, "4001")  # same number and e-mail at another shop
    open_link(client, mine)
    assert client.get("/s/fjallhem/orders/4001").status_code == 302


def test_a_broken_or_tampered_link_gets_a_friendly_page(client, make_merchant, make_order):
    shop = make_merchant("kodinkone")
    order = make_order(shop, "5001")
    token = order_link(order).rsplit("/", 1)[1]
    response = client.get("/o/" + token[:-3] + "abc")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "This link does not work" in html
    assert "/lookup" in html


def test_a_new_tracking_event_shows_at_once_despite_the_page_cache(client, make_merchant, make_order):
    shop = make_merchant("kodinkone")
    order = make_order(shop, "6001", locale="en", promised_delivery_date=future(2))
    shipment = add_shipment(shop, "6001", {"carrier": "Posti", "tracking_number": "JJ1"}, actor=SYSTEM)
    assert "Delivered" not in open_link(client, order)
    add_tracking_event(shop, shipment.id, {"status": "delivered", "occurred_at": iso(hours=-1)}, actor=SYSTEM)
    html = client.get("/s/kodinkone/orders/6001").get_data(as_text=True)
    assert "Delivered" in html


def test_queries_per_page_do_not_grow_with_items_or_tracking_events(
    app, client, make_merchant, make_order, count_queries
):
    app.config["ORDER_PAGE_CACHE_SIZE"] = 0  # measure the real work, not the cache
    app.config["ORDER_HEAD_TTL_SECONDS"] = 0  # nor a head fetched within the last second (timing-dependent)
    shop = make_merchant("kodinkone")

    def build(number: str, items: int, events: int):
        lines = [
            {
                "id": f"L{i}",
                "sku": f"SKU-{i}",
                "name": f"Tuote {i}",
                "quantity": 1,
                "unit_price": 1000,
                "tax_rate": "25.5",
            }
            for i in range(items)
        ]
        order = make_order(shop, number, items=lines, payment={"provider": "simulated", "captured": 1000 * items})
        shipment = add_shipment(shop, number, {"carrier": "Posti", "tracking_number": f"T{number}"}, actor=SYSTEM)
        for n in range(events):
            add_tracking_event(
                shop,
                shipment.id,
                {"status": "in_transit", "occurred_at": iso(hours=-events + n), "location": f"Hub {n}"},
                actor=SYSTEM,
            )
        open_link(client, order)
        return number

    small = build("7001", items=1, events=1)
    large = build("7002", items=30, events=40)
    with count_queries() as small_count:
        assert client.get(f"/s/kodinkone/orders/{small}").status_code == 200
    with count_queries() as large_count:
        html = client.get(f"/s/kodinkone/orders/{large}").get_data(as_text=True)
    assert "Tuote 29" in html and "Hub 39" in html
    assert small_count() == large_count(), "\n".join(small_count.statements + ["----"] + large_count.statements)
    # head, order, lines, shipments, events, refunds, credit, other orders, returns, variants,
    # claims (the claim options are worked out from what is loaded), the instalment plan (the
    # instalment options too), the buyer's tickets about the order
    assert large_count() <= 13


def test_security_headers_and_no_caching_of_private_pages(client, make_merchant, make_order):
    shop = make_merchant("kodinkone")
    order = make_order(shop, "8001")
    response = client.get(order_link(order).removeprefix("http://127.0.0.1:5000"), follow_redirects=True)
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "no-store" in response.headers["Cache-Control"]
    cookie = response.headers.get("Set-Cookie", "") or ""
    assert "HttpOnly" in cookie or cookie == ""


def test_a_change_made_by_another_app_process_shows_within_the_head_ttl(
    app, client, make_merchant, make_order, monkeypatch
):
    """Each process trusts the order version it read for ORDER_HEAD_TTL_SECONDS; a change made
    elsewhere (no local forget) shows once that has passed."""
    from portal.buyers import page_cache
    from portal.db import unit_of_work
    from portal.extensions import db
    from portal.orders.models import Shipment, TrackingEvent

    clock = {"now": 1000.0}
    monkeypatch.setattr(page_cache.time, "monotonic", lambda: clock["now"])
    shop = make_merchant("kodinkone")
    order = make_order(shop, "9001", locale="en", promised_delivery_date=future(2))
    shipment = add_shipment(shop, "9001", {"carrier": "Posti", "tracking_number": "JJ9"}, actor=SYSTEM)
    assert "Delivered" not in open_link(client, order)
    # another process records delivery: straight in the database, nothing forgotten here
    with unit_of_work():
        db.session.add(TrackingEvent(shipment_id=shipment.id, status="delivered", occurred_at=datetime.now(UTC)))
        db.session.get(Shipment, shipment.id).status = "delivered"
        row = db.session.get(type(order), order.id)
        row.delivery_status = "delivered"
        row.version += 1
    assert "Delivered" not in client.get("/s/kodinkone/orders/9001").get_data(as_text=True)
    clock["now"] += app.config["ORDER_HEAD_TTL_SECONDS"] + 0.01
    assert "Delivered" in client.get("/s/kodinkone/orders/9001").get_data(as_text=True)
