"""Shops put and read their orders through the API: idempotent, validated, their own only."""

from __future__ import annotations

import json
import threading
from urllib.parse import urlsplit

import pytest
from sqlalchemy import event, func, select

from portal.extensions import db
from portal.merchants.models import ApiKey
from portal.orders.models import Order
from portal.payments.models import Refund
from tests.api.conftest import bearer
from tests.conftest import days_from_today, order_document


def put_order(client, headers, number, document, **extra_headers):
    return client.put(f"/api/v1/orders/{number}", json=document, headers={**headers, **extra_headers})


def order_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Order))


def test_put_creates_the_order_then_the_same_body_replaces_it(client, shop):
    document = order_document()
    created = put_order(client, shop.headers, "1001", document)
    assert created.status_code == 201
    assert created.headers["Location"] == "/api/v1/orders/1001"
    order = created.get_json()
    assert order["number"] == "1001"
    assert order["placed_at"] == "2026-11-02T12:00:00+02:00"
    assert order["total"] == {"amount": 94800, "currency": "EUR"}
    assert order["items"][0] == {
        "id": "L1",
        "sku": "FRIDGE-A-200",
        "name": "Jääkaappi A200",
        "quantity": 1,
        "unit_price": {"amount": 89900, "currency": "EUR"},
        "tax_rate": "25.50",
        "attributes": {"colour": "white"},
        "total": {"amount": 89900, "currency": "EUR"},
    }
    assert order["payment"]["captured"] == {"amount": 94800, "currency": "EUR"}
    assert order["shipping"]["address"]["city"] == "Helsinki"
    assert order["customer"] == {"email": "aino@example.fi", "name": "Aino Virtanen"}

    replaced = put_order(client, shop.headers, "1001", document)
    assert replaced.status_code == 200
    again = replaced.get_json()
    assert {k: v for k, v in again.items() if k != "updated_at"} == {
        k: v for k, v in order.items() if k != "updated_at"
    }
    assert order_count() == 1


def test_put_with_a_changed_body_replaces_the_order(client, shop):
    put_order(client, shop.headers, "1001", order_document())
    document = order_document()
    document["items"][0]["quantity"] = 2
    document["payment"]["captured"] = 184700
    response = put_order(client, shop.headers, "1001", document)
    assert response.status_code == 200
    assert response.get_json()["total"]["amount"] == 2 * 89900 + 4900
    assert client.get("/api/v1/orders/1001", headers=shop.headers).get_json()["items"][0]["quantity"] == 2


def test_get_shows_the_order_with_empty_returns_claims_and_no_plan(client, shop, make_order):
    make_order(shop.merchant, "1001", promised_delivery_date=days_from_today(3))
    response = client.get("/api/v1/orders/1001", headers=shop.headers)
    assert response.status_code == 200
    order = response.get_json()
    assert order["returns"] == [] and order["claims"] == [] and order["plan"] is None
    assert order["shipments"] == [] and order["refunds"] == []
    assert order["status"] == "paid" and order["late"] is False
    assert response.headers["Cache-Control"] == "private, no-store"


def test_an_order_past_its_promised_date_shows_late(client, shop, make_order):
    make_order(shop.merchant, "1001", promised_delivery_date=days_from_today(-2))
    order = client.get("/api/v1/orders/1001", headers=shop.headers).get_json()
    assert order["late"] is True
    assert order["status"] == "late"


def test_refunds_are_listed_with_their_status(client, shop, make_order):
    order = make_order(shop.merchant, "1001")
    for amount, status in ((10000, "succeeded"), (5000, "pending")):
        db.session.add(
            Refund(
                merchant_id=shop.merchant.id,
                order_id=order.id,
                amount=amount,
                currency="EUR",
                source="manual",
                reason="Scratched door",
                status=status,
                idempotency_key=f"test-{amount}",
            )
        )
    db.session.commit()
    body = client.get("/api/v1/orders/1001", headers=shop.headers).get_json()
    assert [(r["amount"], r["status"]) for r in body["refunds"]] == [
        ({"amount": 10000, "currency": "EUR"}, "succeeded"),
        ({"amount": 5000, "currency": "EUR"}, "pending"),
    ]
    assert body["refunded"] == {"amount": 10000, "currency": "EUR"}


def test_validation_errors_name_each_field(client, shop):
    document = order_document()
    document["items"][0]["quantity"] = 0
    document["payment"]["captured"] = "lots"
    response = put_order(client, shop.headers, "1001", document)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "validation_failed"
    assert error["fields"]["items.0.quantity"] == ["Is too small."]
    assert error["fields"]["payment.captured"] == ["Must be a whole number."]
    assert order_count() == 0


