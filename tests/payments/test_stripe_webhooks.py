"""POST /api/v1/webhooks/stripe: real signatures, each event applied once, in one transaction.

Refund rows are made through the real path (the ledger, the stripe library, the fake Stripe
API), then Stripe's later word about them arrives as signed events.
"""

from __future__ import annotations

import json
import threading
import time

import pytest
import stripe
from sqlalchemy import func, select

from portal.actors import Actor
from portal.audit.models import AuditEntry
from portal.extensions import db
from portal.payments import services as ledger
from portal.payments.models import ProcessedEvent, Refund
from tests.payments.stripe_fake import FakeStripe, close_providers, event, signed_headers, use_fake_stripe

URL = "/api/v1/webhooks/stripe"
STAFF = Actor(kind="user", id="usr_1", label="admin@shop.example")
CAPTURED = 94800


@pytest.fixture
def fake(app, monkeypatch):
    monkeypatch.setattr(stripe.HTTPClient, "INITIAL_DELAY", 0.02)
    monkeypatch.setattr(stripe.HTTPClient, "MAX_DELAY", 0.05)
    with FakeStripe(delay=1.0) as server:
        use_fake_stripe(app, server)
        yield server
        close_providers(app)


@pytest.fixture
def order(make_merchant, make_order):
    return make_order(
        make_merchant("kodinkone"),
        "1001",
        payment={"provider": "stripe", "reference": "pi_123", "method": "card", "captured": CAPTURED},
    )


@pytest.fixture
def pending(fake, order) -> Refund:
    """A 200.00 refund Stripe accepted and is still processing."""
    fake.refund_status = "pending"
    refund = ledger.request_refund(order, 20000, "return", "", STAFF)
    row = reload(refund.id)
    assert (row.status, row.provider_reference) == ("pending", next(iter(fake.refunds)))
    return row


def reload(refund_id: str) -> Refund:
    db.session.expire_all()
    return db.session.get(Refund, refund_id)


def stripe_refund(fake: FakeStripe, refund: Refund, **changes) -> dict:
    """Stripe's refund object for a row, as the fake made it, with changes."""
    return {**fake.refunds[refund.provider_reference], **changes}


def post(client, payload: dict | str, **sign):
    body = payload if isinstance(payload, str) else json.dumps(payload)
    return client.post(URL, data=body, headers=signed_headers(body, **sign))


def summary(order) -> tuple[int, int, int, int]:
    db.session.expire_all()
    s = ledger.money_summary(order)
    return s.refunded, s.pending, s.failed, s.refundable


def audit_actions(refund_id: str) -> list[str]:
    return sorted(db.session.scalars(select(AuditEntry.action).where(AuditEntry.subject_id == refund_id)).all())


def processed() -> int:
    return db.session.scalar(select(func.count()).select_from(ProcessedEvent))


def test_refund_updated_to_succeeded_completes_a_pending_refund(client, fake, order, pending):
    response = post(client, event("refund.updated", stripe_refund(fake, pending, status="succeeded")))
    assert response.status_code == 200
    assert response.get_json() == {"received": True, "duplicate": False}
    assert reload(pending.id).status == "succeeded"
    assert summary(order) == (20000, 0, 0, CAPTURED - 20000)
    assert audit_actions(pending.id) == ["refund.requested", "refund.succeeded"]
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "refund.succeeded"))
    assert entry.actor_label == "webhook:stripe"


def test_refund_updated_to_failed_fails_it_with_the_reason_and_frees_the_amount(client, fake, order, pending):
    obj = stripe_refund(fake, pending, status="failed", failure_reason="expired_or_canceled_card")
    assert post(client, event("refund.updated", obj)).status_code == 200
    row = reload(pending.id)
    assert (row.status, row.failure_code, row.failure_reason) == (
        "failed",
        "expired_or_canceled_card",
        "The card has expired or was cancelled.",
    )
    assert summary(order) == (0, 0, 20000, CAPTURED)


