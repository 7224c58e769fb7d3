"""Instalments through the API: the plans on offer with every cost, accepting one, the card, the
plan in the order answers, the policy's caps, and the shop's list."""

from __future__ import annotations

import pytest

from tests.api import test_api_returns
from tests.api.test_api_returns import error, eur

deliver = test_api_returns.deliver  # the fixture, for this module's tests

TERMS = {
    "enabled": True,
    "months": [3, 6],
    "nominal_rate": "9.90",
    "monthly_fee": 0,
    "setup_fee": 150,
    "min_amount": 20000,
    "max_amount": 500000,
    "window_days": 30,
}
PAID = 104800  # the returns tests' order: fridge, two pairs of trainers and the delivery


@pytest.fixture
def offering(client, shop):
    response = client.patch("/api/v1/policy", json={"instalments": TERMS}, headers=shop.headers)
    assert response.status_code == 200, response.get_json()
    return shop


def options(client, buyer, number="1001", **headers):
    return client.get(f"/api/v1/buyer/orders/{number}/instalment-options", headers={**buyer, **headers})


def accept(client, buyer, body, number="1001"):
    return client.post(f"/api/v1/buyer/orders/{number}/instalment-plan", json=body, headers=buyer)


def test_the_plans_on_offer_show_every_cost_and_the_order_says_it_may_switch(client, offering, deliver):
    buyer = deliver()
    answer = options(client, buyer).get_json()
    assert answer["allowed"] and answer["reason"] is None
    three, six = answer["plans"]
    assert (three["months"], six["months"]) == (3, 6)
    assert three["credit"] == eur(PAID) and three["nominal_rate"] == "9.90" and three["fees"]["setup_fee"] == eur(150)
    assert sum(row["amount"]["amount"] for row in three["schedule"]) == three["total_payable"]["amount"]
    assert three["total_cost"]["amount"] == three["total_payable"]["amount"] - PAID
    assert three["refund_now"]["amount"] == PAID - three["first_instalment"]["amount"]
    assert float(three["apr"]) > 9.9 and three["interest_free"] is False
    assert three["first_due_date"] == three["schedule"][0]["due_date"]
    assert f"gives an APR of {three['apr']}%" in three["representative_example"]
    order = client.get("/api/v1/buyer/orders/1001", headers=buyer).get_json()
    assert order["actions"]["instalments"] == {"allowed": True, "reason": None} and order["plan"] is None


def test_accepting_needs_the_terms_and_an_offered_length_and_then_the_card_starts_the_plan(client, offering, deliver):
    buyer = deliver()
    response = accept(client, buyer, {"months": 3})
    assert response.status_code == 422 and "accept_terms" in error(response)["fields"]
    response = accept(client, buyer, {"months": 12, "accept_terms": True})
    assert response.status_code == 422 and "3, 6" in error(response)["fields"]["months"][0]
    response = accept(client, buyer, {"months": "3", "accept_terms": True})
    assert response.status_code == 422
    response = accept(client, buyer, {"months": 3, "accept_terms": True})
    assert response.status_code == 201
    created = response.get_json()
    plan = created["plan"]
    assert plan["status"] == "awaiting_card" and created["next"]["action"] == "save_card"
    assert f"/plans/{plan['id']}/card" in created["next"]["url"] and response.headers["Location"].endswith(plan["id"])
    assert client.get("/api/v1/refunds?order=1001", headers=offering.headers).get_json()["refunds"] == []

    card = f"/api/v1/buyer/instalment-plans/{plan['id']}/card"
    refused = client.post(card, json={"card_number": "4000 0000 0000 0002"}, headers=buyer)
    assert refused.status_code == 422 and "declined" in error(refused)["fields"]["card"][0]
    started = client.post(card, json={"card_number": "4242424242424242"}, headers=buyer)
    assert started.status_code == 200
    plan = started.get_json()
    assert plan["status"] == "active" and plan["card"] == "Visa •••• 4242"
    assert plan["paid"] == plan["instalments"][0]["amount"] and plan["next_instalment"]["number"] == 2
    # A repeat answers the started plan; the money moved once.
    assert client.post(card, json={"card_number": "4242424242424242"}, headers=buyer).status_code == 200
    refunds = client.get("/api/v1/refunds?order=1001", headers=offering.headers).get_json()["refunds"]
    assert [(r["source"], r["amount"]["amount"], r["status"]) for r in refunds] == [
        ("instalment_switch", PAID - plan["instalments"][0]["amount"]["amount"], "succeeded")
    ]
    order = client.get("/api/v1/buyer/orders/1001", headers=buyer).get_json()
    assert order["plan"]["id"] == plan["id"] and order["actions"]["instalments"]["allowed"] is False
    assert client.get("/api/v1/orders/1001", headers=offering.headers).get_json()["plan"]["status"] == "active"
    again = accept(client, buyer, {"months": 6, "accept_terms": True})
    assert again.status_code == 409 and error(again)["code"] == "instalments_not_available"


def test_an_order_that_does_not_qualify_is_told_why(client, offering, deliver):
    buyer = deliver(days_ago=40)
    answer = options(client, buyer).get_json()
    assert answer["allowed"] is False and "ended on" in answer["reason"] and answer["plans"] == []
    response = accept(client, buyer, {"months": 3, "accept_terms": True})
    assert response.status_code == 409 and "ended on" in error(response)["message"]


def test_only_the_buyer_sees_their_plan_and_the_shop_lists_its_plans(
    client, offering, deliver, make_merchant, make_api_key
):
    buyer = deliver()
    plan = accept(client, buyer, {"months": 3, "accept_terms": True}).get_json()["plan"]
    other = deliver("1002", customer={"email": "eino@example.fi", "name": "Eino"})
    assert client.get(f"/api/v1/buyer/instalment-plans/{plan['id']}", headers=other).status_code == 404
    assert (
        client.post(
            f"/api/v1/buyer/instalment-plans/{plan['id']}/card", json={"card_number": "4242424242424242"}, headers=other
        ).status_code
        == 404
    )
    listed = client.get("/api/v1/instalment-plans", headers=offering.headers).get_json()
    assert [p["id"] for p in listed["plans"]] == [plan["id"]]
    assert client.get("/api/v1/instalment-plans?status=active", headers=offering.headers).get_json()["plans"] == []
    assert client.get("/api/v1/instalment-plans?status=late", headers=offering.headers).status_code == 422
    assert client.get("/api/v1/instalment-plans?cursor=nonsense", headers=offering.headers).status_code == 422
    stranger = make_merchant("toinen")
    stranger_headers = {"Authorization": f"Bearer {make_api_key(stranger)}"}
    assert client.get(f"/api/v1/instalment-plans/{plan['id']}", headers=stranger_headers).status_code == 404
    assert client.get("/api/v1/instalment-plans", headers=stranger_headers).get_json()["plans"] == []


@pytest.mark.parametrize(
    ("terms", "field"),
    [
        ({"nominal_rate": "20.5"}, "instalments.nominal_rate"),
        ({"monthly_fee": 2000}, "instalments.monthly_fee"),
    ],
)
def test_terms_above_the_finnish_caps_answer_422_with_the_reason(client, shop, terms, field):
    response = client.patch("/api/v1/policy", json={"instalments": {**TERMS, **terms}}, headers=shop.headers)
    assert response.status_code == 422 and field in error(response)["fields"]
    assert client.get("/api/v1/policy", headers=shop.headers).get_json()["instalments"]["enabled"] is False
