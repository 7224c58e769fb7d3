"""Shops report shipments and carrier events; the order follows, for the shop and the buyer."""

from __future__ import annotations

from sqlalchemy import select

from portal.audit.models import AuditEntry
from portal.extensions import db
from portal.notifications.models import OutboxMessage
from tests.api.conftest import bearer
from tests.conftest import days_from_today


def add_shipment(client, headers, number="1001", **body):
    body = {"carrier": "posti", "tracking_number": "JJFI6401234567", **body}
    return client.post(f"/api/v1/orders/{number}/shipments", json=body, headers=headers)


def add_event(client, headers, shipment_id, status, occurred_at="2026-11-03T08:00:00+02:00", **extra):
    return client.post(
        f"/api/v1/shipments/{shipment_id}/events",
        json={"status": status, "occurred_at": occurred_at, **extra},
        headers=headers,
    )


def test_a_shipment_is_created_with_its_id_and_tracking_link(client, shop, make_order):
    make_order(shop.merchant, "1001", promised_delivery_date=days_from_today(5))
    response = add_shipment(client, shop.headers, estimated_delivery="2026-11-05")
    assert response.status_code == 201
    shipment = response.get_json()
    assert shipment["id"]
    assert shipment["carrier"] == "posti"
    assert shipment["tracking_number"] == "JJFI6401234567"
    assert shipment["tracking_url"] == "https://www.posti.fi/fi/seuranta#/lahetys/JJFI6401234567"
    assert shipment["estimated_delivery"] == "2026-11-05"
    assert shipment["status"] == "pending"
    assert shipment["events"] == []
    order = client.get("/api/v1/orders/1001", headers=shop.headers).get_json()
    assert [s["id"] for s in order["shipments"]] == [shipment["id"]]
    assert order["status"] == "pending"


def test_events_move_the_order_on_until_delivered(client, shop, make_order):
    make_order(shop.merchant, "1001", promised_delivery_date=days_from_today(5))
    shipment_id = add_shipment(client, shop.headers).get_json()["id"]

    event = add_event(client, shop.headers, shipment_id, "in_transit", location="Vantaa")
    assert event.status_code == 201
    assert event.get_json()["status"] == "in_transit"
    assert event.get_json()["location"] == "Vantaa"
    assert event.get_json()["occurred_at"] == "2026-11-03T08:00:00+02:00"
    order = client.get("/api/v1/orders/1001", headers=shop.headers).get_json()
    assert order["status"] == "in_transit"
    assert order["delivered_at"] is None

    add_event(client, shop.headers, shipment_id, "delivered", occurred_at="2026-11-04T14:30:00+02:00")
    order = client.get("/api/v1/orders/1001", headers=shop.headers).get_json()
    assert order["status"] == "delivered"
    assert order["delivery_status"] == "delivered"
    assert order["delivered_at"] == "2026-11-04T14:30:00+02:00"
    assert order["late"] is False
    shipment = order["shipments"][0]
    assert shipment["status"] == "delivered"
    assert [e["status"] for e in shipment["events"]] == ["in_transit", "delivered"]
    delivered_mails = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "order_delivered")).all()
    assert len(delivered_mails) == 1


def test_who_added_a_shipment_is_audited(client, shop, make_order):
    make_order(shop.merchant, "1001", promised_delivery_date=days_from_today(5))
    shipment_id = add_shipment(client, shop.headers).get_json()["id"]
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "shipment.created"))
    assert entry.subject_id == shipment_id
    assert entry.actor_type == "api_key"
    assert entry.actor_label == "Shop backend"
    assert entry.ip == "127.0.0.1"


def test_a_bad_event_names_its_fields(client, shop, make_order):
    make_order(shop.merchant, "1001", promised_delivery_date=days_from_today(5))
    shipment_id = add_shipment(client, shop.headers).get_json()["id"]
    response = add_event(client, shop.headers, shipment_id, "teleported", occurred_at="2026-11-03T08:00:00")
    assert response.status_code == 422
    fields = response.get_json()["error"]["fields"]
    assert set(fields) == {"status", "occurred_at"}


def test_a_bad_shipment_names_its_fields(client, shop, make_order):
    make_order(shop.merchant, "1001", promised_delivery_date=days_from_today(5))
    response = client.post("/api/v1/orders/1001/shipments", json={"carrier": ""}, headers=shop.headers)
    assert response.status_code == 422
    assert set(response.get_json()["error"]["fields"]) == {"carrier", "tracking_number"}


def test_shipments_of_unknown_orders_and_unknown_shipments_are_not_found(client, shop):
    assert add_shipment(client, shop.headers, number="4040").status_code == 404
    assert add_event(client, shop.headers, "shp_unknown", "in_transit").status_code == 404


def test_another_shop_cannot_ship_or_track_this_shops_orders(client, shop, make_merchant, make_api_key, make_order):
    make_order(shop.merchant, "1001", promised_delivery_date=days_from_today(5))
    shipment_id = add_shipment(client, shop.headers).get_json()["id"]
    other = bearer(make_api_key(make_merchant("kilpailija")))

    assert add_shipment(client, other).status_code == 404
    foreign = add_event(client, other, shipment_id, "delivered")
    missing = add_event(client, other, "shp_doesnotexist", "delivered")
    assert foreign.status_code == missing.status_code == 404
    assert foreign.get_json() == missing.get_json()

    order = client.get("/api/v1/orders/1001", headers=shop.headers).get_json()
    assert len(order["shipments"]) == 1
    assert order["shipments"][0]["events"] == []
    assert order["status"] == "pending"


def test_json_body_endpoints_want_json(client, shop, make_order):
    make_order(shop.merchant, "1001", promised_delivery_date=days_from_today(5))
    response = client.post(
        "/api/v1/orders/1001/shipments", data={"carrier": "posti", "tracking_number": "JJFI1"}, headers=shop.headers
    )
    assert response.status_code == 415
