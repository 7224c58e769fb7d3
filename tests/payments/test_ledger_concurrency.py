"""Twenty refunds of one order decided at the same moment: never more than was captured."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from portal.actors import Actor
from portal.errors import ValidationFailed
from portal.extensions import db
from portal.orders.models import Order
from portal.payments import services as ledger
from portal.payments.models import Refund, SimulatedTransaction
from portal.payments.services import RefundTooLarge

STAFF = Actor(kind="user", id="usr_1", label="admin@shop.example")
CAPTURED = 94800
THREADS = 20
AMOUNT = CAPTURED // 10 + 1  # 10 % and a bit: nine fit, the tenth would be 10 cents too many


@pytest.mark.postgres
def test_parallel_refunds_of_one_order_never_exceed_what_was_captured(app, make_merchant, make_order):
    order = make_order(make_merchant("kodinkone"), "1001")
    assert order.payment.captured == CAPTURED
    order_id = order.id
    db.session.remove()
    barrier = threading.Barrier(THREADS)
    accepted: list[str] = []
    refused: list[Exception] = []
    unexpected: list[BaseException] = []

    def refund() -> None:
        with app.app_context():
            try:
                barrier.wait()
                own = db.session.get(Order, order_id)
                accepted.append(ledger.request_refund(own, AMOUNT, "manual", "at once", STAFF).id)
            except ValidationFailed as exc:
                refused.append(exc)
            except BaseException as exc:  # reported below
                unexpected.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=refund) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a refund is stuck (a lock never released?)"
    assert unexpected == []

    rows = db.session.scalars(select(Refund).where(Refund.order_id == order_id)).all()
    succeeded_and_pending = sum(row.amount for row in rows if row.status in ("succeeded", "pending"))
    assert succeeded_and_pending <= CAPTURED, f"{len(rows)} refunds of {AMOUNT} accepted on {CAPTURED} captured"

    fits = CAPTURED // AMOUNT
    assert len(accepted) == fits
    assert len(refused) == THREADS - fits
    assert all(isinstance(exc, RefundTooLarge) and "amount" in exc.fields for exc in refused)
    assert sorted(row.id for row in rows) == sorted(accepted)
    assert {row.status for row in rows} == {"succeeded"}  # each thread's provider call ran after its commit

    keys = {row.idempotency_key for row in rows}
    transactions = db.session.scalars(select(SimulatedTransaction)).all()
    assert len(transactions) == len(accepted)
    assert {t.idempotency_key for t in transactions} == keys
    assert all(t.status == "succeeded" for t in transactions)
    assert sum(t.amount for t in transactions) == fits * AMOUNT <= CAPTURED
    summary = ledger.money_summary(db.session.get(Order, order_id))
    assert (summary.refunded, summary.pending, summary.refundable) == (fits * AMOUNT, 0, CAPTURED - fits * AMOUNT)
    assert db.session.scalar(select(func.count()).select_from(Refund)) == fits
