"""Charges through the Stripe provider: the real ``stripe`` library against the fake Stripe API.

The buyer's card saved with the original payment is charged off-session: what goes over the
wire, what each answer becomes, and that no timeout, retry, reconcile or forgotten key ever
makes a second PaymentIntent.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import stripe

from portal.actors import Actor
from portal.db import utcnow
from portal.extensions import db
from portal.payments import charges as ledger
from portal.payments.models import Charge
from portal.payments.providers import ProviderMisconfigured, ProviderUnavailable, get_provider
from portal.payments.providers.stripe import StripeProvider
from tests.payments.stripe_fake import FakeStripe, close_providers, use_fake_stripe

STAFF = Actor(kind="user", id="usr_1", label="admin@shop.example")
CAPTURED = 94800
NO_SAVED_CARD = (
    "The card used for the order was not saved for later payments, so the difference cannot be charged automatically."
)


@pytest.fixture
def fake(app, monkeypatch):
    monkeypatch.setattr(stripe.HTTPClient, "INITIAL_DELAY", 0.02)
    monkeypatch.setattr(stripe.HTTPClient, "MAX_DELAY", 0.05)
    with FakeStripe(delay=1.5) as server:
        use_fake_stripe(app, server)
        yield server
        close_providers(app)


@pytest.fixture
def provider(fake) -> StripeProvider:
    found = get_provider("stripe")
    assert isinstance(found, StripeProvider)
    return found


@pytest.fixture
def order(make_merchant, make_order):
    return make_order(
        make_merchant("kodinkone"),
        "1001",
        payment={"provider": "stripe", "reference": "pi_123", "method": "card", "captured": CAPTURED},
    )


def charge(provider, key: str = "chg_1-1", **changes):
    call = {
        "payment_reference": "pi_123",
        "amount": 2500,
        "currency": "EUR",
        "idempotency_key": key,
        "metadata": {"apuri_charge_id": "chg_1", "order_number": "1001"},
        **changes,
    }
    return provider.charge(**call)


def charge_row(charge_id: str) -> Charge:
    db.session.expire_all()
    return db.session.get(Charge, charge_id)


# -- what goes over the wire -----------------------------------------------------------------


def test_a_charge_goes_off_session_on_the_saved_card_with_the_key(fake, provider):
    fake.add_payment("pi_123", customer="cus_buyer", payment_method="pm_saved_card")

    answer = charge(provider)

    (made,) = fake.intents.values()
    assert (answer.status, answer.reference, answer.failure_code) == ("succeeded", made["id"], None)
    (sent,) = fake.intent_requests()
    assert sent.form["amount"] == "2500"
    assert sent.form["currency"] == "eur"
    assert sent.form["customer"] == "cus_buyer"
    assert sent.form["payment_method"] == "pm_saved_card"
    assert (sent.form["off_session"], sent.form["confirm"]) == ("true", "true")
    assert sent.form["automatic_payment_methods[allow_redirects]"] == "never"  # no return_url needed
    assert sent.form["metadata[apuri_idempotency_key]"] == "chg_1-1"
    assert sent.form["metadata[apuri_charge_id]"] == "chg_1"
    assert sent.form["metadata[order_number]"] == "1001"
    assert sent.idempotency_key == "chg_1-1"
    assert sent.authorization == "Bearer sk_test_x"
    # First the original payment, then the customer's intents (none made with this key yet).
    reads = [(r.method, r.path) for r in fake.requests if r.method == "GET"]
    assert reads == [("GET", "/v1/payment_intents/pi_123"), ("GET", "/v1/payment_intents")]
    assert fake.requests[1].form["customer"] == "cus_buyer"


def test_a_charge_reference_is_looked_up_as_a_charge(fake, provider):
    fake.add_payment("ch_9", customer="cus_9", payment_method="pm_9")
    assert charge(provider, payment_reference="ch_9").status == "succeeded"
    assert fake.requests[0].path == "/v1/charges/ch_9"
    assert fake.intent_requests()[0].form["customer"] == "cus_9"


def test_the_ledger_records_a_paid_difference(fake, order):
    fake.add_payment("pi_123")
    made = ledger.request_charge(order, 2500, "exchange_difference", "Dearer size", STAFF, source_id="ret_1")

    row = charge_row(made.id)
    (intent,) = fake.intents.values()
    assert (row.status, row.provider, row.provider_reference) == ("succeeded", "stripe", intent["id"])
    assert row.order.payment.charged == 2500
    (sent,) = fake.intent_requests()
    assert sent.idempotency_key == row.idempotency_key == f"{made.id}-1"
    assert sent.form["metadata[apuri_charge_id]"] == made.id


# -- refusals --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fault", "code", "message"),
    [
        ("card_declined", "card_declined", "The card was declined."),
        ("insufficient_funds", "insufficient_funds", "The card has insufficient funds."),
        (
            "authentication_required",
            "authentication_required",
            "The bank wants you to confirm the payment, which cannot be done here.",
        ),
        ("expired_card", "expired_card", "The card has expired."),
    ],
)
def test_a_card_error_fails_the_charge_with_the_code_and_a_text_for_the_buyer(fake, provider, fault, code, message):
    fake.add_payment("pi_123")
    fake.fail_next(fault)

    answer = charge(provider)

    (failed,) = fake.intents.values()  # Stripe makes the intent and leaves it unpaid
    assert failed["status"] == "requires_payment_method"
    assert (answer.status, answer.failure_code, answer.failure_message) == ("failed", code, message)
    assert answer.reference == failed["id"]
    assert len(fake.intent_requests()) == 1  # a refusal is not retried by the library

    again = charge(provider)  # the same key: the same answer, no second intent
    assert (again.status, again.failure_code, again.reference) == ("failed", code, failed["id"])
    assert len(fake.intents) == 1


def test_the_ledger_records_a_declined_charge(fake, order):
    fake.add_payment("pi_123")
    fake.fail_next("insufficient_funds")
    made = ledger.request_charge(order, 2500, "exchange_difference", "", STAFF, source_id="ret_1")
    row = charge_row(made.id)
    assert (row.status, row.failure_code) == ("failed", "insufficient_funds")
    assert row.failure_reason == "The card has insufficient funds."
    assert row.order.payment.charged == 0


@pytest.mark.parametrize("missing", ["customer", "payment_method"])
def test_without_a_saved_card_nothing_is_charged(fake, provider, missing):
    fake.add_payment("pi_123", **{missing: None})

    answer = charge(provider)

    assert (answer.status, answer.reference, answer.failure_code) == ("failed", None, "no_saved_card")
    assert answer.failure_message == NO_SAVED_CARD
    assert fake.intent_requests() == [] and fake.intents == {}
    assert [r.path for r in fake.requests] == ["/v1/payment_intents/pi_123"]


def test_an_unknown_original_payment_fails_without_an_intent(fake, provider):
    answer = charge(provider, payment_reference="pi_unknown")
    assert (answer.status, answer.failure_code) == ("failed", "resource_missing")
    assert answer.failure_message == "The order's payment was not found at Stripe, so the difference cannot be charged."
    assert fake.intent_requests() == []


# -- the intent's status ---------------------------------------------------------------------


def test_each_intent_status_becomes_the_ledgers(fake, provider):
    fake.add_payment("pi_123")

    fake.intent_status = "requires_action"
    answer = charge(provider, "k-1")
    assert (answer.status, answer.failure_code) == ("failed", "authentication_required")
    assert answer.failure_message == "The bank wants you to confirm the payment, which cannot be done here."

    fake.intent_status = "requires_payment_method"
    fake.intent_error = {"type": "card_error", "code": "card_declined", "decline_code": "insufficient_funds"}
    answer = charge(provider, "k-2")
    assert (answer.status, answer.failure_code) == ("failed", "insufficient_funds")
    assert answer.failure_message == "The card has insufficient funds."

    fake.intent_error = {"type": "card_error", "code": "card_declined", "decline_code": "do_not_honor"}
    answer = charge(provider, "k-3")
    assert (answer.status, answer.failure_code, answer.failure_message) == (
        "failed",
        "do_not_honor",
        "The card was declined.",
    )

    fake.intent_status, fake.intent_error = "canceled", None
    answer = charge(provider, "k-4")
    assert (answer.status, answer.failure_code, answer.failure_message) == (
        "failed",
        "canceled",
        "The payment was cancelled.",
    )

    fake.intent_status = "processing"
    answer = charge(provider, "k-5")
    assert (answer.status, answer.failure_code) == ("pending", None)
    assert answer.reference in fake.intents


def test_a_processing_charge_is_answered_by_the_intents_current_status(fake, provider):
    """Stripe replays a key's first answer ("processing"): asking again must see the intent now."""
    fake.add_payment("pi_123")
    fake.intent_status = "processing"
    first = charge(provider)
    assert first.status == "pending"

    fake.intents[first.reference]["status"] = "succeeded"  # the bank debit went through
    again = charge(provider)
    assert (again.status, again.reference) == ("succeeded", first.reference)
    assert len(fake.intents) == 1 and len(fake.intent_requests()) == 1


