"""Defect claims through the API: the buyer reports with photos, the shop accepts, counters or
rejects, the buyer answers, and the money follows through the refund ledger once.

Orders are delivered through the API itself (the returns tests' ``deliver``); the photos are
real JPEGs made by Pillow and go through the whole photo pipeline.
"""

from __future__ import annotations

import base64
import gc
import io
import json
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from PIL import Image

from tests.api import test_api_returns
from tests.api.conftest import bearer
from tests.claims.conftest import jpeg

deliver = test_api_returns.deliver  # the fixture, for this module's tests
error = test_api_returns.error
eur = test_api_returns.eur
refunds_of = test_api_returns.refunds_of

EERO = {"email": "eero@example.fi", "name": "Eero Järvinen"}
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="10" height="10"/></svg>'


@pytest.fixture
def uploads(app, tmp_path) -> Path:
    root = tmp_path / "uploads"
    app.config["UPLOAD_ROOT"] = str(root)
    return root


def stored_files(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def report(client, buyer, *, number="1001", photos=None, **fields):
    """POST the multipart claim form; ``photos``: [(bytes, file name)], one JPEG by default."""
    form = {"item_id": "L1", "remedy": "price_reduction", "description": "Naarmu oven pinnassa, 10 cm."}
    form.update({key: str(value) for key, value in fields.items() if value is not None})
    for key in [key for key, value in fields.items() if value is None]:
        form.pop(key, None)
    if "proposed_amount" not in fields and form["remedy"] == "price_reduction":
        form["proposed_amount"] = "20000"
    files = [(jpeg(), "ovi.jpg")] if photos is None else photos
    form["photos"] = [(io.BytesIO(data), name) for data, name in files]
    return client.post(
        f"/api/v1/buyer/orders/{number}/claims", data=form, headers=buyer, content_type="multipart/form-data"
    )


def reported(client, buyer, **kwargs) -> dict:
    response = report(client, buyer, **kwargs)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def decide(client, headers, claim_id: str, decision: str, body: dict | None = None):
    url = f"/api/v1/claims/{claim_id}/{decision}"
    return client.post(url, headers=headers) if body is None else client.post(url, json=body, headers=headers)


def answer(client, buyer, claim_id: str, decision: str):
    return client.post(f"/api/v1/buyer/claims/{claim_id}/response", json={"decision": decision}, headers=buyer)


def path_of(url: str) -> str:
    return urlsplit(url).path


# -- the whole way ------------------------------------------------------------------------------


def test_a_claim_is_reported_with_photos_and_accepted_in_one_click(client, shop, deliver, uploads):
    buyer = deliver()
    response = report(client, buyer, photos=[(jpeg(640, 480), "ovi.jpg"), (jpeg(32, 32), "kahva.jpg")])
    assert response.status_code == 201, response.get_json()
    claim = response.get_json()
    assert response.headers["Location"].endswith(f"/api/v1/buyer/claims/{claim['id']}")
    assert claim["number"] == "1001-C1" and claim["order"] == "1001"
    assert claim["item"] == {"item_id": "L1", "sku": "FRIDGE-A-200", "name": "Jääkaappi A200", "unit_price": eur(89900)}
    assert (claim["status"], claim["remedy"], claim["remedy_label"]) == ("open", "price_reduction", "A price reduction")
    assert claim["status_label"] == "Waiting for the shop's answer"
    assert claim["description"] == "Naarmu oven pinnassa, 10 cm." and claim["auto_accepted"] is False
    assert claim["agreed_amount"] == eur(0) and claim["refund_id"] is None and claim["refund_status"] is None
    assert datetime.fromisoformat(claim["answer_due_at"]).utcoffset() is not None
    assert datetime.fromisoformat(claim["answer_due_at"]) > datetime.fromisoformat(claim["created_at"])
    assert [(o["by"], o["amount"], o["status"]) for o in claim["offers"]] == [("buyer", eur(20000), "open")]
    assert [(p["width"], p["height"]) for p in claim["photos"]] == [(640, 480), (32, 32)]
    buyer_photo = claim["photos"][0]
    assert f"/api/v1/buyer/claims/{claim['id']}/photos/{buyer_photo['id']}" in buyer_photo["url"]
    assert buyer_photo["thumbnail_url"] == buyer_photo["url"] + "?size=thumb"
    assert len(stored_files(uploads)) == 4  # each photo and its thumbnail, re-encoded

    seen = client.get(f"/api/v1/claims/{claim['id']}", headers=shop.headers).get_json()
    assert seen["photos"][0]["url"].endswith(f"/api/v1/claims/{claim['id']}/photos/{buyer_photo['id']}")
    assert {k: v for k, v in seen.items() if k != "photos"} == {k: v for k, v in claim.items() if k != "photos"}
    listed = client.get("/api/v1/claims?status=open", headers=shop.headers).get_json()
    assert [c["id"] for c in listed["claims"]] == [claim["id"]] and listed["next"] is None

    accepted = decide(client, shop.headers, claim["id"], "accept")
    assert accepted.status_code == 200
    accepted = accepted.get_json()
    assert (accepted["status"], accepted["agreed_amount"]) == ("accepted", eur(20000))
    assert accepted["accepted_at"] is not None and accepted["offers"][0]["status"] == "accepted"
    refunds = refunds_of(client, shop)
    assert [(r["amount"], r["source"], r["id"]) for r in refunds] == [(eur(20000), "claim", accepted["refund_id"])]
    assert accepted["refund_status"] == refunds[0]["status"]

    mine = client.get(f"/api/v1/buyer/claims/{claim['id']}", headers=buyer).get_json()
    assert mine["status"] == "accepted" and mine["refund_id"] == accepted["refund_id"]


def test_twenty_clicks_on_accept_give_one_refund_and_the_same_answer(client, shop, deliver, uploads):
    buyer = deliver()
    claim = reported(client, buyer, proposed_amount=15000)
    answers = [decide(client, shop.headers, claim["id"], "accept") for _ in range(20)]
    assert {response.status_code for response in answers} == {200}
    assert all(response.get_json() == answers[0].get_json() for response in answers)
    assert [r["amount"] for r in refunds_of(client, shop)] == [eur(15000)]


def test_a_counter_offer_accepted_by_the_buyer_refunds_the_counter_amount(client, shop, deliver, uploads):
    buyer = deliver()
    claim = reported(client, buyer, proposed_amount=30000)
    countered = decide(client, shop.headers, claim["id"], "counter", {"amount": 12000, "message": "Naarmu on pieni."})
    assert countered.status_code == 200
    countered = countered.get_json()
    assert countered["status"] == "countered"
    assert [(o["by"], o["amount"], o["status"], o["message"]) for o in countered["offers"]] == [
        ("buyer", eur(30000), "superseded", ""),
        ("merchant", eur(12000), "open", "Naarmu on pieni."),
    ]
    own = decide(client, shop.headers, claim["id"], "accept")  # the buyer's turn, not the shop's
    assert own.status_code == 409 and error(own)["code"] == "claim_state"

    accepted = answer(client, buyer, claim["id"], "accept")
    assert accepted.status_code == 200
    assert (accepted.get_json()["status"], accepted.get_json()["agreed_amount"]) == ("accepted", eur(12000))
    again = answer(client, buyer, claim["id"], "accept")
    assert again.status_code == 200 and again.get_json() == accepted.get_json()
    assert [r["amount"] for r in refunds_of(client, shop)] == [eur(12000)]


def test_a_declined_counter_offer_goes_to_support(client, shop, deliver, uploads):
    buyer = deliver()
    claim = reported(client, buyer, proposed_amount=30000)
    decide(client, shop.headers, claim["id"], "counter", {"amount": 5000})
    declined = answer(client, buyer, claim["id"], "decline")
    assert declined.status_code == 200
    assert declined.get_json()["status"] == "escalated" and declined.get_json()["escalated_at"] is not None
    assert refunds_of(client, shop) == []
    late = answer(client, buyer, claim["id"], "accept")
    assert late.status_code == 409 and error(late)["code"] == "claim_state"
    bad = client.post(f"/api/v1/buyer/claims/{claim['id']}/response", json={"decision": "maybe"}, headers=buyer)
    assert bad.status_code == 422 and "decision" in error(bad)["fields"]


def test_a_rejection_needs_a_message_and_escalates(client, shop, deliver, uploads):
    buyer = deliver()
    claim = reported(client, buyer)
    missing = decide(client, shop.headers, claim["id"], "reject", {"message": "  "})
    assert missing.status_code == 422 and "message" in error(missing)["fields"]
    assert decide(client, shop.headers, claim["id"], "reject", {}).status_code == 422
    not_json = client.post(f"/api/v1/claims/{claim['id']}/reject", data="no", headers=shop.headers)
    assert not_json.status_code == 415
    rejected = decide(client, shop.headers, claim["id"], "reject", {"message": "Käyttäjän aiheuttama vaurio."})
    assert rejected.status_code == 200
    rejected = rejected.get_json()
    assert rejected["status"] == "escalated" and rejected["status_label"] == "With customer support"
    assert rejected["offers"][-1]["status"] == "rejection"
    assert rejected["offers"][-1]["message"] == "Käyttäjän aiheuttama vaurio."
    assert decide(client, shop.headers, claim["id"], "reject", {"message": "Again"}).get_json() == rejected
    late = decide(client, shop.headers, claim["id"], "accept")
    assert late.status_code == 409 and refunds_of(client, shop) == []


def test_a_replacement_is_accepted_without_money_and_resolved(client, shop, deliver, uploads):
    buyer = deliver()
    claim = reported(client, buyer, remedy="replacement", proposed_amount=None)
    early = decide(client, shop.headers, claim["id"], "resolve")
    assert early.status_code == 409 and error(early)["code"] == "claim_state"
    accepted = decide(client, shop.headers, claim["id"], "accept").get_json()
    assert accepted["status"] == "accepted" and accepted["agreed_amount"] == eur(0) and accepted["refund_id"] is None
    resolved = decide(client, shop.headers, claim["id"], "resolve")
    assert resolved.status_code == 200 and resolved.get_json()["status"] == "resolved"
    assert resolved.get_json()["resolved_at"] is not None
    assert decide(client, shop.headers, claim["id"], "resolve").get_json() == resolved.get_json()
    assert refunds_of(client, shop) == []


def test_a_counter_offer_above_what_the_item_can_get_back_is_refused(client, shop, deliver, uploads):
    buyer = deliver()
    claim = reported(client, buyer, item_id="L2", proposed_amount=1000)
    response = decide(client, shop.headers, claim["id"], "counter", {"amount": 10001})
    assert response.status_code == 422 and "amount" in error(response)["fields"]
    assert decide(client, shop.headers, claim["id"], "counter", {"amount": "500"}).status_code == 422


# -- the form and the photos --------------------------------------------------------------------


def test_the_claim_form_must_be_multipart(client, deliver, uploads):
    buyer = deliver()
    body = {"item_id": "L1", "remedy": "replacement", "description": "Naarmu oven pinnassa, 10 cm."}
    response = client.post("/api/v1/buyer/orders/1001/claims", json=body, headers=buyer)
    assert response.status_code == 415 and error(response)["code"] == "unsupported_media_type"
    assert "multipart/form-data" in error(response)["message"]


def test_a_picture_that_is_not_a_photo_is_refused_by_its_file_name(client, shop, deliver, uploads):
    buyer = deliver()
    response = report(
        client, buyer, photos=[(jpeg(), "ovi.jpg"), (SVG, "vika.svg"), (b"just some text\n" * 10, "kuva.jpg")]
    )
    assert response.status_code == 422
    messages = error(response)["fields"]["photos"]
    assert len(messages) == 2
    assert messages[0].startswith("vika.svg: ") and "JPEG, PNG, WebP or HEIC" in messages[0]
    assert messages[1].startswith("kuva.jpg: ")
    assert stored_files(uploads) == []
    assert client.get("/api/v1/claims", headers=shop.headers).get_json()["claims"] == []


def test_a_damaged_jpeg_is_refused(client, deliver, uploads):
    buyer = deliver()
    response = report(client, buyer, photos=[(jpeg()[:40], "rikki.jpg")])
    assert response.status_code == 422
    assert error(response)["fields"]["photos"][0].startswith("rikki.jpg: ")


def test_bad_fields_are_named_before_any_photo_is_read(client, deliver, uploads):
    buyer = deliver()
    response = report(client, buyer, description="short", remedy="refund", proposed_amount="12,50")
    assert response.status_code == 422
    assert set(error(response)["fields"]) == {"description", "remedy", "proposed_amount"}
    assert "minor units" in error(response)["fields"]["proposed_amount"][0]
    assert report(client, buyer, proposed_amount="-5").status_code == 422
    assert report(client, buyer, proposed_amount="1e4").status_code == 422
    assert report(client, buyer, proposed_amount="١٢٣").status_code == 422  # digits, but not ASCII ones
    unknown = report(client, buyer, colour="red")
    assert unknown.status_code == 422 and "colour" in error(unknown)["fields"]


def test_one_to_five_photos_are_needed(client, deliver, uploads):
    buyer = deliver()
    none = report(client, buyer, photos=[])
    assert none.status_code == 422 and "photos" in error(none)["fields"]
    six = report(client, buyer, photos=[(jpeg(), f"{n}.jpg") for n in range(6)])
    assert six.status_code == 422 and "5" in error(six)["fields"]["photos"][0]
    as_text = client.post(
        "/api/v1/buyer/orders/1001/claims",
        data={"item_id": "L1", "remedy": "replacement", "description": "Naarmu oven pinnassa.", "photos": "x"},
        headers=buyer,
        content_type="multipart/form-data",
    )
    assert as_text.status_code == 422 and "photos" in error(as_text)["fields"]
    assert stored_files(uploads) == []


def test_an_amount_above_what_the_item_can_still_get_back_is_refused(client, shop, deliver, uploads):
    buyer = deliver()
    response = report(client, buyer, item_id="L2", proposed_amount=10001)  # two pairs of 50.00
    assert response.status_code == 422
    assert (
        "proposed_amount" in error(response)["fields"] and "100.00" in error(response)["fields"]["proposed_amount"][0]
    )
    assert stored_files(uploads) == []
    assert reported(client, buyer, item_id="L2", proposed_amount=10000)["offers"][0]["amount"] == eur(10000)
    unknown = report(client, buyer, item_id="L9")
    assert unknown.status_code == 422 and "item_id" in error(unknown)["fields"]


def test_a_photo_too_large_is_refused_and_an_upload_too_large_answers_413(app, client, deliver, uploads):
    buyer = deliver()
    big = jpeg(800, 600, colour=(10, 200, 90))
    app.config["PHOTO_MAX_BYTES"] = len(big) - 1
    response = report(client, buyer, photos=[(big, "iso.jpg")])
    assert response.status_code == 422 and error(response)["fields"]["photos"][0].startswith("iso.jpg: ")
    app.config["PHOTO_MAX_BYTES"] = 10 * 1024 * 1024
    app.config["CLAIM_MAX_BYTES"] = 100
    too_large = report(client, buyer, photos=[(big + b"\0" * 300_000, "iso.jpg")])
    assert too_large.status_code == 413 and error(too_large)["code"] == "too_large"
    assert stored_files(uploads) == []


# Werkzeug's multipart parser leaves the spooled file of an interrupted part to the garbage
# collector; collected here, so that its ResourceWarning is this test's, and expected.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_an_upload_without_content_length_stops_at_the_limit(app, client, deliver, uploads):
    buyer = deliver()
    app.config["CLAIM_MAX_BYTES"] = 100
    part = b'--b\r\nContent-Disposition: form-data; name="photos"; filename="a.jpg"\r\n\r\n'
    chunked = client.post(
        "/api/v1/buyer/orders/1001/claims",
        input_stream=io.BytesIO(part + b"x" * 400_000 + b"\r\n--b--\r\n"),
        headers={**buyer, "Content-Type": "multipart/form-data; boundary=b", "Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True},
    )
    gc.collect()
    assert chunked.status_code == 413 and error(chunked)["code"] == "too_large"
    assert stored_files(uploads) == []


def test_photos_over_the_claims_total_are_named(app, client, deliver, uploads):
    buyer = deliver()
    photo = jpeg(300, 300)
    app.config["CLAIM_MAX_BYTES"] = len(photo) * 2
    response = report(client, buyer, photos=[(photo, "1.jpg"), (photo, "2.jpg"), (photo, "3.jpg")])
    assert response.status_code == 422
    assert [m.split(":")[0] for m in error(response)["fields"]["photos"]] == ["3.jpg"]


def test_a_claim_needs_a_delivered_order(client, deliver, uploads):
    buyer = deliver(delivered=False)
    order = client.get("/api/v1/buyer/orders/1001", headers=buyer).get_json()
    assert order["actions"]["claim"]["allowed"] is False and "delivered" in order["actions"]["claim"]["reason"]
    response = report(client, buyer)
    assert response.status_code == 409 and error(response)["code"] == "claim_not_allowed"
    assert stored_files(uploads) == []


# -- photos and who sees what -------------------------------------------------------------------


def test_photos_are_served_as_jpeg_to_those_who_may_see_the_claim(client, shop, deliver, uploads):
    buyer = deliver()
    claim = reported(client, buyer, photos=[(jpeg(1200, 900), "ovi.jpg")])
    photo = claim["photos"][0]
    merchant_photo = client.get(f"/api/v1/claims/{claim['id']}", headers=shop.headers).get_json()["photos"][0]
    for url, headers in ((photo["url"], buyer), (merchant_photo["url"], shop.headers)):
        full = client.get(path_of(url), headers=headers)
        assert full.status_code == 200 and full.mimetype == "image/jpeg"
        assert full.headers["X-Content-Type-Options"] == "nosniff"
        assert Image.open(io.BytesIO(full.data)).size == (photo["width"], photo["height"])
        thumb = client.get(path_of(url) + "?size=thumb", headers=headers)
        assert thumb.status_code == 200 and thumb.mimetype == "image/jpeg"
        assert max(Image.open(io.BytesIO(thumb.data)).size) < 1200 and len(thumb.data) < len(full.data)
        assert client.get(path_of(url) + "?size=huge", headers=headers).status_code == 422
    assert client.get(path_of(photo["url"]), headers=shop.headers).status_code == 401  # a key is not a buyer
    assert client.get(f"/api/v1/buyer/claims/{claim['id']}/photos/pho_nope", headers=buyer).status_code == 404


def test_no_one_else_sees_or_touches_a_claim(client, shop, deliver, uploads, make_merchant, make_api_key):
    buyer = deliver()
    claim = reported(client, buyer)
    photo_path = path_of(claim["photos"][0]["url"])
    eero = deliver("1002", customer=EERO)
    for path in (f"/api/v1/buyer/claims/{claim['id']}", photo_path):
        response = client.get(path, headers=eero)
        assert response.status_code == 404 and error(response)["code"] == "not_found"
    assert answer(client, eero, claim["id"], "accept").status_code == 404
    assert report(client, eero, number="1001").status_code == 404  # not Eero's order

    other = bearer(make_api_key(make_merchant("pyorapaja")))
    for path in (f"/api/v1/claims/{claim['id']}", path_of(claim["photos"][0]["url"]).replace("/buyer", "")):
        assert client.get(path, headers=other).status_code == 404
    for decision, body in (("accept", None), ("counter", {"amount": 100}), ("reject", {"message": "x"})):
        assert decide(client, other, claim["id"], decision, body).status_code == 404
    assert client.get("/api/v1/claims", headers=other).get_json()["claims"] == []
    assert refunds_of(client, shop) == []
    # Another claim's photo id under this claim is not found either.
    second = reported(client, eero, number="1002")
    crossed = f"/api/v1/buyer/claims/{claim['id']}/photos/{second['photos'][0]['id']}"
    assert client.get(crossed, headers=buyer).status_code == 404


# -- lists and orders ---------------------------------------------------------------------------


def test_the_list_puts_the_answer_due_soonest_first_and_pages_with_a_cursor(
    client, shop, deliver, uploads, monkeypatch
):
    from portal.api import claims as claims_api

    buyer = deliver()
    first = reported(client, buyer)
    second = reported(client, buyer, item_id="L2", proposed_amount=1000)
    third = reported(client, buyer, item_id="L2", remedy="repair", proposed_amount=None)
    decide(client, shop.headers, second["id"], "reject", {"message": "Ei."})
    monkeypatch.setattr(claims_api, "CLAIM_LIST_LIMIT", 1)
    page = client.get("/api/v1/claims", headers=shop.headers).get_json()
    assert [c["id"] for c in page["claims"]] == [first["id"]] and page["next"]
    seen = [first["id"]]
    while page["next"]:
        page = client.get(f"/api/v1/claims?cursor={page['next']}", headers=shop.headers).get_json()
        seen += [c["id"] for c in page["claims"]]
    assert seen == [first["id"], second["id"], third["id"]]
    monkeypatch.setattr(claims_api, "CLAIM_LIST_LIMIT", 100)
    open_ones = client.get("/api/v1/claims?status=open", headers=shop.headers).get_json()["claims"]
    assert [c["id"] for c in open_ones] == [first["id"], third["id"]]
    escalated = client.get("/api/v1/claims?status=escalated", headers=shop.headers).get_json()["claims"]
    assert [c["id"] for c in escalated] == [second["id"]]
    bad = client.get("/api/v1/claims?status=lost", headers=shop.headers)
    assert bad.status_code == 422 and "status" in error(bad)["fields"]
    assert client.get("/api/v1/claims?cursor=%%%", headers=shop.headers).status_code == 422


@pytest.mark.parametrize("cursor", [["2026-01-01T00:00:00", "clm_x"], [1, 2], {"a": 1}, "x"])
def test_a_forged_cursor_is_a_validation_error(client, shop, cursor):
    token = base64.urlsafe_b64encode(json.dumps(cursor).encode()).decode().rstrip("=")
    response = client.get(f"/api/v1/claims?cursor={token}", headers=shop.headers)
    assert response.status_code == 422, response.get_json()


def test_the_list_costs_the_same_queries_for_one_claim_or_many(client, shop, deliver, uploads, count_queries):
    buyer = deliver()
    decide(client, shop.headers, reported(client, buyer)["id"], "accept")

    def listing() -> int:
        with count_queries() as queries:
            assert client.get("/api/v1/claims", headers=shop.headers).status_code == 200
        return queries()

    one = listing()
    for _ in range(3):
        claim = reported(client, buyer, item_id="L2", proposed_amount=1000)
        decide(client, shop.headers, claim["id"], "accept")
    assert listing() == one


def test_the_claims_are_in_both_order_answers(client, shop, deliver, uploads):
    buyer = deliver()
    before = client.get("/api/v1/buyer/orders/1001", headers=buyer).get_json()
    assert before["claims"] == [] and before["actions"]["claim"] == {"allowed": True, "reason": None}
    options = before["claim_options"]
    assert options["allowed"] is True and options["claim_until"] and options["presumption_until"]
    fridge = next(item for item in options["items"] if item["item_id"] == "L1")
    assert fridge["max_amount"] == eur(89900)
    assert [(s["percent"], s["amount"]) for s in fridge["suggestions"]] == [
        (10, eur(8990)),
        (20, eur(17980)),
        (30, eur(26970)),
    ]
    assert [r["code"] for r in options["remedies"]] == ["price_reduction", "replacement", "repair", "cancel"]

    claim = reported(client, buyer)
    decide(client, shop.headers, claim["id"], "accept")
    mine = client.get("/api/v1/buyer/orders/1001", headers=buyer).get_json()
    assert [c["id"] for c in mine["claims"]] == [claim["id"]]
    assert mine["claims"][0]["refund_status"] is not None and "/buyer/claims/" in mine["claims"][0]["photos"][0]["url"]
    fridge = next(item for item in mine["claim_options"]["items"] if item["item_id"] == "L1")
    assert fridge["max_amount"] == eur(89900 - 20000)
    shops = client.get("/api/v1/orders/1001", headers=shop.headers).get_json()
    assert [(c["id"], c["status"]) for c in shops["claims"]] == [(claim["id"], "accepted")]
    assert "/buyer/" not in shops["claims"][0]["photos"][0]["url"]


def test_every_claims_path_is_in_the_openapi_document(client):
    document = client.get("/api/v1/openapi.json").get_json()
    paths = document["paths"]
    for method, path in (
        ("get", "/api/v1/claims"),
        ("get", "/api/v1/claims/{claim_id}"),
        ("get", "/api/v1/claims/{claim_id}/photos/{photo_id}"),
        ("post", "/api/v1/claims/{claim_id}/accept"),
        ("post", "/api/v1/claims/{claim_id}/counter"),
        ("post", "/api/v1/claims/{claim_id}/reject"),
        ("post", "/api/v1/claims/{claim_id}/resolve"),
        ("post", "/api/v1/buyer/orders/{number}/claims"),
        ("get", "/api/v1/buyer/claims/{claim_id}"),
        ("get", "/api/v1/buyer/claims/{claim_id}/photos/{photo_id}"),
        ("post", "/api/v1/buyer/claims/{claim_id}/response"),
    ):
        assert method in paths[path], (method, path)
    create = paths["/api/v1/buyer/orders/{number}/claims"]["post"]
    form = create["requestBody"]["content"]["multipart/form-data"]["schema"]["$ref"].rsplit("/", 1)[1]
    schema = document["components"]["schemas"][form]
    assert schema["properties"]["photos"]["maxItems"] == 5 and "remedy" in schema["required"]
    assert {"201", "413", "415", "422"} <= set(create["responses"])
    claim_ref = create["responses"]["201"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert {"offers", "photos", "answer_due_at", "refund_status"} <= set(
        document["components"]["schemas"][claim_ref]["properties"]
    )
    counter = paths["/api/v1/claims/{claim_id}/counter"]["post"]
    assert "application/json" in counter["requestBody"]["content"]
    assert "oldest due" in paths["/api/v1/claims"]["get"]["description"]
