"""Buyers sign in with shop + order number + e-mail and see their own orders at that shop."""

from __future__ import annotations

from datetime import datetime

import pytest

from portal.extensions import limiter
from tests.api.conftest import bearer
from tests.conftest import days_from_today, now_iso, order_document


def start_session(client, merchant="kodinkone", order_number="1001", email="aino@example.fi", **headers):
    return client.post(
        "/api/v1/buyer/sessions",
        json={"merchant": merchant, "order_number": order_number, "email": email},
        headers=headers,
    )


def buyer_headers(client, **kwargs) -> dict:
    response = start_session(client, **kwargs)
    assert response.status_code == 201, response.get_json()
    return bearer(response.get_json()["token"])


@pytest.fixture
def rate_limited(app):
    app.config.update(RATELIMIT_ENABLED=True, LOOKUP_LIMIT_PER_CLIENT="5/hour", LOOKUP_LIMIT_PER_ORDER="3/hour")
    limiter.reset()
    yield app
    limiter.reset()


def test_number_and_email_give_a_token_that_opens_the_order(client, shop, make_order):
    make_order(shop.merchant, "1001", promised_delivery_date=days_from_today(3))
    response = start_session(client, email="  AINO@Example.fi ")
    assert response.status_code == 201
    session = response.get_json()
    assert session["token"]
    assert datetime.fromisoformat(session["expires_at"]).utcoffset() is not None

    order = client.get("/api/v1/buyer/orders/1001", headers=bearer(session["token"]))
    assert order.status_code == 200
    body = order.get_json()
    assert body["number"] == "1001"
    assert body["items"][0]["name"] == "Jääkaappi A200"
    assert body["total"] == {"amount": 94800, "currency": "EUR"}
    assert body["shop"]["name"] == "Kodinkone Oy"
    assert body["status"] == "paid" and body["late"] is False
    assert body["returns"] == [] and body["claims"] == [] and body["refunds"] == [] and body["plan"] is None
    assert "reference" not in body["payment"]


def test_wrong_number_wrong_email_and_unknown_shop_get_one_and_the_same_404(client, shop, make_order):
    make_order(shop.merchant, "1001")
    answers = [
        start_session(client, order_number="1999"),
        start_session(client, email="mallory@example.fi"),
        start_session(client, merchant="no-such-shop"),
    ]
    assert [a.status_code for a in answers] == [404, 404, 404]
    assert answers[0].get_json() == answers[1].get_json() == answers[2].get_json()
    assert answers[0].get_json()["error"]["code"] == "not_found"
    assert "could not find an order" in answers[0].get_json()["error"]["message"]


def test_a_session_request_without_the_fields_is_a_validation_error(client):
    response = client.post("/api/v1/buyer/sessions", json={"merchant": "kodinkone"})
    assert response.status_code == 422
    assert set(response.get_json()["error"]["fields"]) == {"order_number", "email"}


def test_lookups_are_rate_limited_per_order(client, shop, make_order, rate_limited):
    make_order(shop.merchant, "1001")
    for email in ("a@example.fi", "b@example.fi", "c@example.fi"):
        assert start_session(client, email=email).status_code == 404
    blocked = start_session(client)  # even the right e-mail now waits
    assert blocked.status_code == 429
    assert blocked.get_json()["error"]["code"] == "rate_limited"
    assert 0 < int(blocked.headers["Retry-After"]) <= 3600


def test_lookups_are_rate_limited_per_client(client, shop, make_order, rate_limited):
    for number in ("2001", "2002", "2003", "2004", "2005"):
        assert start_session(client, order_number=number).status_code == 404
    blocked = start_session(client, order_number="2006")
    assert blocked.status_code == 429
    assert int(blocked.headers["Retry-After"]) > 0


