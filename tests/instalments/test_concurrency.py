"""The charging job started twice at the same moment (two schedulers, a retry overlapping a run),
and the buyer tapping "pay" in two tabs: each instalment is charged once."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import func, select

from portal.db import utcnow
from portal.extensions import db
from portal.instalments import services as plans
from portal.instalments.models import InstalmentPlan
from portal.payments.models import Charge, SimulatedTransaction
from tests.instalments.conftest import BUYER


def _at_once(app, count: int, work) -> tuple[list, list]:
    db.session.remove()
    barrier = threading.Barrier(count)
    answers, unexpected = [], []

    def run() -> None:
        with app.app_context():
            try:
                barrier.wait(timeout=30)
                answers.append(work())
            except Exception as exc:  # reported by the caller's assertion
                unexpected.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers, unexpected


# On both databases: PostgreSQL locks the order and plan rows; SQLite takes its write lock.
def test_eight_simultaneous_job_runs_charge_each_due_instalment_once(app, order):
    plan = plans.start_plan(order, {"months": 3, "accept_terms": True}, BUYER)
    plan = plans.save_card(plan, BUYER, card_number="4242424242424242")
    plan_id, third = plan.id, plan.instalments[2]
    later = utcnow() + timedelta(days=(third.due_on - plan.started_on).days)  # two instalments due
    answers, unexpected = _at_once(app, 8, lambda: plans.charge_due(later))
    assert unexpected == []
    assert sum(answers) == 2
    charges = db.session.scalars(select(Charge).where(Charge.source_id == plan_id)).all()
    assert sorted((c.amount, c.status) for c in charges) == [(31860, "succeeded"), (31860, "succeeded")]
    assert (
        db.session.scalar(
            select(func.count()).select_from(SimulatedTransaction).where(SimulatedTransaction.kind == "charge")
        )
        == 2
    )
    assert db.session.get(InstalmentPlan, plan_id).status == "paid_off"


def test_paying_off_in_two_tabs_at_once_charges_once(app, order):
    plan = plans.start_plan(order, {"months": 3, "accept_terms": True}, BUYER)
    plan = plans.save_card(plan, BUYER, card_number="4242424242424242")
    plan_id = plan.id

    def pay():
        return plans.pay_off(db.session.get(InstalmentPlan, plan_id), BUYER).status

    answers, unexpected = _at_once(app, 4, pay)
    assert answers.count("succeeded") == 1 and len(answers) + len(unexpected) == 4
    assert all(getattr(exc, "code", None) in ("payoff_unavailable", "plan_changed") for exc in unexpected)
    charges = db.session.scalars(select(Charge).where(Charge.source_id == plan_id, Charge.status == "succeeded"))
    assert len(list(charges)) == 1
    assert db.session.get(InstalmentPlan, plan_id).status == "paid_off"
