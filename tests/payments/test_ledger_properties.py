"""Property tests of the refund ledger: whatever happens, never too much, never twice.

Hypothesis draws a sequence of operations on one order — refund requests (some too large),
the provider failing, hanging or losing its answer, retries of failed rows, reconcile runs,
and the provider's own reports (webhook-style: ``record_outcome`` with ``attempt=None``)
about any of its refunds, late, out of order and repeated — and after every step checks:

- the ledger: succeeded + pending ≤ captured, and ``money_summary`` says the same;
- the provider: at most one successful refund per ledger row, and never more money out
  than was captured;
- after a final reconcile: nothing pending, and the provider's successful refunds are
  exactly the ledger's succeeded rows (row by row and in total).
"""

from __future__ import annotations

import itertools
import logging
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select

from portal.actors import Actor
from portal.db import utcnow
from portal.errors import Conflict
from portal.extensions import db
from portal.payments import services as ledger
from portal.payments.models import ProviderSwitch, Refund, SimulatedTransaction
from portal.payments.providers.simulated import switch_next_call
from portal.payments.services import RefundTooLarge

STAFF = Actor(kind="user", id="usr_1", label="admin@shop.example")
PROVIDER = Actor.system("provider:simulated")
CAPTURED = 94800  # the default test order: 899.00 + 49.00 shipping, all captured

amounts = st.one_of(
    st.integers(1, 30000),  # several fit
    st.integers(1, CAPTURED),
    st.integers(CAPTURED - 5, CAPTURED + 20000),  # around and above everything
)
requests = st.tuples(st.just("request"), amounts)
switches = st.tuples(st.just("switch"), st.sampled_from(["fail", "fail", "hang", "lose_answer"]))
retries = st.tuples(st.just("retry"), st.integers(0, 2))  # which row (modulo their number)
reconciles = st.tuples(st.just("reconcile"))
# the provider reports on one of its refunds (any attempt of any row, now or much later)
webhooks = st.tuples(st.just("webhook"), st.integers(0, 2), st.integers(0, 2))  # which row, which of its attempts
operations = st.one_of(requests, switches, switches, retries, retries, reconciles, webhooks, webhooks)

_orders = itertools.count(1)


def ledger_rows(order_id: str) -> list[Refund]:
    return db.session.scalars(select(Refund).where(Refund.order_id == order_id).order_by(Refund.created_at)).all()


def provider_books(rows: list[Refund]) -> list[SimulatedTransaction]:
    """The provider's refunds for these rows (their keys are "<row id>-<attempt>")."""
    ids = {row.id for row in rows}
    transactions = db.session.scalars(
        select(SimulatedTransaction).order_by(SimulatedTransaction.created_at, SimulatedTransaction.id)
    ).all()
    return [t for t in transactions if t.idempotency_key.rsplit("-", 1)[0] in ids]


def row_of(transaction: SimulatedTransaction) -> str:
    return transaction.idempotency_key.rsplit("-", 1)[0]


def check_invariants(order) -> None:
    db.session.expire_all()
    rows = ledger_rows(order.id)
    succeeded = sum(r.amount for r in rows if r.status == "succeeded")
    pending = sum(r.amount for r in rows if r.status == "pending")
    failed = sum(r.amount for r in rows if r.status == "failed")
    assert succeeded + pending <= CAPTURED, "the ledger promised more than was captured"

    summary = ledger.money_summary(order)
    assert (summary.paid, summary.refunded, summary.pending, summary.failed) == (CAPTURED, succeeded, pending, failed)
    assert summary.refundable == CAPTURED - succeeded - pending
    assert ledger.refundable(order) == summary.refundable

    paid_out: dict[str, int] = {}
    for transaction in provider_books(rows):
        if transaction.status == "succeeded":
            paid_out[row_of(transaction)] = paid_out.get(row_of(transaction), 0) + 1
    assert all(n == 1 for n in paid_out.values()), f"a row was refunded twice at the provider: {paid_out}"
    amount_of = {r.id: r.amount for r in rows}
    assert sum(amount_of[row_id] for row_id in paid_out) <= CAPTURED, "more money out than was captured"


