"""The charge ledger: money taken from the buyer after the purchase, exactly once.

Same shape as refunds: ``request_charge`` writes a pending row with its idempotency key in the
caller's transaction (the order row locked) and asks for the provider call after the commit;
``execute_charge`` calls the provider outside any transaction and records the answer under a
row lock; ``reconcile_charges`` asks again, with the same key, about rows a crash left pending.
A succeeded charge adds to the payment's ``charged``: refunds may give it back, never more.

What the charge was for hears the outcome (``_on_outcome``; e.g. an exchange's price
difference: paid → the return goes on; failed → the return is withdrawn).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.actors import Actor
from portal.audit import services as audit
from portal.db import lock_one, new_id, unit_of_work, utcnow
from portal.errors import Conflict, DomainError, ValidationFailed
from portal.extensions import db
from portal.jobs import enqueue
from portal.orders.models import Order
from portal.payments.models import Charge
from portal.payments.providers import ProviderUnavailable, get_provider

log = logging.getLogger(__name__)

SOURCES = ("exchange_difference", "instalment")
# An on-session charge waits this long for the buyer's confirmation before reconcile asks.
ON_SESSION_PATIENCE = timedelta(hours=1)


def _on_outcome(source: str) -> Callable[[Charge], None] | None:
    """What the charge was for hears its final status, in the unit of work that records it."""
    if source == "exchange_difference":
        from portal.returns.services import difference_outcome

        return difference_outcome
    if source == "instalment":
        from portal.instalments.services import charge_outcome

        return charge_outcome
    return None


def request_charge(
    order: Order,
    amount: int,
    source: str,
    reason: str,
    actor: Actor,
    *,
    source_id: str,
    idempotency_key: str | None = None,
    customer_reference: str | None = None,
    payment_method: str | None = None,
    on_session: bool = False,
    send: bool = True,
) -> Charge:
    """Decide a charge: a pending row now (joins the caller's unit of work), the provider call
    right after the commit (``send=False``: the caller sends it with ``execute_charge``).

    ``idempotency_key``: a key the caller derives from what is paid (an instalment's), so that a
    second decision of the same payment fails on the key's uniqueness instead of charging twice.
    ``customer_reference``/``payment_method``: a card saved for later payments instead of the
    original payment's card."""
    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        raise ValidationFailed(fields={"amount": [_l("Enter an amount above zero, in minor units (cents).")]})
    if source not in SOURCES:
        raise ValidationFailed(fields={"source": [_l("Unknown charge source.")]})
    with unit_of_work() as uow:
        locked = lock_one(Order, order.id, merchant_id=order.merchant_id)
        if locked.payment is None or not (locked.payment.reference or payment_method):
            raise Conflict(
                _l("The original payment cannot be charged again, so a price difference cannot be paid here."),
                code="no_payment_to_charge",
            )
        charge_id = new_id("chg")
        charge = Charge(
            id=charge_id,
            merchant_id=locked.merchant_id,
            order_id=locked.id,
            amount=amount,
            currency=locked.currency,
            source=source,
            source_id=source_id,
            reason=(reason or "")[:500],
            provider=locked.payment.provider,
            idempotency_key=idempotency_key or f"{charge_id}-1",
            customer_reference=customer_reference,
            payment_method=payment_method,
            mode="on_session" if on_session else "off_session",
        )
        db.session.add(charge)
        db.session.flush()
        audit.record(
            actor,
            "charge.requested",
            "charge",
            charge.id,
            merchant_id=locked.merchant_id,
            after={"order": locked.number, "amount": amount, "currency": locked.currency, "source": source},
        )
        if send:
            uow.after_commit(lambda: enqueue(execute_charge, charge_id))
    return charge


def execute_charge(charge_id: str) -> Charge | None:
    """Job: send the charge to the provider with its key and record the answer once."""
    charge = db.session.get(Charge, charge_id)
    if charge is None or charge.status != "pending":
        db.session.rollback()
        return charge
    order = charge.order
    request = {
        "payment_reference": order.payment.reference if order.payment else "",
        "amount": charge.amount,
        "currency": charge.currency,
        "idempotency_key": charge.idempotency_key,
        "metadata": {"apuri_charge_id": charge.id, "order_number": order.number},
        "customer": charge.customer_reference,
        "payment_method": charge.payment_method,
        "on_session": charge.mode == "on_session",
    }
    provider = get_provider(charge.provider)
    db.session.rollback()  # no transaction (nor lock) while waiting for the provider
    try:
        answer = provider.charge(**request)
    except ProviderUnavailable:
        log.warning("charge %s: provider unavailable; reconcile will ask again", charge_id)
        return db.session.get(Charge, charge_id)
    return _record_answer(charge_id, answer, provider.name)


def refresh_charge(charge_id: str) -> Charge | None:
    """Ask the provider where a pending on-session charge stands (the buyer confirmed it)."""
    charge = db.session.get(Charge, charge_id)
    if charge is None or charge.status != "pending":
        db.session.rollback()
        return charge
    if not charge.provider_reference:
        return execute_charge(charge_id)
    provider = get_provider(charge.provider)
    reference = charge.provider_reference
    db.session.rollback()
    try:
        answer = provider.charge_status(reference)
    except ProviderUnavailable:
        return db.session.get(Charge, charge_id)
    return _record_answer(charge_id, answer, provider.name)


def _record_answer(charge_id: str, answer, provider_name: str) -> Charge | None:
    if answer.status == "pending":  # e.g. waiting for the buyer's confirmation on the page
        with unit_of_work():
            charge = lock_one(Charge, charge_id)
            if charge is not None and charge.status == "pending":
                charge.provider_reference = answer.reference or charge.provider_reference
                charge.client_secret = answer.client_secret
        return charge
    return record_charge_outcome(
        charge_id,
        status=answer.status,
        reference=answer.reference,
        failure_code=answer.failure_code,
        failure_message=answer.failure_message,
        actor=Actor.system(f"provider:{provider_name}"),
    )


def record_charge_outcome(
    charge_id: str,
    *,
    status: str,
    reference: str | None,
    failure_code: str | None = None,
    failure_message: str | None = None,
    actor: Actor,
) -> Charge | None:
    """Only pending → succeeded | failed; a repeat or a late answer changes nothing."""
    if status not in ("succeeded", "failed"):
        return db.session.get(Charge, charge_id)
    with unit_of_work():
        charge = lock_one(Charge, charge_id)
        if charge is None or charge.status != "pending":
            return charge
        order = lock_one(Order, charge.order_id)
        charge.status = status
        charge.provider_reference = reference
        charge.failure_code = failure_code if status == "failed" else None
        charge.failure_reason = (failure_message or failure_code or "")[:500] if status == "failed" else None
        charge.updated_at = utcnow()
        if status == "succeeded":
            order.payment.charged += charge.amount
        from portal.orders.services import mark_changed

        mark_changed(order)
        audit.record(
            actor,
            f"charge.{status}",
            "charge",
            charge.id,
            merchant_id=charge.merchant_id,
            after={"status": status, "reference": reference, "failure": charge.failure_reason},
        )
        callback = _on_outcome(charge.source)
        if callback is not None:
            callback(charge)
    return charge


def reconcile_charges(now: datetime | None = None, older_than: timedelta = timedelta(minutes=2)) -> int:
    """Finish charges left pending (a crash, a timeout): ask again with the same key."""
    now = now or utcnow()
    cutoff = now - older_than
    # A buyer confirming an on-session charge on the page is given an hour before reconcile asks.
    ids = db.session.scalars(
        select(Charge.id)
        .where(
            Charge.status == "pending",
            Charge.updated_at < cutoff,
            (Charge.mode == "off_session") | (Charge.updated_at < now - ON_SESSION_PATIENCE),
        )
        .order_by(Charge.created_at)
    ).all()
    db.session.rollback()
    finished = 0
    for charge_id in ids:
        try:
            charge = db.session.get(Charge, charge_id)
            on_session = charge is not None and charge.mode == "on_session"
            charge = refresh_charge(charge_id) if on_session else execute_charge(charge_id)
            if on_session and charge is not None and charge.status == "pending":
                # The buyer never confirmed: the attempt ends, and they may pay again on the page.
                charge = record_charge_outcome(
                    charge_id,
                    status="failed",
                    reference=charge.provider_reference,
                    failure_code="not_confirmed",
                    failure_message="The payment was not confirmed in time.",
                    actor=Actor.system("reconcile"),
                )
        except DomainError:
            log.exception("reconcile: charge %s could not be sent", charge_id)
            db.session.rollback()
            continue
        if charge is not None and charge.status != "pending":
            finished += 1
    return finished


def charges_for(source_id: str) -> list[Charge]:
    return list(db.session.scalars(select(Charge).where(Charge.source_id == source_id).order_by(Charge.created_at)))
