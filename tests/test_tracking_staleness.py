"""The tracking-staleness job: a parcel on its way the carrier has said nothing about for
TRACKING_STALE_HOURS is flagged once; the buyer's page says the shop follows it up; the console
counts and lists those orders; the next carrier event clears the flag."""

from __future__ import annotations

from datetime import timedelta
from html import unescape

import pytest
from sqlalchemy import select

from portal.actors import Actor
from portal.audit.models import AuditEntry
from portal.buyers.access import order_link
from portal.db import utcnow
from portal.extensions import db
from portal.orders.models import Shipment
from portal.orders.services import add_shipment, add_tracking_event, flag_stale_tracking

SYSTEM = Actor.system("tests")
QUIET_NOTE = "The carrier has not reported anything new about this parcel for a few days."


@pytest.fixture
def shop(make_merchant):
    return make_merchant("kodinkone", name="Kodinkone Oy")


def ship(shop, order, *, event_hours_ago: float | None, status: str = "in_transit") -> Shipment:
    shipment = add_shipment(
        shop, order.number, {"carrier": "Posti", "tracking_number": f"JJ{order.number}"}, actor=SYSTEM
    )
    db.session.execute(
        db.update(Shipment).where(Shipment.id == shipment.id).values(created_at=utcnow() - timedelta(days=10))
    )
    db.session.commit()
    if event_hours_ago is not None:
        at = (utcnow() - timedelta(hours=event_hours_ago)).isoformat()
        add_tracking_event(shop, shipment.id, {"status": status, "occurred_at": at}, actor=SYSTEM)
    return shipment


def stale_since(shipment: Shipment):
    db.session.rollback()
    return db.session.get(Shipment, shipment.id).tracking_stale_since


def buyer_page(client, order) -> str:
    response = client.get(order_link(order).removeprefix("http://127.0.0.1:5000"), follow_redirects=True)
    assert response.status_code == 200
    return unescape(response.get_data(as_text=True))


def test_a_quiet_parcel_is_flagged_once_and_the_buyer_is_told(app, client, shop, make_order):
    quiet = ship(shop, make_order(shop, "2001", locale="en"), event_hours_ago=80)
    talking = ship(shop, make_order(shop, "2002", locale="en"), event_hours_ago=5)
    delivered = ship(shop, make_order(shop, "2003", locale="en"), event_hours_ago=100, status="delivered")
    never_scanned = ship(shop, make_order(shop, "2004", locale="en"), event_hours_ago=None)

    assert flag_stale_tracking() == 2
    assert stale_since(quiet) is not None
    assert stale_since(never_scanned) is not None  # created 10 days ago, not one carrier event
    assert stale_since(talking) is None
    assert stale_since(delivered) is None
    assert flag_stale_tracking() == 0  # once
    audit = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "shipment.tracking_stale")).all()
    assert sorted(entry.after["order"] for entry in audit) == ["2001", "2004"]

    assert QUIET_NOTE in buyer_page(client, quiet.order)
    assert QUIET_NOTE not in buyer_page(client, talking.order)


def test_the_next_carrier_event_clears_the_flag(app, client, shop, make_order):
    shipment = ship(shop, make_order(shop, "2001", locale="en"), event_hours_ago=80)
    flag_stale_tracking()
    assert QUIET_NOTE in buyer_page(client, shipment.order)  # cached page …
    add_tracking_event(
        shop, shipment.id, {"status": "out_for_delivery", "occurred_at": utcnow().isoformat()}, actor=SYSTEM
    )
    assert stale_since(shipment) is None
    assert QUIET_NOTE not in buyer_page(client, shipment.order)  # … renewed by the event


def test_the_hours_are_a_setting(app, shop, make_order):
    shipment = ship(shop, make_order(shop, "2001"), event_hours_ago=30)
    assert flag_stale_tracking() == 0
    app.config["TRACKING_STALE_HOURS"] = 24
    assert flag_stale_tracking() == 1
    assert stale_since(shipment) is not None


def test_the_console_counts_and_lists_the_quiet_orders(app, client, shop, make_order, make_user):
    from tests.conftest import csrf_from
    from tests.console.conftest import PASSWORD

    ship(shop, make_order(shop, "2001"), event_hours_ago=80)
    ship(shop, make_order(shop, "2002"), event_hours_ago=2)
    flag_stale_tracking()
    agent = make_user(email="agent@kodinkone.fi", password=PASSWORD, role="merchant_agent", merchant=shop)
    token = csrf_from(client.get("/staff/login").get_data(as_text=True))
    client.post("/staff/login", data={"csrf_token": token, "email": agent.email, "password": PASSWORD})

    today = unescape(client.get("/console/today?lang=en").get_data(as_text=True))
    card = today[today.index('id="card-parcels-quiet"') :]
    card = card[: card.index("</li>")]
    assert '<span class="today-count">1</span>' in card
    assert "no carrier news for days" in card
    assert "/console/orders?view=quiet" in card

    listed = unescape(client.get("/console/orders?view=quiet&lang=en").get_data(as_text=True))
    assert "2001" in listed and ">2002<" not in listed
    assert "Ask the carrier" in listed
