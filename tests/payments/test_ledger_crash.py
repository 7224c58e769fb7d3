"""The process dies after the provider answered and before the outcome was written;
``flask payments reconcile`` completes it with exactly one refund at the provider.

For real: the refund is requested in another process (crash_worker.py) that is killed at that
moment, and reconcile runs as the command an operator (or the scheduler) would run.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from portal.extensions import db
from portal.payments import services as ledger
from portal.payments.models import Refund, SimulatedTransaction

ROOT = Path(__file__).resolve().parents[2]
WORKER = Path(__file__).with_name("crash_worker.py")


def run(args: list[str], database_url: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "APURI_ENV": "testing",
        "PYTHONPATH": str(ROOT),
        "FLASK_APP": "wsgi",
    }
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def test_a_crash_between_the_providers_answer_and_the_ledger_is_finished_by_reconcile(
    app, make_merchant, make_order, database_url
):
    order = make_order(make_merchant("kodinkone"), "1001")
    order_id = order.id
    db.session.remove()  # nothing held open: the other processes use the same database

    crashed = run([str(WORKER), order_id, "30000"], database_url)
    assert crashed.returncode == 137, crashed.stdout + crashed.stderr
    assert "provider answered succeeded" in crashed.stdout

    refund = db.session.scalars(select(Refund).where(Refund.order_id == order_id)).one()
    assert (refund.status, refund.attempt, refund.provider_reference) == ("pending", 1, None)
    transaction = db.session.scalars(select(SimulatedTransaction)).one()  # the money did go back
    assert (transaction.idempotency_key, transaction.status, transaction.amount) == (
        refund.idempotency_key,
        "succeeded",
        30000,
    )
    assert ledger.money_summary(refund.order).pending == 30000
    refund_id = refund.id
    db.session.remove()

    # By default reconcile leaves rows younger than two minutes to their own answer.
    too_young = run(["-m", "flask", "payments", "reconcile"], database_url)
    assert too_young.returncode == 0, too_young.stdout + too_young.stderr
    assert "Refunds finished: 0" in too_young.stdout
    assert db.session.get(Refund, refund_id).status == "pending"
    db.session.remove()

    finished = run(["-m", "flask", "payments", "reconcile", "--older-than-minutes", "0"], database_url)
    assert finished.returncode == 0, finished.stdout + finished.stderr
    assert "Refunds finished: 1" in finished.stdout

    refund = db.session.get(Refund, refund_id)
    transactions = db.session.scalars(select(SimulatedTransaction)).all()
    assert len(transactions) == 1, "reconcile refunded a second time"
    assert (refund.status, refund.provider_reference) == ("succeeded", "sim_" + transactions[0].id)
    summary = ledger.money_summary(refund.order)
    assert (summary.refunded, summary.pending, summary.refundable) == (30000, 0, 94800 - 30000)
    db.session.remove()

    again = run(["-m", "flask", "payments", "reconcile", "--older-than-minutes", "0"], database_url)
    assert "Refunds finished: 0" in again.stdout
    assert len(db.session.scalars(select(SimulatedTransaction)).all()) == 1
