"""The number is kept only for the call: 30 days after the callback is settled the periodic job
sets it to NULL (``erased_at`` says when, the audit log says so); a callback left without an
outcome counts as settled 30 days after its slot and last change. The desk then says it is erased."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from portal.audit.models import AuditEntry
from portal.callbacks import services as callbacks
from portal.callbacks.models import CallbackRequest
from portal.extensions import db
from tests.callbacks.conftest import MONDAY, ask, page_text, staff


def fresh(callback: CallbackRequest) -> CallbackRequest:
    db.session.expire_all()
    return db.session.get(CallbackRequest, callback.id)


def test_the_number_is_erased_30_days_after_the_callback_is_settled(app, agent_fi, order_fi, make_order):
    reached = ask(order_fi)
    callbacks.record_outcome(
        reached.id, order_fi.merchant_id, {"outcome": "reached", "note": "Sovittu."}, staff(agent_fi), now=MONDAY
    )
    waiting = ask(make_order(order_fi.merchant, "1002"), index=1)

    assert callbacks.erase_phone_numbers(now=MONDAY + timedelta(days=29)) == 0
    assert fresh(reached).phone == "+358401234567"

    later = MONDAY + timedelta(days=30, minutes=1)
    assert callbacks.erase_phone_numbers(now=later) == 1
    row = fresh(reached)
    assert row.phone is None and row.erased_at == later and row.status == "reached"
    assert fresh(waiting).phone == "+358401234567"  # never settled, and its slot is not 30 days past yet
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "callback.phone_erased", AuditEntry.subject_id == reached.id)
    ).one()
    assert entry.actor_type == "system" and "phone" not in str(entry.after)
    assert callbacks.erase_phone_numbers(now=later) == 0  # once
    # The other was never settled: 30 days after its slot it is erased too.
    assert callbacks.erase_phone_numbers(now=later + timedelta(days=1)) == 1
    assert fresh(waiting).phone is None


def test_an_open_callback_keeps_its_number_while_it_may_still_be_called(app, agent_fi, order_fi):
    callback = ask(order_fi)
    callbacks.record_outcome(
        callback.id, order_fi.merchant_id, {"outcome": "no_answer"}, staff(agent_fi), now=MONDAY + timedelta(days=20)
    )
    assert callbacks.erase_phone_numbers(now=MONDAY + timedelta(days=45)) == 0  # 25 days after the last change
    assert fresh(callback).phone == "+358401234567"
    assert callbacks.erase_phone_numbers(now=MONDAY + timedelta(days=51)) == 1  # abandoned: 31 days
    assert fresh(callback).phone is None


def test_the_desk_says_the_number_is_erased_and_offers_no_call(client, sign_in, agent_fi, order_fi):
    callback = ask(order_fi)
    callbacks.record_outcome(callback.id, order_fi.merchant_id, {"outcome": "solved"}, staff(agent_fi), now=MONDAY)
    callbacks.erase_phone_numbers(now=MONDAY + timedelta(days=31))
    sign_in(agent_fi.email)
    html = page_text(client.get(f"/console/callbacks/{callback.id}"))
    assert "Erased on" in html and "tel:" not in html
    settled = page_text(client.get("/console/callbacks?view=settled"))
    assert callback.id in settled and "Erased" in settled and "tel:" not in settled
