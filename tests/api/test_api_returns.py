"""Returns through the API: the buyer asks, the shop decides and receives, the money follows.

Orders are delivered through the API itself (PUT order, shipment, "delivered" event) and the
trainer's sizes come from PUT /catalogue/variants, as a shop's backend would do it.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from portal.api import returns as returns_api
from tests.api.conftest import bearer
from tests.api.test_api_buyers import buyer_headers
from tests.conftest import now_iso, order_document
from tests.returns.conftest import CAPTURED, ITEMS, line

AINO = {"email": "aino@example.fi", "name": "Aino Virtanen"}
SIZES = (  # sku, size, price, stock: 44 costs less, 45 more, 43 is sold out
    ("SHOE-41", "41", 5000, 5),
    ("SHOE-42", "42", 5000, 3),
    ("SHOE-43", "43", 5000, 0),
    ("SHOE-44", "44", 4000, 2),
    ("SHOE-45", "45", 6000, 4),
)


def eur(amount: int) -> dict:
    return {"amount": amount, "currency": "EUR"}


def error(response) -> dict:
    return response.get_json()["error"]


@pytest.fixture
def deliver(client, shop):
    """``deliver(number, days_ago=2, customer=AINO, delivered=True, shipped=True)``: an order of
    the fridge and two pairs of trainers, put, shipped and delivered through the API."""

    def make(number="1001", *, days_ago=2, customer=AINO, delivered=True, shipped=True):
        body = order_document(
            items=ITEMS,
            customer=customer,
            payment={"provider": "simulated", "reference": f"pay_{number}", "method": "card", "captured": CAPTURED},
        )
        assert client.put(f"/api/v1/orders/{number}", json=body, headers=shop.headers).status_code == 201
        if shipped:
            shipment = client.post(
                f"/api/v1/orders/{number}/shipments",
                json={"carrier": "posti", "tracking_number": f"JJFI{number}"},
                headers=shop.headers,
            ).get_json()
            if delivered:
                event = {"status": "delivered", "occurred_at": now_iso(-24 * days_ago)}
                response = client.post(f"/api/v1/shipments/{shipment['id']}/events", json=event, headers=shop.headers)
                assert response.status_code == 201
        return buyer_headers(client, order_number=number, email=customer["email"])

    return make


@pytest.fixture
def sizes(client, shop):
    for sku, size, price, stock in SIZES:
        body = {
            "product": "SHOE",
            "name": f"Juoksukenkä {size}",
            "attributes": {"size": size},
            "price": price,
            "currency": "EUR",
            "stock": stock,
        }
        assert client.put(f"/api/v1/catalogue/variants/{sku}", json=body, headers=shop.headers).status_code == 201


def stock(client, shop, sku: str) -> int:
    return client.get(f"/api/v1/catalogue/variants/{sku}", headers=shop.headers).get_json()["available"]


def ask(client, buyer, *lines, number="1001", comment="", **headers):
    return client.post(
        f"/api/v1/buyer/orders/{number}/returns",
        json={"items": list(lines), "comment": comment},
        headers={**buyer, **headers},
    )


def asked(client, buyer, *lines, number="1001") -> dict:
    response = ask(client, buyer, *lines, number=number)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def decide(client, headers: dict, return_id: str, decision: str, body: dict | None = None):
    url = f"/api/v1/returns/{return_id}/{decision}"
    if body is None:
        return client.post(url, headers=headers)
    return client.post(url, json=body, headers=headers)


def refunds_of(client, shop, number="1001") -> list[dict]:
    return client.get(f"/api/v1/refunds?order={number}", headers=shop.headers).get_json()["refunds"]


# -- the whole way ------------------------------------------------------------------------------


def test_a_return_goes_from_request_to_refund_and_is_settled_once(client, shop, deliver, sizes):
    buyer = deliver()
    response = ask(client, buyer, line("L2", 1, "wrong_size", "refund"), comment="Too small")
    assert response.status_code == 201
    ret = response.get_json()
    assert response.headers["Location"].endswith(f"/api/v1/buyer/returns/{ret['id']}")
    assert ret["number"] == "1001-R1" and ret["order"] == "1001"
    assert ret["status"] == "requested" and ret["status_label"] == "Requested, waiting for the shop"
    assert ret["items"] == [
        {
            "item_id": "L2",
            "sku": "SHOE-42",
            "name": "Juoksukenkä",
            "quantity": 1,
            "unit_price": eur(5000),
            "reason": "wrong_size",
            "reason_label": "Wrong size or fit",
            "resolution": "refund",
            "resolution_label": "Money back to my original payment",
            "exchange_sku": None,
            "exchange_price": None,
            "condition": None,
            "restocking_fee": eur(0),
        }
    ]
    assert ret["comment"] == "Too small" and ret["within_window"] is True and ret["whole_order"] is False
    assert ret["refund_due_on"] == (date.fromisoformat(ret["created_at"][:10]) + timedelta(days=14)).isoformat()
    assert datetime.fromisoformat(ret["created_at"]).utcoffset() is not None
    assert ret["slip_url"] is None and ret["approved_at"] is None
    assert ret["settlement"]["refund"] == eur(0) and ret["settlement"]["refund_id"] is None

    slip = client.get(f"/api/v1/buyer/returns/{ret['id']}/slip.pdf", headers=buyer)
    assert slip.status_code == 409 and error(slip)["code"] == "slip_not_available"
    assert "approved" in error(slip)["message"]

    listed = client.get("/api/v1/returns?status=open", headers=shop.headers).get_json()
    assert [r["id"] for r in listed["returns"]] == [ret["id"]] and listed["next"] is None

    approved = decide(client, shop.headers, ret["id"], "approve", {"message": "Thanks, send them back."})
    assert approved.status_code == 200
    approved = approved.get_json()
    assert approved["status"] == "approved" and approved["message"] == "Thanks, send them back."
    assert approved["approved_at"] and approved["slip_url"].endswith(f"/api/v1/buyer/returns/{ret['id']}/slip.pdf")
    again = decide(client, shop.headers, ret["id"], "approve")
    assert again.status_code == 200 and again.get_json() == approved

    slip = client.get(f"/api/v1/buyer/returns/{ret['id']}/slip.pdf", headers=buyer)
    assert slip.status_code == 200 and slip.mimetype == "application/pdf"
    assert slip.data.startswith(b"%PDF")

    received = decide(client, shop.headers, ret["id"], "receive")
    assert received.status_code == 200
    settled = received.get_json()
    assert settled["status"] == "refunded" and settled["items"][0]["condition"] == "accepted"
    assert settled["settlement"]["refund"] == eur(5000)
    assert settled["settlement"]["store_credit"] == eur(0) and settled["settlement"]["restocking_fees"] == eur(0)
    assert settled["settlement"]["refund_status"] == "succeeded" and settled["settled_at"]
    assert stock(client, shop, "SHOE-42") == 4  # the pair is back on the shelf

    again = decide(client, shop.headers, ret["id"], "receive")
    assert again.status_code == 200 and again.get_json()["settlement"] == settled["settlement"]
    refunds = refunds_of(client, shop)
    assert [(r["id"], r["amount"], r["source"]) for r in refunds] == [
        (settled["settlement"]["refund_id"], eur(5000), "return")
    ]
    assert stock(client, shop, "SHOE-42") == 4  # and only once

    late = decide(client, shop.headers, ret["id"], "reject", {"message": "Changed our mind"})
    assert late.status_code == 409 and error(late)["code"] == "return_state"

    order = client.get("/api/v1/orders/1001", headers=shop.headers).get_json()
    assert [(r["number"], r["status"], r["settlement"]["refund"]) for r in order["returns"]] == [
        ("1001-R1", "refunded", eur(5000))
    ]
    assert order["money"]["refunded"] == eur(5000)
    mine = client.get(f"/api/v1/buyer/returns/{ret['id']}", headers=buyer).get_json()
    assert mine == settled


def test_returning_the_whole_order_in_the_window_refunds_the_delivery_too(client, shop, deliver):
    buyer = deliver()
    ret = asked(client, buyer, line("L1", 1, "changed_mind"), line("L2", 2, "changed_mind"))
    assert ret["whole_order"] is True and ret["shipping_refund"] == eur(4900)
    decide(client, shop.headers, ret["id"], "approve")
    settled = decide(client, shop.headers, ret["id"], "receive").get_json()
    assert settled["settlement"]["refund"] == eur(CAPTURED)
    assert [r["amount"] for r in refunds_of(client, shop)] == [eur(CAPTURED)]
    buyer_view = client.get("/api/v1/buyer/orders/1001", headers=buyer).get_json()
    assert buyer_view["money"]["refunded"] == eur(CAPTURED)
    assert buyer_view["actions"]["return"]["allowed"] is False
    assert {i["item_id"]: i["returnable_quantity"] for i in buyer_view["return_options"]["items"]} == {"L1": 0, "L2": 0}


def test_store_credit_gets_the_bonus_and_damage_the_restocking_fee(client, shop, deliver):
    patch = {"returns": {"restocking_fee_pct": "10.00", "store_credit_bonus_pct": "5.00"}}
    assert client.patch("/api/v1/policy", json=patch, headers=shop.headers).status_code == 200
    buyer = deliver()
    ret = asked(client, buyer, line("L2", 2, "changed_mind", "store_credit"))
    decide(client, shop.headers, ret["id"], "approve")
    body = {"items": [{"item_id": "L2", "condition": "damaged", "restocking_fee": True}]}
    settled = decide(client, shop.headers, ret["id"], "receive", body).get_json()
    assert settled["items"][0]["condition"] == "damaged" and settled["items"][0]["restocking_fee"] == eur(1000)
    assert settled["settlement"] == {
        "refund": eur(0),
        "store_credit": eur(9000),
        "store_credit_bonus": eur(450),
        "restocking_fees": eur(1000),
        "refund_id": None,
        "refund_status": None,
        "exchange_order": None,
    }
    assert refunds_of(client, shop) == []
    statement = client.get("/api/v1/customers/aino@example.fi/store-credit", headers=shop.headers).get_json()
    assert statement["balances"] == [eur(9450)]


def test_receiving_an_item_that_is_not_in_the_return_is_refused(client, shop, deliver):
    buyer = deliver()
    ret = asked(client, buyer, line("L2", 1))
    response = decide(client, shop.headers, ret["id"], "receive", {"items": [{"item_id": "L1"}]})
    assert response.status_code == 422 and "items.0.item_id" in error(response)["fields"]
    wrong = decide(client, shop.headers, ret["id"], "receive", {"items": [{"item_id": "L2", "condition": "soaked"}]})
    assert wrong.status_code == 422 and "items.0.condition" in error(wrong)["fields"]
    assert client.get(f"/api/v1/returns/{ret['id']}", headers=shop.headers).get_json()["status"] == "requested"


# -- exchanges and stock ------------------------------------------------------------------------


def test_the_buyer_order_offers_what_can_be_returned_and_exchanged(client, shop, deliver, sizes):
    buyer = deliver()
    order = client.get("/api/v1/buyer/orders/1001", headers=buyer).get_json()
    assert order["actions"]["return"] == {"allowed": True, "reason": None}
    assert order["actions"]["cancel"]["allowed"] is False and order["actions"]["cancel"]["reason"]
    options = order["return_options"]
    assert options["allowed"] is True
    assert date.fromisoformat(options["window_closes_on"]) >= date.today() + timedelta(days=11)
    fridge, shoes = options["items"]
    assert fridge == {
        "item_id": "L1",
        "returnable_quantity": 1,
        "allowed": True,
        "reason": None,
        "exchange_options": [],
    }
    assert shoes["returnable_quantity"] == 2
    # Sold-out 43 is not offered; 44 costs €10 less (paid back), 45 costs €10 more (paid by the buyer).
    assert [
        (o["sku"], o["attributes"], o["price"], o["stock"], o["difference"], o["to_pay"])
        for o in shoes["exchange_options"]
    ] == [
        ("SHOE-44", {"size": "44"}, eur(4000), 2, eur(1000), eur(0)),
        ("SHOE-41", {"size": "41"}, eur(5000), 5, eur(0), eur(0)),
        ("SHOE-45", {"size": "45"}, eur(6000), 4, eur(0), eur(1000)),
    ]
    codes = [reason["code"] for reason in options["reasons"]]
    assert codes[0] == "changed_mind" and codes[-1] == "other"
    assert {"wrong_size", "defective", "wrong_item", "damaged_in_transit", "not_as_described"} <= set(codes)
    assert {"code": "wrong_size", "label": "Wrong size or fit"} in options["reasons"]
    assert [r["code"] for r in options["resolutions"]] == ["refund", "store_credit", "exchange"]


def test_an_exchange_reserves_the_variant_and_a_rejection_puts_it_back(client, shop, deliver, sizes):
    buyer = deliver()
    ret = asked(client, buyer, line("L2", 2, "wrong_size", "exchange", exchange_sku="SHOE-41"))
    assert ret["items"][0]["exchange_sku"] == "SHOE-41" and ret["items"][0]["exchange_price"] == eur(5000)
    assert ret["whole_order"] is False and ret["shipping_refund"] == eur(0)
    assert stock(client, shop, "SHOE-41") == 3

    missing = decide(client, shop.headers, ret["id"], "reject", {})
    assert missing.status_code == 422 and "message" in error(missing)["fields"]
    blank = decide(client, shop.headers, ret["id"], "reject")
    assert blank.status_code == 422 and "message" in error(blank)["fields"]
    assert stock(client, shop, "SHOE-41") == 3

    rejected = decide(client, shop.headers, ret["id"], "reject", {"message": "Worn outdoors."})
    assert rejected.status_code == 200
    assert rejected.get_json()["status"] == "rejected" and rejected.get_json()["message"] == "Worn outdoors."
    assert rejected.get_json()["rejected_at"] and rejected.get_json()["slip_url"] is None
    assert stock(client, shop, "SHOE-41") == 5
    again = decide(client, shop.headers, ret["id"], "reject", {"message": "Worn outdoors."})
    assert again.status_code == 200 and stock(client, shop, "SHOE-41") == 5

    approve = decide(client, shop.headers, ret["id"], "approve")
    assert approve.status_code == 409 and error(approve)["code"] == "return_state"
    receive = decide(client, shop.headers, ret["id"], "receive")
    assert receive.status_code == 409
    slip = client.get(f"/api/v1/buyer/returns/{ret['id']}/slip.pdf", headers=buyer)
    assert slip.status_code == 409 and error(slip)["code"] == "slip_not_available"
    mine = client.get(f"/api/v1/buyer/returns/{ret['id']}", headers=buyer).get_json()
    assert mine["status"] == "rejected" and mine["message"] == "Worn outdoors."
    # Rejected items may be asked for again.
    assert ask(client, buyer, line("L2", 2)).status_code == 201


def test_an_exchange_for_a_cheaper_size_settles_with_an_exchange_order_and_the_difference(client, shop, deliver, sizes):
    buyer = deliver()
    ret = asked(client, buyer, line("L2", 1, "wrong_size", "exchange", exchange_sku="SHOE-44"))
    assert stock(client, shop, "SHOE-44") == 1
    decide(client, shop.headers, ret["id"], "approve")
    settled = decide(client, shop.headers, ret["id"], "receive").get_json()
    assert settled["status"] == "exchanged"
    assert settled["settlement"]["exchange_order"] == "1001-R1-E"
    assert settled["settlement"]["refund"] == eur(1000) and settled["settlement"]["refund_status"] == "succeeded"
    assert [r["amount"] for r in refunds_of(client, shop)] == [eur(1000)]
    assert stock(client, shop, "SHOE-44") == 1 and stock(client, shop, "SHOE-42") == 4
    exchange = client.get("/api/v1/orders/1001-R1-E", headers=shop.headers).get_json()
    assert [(i["sku"], i["quantity"], i["unit_price"]) for i in exchange["items"]] == [("SHOE-44", 1, eur(4000))]


def test_an_exchange_for_a_dearer_size_is_paid_for_first(client, shop, deliver, sizes):
    buyer = deliver()
    ret = asked(client, buyer, line("L2", 1, "wrong_size", "exchange", exchange_sku="SHOE-45"))
    assert ret["difference"] == {"due": eur(1000), "status": "paid"}  # charged on the original card
    order = client.get("/api/v1/orders/1001", headers=shop.headers).get_json()
    assert order["money"]["paid"] == eur(order["payment"]["captured"]["amount"] + 1000)
    decide(client, shop.headers, ret["id"], "approve")
    settled = decide(client, shop.headers, ret["id"], "receive").get_json()
    assert settled["status"] == "exchanged" and settled["settlement"]["refund"] == eur(0)
    assert refunds_of(client, shop) == []


def test_the_buyer_can_withdraw_a_return_before_sending_it(client, shop, deliver, sizes):
    buyer = deliver()
    ret = asked(client, buyer, line("L2", 1, "wrong_size", "exchange", exchange_sku="SHOE-41"))
    assert stock(client, shop, "SHOE-41") == 4
    cancelled = client.post(f"/api/v1/buyer/returns/{ret['id']}/cancel", headers=buyer)
    assert cancelled.status_code == 200 and cancelled.get_json()["status"] == "cancelled"
    assert stock(client, shop, "SHOE-41") == 5
    assert client.post(f"/api/v1/buyer/returns/{ret['id']}/cancel", headers=buyer).status_code == 200
    assert stock(client, shop, "SHOE-41") == 5
    slip = client.get(f"/api/v1/buyer/returns/{ret['id']}/slip.pdf", headers=buyer)
    assert slip.status_code == 409 and "cancelled" in error(slip)["message"]
    assert decide(client, shop.headers, ret["id"], "approve").status_code == 409

    settled = asked(client, buyer, line("L2", 1))
    decide(client, shop.headers, settled["id"], "receive")
    too_late = client.post(f"/api/v1/buyer/returns/{settled['id']}/cancel", headers=buyer)
    assert too_late.status_code == 409 and error(too_late)["code"] == "return_state"


def test_a_small_return_is_approved_by_the_shops_rule(client, shop, deliver):
    client.patch("/api/v1/policy", json={"returns": {"auto_approve_max": 10000}}, headers=shop.headers)
    buyer = deliver()
    ret = asked(client, buyer, line("L2", 1))
    assert ret["status"] == "approved" and ret["auto_approved"] is True and ret["slip_url"]
    assert ret["slip_url"].endswith(f"/api/v1/buyer/returns/{ret['id']}/slip.pdf")
    slip = client.get(f"/api/v1/buyer/returns/{ret['id']}/slip.pdf", headers=buyer)
    assert slip.status_code == 200 and slip.data.startswith(b"%PDF")


# -- what the buyer may not do ------------------------------------------------------------------


def test_bad_lines_are_named_by_field_and_change_nothing(client, shop, deliver, sizes):
    buyer = deliver()
    response = ask(
        client,
        buyer,
        line("L2", 3),  # two were bought
        line("L9", 1),  # no such line
        line("L1", 1, reason="bored"),  # not one of the shop's reasons
        line("L2", 1, "wrong_size", "exchange", exchange_sku="SHOE-45"),  # the same line again
    )
    assert response.status_code == 422
    assert error(response)["code"] == "validation_failed"
    fields = error(response)["fields"]
    assert set(fields) == {"items.0.quantity", "items.1.item_id", "items.2.reason", "items.3.item_id"}
    assert fields["items.0.quantity"] == ["At most 2 of this item can still be returned."]

    exchange = ask(client, buyer, line("L2", 1, "wrong_size", "exchange", exchange_sku="FRIDGE-A-200"))
    assert exchange.status_code == 422 and set(error(exchange)["fields"]) == {"items.0.exchange_sku"}
    sold_out = ask(client, buyer, line("L2", 1, "wrong_size", "exchange", exchange_sku="SHOE-43"))
    assert sold_out.status_code == 422 and set(error(sold_out)["fields"]) == {"items.0.exchange_sku"}
    shape = ask(client, buyer, {"item_id": "L2", "quantity": 0, "reason": "wrong_size", "resolution": "swap"})
    assert shape.status_code == 422
    assert set(error(shape)["fields"]) == {"items.0.quantity", "items.0.resolution"}
    empty = client.post("/api/v1/buyer/orders/1001/returns", json={"items": []}, headers=buyer)
    assert empty.status_code == 422 and "items" in error(empty)["fields"]
    not_json = client.post("/api/v1/buyer/orders/1001/returns", data="items", headers=buyer)
    assert not_json.status_code == 415

    assert client.get("/api/v1/returns", headers=shop.headers).get_json()["returns"] == []
    assert stock(client, shop, "SHOE-41") == 5


def test_an_item_cannot_be_returned_twice(client, shop, deliver):
    buyer = deliver()
    asked(client, buyer, line("L1", 1), line("L2", 1))
    again = ask(client, buyer, line("L1", 1))
    assert again.status_code == 422
    assert error(again)["fields"] == {"items.0.item_id": ["Already returned."]}
    more = ask(client, buyer, line("L2", 2))
    assert error(more)["fields"] == {"items.0.quantity": ["At most 1 of this item can still be returned."]}
    listed = ask(client, buyer, line("L2", 1), line("L2", 1))
    assert list(error(listed)["fields"]) == ["items.1.item_id"]
    last = asked(client, buyer, line("L2", 1))
    assert last["number"] == "1001-R2"
    order = client.get("/api/v1/buyer/orders/1001", headers=buyer).get_json()
    assert order["actions"]["return"]["allowed"] is False and order["actions"]["return"]["reason"]


def test_after_the_window_the_order_cannot_be_returned_and_says_until_when(client, shop, deliver):
    buyer = deliver(days_ago=20)
    response = ask(client, buyer, line("L2", 1))
    assert response.status_code == 409
    assert error(response)["code"] == "return_not_allowed"
    assert "return window closed" in error(response)["message"]
    order = client.get("/api/v1/buyer/orders/1001", headers=buyer).get_json()
    # Delivered 20 days ago, 14 days to return: closed about 6 days ago (the shop's calendar day).
    closes = date.fromisoformat(order["return_options"]["window_closes_on"])
    assert abs((closes - (date.today() - timedelta(days=6))).days) <= 1
    assert order["actions"]["return"]["allowed"] is False
    assert "return window closed" in order["actions"]["return"]["reason"]
    assert all(i["allowed"] is False and i["returnable_quantity"] == 0 for i in order["return_options"]["items"])


def test_an_undelivered_order_is_cancelled_instead_and_refunded_once(client, shop, deliver):
    buyer = deliver(shipped=False)
    refused = ask(client, buyer, line("L2", 1))
    assert refused.status_code == 409 and error(refused)["code"] == "return_not_allowed"
    order = client.get("/api/v1/buyer/orders/1001", headers=buyer).get_json()
    assert order["actions"]["cancel"] == {"allowed": True, "reason": None}
    assert "cancel" in order["actions"]["return"]["reason"]

    cancelled = client.post("/api/v1/buyer/orders/1001/cancel", headers=buyer)
    assert cancelled.status_code == 200
    body = cancelled.get_json()
    assert body["number"] == "1001" and body["status"] == "cancelled"
    assert body["actions"]["cancel"]["allowed"] is False and body["actions"]["return"]["allowed"] is False
    assert client.post("/api/v1/buyer/orders/1001/cancel", headers=buyer).status_code == 200
    refunds = refunds_of(client, shop)
    assert [(r["amount"], r["source"]) for r in refunds] == [(eur(CAPTURED), "cancellation")]


def test_a_sent_order_cannot_be_cancelled_nor_where_the_shop_does_not_allow_it(client, shop, deliver):
    sent = deliver("1001", delivered=False)
    order = client.get("/api/v1/buyer/orders/1001", headers=sent).get_json()
    assert (
        order["actions"]["cancel"]["allowed"] is False and "already been sent" in order["actions"]["cancel"]["reason"]
    )
    response = client.post("/api/v1/buyer/orders/1001/cancel", headers=sent)
    assert response.status_code == 409 and error(response)["code"] == "already_shipped"

    client.patch("/api/v1/policy", json={"returns": {"allow_cancel": False}}, headers=shop.headers)
    waiting = deliver("1002", shipped=False)
    order = client.get("/api/v1/buyer/orders/1002", headers=waiting).get_json()
    assert order["actions"]["cancel"]["allowed"] is False
    response = client.post("/api/v1/buyer/orders/1002/cancel", headers=waiting)
    assert response.status_code == 409 and error(response)["code"] == "cancel_not_allowed"
    assert refunds_of(client, shop, "1001") == [] and refunds_of(client, shop, "1002") == []


def test_no_one_else_sees_or_touches_a_return(client, shop, deliver, make_merchant, make_api_key):
    aino = deliver("1001")
    mallory = deliver("1002", customer={"email": "mallory@example.fi", "name": "Mallory"})
    ret = asked(client, aino, line("L2", 1))
    decide(client, shop.headers, ret["id"], "approve")
    for response in (
        client.get(f"/api/v1/buyer/returns/{ret['id']}", headers=mallory),
        client.get(f"/api/v1/buyer/returns/{ret['id']}/slip.pdf", headers=mallory),
        client.post(f"/api/v1/buyer/returns/{ret['id']}/cancel", headers=mallory),
        ask(client, mallory, line("L2", 1), number="1001"),
        client.post("/api/v1/buyer/orders/1001/cancel", headers=mallory),
    ):
        assert response.status_code == 404 and error(response)["code"] == "not_found"

    other = bearer(make_api_key(make_merchant("pyorapaja")))
    assert client.get(f"/api/v1/returns/{ret['id']}", headers=other).status_code == 404
    for decision, body in (("approve", None), ("reject", {"message": "No"}), ("receive", None)):
        assert decide(client, other, ret["id"], decision, body).status_code == 404
    assert client.get("/api/v1/returns", headers=other).get_json()["returns"] == []
    assert client.get(f"/api/v1/returns/{ret['id']}", headers=shop.headers).get_json()["status"] == "approved"

    assert client.get("/api/v1/returns", headers=aino).status_code == 401  # a buyer token is not a key
    assert client.get(f"/api/v1/buyer/returns/{ret['id']}", headers=shop.headers).status_code == 401
    assert client.get("/api/v1/returns/ret_nope", headers=shop.headers).status_code == 404


# -- the shop's list ----------------------------------------------------------------------------


def test_the_list_filters_by_status_and_reason_and_pages_with_a_cursor(client, shop, deliver, monkeypatch):
    buyers = {number: deliver(number) for number in ("1001", "1002", "1003")}
    first = asked(client, buyers["1001"], line("L2", 1, "wrong_size"), number="1001")
    second = asked(client, buyers["1002"], line("L1", 1, "defective"), number="1002")
    third = asked(client, buyers["1003"], line("L2", 2, "changed_mind"), number="1003")
    decide(client, shop.headers, second["id"], "reject", {"message": "Not faulty."})

    every = client.get("/api/v1/returns", headers=shop.headers).get_json()
    assert [r["number"] for r in every["returns"]] == ["1001-R1", "1002-R1", "1003-R1"]  # oldest first
    open_ = client.get("/api/v1/returns?status=open", headers=shop.headers).get_json()["returns"]
    assert [r["id"] for r in open_] == [first["id"], third["id"]]
    rejected = client.get("/api/v1/returns?status=rejected", headers=shop.headers).get_json()["returns"]
    assert [r["id"] for r in rejected] == [second["id"]]
    faulty = client.get("/api/v1/returns?reason=defective", headers=shop.headers).get_json()["returns"]
    assert [r["id"] for r in faulty] == [second["id"]]
    found = client.get("/api/v1/returns?q=1003", headers=shop.headers).get_json()["returns"]
    assert [r["id"] for r in found] == [third["id"]]

    unknown = client.get("/api/v1/returns?status=lost", headers=shop.headers)
    assert unknown.status_code == 422 and "status" in error(unknown)["fields"]
    for days in ("soon", "0", "²", "9" * 5000):
        response = client.get(f"/api/v1/returns?older_than_days={days}", headers=shop.headers)
        assert response.status_code == 422 and "older_than_days" in error(response)["fields"]
    assert client.get("/api/v1/returns?older_than_days=1", headers=shop.headers).get_json()["returns"] == []
    cursor = client.get("/api/v1/returns?cursor=not-a-cursor", headers=shop.headers)
    assert cursor.status_code == 422 and "cursor" in error(cursor)["fields"]

    monkeypatch.setattr(returns_api, "RETURN_LIST_LIMIT", 2)
    page = client.get("/api/v1/returns", headers=shop.headers).get_json()
    assert [r["id"] for r in page["returns"]] == [first["id"], second["id"]] and page["next"]
    rest = client.get(f"/api/v1/returns?cursor={page['next']}", headers=shop.headers).get_json()
    assert [r["id"] for r in rest["returns"]] == [third["id"]] and rest["next"] is None


# -- language and the published document ---------------------------------------------------------


def test_messages_and_labels_follow_the_request_language(client, shop, deliver, finnish):
    buyer = deliver()
    fi = {"Accept-Language": "fi"}
    bad = ask(client, buyer, {"item_id": "L2", "quantity": 0, "reason": "wrong_size", "resolution": "refund"}, **fi)
    assert bad.status_code == 422
    assert error(bad)["message"] == finnish["Some fields need your attention."]
    assert error(bad)["fields"]["items.0.quantity"] == [finnish["Is too small."]]
    too_many = ask(client, buyer, line("L2", 5), **fi)
    assert too_many.status_code == 422 and error(too_many)["code"] == "validation_failed"
    assert error(too_many)["message"] == finnish["Some fields need your attention."]

    late = deliver("1002", days_ago=30)
    closed = ask(client, late, line("L2", 1), number="1002", **fi)
    assert closed.status_code == 409 and error(closed)["code"] == "return_not_allowed"
    assert closed.headers["Vary"] and "Accept-Language" in closed.headers["Vary"]


def test_every_returns_and_catalogue_path_is_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    expected = {
        ("get", "/api/v1/returns"),
        ("get", "/api/v1/returns/{return_id}"),
        ("post", "/api/v1/returns/{return_id}/approve"),
        ("post", "/api/v1/returns/{return_id}/reject"),
        ("post", "/api/v1/returns/{return_id}/receive"),
        ("post", "/api/v1/buyer/orders/{number}/returns"),
        ("get", "/api/v1/buyer/returns/{return_id}"),
        ("get", "/api/v1/buyer/returns/{return_id}/slip.pdf"),
        ("post", "/api/v1/buyer/returns/{return_id}/cancel"),
        ("post", "/api/v1/buyer/orders/{number}/cancel"),
        ("put", "/api/v1/catalogue/variants/{sku}"),
        ("get", "/api/v1/catalogue/variants/{sku}"),
    }
    present = {(method, path) for path, methods in paths.items() for method in methods}
    assert expected <= present
    create = paths["/api/v1/buyer/orders/{number}/returns"]["post"]
    assert set(create["responses"]) >= {"201", "401", "404", "409", "422"}
    assert create["security"] == [{"buyerToken": []}]
    assert paths["/api/v1/returns/{return_id}/approve"]["post"]["security"] == [{"merchantKey": []}]


def test_the_list_costs_the_same_queries_for_one_return_or_many(client, shop, deliver, count_queries):
    first = deliver("1001")
    asked(client, first, line("L2", 1))

    def listing() -> int:
        with count_queries() as queries:
            assert client.get("/api/v1/returns", headers=shop.headers).status_code == 200
        return queries()

    one = listing()
    for number in ("1002", "1003", "1004"):
        ret = asked(client, deliver(number), line("L2", 1), number=number)
        decide(client, shop.headers, ret["id"], "receive")
    assert listing() == one + 1  # the refunds, in one query