def test_a_key_stripe_has_forgotten_still_makes_no_second_intent(fake, provider):
    fake.add_payment("pi_123")
    fake.intent_status = "processing"
    first = charge(provider)
    fake.forget_keys()  # 24 hours later

    fake.intents[first.reference]["status"] = "succeeded"
    again = charge(provider)
    assert (again.status, again.reference) == ("succeeded", first.reference)
    assert len(fake.intents) == 1 and len(fake.intent_requests()) == 1


# -- no answer -------------------------------------------------------------------------------


def test_stripe_down_is_an_unknown_outcome_and_the_same_key_charges_once(fake, provider):
    fake.add_payment("pi_123")
    fake.fail_next("server_error", times=3)  # the first try and both of the library's retries

    with pytest.raises(ProviderUnavailable) as unavailable:
        charge(provider)
    assert "charge" in str(unavailable.value)
    tries = fake.intent_requests()
    assert [t.idempotency_key for t in tries] == ["chg_1-1"] * 3
    assert fake.intents == {}

    answer = charge(provider)
    assert answer.status == "succeeded"
    assert fake.intent_requests()[-1].idempotency_key == "chg_1-1"
    assert list(fake.intents) == [answer.reference]


def test_a_timeout_loses_the_answer_and_asking_again_finds_the_one_intent(fake, provider):
    fake.add_payment("pi_123")
    fake.fail_next("slow", times=3)  # Stripe charged on the first try; we never heard

    with pytest.raises(ProviderUnavailable):
        charge(provider)
    tries = fake.intent_requests()
    assert len(tries) == 3 and {t.idempotency_key for t in tries} == {"chg_1-1"}
    (made,) = fake.intents.values()

    answer = charge(provider)
    assert (answer.status, answer.reference) == ("succeeded", made["id"])
    assert len(fake.intents) == 1


