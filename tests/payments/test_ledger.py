"""The refund ledger with the simulated provider: exactly once, never too much, never lost."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.actors import Actor
from portal.audit.models import AuditEntry
from portal.db import utcnow
from portal.errors import Conflict, ValidationFailed
from portal.extensions import db
from portal.payments import services as ledger
from portal.payments.models import Refund, SimulatedTransaction
from portal.payments.providers.simulated import switch_next_call

STAFF = Actor(kind="user", id="usr_1", label="admin@shop.example")


def provider_refunds() -> int:
    return db.session.scalar(
        select(func.count()).select_from(SimulatedTransaction).where(SimulatedTransaction.status == "succeeded")
    )


@pytest.fixture
def order(make_merchant, make_order):
    return make_order(make_merchant("kodinkone"), "1001")  # captured 948.00 €


def test_a_refund_is_recorded_pending_then_succeeds_once_at_the_provider(order):
    refund = ledger.request_refund(order, 20000, "manual", "Scratch on the door", STAFF)
    db.session.refresh(refund)
    assert refund.status == "succeeded"
    assert refund.provider_reference.startswith("sim_")
    assert provider_refunds() == 1
    summary = ledger.money_summary(order)
    assert (summary.paid, summary.refunded, summary.pending, summary.refundable) == (94800, 20000, 0, 74800)
    actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.subject_id == refund.id)).all()
    assert set(actions) == {"refund.requested", "refund.succeeded"}


def test_more_than_what_remains_is_refused_and_nothing_is_written(order):
    ledger.request_refund(order, 90000, "manual", "", STAFF)
    with pytest.raises(ValidationFailed) as refused:
        ledger.request_refund(order, 4801, "manual", "", STAFF)
    assert "amount" in refused.value.fields
    assert db.session.scalar(select(func.count()).select_from(Refund)) == 1
    assert ledger.request_refund(order, 4800, "manual", "", STAFF).amount == 4800
    assert ledger.money_summary(order).refundable == 0


@pytest.mark.parametrize("amount", [0, -5, 10.5, "100", True])
def test_an_amount_that_is_not_a_positive_whole_number_is_refused(order, amount):
    with pytest.raises(ValidationFailed):
        ledger.request_refund(order, amount, "manual", "", STAFF)


def test_a_declined_refund_is_failed_with_the_reason_and_frees_the_amount(order):
    switch_next_call("fail", "expired_or_canceled_card")
    refund = ledger.request_refund(order, 50000, "manual", "", STAFF)
    db.session.refresh(refund)
    assert refund.status == "failed"
    assert refund.failure_code == "expired_or_canceled_card"
    assert "expired" in refund.failure_reason
    assert ledger.money_summary(order).refundable == 94800
    retried = ledger.retry_refund(refund.id, merchant_id=order.merchant_id, actor=STAFF)
    db.session.refresh(retried)
    assert (retried.status, retried.attempt, retried.idempotency_key) == ("succeeded", 2, f"{refund.id}-2")
    assert provider_refunds() == 1


def test_only_a_failed_refund_can_be_retried(order):
    refund = ledger.request_refund(order, 1000, "manual", "", STAFF)
    with pytest.raises(Conflict):
        ledger.retry_refund(refund.id, merchant_id=order.merchant_id, actor=STAFF)


def test_a_lost_answer_stays_pending_and_reconcile_finishes_it_without_a_second_refund(order):
    switch_next_call("lose_answer")  # the provider refunded; we never heard
    refund = ledger.request_refund(order, 30000, "manual", "", STAFF)
    db.session.refresh(refund)
    assert refund.status == "pending"
    assert provider_refunds() == 1
    assert ledger.money_summary(order).refundable == 94800 - 30000  # pending counts
    assert ledger.reconcile(now=utcnow() + timedelta(minutes=5)) == 1
    db.session.refresh(refund)
    assert refund.status == "succeeded"
    assert provider_refunds() == 1


def test_a_late_answer_about_an_old_attempt_changes_nothing(order):
    switch_next_call("fail")
    refund = ledger.request_refund(order, 1000, "manual", "", STAFF)
    ledger.retry_refund(refund.id, merchant_id=order.merchant_id, actor=STAFF)
    ledger.record_outcome(refund.id, attempt=1, status="failed", reference=None, actor=STAFF)
    db.session.refresh(refund)
    assert refund.status == "succeeded"
