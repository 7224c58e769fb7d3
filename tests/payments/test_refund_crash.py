"""The process dies after the provider refunded and before the ledger heard: reconcile
finishes the row with exactly one refund at the provider."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select

from portal.extensions import db
from portal.payments.models import Refund, SimulatedTransaction

ROOT = Path(__file__).resolve().parents[2]


def test_a_crash_between_provider_and_ledger_is_finished_by_reconcile_once(
    app, runner, database_url, make_merchant, make_order
):
    order_id = make_order(make_merchant("kodinkone"), "1001").id
    db.session.remove()
    worker = subprocess.run(
        [sys.executable, str(Path(__file__).with_name("refund_crash_worker.py")), database_url, order_id],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert worker.returncode == 137, worker.stderr
    assert "not reached" not in worker.stdout
    refund = db.session.scalars(select(Refund)).one()
    assert refund.status == "pending"  # the ledger never heard the answer
    assert db.session.scalar(select(func.count()).select_from(SimulatedTransaction)) == 1  # but the money moved

    result = runner.invoke(args=["payments", "reconcile", "--older-than-minutes", "0"])
    assert result.exit_code == 0, result.output
    assert "Refunds finished: 1" in result.output
    db.session.expire_all()
    refund = db.session.scalars(select(Refund)).one()
    assert refund.status == "succeeded"
    assert db.session.scalar(select(func.count()).select_from(SimulatedTransaction)) == 1  # still one refund
    # a second reconcile has nothing left to do
    assert "Refunds finished: 0" in runner.invoke(args=["payments", "reconcile", "--older-than-minutes", "0"]).output
