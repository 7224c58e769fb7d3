"""GET /api/v1/refunds and the order's money in the order answers."""

from __future__ import annotations

from datetime import datetime

import pytest

from portal.actors import Actor
from portal.extensions import db
from portal.orders.models import Customer
from portal.payments import services as ledger
from portal.payments import store_credit
from portal.payments.providers.simulated import switch_next_call
from tests.api.conftest import bearer
from tests.api.test_api_buyers import buyer_headers

STAFF = Actor(kind="user", id="usr_1", label="admin@kodinkone.fi")


def eur(amount: int) -> dict:
    return {"amount": amount, "currency": "EUR"}


@pytest.fixture
def order(shop, make_order):
    return make_order(shop.merchant, "1001")  # €948.00 captured


def test_an_orders_refunds_come_with_status_provider_reference_and_failure(client, shop, order, make_order):
    paid_back = ledger.request_refund(order, 20000, "manual", "Scratch on the door", STAFF)
    switch_next_call("fail", "expired_or_canceled_card")
    failed = ledger.request_refund(order, 5000, "claim", "Dented", STAFF)
    ledger.request_refund(make_order(shop.merchant, "1002"), 100, "manual", "", STAFF)
    db.session.refresh(paid_back)

    response = client.get("/api/v1/refunds?order=1001", headers=shop.headers)
    assert response.status_code == 200
    refunds = response.get_json()["refunds"]
    assert [r["id"] for r in refunds] == [failed.id, paid_back.id]  # newest first, this order only
    newest, oldest = refunds
    assert newest["status"] == "failed" and newest["amount"] == eur(5000) and newest["source"] == "claim"
    assert newest["failure_code"] == "expired_or_canceled_card"
    assert newest["failure_reason"] == "The card has expired or was cancelled."
    assert oldest["status"] == "succeeded" and oldest["reason"] == "Scratch on the door"
    assert oldest["provider_reference"] == paid_back.provider_reference and oldest["failure_reason"] is None
    assert oldest["order_number"] == "1001" and oldest["requested_by"] == "admin@kodinkone.fi"
    assert datetime.fromisoformat(oldest["created_at"]).utcoffset() is not None


def test_an_unknown_order_answers_404(client, shop, order):
    response = client.get("/api/v1/refunds?order=9999", headers=shop.headers)
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_without_an_order_the_shops_newest_refunds_are_listed_and_status_narrows_them(client, shop, order, make_order):
    other = make_order(shop.merchant, "1002")
    ledger.request_refund(order, 1000, "manual", "", STAFF)
    switch_next_call("fail")
    ledger.request_refund(other, 2000, "manual", "", STAFF)
    body = client.get("/api/v1/refunds", headers=shop.headers).get_json()
    assert [(r["order_number"], r["amount"]["amount"]) for r in body["refunds"]] == [("1002", 2000), ("1001", 1000)]
    assert body["next"] is None
    failed = client.get("/api/v1/refunds?status=failed", headers=shop.headers).get_json()["refunds"]
    assert [r["order_number"] for r in failed] == ["1002"]
    refused = client.get("/api/v1/refunds?status=lost", headers=shop.headers)
    assert refused.status_code == 422 and "status" in refused.get_json()["error"]["fields"]


def test_the_list_stops_at_100_with_a_cursor_for_the_rest(client, shop, order):
    for n in range(101):
        ledger.request_refund(order, 1 + n, "manual", "", STAFF)
    first = client.get("/api/v1/refunds", headers=shop.headers).get_json()
    assert len(first["refunds"]) == 100 and first["refunds"][0]["amount"]["amount"] == 101
    rest = client.get(f"/api/v1/refunds?cursor={first['next']}", headers=shop.headers).get_json()
    assert [r["amount"]["amount"] for r in rest["refunds"]] == [1] and rest["next"] is None


def test_another_shop_sees_neither_the_order_nor_its_refunds(client, shop, order, make_merchant, make_api_key):
    ledger.request_refund(order, 1000, "manual", "", STAFF)
    other = bearer(make_api_key(make_merchant("pyorapaja")))
    assert client.get("/api/v1/refunds?order=1001", headers=other).status_code == 404
    assert client.get("/api/v1/refunds", headers=other).get_json()["refunds"] == []


def test_the_order_answers_carry_the_orders_money(client, shop, order):
    ledger.request_refund(order, 10000, "manual", "", STAFF)
    switch_next_call("lose_answer")  # the provider refunded; the answer never came: pending
    ledger.request_refund(order, 2000, "manual", "", STAFF)
    switch_next_call("fail")
    ledger.request_refund(order, 3000, "manual", "", STAFF)
    store_credit.issue(db.session.get(Customer, order.customer_id), 1500, "EUR", actor=STAFF, order=order)

    merchant_view = client.get("/api/v1/orders/1001", headers=shop.headers).get_json()
    assert merchant_view["money"] == {
        "paid": eur(94800),
        "refunded": eur(10000),
        "pending": eur(2000),
        "failed": eur(3000),
        "store_credit_issued": eur(1500),
        "refundable": eur(82800),
    }
    assert merchant_view["refunded"] == eur(10000)  # the field that was there before stays
    assert {r["status"] for r in merchant_view["refunds"]} == {"succeeded", "pending", "failed"}

    buyer_view = client.get("/api/v1/buyer/orders/1001", headers=buyer_headers(client)).get_json()
    assert buyer_view["money"] == {
        "paid": eur(94800),
        "refunded": eur(10000),
        "pending": eur(2000),
        "store_credit_issued": eur(1500),
    }
    assert buyer_view["store_credit"] == [eur(1500)]
    assert "provider_reference" not in buyer_view["refunds"][0]

    summary = ledger.money_summary(order)
    assert (summary.refunded, summary.pending, summary.failed, summary.refundable) == (10000, 2000, 3000, 82800)