def step(order, operation: tuple) -> None:
    kind = operation[0]
    if kind == "request":
        amount = operation[1]
        room = ledger.refundable(order)
        before = len(ledger_rows(order.id))
        if amount > room:
            with pytest.raises(RefundTooLarge):
                ledger.request_refund(order, amount, "manual", "property test", STAFF)
            assert len(ledger_rows(order.id)) == before, "a refused refund left a row"
        else:
            refund = ledger.request_refund(order, amount, "manual", "property test", STAFF)
            assert (refund.amount, refund.attempt) == (amount, 1)
    elif kind == "switch":
        switch_next_call(operation[1])
    elif kind == "retry":
        rows = ledger_rows(order.id)
        if not rows:
            return
        refund = rows[operation[1] % len(rows)]
        status, attempt, amount = refund.status, refund.attempt, refund.amount
        room = ledger.refundable(order)
        if status != "failed":
            with pytest.raises(Conflict):
                ledger.retry_refund(refund.id, merchant_id=order.merchant_id, actor=STAFF)
        elif amount > room:
            with pytest.raises(RefundTooLarge):
                ledger.retry_refund(refund.id, merchant_id=order.merchant_id, actor=STAFF)
        else:
            retried = ledger.retry_refund(refund.id, merchant_id=order.merchant_id, actor=STAFF)
            db.session.refresh(retried)
            assert retried.attempt == attempt + 1
            assert retried.idempotency_key == f"{retried.id}-{attempt + 1}"
    elif kind == "reconcile":
        ledger.reconcile(now=utcnow() + timedelta(minutes=5))
    elif kind == "webhook":
        rows = [row for row in ledger_rows(order.id) if provider_books([row])]
        if not rows:
            return
        attempts = provider_books([rows[operation[1] % len(rows)]])
        transaction = attempts[operation[2] % len(attempts)]
        ledger.record_outcome(
            row_of(transaction),
            attempt=None,
            status=transaction.status,
            reference="sim_" + transaction.id,
            failure_code=transaction.failure_code,
            actor=PROVIDER,
        )
    else:  # pragma: no cover
        raise AssertionError(kind)


@settings(
    max_examples=150,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(script=st.lists(operations, min_size=1, max_size=25))
def test_no_sequence_of_events_refunds_too_much_or_twice(app, make_merchant, make_order, caplog, script):
    app.config["SIMULATED_HANG_SECONDS"] = 0
    # One database for all examples: each one starts from a fresh order and no leftover switch.
    db.session.execute(delete(ProviderSwitch))
    db.session.commit()
    caplog.clear()
    n = next(_orders)
    order = make_order(make_merchant(f"prop{n}"), f"P{n}")
    order_id = order.id

    with caplog.at_level(logging.ERROR):
        for operation in script:
            step(order, operation)
            check_invariants(order)

        # Eventually the provider is reachable again and reconcile runs: nothing stays pending.
        db.session.execute(delete(ProviderSwitch))
        db.session.commit()
        ledger.reconcile(now=utcnow() + timedelta(minutes=5))
        check_invariants(order)
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []

    db.session.expire_all()
    rows = ledger_rows(order_id)
    assert [r.id for r in rows if r.status == "pending"] == []
    successful = {row_of(t): t for t in provider_books(rows) if t.status == "succeeded"}
    for row in rows:
        # row by row: succeeded in the ledger exactly when refunded (once) at the provider
        assert (row.status == "succeeded") == (row.id in successful), (row.id, row.status, row.attempt)
    provider_total = sum(t.amount for t in successful.values())
    assert provider_total == sum(r.amount for r in rows if r.status == "succeeded")
    assert provider_total <= CAPTURED