def test_captured_above_the_total_is_refused(client, shop):
    document = order_document()
    document["payment"]["captured"] = 94801
    response = put_order(client, shop.headers, "1001", document)
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"] == {"payment.captured": ["Cannot be more than the order total."]}


def test_validation_messages_speak_finnish_for_accept_language_fi(client, shop, finnish):
    document = order_document()
    document["items"][0]["quantity"] = 0
    response = put_order(client, shop.headers, "1001", document, **{"Accept-Language": "fi-FI,fi;q=0.9"})
    error = response.get_json()["error"]
    assert response.status_code == 422
    assert error["message"] == finnish["Some fields need your attention."]
    assert error["fields"]["items.0.quantity"] == [finnish["Is too small."]]
    assert "Accept-Language" in response.headers["Vary"]

    document = order_document()
    document["payment"]["captured"] = 10**6
    response = put_order(client, shop.headers, "1001", document, **{"Accept-Language": "fi"})
    assert response.get_json()["error"]["fields"] == {
        "payment.captured": [finnish["Cannot be more than the order total."]]
    }
    english = put_order(client, shop.headers, "1001", document, **{"Accept-Language": "en"})
    assert english.get_json()["error"]["fields"]["payment.captured"] == ["Cannot be more than the order total."]


def test_an_order_number_too_long_is_a_validation_error(client, shop):
    response = put_order(client, shop.headers, "9" * 65, order_document())
    assert response.status_code == 422
    assert "number" in response.get_json()["error"]["fields"]


def test_malformed_json_is_a_bad_request(client, shop):
    for body in ('{"placed_at": ', "[1, 2]", "null", '"order"', "NaN", b"\xff\xfe{", "[" * 100_000):
        response = client.put(
            "/api/v1/orders/1001", data=body, headers={**shop.headers, "Content-Type": "application/json"}
        )
        assert response.status_code == 400, body
        assert response.get_json()["error"]["code"] == "bad_request"
    assert order_count() == 0


def test_a_body_that_is_not_json_is_an_unsupported_media_type(client, shop):
    for content_type in ("text/plain", "application/x-www-form-urlencoded", None):
        headers = dict(shop.headers)
        if content_type:
            headers["Content-Type"] = content_type
        response = client.put("/api/v1/orders/1001", data=json.dumps(order_document()), headers=headers)
        assert response.status_code == 415
        assert response.get_json()["error"]["code"] == "unsupported_media_type"


def test_a_body_too_large_is_refused(app, client, shop):
    app.config["API_MAX_JSON_BYTES"] = 1000
    document = order_document()
    document["items"][0]["attributes"] = {"note": "x" * 2000}
    response = put_order(client, shop.headers, "1001", document)
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "too_large"


def test_wrong_types_anywhere_never_answer_500(client, shop):
    bodies = [
        {},
        {"items": None},
        {"items": "L1"},
        {**order_document(), "items": [None]},
        {**order_document(), "items": [[]]},
        {**order_document(), "customer": "aino"},
        {**order_document(), "placed_at": "yesterday"},
        {**order_document(), "placed_at": "2026-11-02T12:00:00"},
        {**order_document(), "currency": "XBT"},
        {**order_document(), "payment": {"captured": 10**30}},
        {**order_document(), "promised_delivery_date": "soon"},
        {**order_document(), "unknown": 1},
    ]
    for body in bodies:
        response = put_order(client, shop.headers, "1001", body)
        assert response.status_code == 422, body
        assert response.get_json()["error"]["fields"], body


def test_missing_or_bad_credentials_answer_401(client, shop, make_order):
    make_order(shop.merchant, "1001")
    for headers in (
        {},
        bearer("apuri_not-a-key"),
        bearer(""),
        {"Authorization": shop.key},
        {"Authorization": f"Basic {shop.key}"},
    ):
        response = client.get("/api/v1/orders/1001", headers=headers)
        assert response.status_code == 401, headers
        assert response.get_json()["error"]["code"] == "unauthorized"
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_revoked_key_answers_401(client, shop, make_order):
    from portal.actors import Actor
    from portal.merchants.services import revoke_api_key

    make_order(shop.merchant, "1001")
    key = db.session.scalar(select(ApiKey))
    revoke_api_key(shop.merchant, key.id, actor=Actor.system("tests"))
    assert client.get("/api/v1/orders/1001", headers=shop.headers).status_code == 401


def test_authentication_comes_before_the_body(client):
    response = client.put("/api/v1/orders/1001", data="not json", headers={"Content-Type": "text/plain"})
    assert response.status_code == 401