def test_refund_failed_after_success_means_the_bank_sent_it_back(client, fake, order, pending):
    post(client, event("refund.updated", stripe_refund(fake, pending, status="succeeded")))
    assert summary(order) == (20000, 0, 0, CAPTURED - 20000)

    obj = stripe_refund(fake, pending, status="failed", failure_reason="lost_or_stolen_card")
    response = post(client, event("refund.failed", obj))
    assert response.status_code == 200
    row = reload(pending.id)
    assert (row.status, row.failure_code) == ("failed", "lost_or_stolen_card")
    assert summary(order) == (0, 0, 20000, CAPTURED)  # refundable again
    assert audit_actions(pending.id) == ["refund.failed", "refund.requested", "refund.succeeded"]


def test_a_bad_signature_is_refused_and_changes_nothing(client, fake, pending):
    payload = event("refund.updated", stripe_refund(fake, pending, status="succeeded"))
    response = post(client, payload, secret="whsec_someone_else")
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid_signature"
    assert "Stripe-Signature" in response.get_json()["error"]["message"]

    body = json.dumps(payload)
    unsigned = client.post(URL, data=body, headers={"Content-Type": "application/json"})
    assert unsigned.status_code == 400
    tampered = client.post(URL, data=body.replace("20000", "90000"), headers=signed_headers(body))
    assert tampered.status_code == 400

    assert reload(pending.id).status == "pending"
    assert processed() == 0
    # The genuine event is still applied when it comes.
    assert post(client, payload).get_json() == {"received": True, "duplicate": False}
    assert reload(pending.id).status == "succeeded"


def test_a_stale_timestamp_is_refused(client, fake, pending):
    payload = event("refund.updated", stripe_refund(fake, pending, status="succeeded"))
    response = post(client, payload, timestamp=int(time.time()) - 301)
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid_signature"
    assert reload(pending.id).status == "pending"
    assert processed() == 0
    assert post(client, payload, timestamp=int(time.time()) - 200).status_code == 200


def test_a_replayed_event_is_acknowledged_and_applied_once(client, fake, order, pending):
    payload = event("refund.failed", stripe_refund(fake, pending, status="failed", failure_reason="declined"))
    first = post(client, payload)
    assert first.get_json() == {"received": True, "duplicate": False}
    again = post(client, payload)  # Stripe's redelivery: the same event, signed anew
    assert again.status_code == 200
    assert again.get_json() == {"received": True, "duplicate": True}
    assert audit_actions(pending.id).count("refund.failed") == 1
    assert processed() == 1
    assert summary(order) == (0, 0, 20000, CAPTURED)


def test_charge_refunded_applies_each_refund_in_the_charge(client, fake, order, pending):
    fake.refund_status = "succeeded"
    done = reload(ledger.request_refund(order, 5000, "manual", "", STAFF).id)
    assert done.status == "succeeded"
    charge = {
        "id": "ch_fake",
        "object": "charge",
        "amount": CAPTURED,
        "amount_refunded": 25000,
        "payment_intent": "pi_123",
        "refunded": False,
        "refunds": {
            "object": "list",
            "data": [
                stripe_refund(fake, pending, status="succeeded"),
                stripe_refund(fake, done, status="succeeded"),
                {"id": "re_made_in_the_dashboard", "object": "refund", "status": "succeeded", "metadata": {}},
            ],
            "has_more": False,
        },
    }
    response = post(client, event("charge.refunded", charge))
    assert response.get_json() == {"received": True, "duplicate": False}
    assert reload(pending.id).status == "succeeded"
    assert audit_actions(done.id).count("refund.succeeded") == 1  # already succeeded: nothing twice
    assert summary(order) == (25000, 0, 0, CAPTURED - 25000)


def test_a_refund_whose_answer_was_lost_is_found_by_its_metadata(client, fake, order):
    fake.fail_next("slow", times=3)
    refund = ledger.request_refund(order, 7000, "manual", "", STAFF)
    assert (reload(refund.id).status, reload(refund.id).provider_reference) == ("pending", None)
    (obj,) = fake.refunds.values()
    assert post(client, event("refund.updated", {**obj, "status": "succeeded"})).status_code == 200
    row = reload(refund.id)
    assert (row.status, row.provider_reference) == ("succeeded", obj["id"])


