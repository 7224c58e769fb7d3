"""PUT and GET /api/v1/catalogue/variants/{sku}: the sizes and colours exchanges are made from."""

from __future__ import annotations

from datetime import datetime

from tests.api.conftest import bearer

URL = "/api/v1/catalogue/variants/SHOE-42"
BODY = {
    "product": "SHOE",
    "name": "Juoksukenkä 42",
    "attributes": {"size": "42", "colour": "blue"},
    "price": 5000,
    "currency": "EUR",
    "stock": 3,
    "category": "footwear",
}


def test_a_variant_is_created_then_replaced_and_read_back(client, shop):
    created = client.put(URL, json=BODY, headers=shop.headers)
    assert created.status_code == 201
    assert created.headers["Location"].endswith(URL)
    variant = created.get_json()
    assert variant == {
        "sku": "SHOE-42",
        "product": "SHOE",
        "name": "Juoksukenkä 42",
        "attributes": {"size": "42", "colour": "blue"},
        "price": {"amount": 5000, "currency": "EUR"},
        "stock": 3,
        "reserved": 0,
        "available": 3,
        "category": "footwear",
        "updated_at": variant["updated_at"],
    }
    assert datetime.fromisoformat(variant["updated_at"]).utcoffset() is not None

    replaced = client.put(URL, json={**BODY, "stock": 7, "price": 4500, "category": None}, headers=shop.headers)
    assert replaced.status_code == 200
    assert replaced.get_json()["stock"] == 7 and replaced.get_json()["price"]["amount"] == 4500
    assert replaced.get_json()["category"] is None

    again = client.put(URL, json={**BODY, "stock": 7, "price": 4500, "category": None}, headers=shop.headers)
    assert again.status_code == 200 and again.get_json()["stock"] == 7  # stock is set, never added

    read = client.get(URL, headers=shop.headers)
    assert read.status_code == 200 and read.get_json()["stock"] == 7


def test_a_bad_variant_is_refused_field_by_field(client, shop):
    response = client.put(
        URL, json={**BODY, "price": -1, "stock": "many", "currency": "XXX", "colour": "red"}, headers=shop.headers
    )
    assert response.status_code == 422
    fields = response.get_json()["error"]["fields"]
    assert {"price", "stock", "currency", "colour"} <= set(fields)
    missing = client.put(URL, json={"name": "Kenkä"}, headers=shop.headers)
    assert missing.status_code == 422
    assert {"product", "price", "currency", "stock"} <= set(missing.get_json()["error"]["fields"])
    assert client.put(URL, data="sku", headers=shop.headers).status_code == 415
    assert client.get(URL, headers=shop.headers).status_code == 404


def test_a_variant_is_the_shops_own(client, shop, make_merchant, make_api_key):
    client.put(URL, json=BODY, headers=shop.headers)
    other = bearer(make_api_key(make_merchant("pyorapaja")))
    assert client.get(URL, headers=other).status_code == 404
    # The other shop's SHOE-42 is its own; this shop's stays as it was.
    assert client.put(URL, json={**BODY, "stock": 99}, headers=other).status_code == 201
    assert client.get(URL, headers=shop.headers).get_json()["stock"] == 3
    assert client.get(URL).status_code == 401
    assert client.get("/api/v1/catalogue/variants/NOPE", headers=shop.headers).get_json()["error"]["code"] == (
        "not_found"
    )
