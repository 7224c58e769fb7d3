"""The Stripe provider: the real ``stripe`` library against a fake Stripe API on loopback.

What goes over the wire (body, Idempotency-Key), what the ledger makes of each answer, and
that no timeout, retry or reconcile ever makes a second refund.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import stripe
from sqlalchemy import select

from portal.actors import Actor
from portal.audit.models import AuditEntry
from portal.db import utcnow
from portal.extensions import db
from portal.payments import services as ledger
from portal.payments.providers import ProviderMisconfigured, ProviderUnavailable, get_provider
from portal.payments.providers.stripe import StripeProvider
from tests.payments.stripe_fake import FakeStripe, close_providers, use_fake_stripe

STAFF = Actor(kind="user", id="usr_1", label="admin@shop.example")
CAPTURED = 94800


@pytest.fixture
def fake(app, monkeypatch):
    # The library's own back-off between retries, shortened so the tests stay quick.
    monkeypatch.setattr(stripe.HTTPClient, "INITIAL_DELAY", 0.02)
    monkeypatch.setattr(stripe.HTTPClient, "MAX_DELAY", 0.05)
    with FakeStripe(delay=1.5) as server:
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


def refund_row(refund_id: str):
    db.session.expire_all()
    return db.session.get(ledger.Refund, refund_id)


def summary(order) -> tuple[int, int, int, int]:
    db.session.expire_all()
    s = ledger.money_summary(order)
    return s.refunded, s.pending, s.failed, s.refundable


def test_a_refund_goes_to_the_payment_intent_with_the_rows_key_and_succeeds(fake, order):
    refund = ledger.request_refund(order, 20000, "manual", "Scratch on the door", STAFF)

    (sent,) = fake.refund_requests()
    assert sent.form["payment_intent"] == "pi_123"
    assert sent.form["amount"] == "20000"
    assert sent.form["metadata[apuri_refund_id]"] == refund.id
    assert sent.form["metadata[order_number]"] == "1001"
    assert sent.form["metadata[apuri_idempotency_key]"] == f"{refund.id}-1"
    assert "currency" not in sent.form  # a refund is in the payment's currency
    assert sent.idempotency_key == f"{refund.id}-1" == refund.idempotency_key
    assert sent.authorization == "Bearer sk_test_x"

    row = refund_row(refund.id)
    (made,) = fake.refunds.values()
    assert (row.status, row.provider, row.provider_reference) == ("succeeded", "stripe", made["id"])
    assert row.provider_reference.startswith("re_")
    assert summary(order) == (20000, 0, 0, CAPTURED - 20000)
    actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.subject_id == refund.id)).all()
    assert sorted(actions) == ["refund.requested", "refund.succeeded"]


def test_a_refund_stripe_still_processes_stays_pending_with_its_reference(fake, order):
    fake.refund_status = "pending"
    refund = ledger.request_refund(order, 5000, "manual", "", STAFF)
    row = refund_row(refund.id)
    assert (row.status, row.provider_reference) == ("pending", next(iter(fake.refunds)))
    assert summary(order) == (0, 5000, 0, CAPTURED - 5000)


def test_a_timeout_is_retried_with_the_same_key_then_reconcile_finishes_it_with_one_refund(fake, order):
    fake.fail_next("slow", times=3)  # the first try and both of the library's retries time out
    refund = ledger.request_refund(order, 30000, "manual", "", STAFF)

    tries = fake.refund_requests()
    assert len(tries) == 3
    assert {t.idempotency_key for t in tries} == {f"{refund.id}-1"}
    assert {t.form["amount"] for t in tries} == {"30000"}
    assert len(fake.refunds) == 1  # Stripe refunded on the first try; we never heard
    row = refund_row(refund.id)
    assert (row.status, row.provider_reference) == ("pending", None)
    assert summary(order) == (0, 30000, 0, CAPTURED - 30000)  # pending holds the amount

    assert ledger.reconcile(now=utcnow() + timedelta(minutes=5)) == 1

    tries = fake.refund_requests()
    assert len(tries) == 4 and tries[-1].idempotency_key == f"{refund.id}-1"
    assert len(fake.refunds) == 1  # the same key answered with the first refund
    row = refund_row(refund.id)
    assert (row.status, row.provider_reference) == ("succeeded", next(iter(fake.refunds)))
    assert summary(order) == (30000, 0, 0, CAPTURED - 30000)


def test_one_timeout_is_healed_by_the_librarys_retry_with_the_same_key(fake, order):
    fake.fail_next("slow")
    refund = ledger.request_refund(order, 1000, "manual", "", STAFF)
    tries = fake.refund_requests()
    assert [t.idempotency_key for t in tries] == [refund.idempotency_key] * 2
    assert len(fake.refunds) == 1
    assert refund_row(refund.id).status == "succeeded"


def test_a_card_error_fails_the_refund_with_code_and_reason_and_frees_the_amount(fake, order):
    fake.fail_next("card_error")
    refund = ledger.request_refund(order, 50000, "manual", "", STAFF)
    row = refund_row(refund.id)
    assert (row.status, row.failure_code) == ("failed", "card_declined")
    assert row.failure_reason == "The card issuer declined the refund."
    assert len(fake.refund_requests()) == 1  # a refusal is not retried by the library
    assert summary(order) == (0, 0, 50000, CAPTURED)

    retried = ledger.retry_refund(refund.id, merchant_id=order.merchant_id, actor=STAFF)
    row = refund_row(retried.id)
    assert (row.status, row.attempt) == ("succeeded", 2)
    assert fake.refund_requests()[-1].idempotency_key == f"{refund.id}-2"
    assert len(fake.refunds) == 1
    assert summary(order) == (50000, 0, 0, CAPTURED - 50000)


def test_an_already_refunded_charge_fails_with_a_clear_reason(fake, order):
    fake.fail_next("already_refunded")
    refund = ledger.request_refund(order, 1000, "manual", "", STAFF)
    row = refund_row(refund.id)
    assert (row.status, row.failure_code) == ("failed", "charge_already_refunded")
    assert row.failure_reason == "The payment has already been refunded in full."


def test_stripe_down_leaves_the_refund_pending_and_reconcile_sends_the_same_key(fake, order):
    fake.fail_next("server_error", times=3)
    refund = ledger.request_refund(order, 2500, "manual", "", STAFF)
    tries = fake.refund_requests()
    assert [t.idempotency_key for t in tries] == [refund.idempotency_key] * 3
    assert fake.refunds == {}
    assert refund_row(refund.id).status == "pending"
    assert summary(order) == (0, 2500, 0, CAPTURED - 2500)

    assert ledger.reconcile(now=utcnow() + timedelta(minutes=5)) == 1
    assert fake.refund_requests()[-1].idempotency_key == refund.idempotency_key
    assert refund_row(refund.id).status == "succeeded"
    assert len(fake.refunds) == 1


def test_the_provider_maps_each_answer(app, fake):
    provider = get_provider("stripe")
    assert isinstance(provider, StripeProvider)
    call = {"payment_reference": "pi_9", "amount": 700, "currency": "EUR", "metadata": {"apuri_refund_id": "ref_x"}}

    fake.refund_status = "requires_action"
    assert provider.refund(idempotency_key="k-1", **call).status == "pending"

    fake.refund_status = "canceled"
    answer = provider.refund(idempotency_key="k-2", **call)
    assert (answer.status, answer.failure_code, answer.failure_message) == (
        "failed",
        "canceled",
        "The refund was cancelled in Stripe.",
    )

    fake.fail_next("server_error", times=3)
    with pytest.raises(ProviderUnavailable):
        provider.refund(idempotency_key="k-3", **call)

    fake.fail_next("unauthorized")
    with pytest.raises(ProviderMisconfigured) as misconfigured:
        provider.refund(idempotency_key="k-4", **call)
    assert "STRIPE_SECRET_KEY" in str(misconfigured.value)

    fake.refund_status = "succeeded"
    answer = provider.refund(idempotency_key="k-5", **{**call, "payment_reference": "ch_9"})
    assert answer.status == "succeeded"
    assert fake.refund_requests()[-1].form.get("charge") == "ch_9"
    assert "payment_intent" not in fake.refund_requests()[-1].form


def test_no_server_at_all_is_an_unknown_outcome(app, fake):
    fake.stop()  # nothing listens on the port any more
    with pytest.raises(ProviderUnavailable):
        get_provider("stripe").refund(
            payment_reference="pi_1", amount=100, currency="EUR", idempotency_key="k-1", metadata={}
        )


def test_without_a_secret_key_the_provider_says_what_is_missing(app):
    app.config["STRIPE_SECRET_KEY"] = None
    close_providers(app)
    with pytest.raises(ProviderMisconfigured) as missing:
        get_provider("stripe")
    assert "STRIPE_SECRET_KEY" in str(missing.value)
    assert missing.value.status == 500


def test_a_missing_key_leaves_the_refund_pending_for_later(app, order):
    app.config["STRIPE_SECRET_KEY"] = None
    close_providers(app)
    refund = ledger.request_refund(order, 1000, "manual", "", STAFF)
    assert refund_row(refund.id).status == "pending"