def test_one_timeout_is_healed_by_the_librarys_retry_with_the_same_key(fake, provider):
    fake.add_payment("pi_123")
    fake.fail_next("slow")
    answer = charge(provider)
    assert answer.status == "succeeded"
    assert [t.idempotency_key for t in fake.intent_requests()] == ["chg_1-1"] * 2
    assert len(fake.intents) == 1


def test_stripe_down_while_reading_the_original_payment_charges_nothing(fake, provider):
    fake.add_payment("pi_123")
    fake.fail_next("server_error", times=3, method="GET")
    with pytest.raises(ProviderUnavailable):
        charge(provider)
    assert fake.intent_requests() == []
    assert charge(provider).status == "succeeded"


def test_reconcile_finishes_a_charge_stripe_did_not_answer_with_one_intent(fake, order):
    fake.add_payment("pi_123")
    fake.fail_next("server_error", times=3)
    made = ledger.request_charge(order, 2500, "exchange_difference", "", STAFF, source_id="ret_1")
    assert charge_row(made.id).status == "pending"
    assert fake.intents == {}

    assert ledger.reconcile_charges(now=utcnow() + timedelta(minutes=5)) == 1
    row = charge_row(made.id)
    (intent,) = fake.intents.values()
    assert (row.status, row.provider_reference) == ("succeeded", intent["id"])
    assert {t.idempotency_key for t in fake.intent_requests()} == {row.idempotency_key}
    assert row.order.payment.charged == 2500


def test_no_server_at_all_is_an_unknown_outcome(fake, provider):
    fake.stop()
    with pytest.raises(ProviderUnavailable):
        charge(provider)


# -- the key refused -------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_refused_api_key_is_a_misconfiguration(fake, provider, method):
    fake.add_payment("pi_123")
    fake.fail_next("unauthorized", method=method)
    with pytest.raises(ProviderMisconfigured) as misconfigured:
        charge(provider)
    assert "STRIPE_SECRET_KEY" in str(misconfigured.value)
    assert fake.intents == {}