def test_a_token_sees_only_its_buyers_orders_at_that_shop(client, shop, make_order, make_merchant):
    make_order(shop.merchant, "1001", placed_at="2026-11-02T12:00:00+02:00")
    make_order(shop.merchant, "1002", placed_at="2026-11-10T12:00:00+02:00")
    make_order(shop.merchant, "1003", customer={"email": "bertta@example.fi", "name": "Bertta"})
    make_order(make_merchant("kilpailija"), "1004")  # the same e-mail at another shop
    headers = buyer_headers(client)

    listing = client.get("/api/v1/buyer/orders", headers=headers)
    assert listing.status_code == 200
    assert [o["number"] for o in listing.get_json()["orders"]] == ["1002", "1001"]
    assert listing.get_json()["orders"][0]["total"] == {"amount": 94800, "currency": "EUR"}

    someone_elses = client.get("/api/v1/buyer/orders/1003", headers=headers)
    missing = client.get("/api/v1/buyer/orders/4040", headers=headers)
    other_shop = client.get("/api/v1/buyer/orders/1004", headers=headers)
    assert someone_elses.status_code == missing.status_code == other_shop.status_code == 404
    assert someone_elses.get_json() == missing.get_json() == other_shop.get_json()


def test_buyer_and_merchant_credentials_do_not_open_each_others_endpoints(client, shop, make_order):
    make_order(shop.merchant, "1001")
    buyer = buyer_headers(client)
    assert client.get("/api/v1/orders/1001", headers=buyer).status_code == 401
    assert client.get("/api/v1/policy", headers=buyer).status_code == 401
    assert client.get("/api/v1/buyer/orders", headers=shop.headers).status_code == 401
    assert client.get("/api/v1/buyer/orders/1001", headers=shop.headers).status_code == 401
    for headers in ({}, bearer("garbage"), bearer(buyer["Authorization"][7:] + "x")):
        response = client.get("/api/v1/buyer/orders", headers=headers)
        assert response.status_code == 401
        assert response.get_json()["error"]["code"] == "unauthorized"


def test_an_expired_token_answers_401(app, client, shop, make_order):
    make_order(shop.merchant, "1001")
    headers = buyer_headers(client)
    app.config["BUYER_TOKEN_MAX_AGE_SECONDS"] = -1
    assert client.get("/api/v1/buyer/orders", headers=headers).status_code == 401


def test_actions_say_what_the_buyer_may_do_and_why_not(client, shop, make_order):
    make_order(shop.merchant, "1001", promised_delivery_date=days_from_today(3))
    headers = buyer_headers(client)
    actions = client.get("/api/v1/buyer/orders/1001", headers=headers).get_json()["actions"]
    assert set(actions) == {"track", "contact_shop", "return", "cancel", "claim", "instalments"}
    assert actions["contact_shop"] == {"allowed": True, "reason": None}
    assert actions["track"]["allowed"] is False and actions["track"]["reason"]
    assert actions["return"]["allowed"] is False and "cancel" in actions["return"]["reason"]
    assert actions["cancel"] == {"allowed": True, "reason": None}
    assert actions["claim"]["allowed"] is False and actions["claim"]["reason"]
    assert actions["instalments"]["allowed"] is False and actions["instalments"]["reason"]

    shipment = client.post(
        "/api/v1/orders/1001/shipments", json={"carrier": "posti", "tracking_number": "JJFI1"}, headers=shop.headers
    ).get_json()
    client.post(
        f"/api/v1/shipments/{shipment['id']}/events",
        json={"status": "in_transit", "occurred_at": now_iso(), "location": "Vantaa"},
        headers=shop.headers,
    )
    order = client.get("/api/v1/buyer/orders/1001", headers=headers).get_json()
    assert order["actions"]["track"] == {"allowed": True, "reason": None}
    assert order["status"] == "in_transit"
    assert order["shipments"][0]["events"][0]["location"] == "Vantaa"
    assert [entry["status"] for entry in order["timeline"]] == ["in_transit", "shipment_created", "placed"]


def test_reasons_speak_the_language_of_the_request(client, shop, make_order, finnish):
    make_order(shop.merchant, "1001")
    headers = buyer_headers(client)
    order = client.get("/api/v1/buyer/orders/1001", headers={**headers, "Accept-Language": "fi"}).get_json()
    assert order["actions"]["track"]["reason"] == "Tilausta ei ole vielä lähetetty."


def test_a_late_order_says_so(client, shop, make_order):
    make_order(shop.merchant, "1001", promised_delivery_date=days_from_today(-3))
    order = client.get("/api/v1/buyer/orders/1001", headers=buyer_headers(client)).get_json()
    assert order["late"] is True
    assert order["status"] == "late"
    assert order["next_step"]


def test_a_session_needs_a_json_body(client):
    response = client.post("/api/v1/buyer/sessions", data=order_document()["customer"])
    assert response.status_code == 415
