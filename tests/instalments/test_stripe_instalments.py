"""Instalments through the Stripe provider: the real ``stripe`` library against the fake Stripe API.

An order paid with a Stripe PaymentIntent switches to instalments: the SetupIntent on the
buyer's customer, the partial refund down to the first instalment, the off-session
PaymentIntents on the saved card (each with the instalment's key), a card the bank wants
confirmed (authentication_required) and the buyer paying it on the page.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import stripe
from sqlalchemy import select

from portal.db import utcnow
from portal.errors import Conflict, ValidationFailed
from portal.extensions import db
from portal.instalments import services as plans
from portal.instalments.models import InstalmentPlan
from portal.notifications.models import OutboxMessage
from portal.orders.services import get_order
from portal.payments.models import Charge, Refund
from tests.instalments.conftest import BUYER, FRIDGE, PAID
from tests.payments.stripe_fake import FakeStripe, close_providers, use_fake_stripe

FIRST = 32010  # the first instalment of the 3-month plan, kept from the original payment
SECOND = 31860


@pytest.fixture
def fake(app, monkeypatch):
    monkeypatch.setattr(stripe.HTTPClient, "INITIAL_DELAY", 0.02)
    monkeypatch.setattr(stripe.HTTPClient, "MAX_DELAY", 0.05)
    with FakeStripe(delay=1.5) as server:
        use_fake_stripe(app, server)
        server.add_payment("pi_paid", customer="cus_buyer", payment_method="pm_checkout_card", amount=PAID)
        yield server
        close_providers(app)


@pytest.fixture
def order(fake, shop, delivered_order):
    payment = {"provider": "stripe", "reference": "pi_paid", "method": "card", "captured": PAID}
    return delivered_order(shop, days_ago=3, items=FRIDGE, payment=payment)


def accepted(order, months=3) -> InstalmentPlan:
    return plans.start_plan(order, {"months": months, "accept_terms": True}, BUYER)


def started(fake, order, card="4242") -> InstalmentPlan:
    """The buyer accepts, the page gets the SetupIntent, Stripe.js saves the card, the plan starts."""
    plan = plans.prepare_card(accepted(order))
    fake.confirm_setup(plan.setup_reference, card=card)
    return plans.save_card(plan, BUYER)


def due_day(plan: InstalmentPlan, number: int = 2):
    return utcnow() + timedelta(days=(plan.instalments[number - 1].due_on - plan.started_on).days)


def charges(order) -> list[Charge]:
    db.session.expire_all()
    return list(db.session.scalars(select(Charge).where(Charge.order_id == order.id).order_by(Charge.created_at)))


def refunds(order) -> list[Refund]:
    db.session.expire_all()
    return list(db.session.scalars(select(Refund).where(Refund.order_id == order.id)))


def mails(kind) -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind)))


# -- the card --------------------------------------------------------------------------------


def test_preparing_the_card_makes_one_setup_intent_on_the_buyers_customer(fake, order):
    plan = accepted(order)
    assert plan.provider == "stripe"

    plan = plans.prepare_card(plan)

    (setup,) = fake.setup_intents.values()
    assert setup["status"] == "requires_payment_method" and setup["customer"] == "cus_buyer"
    assert (plan.setup_reference, plan.setup_secret) == (setup["id"], setup["client_secret"])
    assert setup["client_secret"].startswith(f"{setup['id']}_secret_")
    assert plan.customer_reference == "cus_buyer"
    (sent,) = fake.setup_requests()
    assert sent.form["customer"] == "cus_buyer"
    assert sent.form["usage"] == "off_session"
    assert sent.form["automatic_payment_methods[enabled]"] == "true"
    assert sent.form["automatic_payment_methods[allow_redirects]"] == "never"
    assert sent.form["metadata[apuri_plan_id]"] == plan.id
    assert sent.form["metadata[order_number]"] == order.number
    assert sent.idempotency_key == sent.form["metadata[apuri_idempotency_key]"] == f"{plan.id}-setup"
    assert fake.customer_requests() == []  # the original payment's customer is used

    # A reload of the card page: the same SetupIntent, nothing new at Stripe.
    again = plans.prepare_card(db.session.get(InstalmentPlan, plan.id))
    assert again.setup_reference == setup["id"]
    assert len(fake.setup_requests()) == 1 and len(fake.setup_intents) == 1
    assert refunds(order) == [] and charges(order) == []


def test_without_a_customer_on_the_payment_one_is_made_by_the_buyers_email(fake, shop, delivered_order):
    fake.add_payment("pi_guest", customer=None, payment_method=None, amount=PAID)
    payment = {"provider": "stripe", "reference": "pi_guest", "method": "card", "captured": PAID}
    guest = delivered_order(shop, days_ago=3, items=FRIDGE, payment=payment)

    plan = plans.prepare_card(accepted(guest))

    (made,) = fake.customer_requests()
    assert made.form["email"] == guest.customer.email
    assert made.idempotency_key == f"{plan.id}-setup-customer"
    (customer,) = [c for c in fake.customers.values() if c["email"] == guest.customer.email]
    (setup,) = fake.setup_intents.values()
    assert setup["customer"] == customer["id"] == plan.customer_reference


def test_saving_the_card_starts_the_plan_and_refunds_the_rest_of_the_payment_at_stripe(fake, order):
    plan = plans.prepare_card(accepted(order))
    setup = fake.confirm_setup(plan.setup_reference, card="4242")

    plan = plans.save_card(plan, BUYER)

    assert plan.status == "active"
    assert (plan.customer_reference, plan.payment_method) == ("cus_buyer", setup["payment_method"])
    assert plan.card_label == "Visa •••• 4242"
    assert [(r.method, r.path) for r in fake.requests if r.method == "GET"][-2:] == [
        ("GET", f"/v1/setup_intents/{setup['id']}"),
        ("GET", f"/v1/payment_methods/{setup['payment_method']}"),
    ]
    (sent,) = fake.refund_requests()
    assert sent.form["payment_intent"] == "pi_paid"
    assert sent.form["amount"] == str(PAID - FIRST)
    (refund,) = refunds(order)
    assert (refund.source, refund.amount, refund.status) == ("instalment_switch", PAID - FIRST, "succeeded")
    assert sent.idempotency_key == refund.idempotency_key
    assert refund.provider_reference in fake.refunds
    assert plan.switch_refund_id == refund.id
    first = plan.instalments[0]
    assert (first.status, first.paid_by, first.amount_paid) == ("paid", "original_payment", FIRST)
    assert len(mails("instalment_agreement")) == 1

    # Stripe.js comes back twice (a reload): the plan is started, no second refund.
    assert plans.save_card(db.session.get(InstalmentPlan, plan.id), BUYER).status == "active"
    assert len(fake.refund_requests()) == 1 and len(refunds(order)) == 1


def test_a_card_not_saved_yet_starts_nothing_and_refunds_nothing(fake, order):
    plan = plans.prepare_card(accepted(order))  # the buyer has not confirmed the SetupIntent

    with pytest.raises(Conflict) as waiting:
        plans.save_card(plan, BUYER)

    assert waiting.value.code == "card_not_saved"
    assert fake.setup_intents[plan.setup_reference]["status"] == "requires_payment_method"
    assert db.session.get(InstalmentPlan, plan.id).status == "awaiting_card"
    assert fake.refund_requests() == [] and refunds(order) == []


def test_a_card_declined_while_being_saved_is_named_and_the_plan_waits(fake, order):
    plan = plans.prepare_card(accepted(order))
    fake.confirm_setup(plan.setup_reference, card="refuse")  # Stripe.js told the decline

    with pytest.raises(ValidationFailed) as refused:
        plans.save_card(plan, BUYER)

    assert "declined" in str(refused.value.fields["card"][0])
    assert db.session.get(InstalmentPlan, plan.id).status == "awaiting_card"
    assert fake.refund_requests() == [] and refunds(order) == []
    # The buyer tries another card on the same SetupIntent: the plan starts.
    fake.confirm_setup(plan.setup_reference, card="4242")
    assert plans.save_card(db.session.get(InstalmentPlan, plan.id), BUYER).status == "active"
    assert len(fake.setup_requests()) == 1 and len(fake.refund_requests()) == 1


# -- charging --------------------------------------------------------------------------------


def test_a_due_instalment_is_charged_off_session_on_the_saved_card_exactly_once(fake, order):
    plan = started(fake, order)
    saved = plan.payment_method
    assert plans.charge_due() == 0 and fake.intent_requests() == []  # nothing due yet

    on_second = due_day(plan)
    assert plans.charge_due(on_second) == 1
    assert plans.charge_due(on_second) == 0  # the job run twice: no second PaymentIntent

    (sent,) = fake.intent_requests()
    key = plans.instalment_key(plan.id, 2, 1)
    assert sent.idempotency_key == key == sent.form["metadata[apuri_idempotency_key]"]
    assert (sent.form["off_session"], sent.form["confirm"]) == ("true", "true")
    assert (sent.form["customer"], sent.form["payment_method"]) == ("cus_buyer", saved)
    assert (sent.form["amount"], sent.form["currency"]) == (str(SECOND), "eur")
    (intent,) = fake.intents.values()
    assert intent["status"] == "succeeded"
    (charge,) = charges(order)
    assert (charge.status, charge.amount, charge.mode) == ("succeeded", SECOND, "off_session")
    assert (charge.idempotency_key, charge.provider_reference) == (key, intent["id"])
    plan = db.session.get(InstalmentPlan, plan.id)
    second = plan.instalments[1]
    assert (second.status, second.paid_by) == ("paid", charge.id)
    assert plan.status == "active"
    assert get_order(order.merchant_id, order.number).payment.charged == SECOND


def test_a_declining_saved_card_puts_the_plan_in_arrears(fake, order):
    plan = started(fake, order, card="decline")

    plans.charge_due(due_day(plan))

    (failed,) = fake.intents.values()
    assert failed["status"] == "requires_payment_method"
    (charge,) = charges(order)
    assert (charge.status, charge.failure_code, charge.provider_reference) == (
        "failed",
        "generic_decline",
        failed["id"],
    )
    plan = db.session.get(InstalmentPlan, plan.id)
    assert plan.status == "in_arrears" and plan.instalments[1].failure_message == "The card was declined."
    assert len(mails("instalment_failed")) == 1


def test_a_card_needing_authentication_fails_off_session_and_the_buyer_confirms_it_on_the_page(fake, order):
    plan = started(fake, order, card="auth")
    assert plan.card_label == "Visa •••• 3184"

    plans.charge_due(due_day(plan))

    (off_session,) = fake.intent_requests()
    assert off_session.form["off_session"] == "true"
    (unpaid,) = fake.intents.values()  # Stripe made the intent and left it unpaid (in the 402)
    assert unpaid["status"] == "requires_payment_method"
    assert unpaid["last_payment_error"]["code"] == "authentication_required"
    (failed,) = charges(order)
    assert (failed.status, failed.failure_code, failed.mode) == ("failed", "authentication_required", "off_session")
    assert failed.provider_reference == unpaid["id"]
    plan = db.session.get(InstalmentPlan, plan.id)
    assert plan.status == "in_arrears" and plan.arrears == SECOND
    assert "confirm" in plan.instalments[1].failure_message
    (mail,) = mails("instalment_failed")
    assert mail.recipient == order.customer.email and "318,60" in mail.text_body

    # The buyer pays on the plan's page with the saved card: the bank wants its confirmation.
    pending = plans.pay_overdue(plan, BUYER)

    on_session = fake.intent_requests()[-1]
    assert on_session.form["off_session"] == "false" and on_session.form["confirm"] == "true"
    assert (on_session.form["customer"], on_session.form["payment_method"]) == ("cus_buyer", plan.payment_method)
    assert on_session.form["amount"] == str(SECOND)
    assert on_session.idempotency_key == pending.idempotency_key != failed.idempotency_key
    waiting = fake.intents[pending.provider_reference]
    assert waiting["status"] == "requires_action"
    assert (pending.status, pending.mode, pending.client_secret) == ("pending", "on_session", waiting["client_secret"])
    shown = plans.pending_payment(db.session.get(InstalmentPlan, plan.id))
    assert shown is not None and shown.id == pending.id
    assert db.session.get(InstalmentPlan, plan.id).status == "in_arrears"
    assert plans.refresh_payment(plan).status == "pending"  # not confirmed yet: still waiting

    fake.confirm_payment(waiting["id"])  # Stripe.js: the bank's step passed
    paid = plans.refresh_payment(db.session.get(InstalmentPlan, plan.id))

    assert (paid.id, paid.status) == (pending.id, "succeeded")
    assert fake.requests[-1].method == "GET" and fake.requests[-1].path == f"/v1/payment_intents/{waiting['id']}"
    plan = db.session.get(InstalmentPlan, plan.id)
    assert plan.status == "active" and plan.arrears == 0
    assert plan.instalments[1].status == "paid" and plans.pending_payment(plan) is None
    succeeded = [c for c in charges(order) if c.status == "succeeded"]
    assert [(c.amount, c.mode) for c in succeeded] == [(SECOND, "on_session")]
    assert get_order(order.merchant_id, order.number).payment.charged == SECOND
    assert len(fake.intents) == 2 and len(mails("instalment_failed")) == 1
    assert plans.refresh_payment(plan) is None  # nothing waits any more
