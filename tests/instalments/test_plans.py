"""Switching a paid order to instalments: the offer, the card, the refund down to the first
instalment, the charges on due dates (exactly once), arrears, reminders and paying early."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from portal.db import utcnow
from portal.errors import Conflict, ValidationFailed
from portal.extensions import db
from portal.instalments import services as plans
from portal.instalments.models import InstalmentPlan
from portal.merchants.services import update_policy
from portal.notifications.models import OutboxMessage
from portal.orders.services import get_order
from portal.payments.models import Charge, Refund, SimulatedTransaction
from portal.payments.services import request_refund
from tests.instalments.conftest import BUYER, PAID, SHOP

OK_CARD = "4242 4242 4242 4242"
DECLINING_CARD = "4000 0000 0000 0341"
AUTH_CARD = "4000 0027 6000 3184"


def started(order, months=3, card=OK_CARD):
    plan = plans.start_plan(order, {"months": months, "accept_terms": True}, BUYER)
    return plans.save_card(plan, BUYER, card_number=card)


def mails(kind):
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind)))


def refunds(order):
    return list(db.session.scalars(select(Refund).where(Refund.order_id == order.id)))


def charges(order):
    return list(db.session.scalars(select(Charge).where(Charge.order_id == order.id).order_by(Charge.created_at)))


def test_every_offer_shows_its_whole_cost_before_anything_is_accepted(order):
    found = plans.options(order)
    assert found.allowed and [o.months for o in found.offers] == [3, 6, 12]
    for offer in found.offers:
        rows = offer.plan.instalments
        assert sum(r.principal for r in rows) == PAID  # the credit is what was paid
        assert sum(r.amount for r in rows) == offer.plan.total_payable
        assert rows[0].due_on == offer.first_due_on and rows[0].interest == 0  # paid today, no interest
        assert rows[0].fee == 150 and all(r.fee == 0 for r in rows[1:])
        assert offer.refund_now == PAID - rows[0].amount
        assert not offer.interest_free and offer.apr > Decimal("9.90")
    three = found.offer(3)
    assert [r.amount for r in three.plan.instalments] == [32010, 31860, 31860]
    assert three.plan.total_payable == 95730 and three.apr == Decimal("12.5")


def test_interest_free_is_said_only_when_nothing_is_added(shop, order):
    update_policy(shop, {"instalments": {"nominal_rate": "0", "setup_fee": 0}}, actor=SHOP)
    offer = plans.options(get_order(shop.id, order.number)).offer(3)
    assert offer.interest_free and offer.apr == 0 and offer.plan.total_payable == PAID
    update_policy(shop, {"instalments": {"setup_fee": 100}}, actor=SHOP)
    offer = plans.options(get_order(shop.id, order.number)).offer(3)
    assert not offer.interest_free and offer.plan.total_interest == 0 and offer.apr > 0


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"enabled": False}, "does not offer instalments"),
        ({"min_amount": 100000}, "orders of €1,000.00 or more"),
        ({"max_amount": 50000}, "orders of up to €500.00"),
        ({"window_days": 2}, "ended on"),
    ],
)
def test_an_order_outside_the_shops_terms_is_told_why(shop, order, change, reason):
    update_policy(shop, {"instalments": change}, actor=SHOP)
    with force_locale("en"):
        found = plans.options(get_order(shop.id, order.number))
    assert not found.allowed and found.offers == []
    assert reason in found.reason


def test_a_partly_refunded_or_invoiced_order_cannot_switch(shop, order, delivered_order):
    request_refund(order, 1000, "manual", "goodwill", SHOP)
    assert not plans.options(get_order(shop.id, order.number)).allowed
    invoiced = delivered_order(
        shop, days_ago=1, payment={"provider": "simulated", "reference": "p", "method": "invoice", "captured": 94800}
    )
    assert "card or online bank" in str(plans.options(invoiced).reason)


def test_accepting_needs_the_ticked_terms_and_an_offered_length_and_moves_no_money(order):
    with pytest.raises(ValidationFailed) as refused:
        plans.start_plan(order, {"months": 3, "accept_terms": False}, BUYER)
    assert "accept_terms" in refused.value.fields
    with pytest.raises(ValidationFailed) as refused:
        plans.start_plan(order, {"months": 4, "accept_terms": True}, BUYER)
    assert "3, 6, 12" in str(refused.value.fields["months"][0])
    plan = plans.start_plan(order, {"months": 6, "accept_terms": True}, BUYER)
    assert plan.status == "awaiting_card" and plan.terms_accepted_ip == "203.0.113.7"
    assert refunds(order) == [] and charges(order) == []


def test_saving_the_card_starts_the_plan_and_refunds_down_to_the_first_instalment_once(order):
    plan = started(order)
    assert plan.status == "active" and plan.card_label == "Visa •••• 4242"
    first = plan.instalments[0]
    assert (first.status, first.paid_by, first.amount_paid) == ("paid", "original_payment", 32010)
    [refund] = refunds(order)
    assert (refund.source, refund.amount, refund.status) == ("instalment_switch", PAID - 32010, "succeeded")
    assert plan.switch_refund_id == refund.id and plan.withdrawal_until == plan.started_on + timedelta(days=14)
    [mail] = mails("instalment_agreement")
    assert mail.attachments == [{"kind": "instalment_agreement", "id": plan.id}]
    assert "957,30\xa0€" in mail.text_body and "12,5\xa0%" in mail.text_body  # the total and the APR, in Finnish
    # A second click, a reload, the API at once: the plan is started, nothing moves again.
    assert plans.save_card(plan, BUYER, card_number=OK_CARD).status == "active"
    assert len(refunds(order)) == 1 and len(mails("instalment_agreement")) == 1
    assert not plans.options(get_order(order.merchant_id, order.number)).allowed


def test_a_bad_or_refused_card_is_named_and_the_plan_waits(order):
    plan = plans.start_plan(order, {"months": 3, "accept_terms": True}, BUYER)
    for number, words in (("4242 4242 4242 4241", "not valid"), ("4000 0000 0000 0002", "declined")):
        with pytest.raises(ValidationFailed) as refused:
            plans.save_card(plan, BUYER, card_number=number)
        assert words in str(refused.value.fields["card"][0])
    assert db.session.get(InstalmentPlan, plan.id).status == "awaiting_card" and refunds(order) == []


def test_instalments_are_charged_on_their_due_dates_exactly_once_and_the_plan_is_paid_off(order):
    plan = started(order)
    second, third = plan.instalments[1], plan.instalments[2]
    assert plans.charge_due() == 0  # nothing is due yet
    on_second = utcnow() + timedelta(days=(second.due_on - plan.started_on).days)
    assert plans.charge_due(on_second) == 1
    assert plans.charge_due(on_second) == 0  # the job run twice: no second charge
    [charge] = charges(order)
    assert (charge.amount, charge.status, charge.mode) == (31860, "succeeded", "off_session")
    assert charge.idempotency_key == plans.instalment_key(plan.id, 2, 1)
    assert charge.payment_method == "pm_sim_ok_4242"
    db.session.refresh(second)
    assert second.status == "paid" and second.paid_by == charge.id
    on_third = utcnow() + timedelta(days=(third.due_on - plan.started_on).days)
    assert plans.charge_due(on_third) == 1
    plan = db.session.get(InstalmentPlan, plan.id)
    assert plan.status == "paid_off" and plan.paid == plan.total_payable == 95730 and plan.left == 0
    assert len(mails("instalment_paid_off")) == 1
    # The ledger: paid 948,00 €, 628,80 € back, then two charges: the buyer paid the plan's total.
    payment = get_order(order.merchant_id, order.number).payment
    refunded = sum(r.amount for r in refunds(order) if r.status == "succeeded")
    assert payment.captured + payment.charged - refunded == 95730
    assert db.session.scalar(select(SimulatedTransaction).where(SimulatedTransaction.kind == "charge")) is not None


def test_a_declined_instalment_puts_the_plan_in_arrears_and_the_buyer_pays_on_the_page(order):
    plan = started(order, card=DECLINING_CARD)
    due = utcnow() + timedelta(days=(plan.instalments[1].due_on - plan.started_on).days)
    plans.charge_due(due)
    plan = db.session.get(InstalmentPlan, plan.id)
    assert plan.status == "in_arrears" and plan.arrears == 31860
    assert plan.instalments[1].failure_message == "The card was declined."
    [mail] = mails("instalment_failed")
    assert "318,60" in mail.text_body
    assert plans.charge_due(due) == 0  # an unpaid instalment is not charged again off-session
    with pytest.raises(ValidationFailed):
        plans.pay_overdue(plan, BUYER, card_number="1234")
    charge = plans.pay_overdue(plan, BUYER, card_number=OK_CARD)
    assert (charge.status, charge.amount, charge.mode) == ("succeeded", 31860, "on_session")
    plan = db.session.get(InstalmentPlan, plan.id)
    assert plan.status == "active" and plan.card_label == "Visa •••• 4242" and plan.arrears == 0
    with pytest.raises(Conflict):
        plans.pay_overdue(plan, BUYER)
    paid_charges = [c for c in charges(order) if c.status == "succeeded"]
    assert sum(c.amount for c in paid_charges) == 31860


def test_a_card_needing_confirmation_fails_off_session_and_is_paid_with_the_buyer_there(order):
    plan = started(order, card=AUTH_CARD)
    plans.charge_due(utcnow() + timedelta(days=(plan.instalments[1].due_on - plan.started_on).days))
    plan = db.session.get(InstalmentPlan, plan.id)
    assert plan.status == "in_arrears" and "confirm" in plan.instalments[1].failure_message
    charge = plans.pay_overdue(plan, BUYER)  # the saved card, on-session: the bank's check passes
    assert charge.status == "succeeded" and db.session.get(InstalmentPlan, plan.id).status == "active"


def test_a_reminder_goes_once_a_few_days_before_each_charge(order):
    plan = started(order)
    days = (plan.instalments[1].due_on - plan.started_on).days
    assert plans.send_reminders(utcnow() + timedelta(days=days - 5)) == 0
    assert plans.send_reminders(utcnow() + timedelta(days=days - 3)) == 1
    assert plans.send_reminders(utcnow() + timedelta(days=days - 2)) == 0
    [mail] = mails("instalment_reminder")
    assert "318,60" in mail.text_body and "4242" in mail.text_body


def test_paying_off_within_the_withdrawal_period_costs_the_credit_without_fees(order):
    plan = started(order)
    quote = plans.payoff_quote(plan)
    principal_left = sum(i.principal for i in plan.instalments[1:])
    assert quote.withdrawal and quote.interest == 0  # the same day: no interest yet
    assert quote.fees_returned == 150 and quote.amount == principal_left - 150
    assert quote.saving == 31860 * 2 - quote.amount
    charge = plans.pay_off(plan, BUYER)
    assert charge.status == "succeeded" and charge.amount == quote.amount
    plan = db.session.get(InstalmentPlan, plan.id)
    assert plan.status == "paid_off" and [i.status for i in plan.instalments] == [
        "paid",
        "settled_early",
        "settled_early",
    ]
    assert plan.paid == PAID  # the credit, and not a cent of interest or fees
    assert plans.payoff_quote(plan) is None


def test_paying_off_later_charges_interest_for_the_days_used_only(order):
    plan = started(order, months=6)
    later = utcnow() + timedelta(days=(plan.instalments[1].due_on - plan.started_on).days + 10)
    plans.charge_due(later)
    plan = db.session.get(InstalmentPlan, plan.id)
    quote = plans.payoff_quote(plan, now=later)
    outstanding = sum(i.principal for i in plan.instalments[2:])
    expected_interest = round(outstanding * Decimal("0.099") * 10 / 365)
    assert not quote.withdrawal and quote.fees_returned == 0
    assert quote.interest == expected_interest and quote.amount == outstanding + expected_interest
    assert quote.saving > 0
