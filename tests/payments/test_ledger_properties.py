"""Property tests of the refund ledger: whatever happens, never too much, never twice.

Hypothesis plays sequences of events on one order — refund requests (some too large), the
provider failing, hanging or losing its answer (on that call, or on whichever call comes
next), retries of failed rows, reconcile runs, and the provider's own reports (webhook-style:
``record_outcome`` with ``attempt=None``) about any of its refunds, of any attempt, late, out
of order and repeated — and checks after every step:

- the ledger: succeeded + pending ≤ captured, and ``money_summary`` says the same;
- the provider: at most one successful refund per ledger row (not only per key), and never
  more money sent back than was captured;

and at the end, once the provider answers again and reconcile has run: nothing is pending,
and a row is succeeded exactly when the provider refunded it (once), so the provider's total
equals the ledger's succeeded total.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test
from sqlalchemy import delete, select

from portal.actors import Actor
from portal.db import utcnow
from portal.errors import Conflict
from portal.extensions import db
from portal.orders.models import Order
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
    st.integers(CAPTURED - 5, CAPTURED + 20000),  # around and above all of it
)
# how the provider treats the call this step makes (None: it just works)
this_call = st.sampled_from([None, None, "fail", "hang", "lose_answer"])


def ledger_rows(order_id: str) -> list[Refund]:
    return db.session.scalars(
        select(Refund).where(Refund.order_id == order_id).order_by(Refund.created_at, Refund.id)
    ).all()


def provider_books(rows: list[Refund]) -> list[SimulatedTransaction]:
    """The provider's refunds for these rows, any attempt (keys are "<row id>-<attempt>")."""
    keys = [f"{row.id}-{n}" for row in rows for n in range(1, row.attempt + 1)]
    return db.session.scalars(
        select(SimulatedTransaction)
        .where(SimulatedTransaction.idempotency_key.in_(keys))
        .order_by(SimulatedTransaction.created_at, SimulatedTransaction.id)
    ).all()


def row_of(transaction: SimulatedTransaction) -> str:
    return transaction.idempotency_key.rsplit("-", 1)[0]


def check_invariants(order: Order) -> None:
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
    assert sum(amount_of[row_id] for row_id in paid_out) <= CAPTURED, "the provider sent back more than was captured"


def check_settled(order: Order) -> None:
    """After the final reconcile: the ledger and the provider's books agree, row by row."""
    check_invariants(order)
    rows = ledger_rows(order.id)
    assert [r.id for r in rows if r.status == "pending"] == [], "reconcile left a row pending"
    successful = {row_of(t): t for t in provider_books(rows) if t.status == "succeeded"}
    for row in rows:
        assert (row.status == "succeeded") == (row.id in successful), (
            f"row {row.id} is {row.status} at attempt {row.attempt}, provider refunded it: {row.id in successful}"
        )
    provider_total = sum(t.amount for t in successful.values())
    assert provider_total == sum(r.amount for r in rows if r.status == "succeeded")


def request(order: Order, amount: int, next_call: str | None = None) -> None:
    room = ledger.refundable(order)
    before = len(ledger_rows(order.id))
    if next_call:
        switch_next_call(next_call)
    if amount > room:
        with pytest.raises(RefundTooLarge):
            ledger.request_refund(order, amount, "manual", "property test", STAFF)
        assert len(ledger_rows(order.id)) == before, "a refused refund left a row"
    else:
        refund = ledger.request_refund(order, amount, "manual", "property test", STAFF)
        assert (refund.amount, refund.attempt) == (amount, 1)


def retry(order: Order, pick: int, next_call: str | None = None) -> None:
    rows = ledger_rows(order.id)
    failed = [row for row in rows if row.status == "failed"]
    if pick >= 0 and failed:  # a failed row, as the console offers
        refund = failed[pick % len(failed)]
    elif rows:  # any row (a negative pick): only a failed one may be sent again
        refund = rows[abs(pick) % len(rows)]
    else:
        return
    status, attempt, amount, refund_id = refund.status, refund.attempt, refund.amount, refund.id
    room = ledger.refundable(order)
    if next_call:
        switch_next_call(next_call)
    if status != "failed":
        with pytest.raises(Conflict):
            ledger.retry_refund(refund_id, merchant_id=order.merchant_id, actor=STAFF)
    elif amount > room:
        with pytest.raises(RefundTooLarge):
            ledger.retry_refund(refund_id, merchant_id=order.merchant_id, actor=STAFF)
    else:
        ledger.retry_refund(refund_id, merchant_id=order.merchant_id, actor=STAFF)
        retried = db.session.get(Refund, refund_id)
        db.session.refresh(retried)
        assert (retried.attempt, retried.idempotency_key) == (attempt + 1, f"{refund_id}-{attempt + 1}")


