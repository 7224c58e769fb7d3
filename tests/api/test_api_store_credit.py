"""GET and POST /api/v1/customers/{email}/store-credit: the balance, and the checkout spending it."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal.actors import Actor
from portal.extensions import db
from portal.orders.models import Customer
from portal.payments import store_credit
from portal.payments.models import StoreCreditMovement
from tests.api.conftest import bearer

STAFF = Actor(kind="user", id="usr_1", label="admin@kodinkone.fi")
URL = "/api/v1/customers/aino@example.fi/store-credit"


def eur(amount: int) -> dict:
    return {"amount": amount, "currency": "EUR"}


def balance(customer_id: str, currency: str = "EUR") -> int:
    return store_credit.balance_of(customer_id, currency)


def movements() -> int:
    return db.session.scalar(select(func.count()).select_from(StoreCreditMovement))


@pytest.fixture
def customer(shop, make_order):
    """Aino, with €50.00 of credit from order 1001."""
    order = make_order(shop.merchant, "1001")
    aino = db.session.get(Customer, order.customer_id)
    store_credit.issue(aino, 5000, "EUR", actor=STAFF, reason="Return settled with credit", order=order)
    return aino


def test_the_statement_shows_balances_and_movements(client, shop, customer):
    response = client.get("/api/v1/customers/AINO@example.fi/store-credit", headers=shop.headers)
    assert response.status_code == 200
    body = response.get_json()
    assert body["email"] == "aino@example.fi"
    assert body["balances"] == [eur(5000)]
    [movement] = body["movements"]
    assert movement["amount"] == eur(5000) and movement["kind"] == "issued"
    assert movement["order_number"] == "1001" and movement["reason"] == "Return settled with credit"


def test_an_unknown_customer_answers_404(client, shop, customer):
    response = client.get("/api/v1/customers/nobody@example.fi/store-credit", headers=shop.headers)
    assert response.status_code == 404
    post = client.post("/api/v1/customers/nobody@example.fi/store-credit", json={"amount": 100}, headers=shop.headers)
    assert post.status_code == 404


def test_redeeming_takes_the_amount_from_the_balance(client, shop, customer):
    response = client.post(URL, json={"amount": 2000, "reason": "Checkout 5501"}, headers=shop.headers)
    assert response.status_code == 201
    body = response.get_json()
    assert body["movement"]["amount"] == eur(-2000) and body["movement"]["kind"] == "redeemed"
    assert body["balance"] == eur(3000)
    assert balance(customer.id) == 3000
    statement = client.get(URL, headers=shop.headers).get_json()
    assert statement["balances"] == [eur(3000)]
    assert [m["amount"]["amount"] for m in statement["movements"]] == [-2000, 5000]


def test_the_currency_follows_the_order_when_one_is_named(client, shop, customer):
    response = client.post(URL, json={"amount": 500, "order_number": "1001"}, headers=shop.headers)
    assert response.status_code == 201
    assert response.get_json()["movement"]["order_number"] == "1001"
    assert balance(customer.id) == 4500


def test_more_than_the_balance_is_refused_with_what_is_available_and_nothing_is_spent(client, shop, customer):
    response = client.post(URL, json={"amount": 5001}, headers={**shop.headers, "Accept-Language": "en"})
    assert response.status_code == 409
    error = response.get_json()["error"]
    assert error["code"] == "insufficient_store_credit"
    assert error["message"] == "Only €50.00 of store credit is available."
    assert balance(customer.id) == 5000 and movements() == 1


@pytest.mark.parametrize("amount", [0, -100, 12.5, "100", True, None])
def test_an_amount_that_is_not_a_positive_whole_number_is_refused(client, shop, customer, amount):
    response = client.post(URL, json={"amount": amount}, headers=shop.headers)
    assert response.status_code == 422
    assert "amount" in response.get_json()["error"]["fields"]
    assert balance(customer.id) == 5000


def test_an_unknown_currency_or_order_is_refused(client, shop, customer):
    currency = client.post(URL, json={"amount": 100, "currency": "USD"}, headers=shop.headers)
    assert currency.status_code == 422 and "currency" in currency.get_json()["error"]["fields"]
    order = client.post(URL, json={"amount": 100, "order_number": "9999"}, headers=shop.headers)
    assert order.status_code == 422 and "order_number" in order.get_json()["error"]["fields"]
    assert balance(customer.id) == 5000 and movements() == 1


def test_a_repeat_with_the_same_key_answers_200_with_the_first_redemption(client, shop, customer):
    first = client.post(URL, json={"amount": 2000, "idempotency_key": "checkout-5501"}, headers=shop.headers)
    again = client.post(URL, json={"amount": 2000, "idempotency_key": "checkout-5501"}, headers=shop.headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json()["movement"]["id"] == first.get_json()["movement"]["id"]
    assert balance(customer.id) == 3000
    assert movements() == 2  # the credit and one redemption
    reused = client.post(URL, json={"amount": 100, "idempotency_key": "checkout-5501"}, headers=shop.headers)
    assert reused.status_code == 409 and reused.get_json()["error"]["code"] == "idempotency_key_reused"


def test_the_idempotency_key_header_works_as_the_key(client, shop, customer):
    headers = {**shop.headers, "Idempotency-Key": "checkout-5502"}
    first = client.post(URL, json={"amount": 1000}, headers=headers)
    again = client.post(URL, json={"amount": 1000}, headers=headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert balance(customer.id) == 4000 and movements() == 2
    clash = client.post(URL, json={"amount": 1000, "idempotency_key": "other"}, headers=headers)
    assert clash.status_code == 422 and "idempotency_key" in clash.get_json()["error"]["fields"]


def test_another_shops_key_neither_reads_nor_spends_the_credit(client, shop, customer, make_merchant, make_api_key):
    other = bearer(make_api_key(make_merchant("pyorapaja")))
    assert client.get(URL, headers=other).status_code == 404
    assert client.post(URL, json={"amount": 100}, headers=other).status_code == 404
    assert balance(customer.id) == 5000 and movements() == 1


def test_two_shops_may_use_the_same_idempotency_key(client, shop, customer, make_merchant, make_api_key, make_order):
    other_shop = make_merchant("pyorapaja")
    other_order = make_order(other_shop, "77")  # the same e-mail, another shop's customer
    other_customer = db.session.get(Customer, other_order.customer_id)
    store_credit.issue(other_customer, 3000, "EUR", actor=STAFF)
    other = bearer(make_api_key(other_shop))
    assert client.post(URL, json={"amount": 100, "idempotency_key": "k1"}, headers=shop.headers).status_code == 201
    assert client.post(URL, json={"amount": 200, "idempotency_key": "k1"}, headers=other).status_code == 201
    assert balance(customer.id) == 4900 and balance(other_customer.id) == 2800
