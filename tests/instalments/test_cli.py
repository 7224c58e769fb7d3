"""`flask instalments charge-due` and `remind`: the demo's inline trigger of the scheduled jobs."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from portal.extensions import db
from portal.instalments import services as plans
from portal.instalments.models import InstalmentPlan
from portal.notifications.models import OutboxMessage
from portal.payments.models import Charge
from tests.instalments.conftest import BUYER


def test_charge_due_run_twice_charges_each_due_instalment_once(runner, order):
    plan = plans.start_plan(order, {"months": 3, "accept_terms": True}, BUYER)
    plan = plans.save_card(plan, BUYER, card_number="4242424242424242")
    due = plan.instalments[1].due_on.isoformat()
    assert runner.invoke(args=["instalments", "charge-due"]).output.strip() == "Instalments charged: 0"
    first = runner.invoke(args=["instalments", "charge-due", "--date", due])
    second = runner.invoke(args=["instalments", "charge-due", "--date", due])
    assert first.exit_code == second.exit_code == 0
    assert first.output.strip() == "Instalments charged: 1" and second.output.strip() == "Instalments charged: 0"
    [charge] = db.session.scalars(select(Charge).where(Charge.source_id == plan.id))
    assert charge.status == "succeeded" and charge.amount == plan.instalments[1].amount
    assert db.session.get(InstalmentPlan, plan.id).instalments[1].status == "paid"
    bad = runner.invoke(args=["instalments", "charge-due", "--date", "tomorrow"])
    assert bad.exit_code == 2 and "2026-12-23" in bad.output


def test_remind_mails_the_buyer_three_days_before_once(runner, order):
    plan = plans.start_plan(order, {"months": 3, "accept_terms": True}, BUYER)
    plan = plans.save_card(plan, BUYER, card_number="4242424242424242")
    day = (plan.instalments[1].due_on - timedelta(days=3)).isoformat()
    assert runner.invoke(args=["instalments", "remind", "--date", day]).output.strip() == "Reminders queued: 1"
    assert runner.invoke(args=["instalments", "remind", "--date", day]).output.strip() == "Reminders queued: 0"
    mails = list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "instalment_reminder")))
    assert len(mails) == 1 and mails[0].recipient == "aino@example.fi"