def provider_reports(order: Order, row_pick: int, attempt_pick: int) -> None:
    """The provider tells what it did with one of its refunds (a webhook), about any attempt,
    whenever: an old attempt's word may come after a newer one's, and more than once."""
    rows = [row for row in ledger_rows(order.id) if provider_books([row])]
    if not rows:
        return
    attempts = provider_books([rows[row_pick % len(rows)]])
    transaction = attempts[attempt_pick % len(attempts)]
    ledger.record_outcome(
        row_of(transaction),
        attempt=None,
        status=transaction.status,
        reference="sim_" + transaction.id,
        failure_code=transaction.failure_code,
        actor=PROVIDER,
    )


def reconcile() -> None:
    ledger.reconcile(now=utcnow() + timedelta(minutes=5))


def clear_switches() -> None:
    db.session.execute(delete(ProviderSwitch))
    db.session.commit()


class LedgerMachine(RuleBasedStateMachine):
    """One fresh order per run; every rule is something that can happen to its refunds."""

    new_order: Callable[[], Order]  # set by the test

    def __init__(self) -> None:
        super().__init__()
        clear_switches()  # none left over from an earlier run
        self.order = self.new_order()
        self.rows = self.failed = self.transactions = 0

    @rule(amount=amounts, next_call=this_call)
    def request_refund(self, amount: int, next_call: str | None) -> None:
        request(self.order, amount, next_call)

    @precondition(lambda self: self.failed)
    @rule(pick=st.integers(0, 2), next_call=this_call)
    def retry_failed_refund(self, pick: int, next_call: str | None) -> None:
        retry(self.order, pick, next_call)

    @precondition(lambda self: self.rows)
    @rule(pick=st.integers(-3, -1))
    def retry_any_refund(self, pick: int) -> None:
        retry(self.order, pick)

    @rule(outcome=st.sampled_from(["fail", "hang", "lose_answer"]))
    def provider_misbehaves_on_some_later_call(self, outcome: str) -> None:
        switch_next_call(outcome)

    @precondition(lambda self: self.rows)
    @rule()
    def reconcile(self) -> None:
        reconcile()

    @precondition(lambda self: self.transactions)
    @rule(row=st.integers(0, 3), attempt=st.integers(0, 3))
    def provider_reports(self, row: int, attempt: int) -> None:
        provider_reports(self.order, row, attempt)

    @invariant()
    def never_too_much_never_twice(self) -> None:
        check_invariants(self.order)
        rows = ledger_rows(self.order.id)
        self.rows = len(rows)
        self.failed = sum(row.status == "failed" for row in rows)
        self.transactions = len(provider_books(rows))

    def teardown(self) -> None:
        # The provider answers again and reconcile runs: everything settles.
        clear_switches()
        reconcile()
        check_settled(self.order)


def test_no_sequence_of_events_refunds_too_much_or_twice(app, make_merchant, make_order, caplog):
    app.config["SIMULATED_HANG_SECONDS"] = 0
    numbers = itertools.count(1)

    def new_order() -> Order:
        n = next(numbers)  # the database is the test's: each run gets its own shop and order
        return make_order(make_merchant(f"prop{n}"), f"P{n}")

    machine = type("Ledger", (LedgerMachine,), {"new_order": staticmethod(new_order)})
    with caplog.at_level(logging.ERROR):
        run_state_machine_as_test(
            machine,
            settings=settings(
                max_examples=60,
                stateful_step_count=15,
                deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
            ),
        )
    # an inline job that raised is only logged (the request goes on): none may have
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []


KNOWN_SEQUENCES = {
    # attempt 1 declined, attempt 2 paid; then attempt 1's decline is reported, late
    "late-decline-of-an-earlier-attempt": [
        ("request", 50000, "fail"),
        ("retry", 0, None),
        ("report", 0, 0),
        ("retry", 0, None),
    ],
    # the same while attempt 2's answer is lost (the row still pending)
    "late-decline-while-the-retry-is-pending": [
        ("request", 50000, "fail"),
        ("retry", 0, "lose_answer"),
        ("report", 0, 0),
        ("retry", 0, None),
    ],
    # a lost answer, reported by the provider, then reconcile and the same report again
    "lost-answer-reported-twice": [
        ("request", 30000, "lose_answer"),
        ("report", 0, 0),
        ("reconcile",),
        ("report", 0, 0),
    ],
    # a hang on the first attempt, a decline on reconcile, a retry that pays, the old decline
    "hang-decline-retry": [
        ("request", 94800, "hang"),
        ("switch", "fail"),
        ("reconcile",),
        ("retry", 0, None),
        ("report", 0, 0),
    ],
}


@pytest.mark.parametrize("script", KNOWN_SEQUENCES.values(), ids=KNOWN_SEQUENCES.keys())
def test_known_sequences(app, make_merchant, make_order, script):
    """Sequences replayed every time: the machine finds such ones in most runs, not in all."""
    app.config["SIMULATED_HANG_SECONDS"] = 0
    order = make_order(make_merchant("kodinkone"), "1001")
    for kind, *args in script:
        if kind == "request":
            request(order, *args)
        elif kind == "retry":
            retry(order, *args)
        elif kind == "report":
            provider_reports(order, *args)
        elif kind == "switch":
            switch_next_call(*args)
        else:
            reconcile()
        check_invariants(order)
    clear_switches()
    reconcile()
    check_settled(order)