def test_an_event_about_an_earlier_attempt_changes_nothing(client, fake, order, pending):
    first = stripe_refund(fake, pending, status="failed", failure_reason="declined")
    post(client, event("refund.failed", first))
    assert reload(pending.id).status == "failed"
    ledger.retry_refund(pending.id, merchant_id=order.merchant_id, actor=STAFF)  # attempt 2, still pending
    row = reload(pending.id)
    assert (row.status, row.attempt) == ("pending", 2)

    late = post(client, event("refund.updated", first))  # a new event, about attempt 1's refund
    assert late.get_json() == {"received": True, "duplicate": False}
    assert reload(pending.id).status == "pending"

    (second,) = [r for r in fake.refunds.values() if r["metadata"]["apuri_idempotency_key"] == f"{pending.id}-2"]
    post(client, event("refund.updated", {**second, "status": "succeeded"}))
    row = reload(pending.id)
    assert (row.status, row.provider_reference) == ("succeeded", second["id"])


def test_other_events_are_acknowledged_and_recorded(client, fake, pending):
    response = post(client, event("customer.created", {"id": "cus_1", "object": "customer"}, event_id="evt_other"))
    assert response.get_json() == {"received": True, "duplicate": False}
    assert db.session.get(ProcessedEvent, "evt_other").type == "customer.created"
    assert reload(pending.id).status == "pending"


def test_a_signed_body_that_is_not_an_event_is_refused(client, fake):
    for body in ("not json", "[1, 2]", json.dumps({"object": "event", "type": "refund.updated"})):
        response = post(client, body)
        assert response.status_code == 400, body
        assert response.get_json()["error"]["code"] == "bad_request"
    assert processed() == 0


def test_without_a_signing_secret_stripe_is_told_to_come_back(app, client, fake, pending):
    app.config["STRIPE_WEBHOOK_SECRET"] = None
    response = post(client, event("refund.updated", stripe_refund(fake, pending, status="succeeded")))
    assert response.status_code == 500
    assert response.get_json()["error"]["code"] == "provider_misconfigured"
    assert reload(pending.id).status == "pending"


def test_a_crash_while_applying_records_nothing_so_the_redelivery_applies_it(client, fake, pending, monkeypatch):
    payload = event("refund.updated", stripe_refund(fake, pending, status="succeeded"))

    def crash(*args, **kwargs):
        raise RuntimeError("the process died here")

    with monkeypatch.context() as patched:
        patched.setattr(ledger, "_order_changed", crash)
        assert post(client, payload).status_code == 500
    assert processed() == 0
    assert reload(pending.id).status == "pending"

    assert post(client, payload).get_json() == {"received": True, "duplicate": False}
    assert reload(pending.id).status == "succeeded"


@pytest.mark.postgres
def test_two_deliveries_of_one_event_at_once_apply_it_once(app, client, fake, pending, monkeypatch):
    payload = event("refund.updated", stripe_refund(fake, pending, status="succeeded"))
    transition = ledger._transition

    def slow_transition(*args, **kwargs):
        time.sleep(0.3)  # hold the transaction open while the other delivery arrives
        return transition(*args, **kwargs)

    monkeypatch.setattr(ledger, "_transition", slow_transition)
    db.session.remove()
    barrier = threading.Barrier(2)
    answers: list[tuple[int, dict]] = []

    def deliver() -> None:
        barrier.wait()
        response = post(client, payload)
        answers.append((response.status_code, response.get_json()))

    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answers, key=str) == [
        (200, {"received": True, "duplicate": False}),
        (200, {"received": True, "duplicate": True}),
    ]
    assert reload(pending.id).status == "succeeded"
    assert audit_actions(pending.id).count("refund.succeeded") == 1
    assert processed() == 1


def test_the_endpoint_is_in_openapi_without_credentials(client):
    document = client.get("/api/v1/openapi.json").get_json()
    operation = document["paths"][URL]["post"]
    assert operation["security"] == []
    assert {"200", "400"} <= set(operation["responses"])