def test_a_key_sees_its_own_shop_only(client, shop, make_merchant, make_api_key, make_order):
    make_order(shop.merchant, "1001")
    other = bearer(make_api_key(make_merchant("kilpailija")))
    foreign = client.get("/api/v1/orders/1001", headers=other)
    missing = client.get("/api/v1/orders/4040", headers=other)
    assert foreign.status_code == missing.status_code == 404
    assert foreign.get_json() == missing.get_json()
    assert client.post("/api/v1/orders/1001/buyer-link", headers=other).status_code == 404

    # The same number at another shop is that shop's own order.
    assert put_order(client, other, "1001", order_document(customer={"email": "x@example.com"})).status_code == 201
    assert client.get("/api/v1/orders/1001", headers=shop.headers).get_json()["customer"]["email"] == "aino@example.fi"


def test_the_buyer_link_opens_the_order(client, shop, make_order):
    make_order(shop.merchant, "1001")
    response = client.post("/api/v1/orders/1001/buyer-link", headers=shop.headers)
    assert response.status_code == 200
    url = response.get_json()["url"]
    assert url.startswith("http")
    page = client.get(urlsplit(url).path, follow_redirects=True)
    assert page.status_code == 200
    assert "Jääkaappi A200" in page.get_data(as_text=True)


def test_unknown_paths_and_methods_answer_in_json(client, shop):
    missing = client.get("/api/v1/nothing-here", headers=shop.headers)
    assert missing.status_code == 404
    assert missing.get_json()["error"]["code"] == "not_found"
    wrong_method = client.delete("/api/v1/orders/1001", headers=shop.headers)
    assert wrong_method.status_code == 405
    assert wrong_method.get_json()["error"]["code"] == "method_not_allowed"


def test_reading_an_order_takes_the_same_queries_however_many_shipments(client, shop, make_order, count_queries):
    for number, shipments in (("1001", 1), ("1002", 4)):
        make_order(shop.merchant, number)
        for n in range(shipments):
            shipment = client.post(
                f"/api/v1/orders/{number}/shipments",
                json={"carrier": "posti", "tracking_number": f"JJFI{number}{n}"},
                headers=shop.headers,
            ).get_json()
            for status in ("info_received", "in_transit"):
                client.post(
                    f"/api/v1/shipments/{shipment['id']}/events",
                    json={"status": status, "occurred_at": "2026-11-03T08:00:00+02:00"},
                    headers=shop.headers,
                )
    client.get("/api/v1/orders/1001", headers=shop.headers)  # the key's last use is noted once
    counts = []
    for number in ("1001", "1002"):
        with count_queries() as queries:
            assert client.get(f"/api/v1/orders/{number}", headers=shop.headers).status_code == 200
        counts.append(queries())
    assert counts[0] == counts[1]


def test_key_use_is_noted_without_a_write_on_every_request(client, shop, make_order):
    make_order(shop.merchant, "1001")
    assert db.session.scalar(select(ApiKey.last_used_at)) is None
    client.get("/api/v1/orders/1001", headers=shop.headers)
    db.session.expire_all()
    assert db.session.scalar(select(ApiKey.last_used_at)) is not None

    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        client.get("/api/v1/orders/1001", headers=shop.headers)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert statements
    assert not [s for s in statements if s.lstrip().upper().startswith("UPDATE")]


def test_nul_characters_are_refused_by_field_and_in_paths(client, shop):
    document = order_document()
    document["items"][0]["name"] = "Jääkaappi\x00"
    document["customer"]["name"] = "\x00"
    response = put_order(client, shop.headers, "1001", document)
    assert response.status_code == 422
    assert set(response.get_json()["error"]["fields"]) == {"items.0.name", "customer.name"}
    assert client.get("/api/v1/orders/10%0001", headers=shop.headers).status_code == 404
    session = client.post(
        "/api/v1/buyer/sessions", json={"merchant": "kodinkone", "order_number": "1\x00", "email": "a@example.fi"}
    )
    assert session.status_code == 422
    assert order_count() == 0


@pytest.mark.postgres
def test_an_amount_beyond_what_the_database_holds_is_refused_not_a_server_error(client, shop):
    document = order_document()
    document["items"][0]["unit_price"] = 3_000_000_000
    document["payment"]["captured"] = 0
    response = put_order(client, shop.headers, "1001", document)
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "validation_failed"
    assert order_count() == 0


@pytest.mark.postgres
def test_parallel_puts_of_a_new_order_make_one_order(app, shop):
    document = order_document()
    barrier = threading.Barrier(6)
    statuses: list[int] = []

    def put():
        client = app.test_client()
        barrier.wait()
        statuses.append(put_order(client, shop.headers, "1001", document).status_code)

    threads = [threading.Thread(target=put) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses.count(201) == 1
    assert set(statuses) <= {200, 201, 409}
    assert order_count() == 1
