"""The refund ledger: the one place money goes back to a buyer.

Exactly once, never too much, never lost:
- ``request_refund`` decides, in one transaction with the order row locked: it checks that
  succeeded + pending refunds stay within what was captured, writes the Refund row as pending
  with its idempotency key and an audit entry, and asks for the provider call after the commit;
- ``execute_refund`` calls the provider with the row's key, outside any transaction, then
  records the answer under a row lock (a late or repeated answer changes nothing twice);
- ``retry_refund`` sends a failed row again as a new attempt (a new key, the invariant checked
  again); ``reconcile`` re-sends rows left pending by a crash or a timeout with their same key,
  which the provider answers with its first result.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from portal.actors import Actor
from portal.audit import services as audit
from portal.db import lock_one, new_id, unit_of_work, utcnow
from portal.errors import Conflict, DomainError, NotFound, ValidationFailed
from portal.extensions import db
from portal.jobs import enqueue
from portal.money import Money
from portal.orders.models import Order
from portal.payments.models import ProcessedEvent, Refund, RefundStatus, StoreCreditMovement
from portal.payments.providers import ProviderUnavailable, get_provider

log = logging.getLogger(__name__)

SOURCES = ("return", "claim", "manual", "instalment_switch", "cancellation")
COUNTED = (RefundStatus.PENDING.value, RefundStatus.SUCCEEDED.value)


class RefundTooLarge(ValidationFailed):
    code = "refund_exceeds_refundable"


def _refunded(order_id: str, statuses: tuple[str, ...]) -> int:
    return db.session.scalar(
        select(func.coalesce(func.sum(Refund.amount), 0)).where(
            Refund.order_id == order_id, Refund.status.in_(statuses)
        )
    )


def refundable(order: Order) -> int:
    """What can still go back: captured minus succeeded and pending refunds."""
    captured = order.payment.total_paid if order.payment else 0
    return max(0, captured - _refunded(order.id, COUNTED))


@dataclass(frozen=True)
class MoneySummary:
    currency: str
    paid: int
    refunded: int
    pending: int
    failed: int
    store_credit_issued: int
    refundable: int


def money_summary(order: Order) -> MoneySummary:
    """The order's money in one look: paid, refunded, on its way, failed, credit, what's left."""
    rows = dict(
        db.session.execute(
            select(Refund.status, func.coalesce(func.sum(Refund.amount), 0))
            .where(Refund.order_id == order.id)
            .group_by(Refund.status)
        ).all()
    )
    credit = db.session.scalar(
        select(func.coalesce(func.sum(StoreCreditMovement.amount), 0)).where(
            StoreCreditMovement.order_id == order.id, StoreCreditMovement.kind == "issued"
        )
    )
    paid = order.payment.total_paid if order.payment else 0
    succeeded, pending = rows.get("succeeded", 0), rows.get("pending", 0)
    return MoneySummary(
        currency=order.currency,
        paid=paid,
        refunded=succeeded,
        pending=pending,
        failed=rows.get("failed", 0),
        store_credit_issued=credit,
        refundable=max(0, paid - succeeded - pending),
    )


def _check_amount(amount: object) -> int:
    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        raise ValidationFailed(fields={"amount": [_l("Enter an amount above zero, in minor units (cents).")]})
    return amount


def _ensure_room(order: Order, amount: int) -> None:
    captured = order.payment.total_paid if order.payment else 0
    room = captured - _refunded(order.id, COUNTED)
    if amount > room:
        raise RefundTooLarge(
            _l("At most %(amount)s can still be refunded on this order.", amount=Money(max(room, 0), order.currency)),
            fields={
                "amount": [
                    _l(
                        "At most %(amount)s can still be refunded on this order.",
                        amount=Money(max(room, 0), order.currency),
                    )
                ]
            },
        )


def request_refund(
    order: Order,
    amount: int,
    source: str,
    reason: str,
    actor: Actor,
    *,
    source_id: str | None = None,
) -> Refund:
    """Decide a refund: a pending ledger row now, the provider call right after the commit.

    Joins the caller's unit of work (a claim accepted and its refund commit together).
    """
    amount = _check_amount(amount)
    if source not in SOURCES:
        raise ValidationFailed(fields={"source": [_l("Unknown refund source.")]})
    with unit_of_work() as uow:
        locked = lock_one(Order, order.id, merchant_id=order.merchant_id)
        if locked is None:
            raise NotFound()
        if locked.payment is None or locked.payment.total_paid <= 0:
            raise Conflict(_l("Nothing was paid on this order, so nothing can be refunded."), code="nothing_captured")
        _ensure_room(locked, amount)
        refund_id = new_id("ref")
        refund = Refund(
            id=refund_id,
            merchant_id=locked.merchant_id,
            order_id=locked.id,
            amount=amount,
            currency=locked.currency,
            source=source,
            source_id=source_id,
            reason=(reason or "")[:500],
            status=RefundStatus.PENDING.value,
            provider=locked.payment.provider,
            attempt=1,
            idempotency_key=f"{refund_id}-1",
            requested_by=actor.label[:254],
        )
        db.session.add(refund)
        _order_changed(locked)
        db.session.flush()
        audit.record(
            actor,
            "refund.requested",
            "refund",
            refund.id,
            merchant_id=locked.merchant_id,
            after={"order": locked.number, "amount": amount, "currency": locked.currency, "source": source},
        )
        uow.after_commit(lambda: enqueue(execute_refund, refund_id))
    return refund


def execute_refund(refund_id: str) -> Refund | None:
    """Job: send the row's current attempt to the provider and record the answer once."""
    refund = db.session.get(Refund, refund_id)
    if refund is None or refund.status != RefundStatus.PENDING.value:
        db.session.rollback()
        return refund
    order = refund.order
    attempt, key = refund.attempt, refund.idempotency_key
    request = {
        "payment_reference": order.payment.reference if order.payment else "",
        "amount": refund.amount,
        "currency": refund.currency,
        "idempotency_key": key,
        "metadata": {"apuri_refund_id": refund.id, "order_number": order.number},
    }
    provider = get_provider(refund.provider)
    db.session.rollback()  # hold no transaction (nor lock) while waiting for the provider
    try:
        answer = provider.refund(**request)
    except ProviderUnavailable:
        log.warning("refund %s attempt %s: provider unavailable; reconcile will ask again", refund_id, attempt)
        return db.session.get(Refund, refund_id)
    return record_outcome(
        refund_id,
        attempt=attempt,
        status=answer.status,
        reference=answer.reference,
        failure_code=answer.failure_code,
        failure_message=answer.failure_message,
        actor=Actor.system(f"provider:{provider.name}"),
    )


def record_outcome(
    refund_id: str,
    *,
    attempt: int | None,
    status: str,
    reference: str | None,
    failure_code: str | None = None,
    failure_message: str | None = None,
    actor: Actor,
) -> Refund | None:
    """Apply what the provider says about a refund (its answer, or a webhook later).

    Only moves pending → succeeded | failed, or succeeded → failed (the bank sent it back);
    an answer about an older attempt, or a repeat, changes nothing.
    """
    if status not in PROVIDER_STATUSES:
        return None
    with unit_of_work():
        refund = lock_one(Refund, refund_id)
        if refund is None:
            return None
        if attempt is not None and attempt != refund.attempt:
            return refund
        if attempt is None:
            # No attempt named (a provider's later word): only about the refund the row knows,
            # or, on a first attempt with no reference yet, the one it names.
            known = refund.provider_reference
            if not reference or not (reference == known or (known is None and refund.attempt == 1)):
                return refund
        _transition(
            refund,
            status=status,
            reference=reference,
            failure_code=failure_code,
            failure_message=failure_message,
            actor=actor,
        )
    return refund


PROVIDER_STATUSES = ("succeeded", "failed", "pending")
_ALLOWED_TRANSITIONS = {("pending", "succeeded"), ("pending", "failed"), ("succeeded", "failed")}


def _transition(
    refund: Refund,
    *,
    status: str,
    reference: str | None,
    failure_code: str | None,
    failure_message: str | None,
    actor: Actor,
) -> None:
    """The one rule for a provider's word about a locked row, inside the caller's unit of work."""
    if (refund.status, status) not in _ALLOWED_TRANSITIONS:
        if reference and not refund.provider_reference and refund.status == status:
            refund.provider_reference = reference
        return
    before = {"status": refund.status}
    refund.status = status
    refund.provider_reference = reference or refund.provider_reference
    refund.failure_code = failure_code if status == "failed" else None
    refund.failure_reason = (failure_message or failure_code or "")[:500] if status == "failed" else None
    refund.updated_at = utcnow()
    order = db.session.get(Order, refund.order_id)
    _order_changed(order)
    audit.record(
        actor,
        f"refund.{status}",
        "refund",
        refund.id,
        merchant_id=refund.merchant_id,
        before=before,
        after={"status": status, "reference": refund.provider_reference, "failure": refund.failure_reason},
    )


# -- provider events (webhooks) ---------------------------------------------------------------


@dataclass(frozen=True)
class ProviderRefundEvent:
    """What a provider's event says about one refund at the provider."""

    status: str  # succeeded | pending | failed
    reference: str | None  # the provider's id for the refund
    refund_id: str | None = None  # our row's id, from the metadata we sent with the refund
    idempotency_key: str | None = None  # the attempt's key, from the same metadata
    failure_code: str | None = None
    failure_message: str | None = None


def apply_provider_refund_event(provider: str, event: ProviderRefundEvent, *, actor: Actor) -> Refund | None:
    """Apply a provider's event about one refund, with ``record_outcome``'s rules.

    The row is found by the provider's reference, else by the id in the refund's metadata, and
    only among that provider's rows. An event about an attempt the row has moved past (its key
    differs), or about another refund at the provider, changes nothing. Joins the caller's unit
    of work (``process_provider_event`` records the event in the same transaction).
    """
    if event.status not in PROVIDER_STATUSES:
        return None
    with unit_of_work():
        refund_id = None
        if event.reference:
            refund_id = db.session.scalar(
                select(Refund.id).where(Refund.provider == provider, Refund.provider_reference == event.reference)
            )
        if refund_id is None and event.refund_id:
            refund_id = db.session.scalar(
                select(Refund.id).where(Refund.provider == provider, Refund.id == event.refund_id)
            )
        if refund_id is None:
            return None
        refund = lock_one(Refund, refund_id)
        if event.idempotency_key:
            if event.idempotency_key != refund.idempotency_key:
                return refund  # about an attempt the row has moved past
        else:
            # Nothing tells the attempt: only the refund the row already knows, or on a first
            # attempt one it has no reference for yet, may move it.
            known = refund.provider_reference
            if not event.reference or not (event.reference == known or (known is None and refund.attempt == 1)):
                return refund
        _transition(
            refund,
            status=event.status,
            reference=event.reference,
            failure_code=event.failure_code,
            failure_message=event.failure_message,
            actor=actor,
        )
    return refund


def process_provider_event(
    provider: str, event_id: str, event_type: str, refunds: list[ProviderRefundEvent], *, actor: Actor
) -> bool:
    """Apply one provider event exactly once; False when it was already processed (a replay).

    The event is recorded as processed in the transaction that applies it: a crash leaves
    neither, and the provider's next delivery applies it then.
    """
    try:
        with unit_of_work():
            if db.session.get(ProcessedEvent, event_id) is not None:
                return False
            db.session.add(ProcessedEvent(id=event_id, provider=provider, type=event_type[:100]))
            db.session.flush()  # a concurrent delivery of the same event waits here, then fails
            for event in refunds:
                apply_provider_refund_event(provider, event, actor=actor)
    except IntegrityError:
        if db.session.get(ProcessedEvent, event_id) is not None:
            return False  # the same event, applied by a delivery that committed first
        raise
    return True


def retry_refund(refund_id: str, *, merchant_id: str, actor: Actor) -> Refund:
    """Send a failed refund again as a new attempt, if the order still has room for it."""
    with unit_of_work() as uow:
        refund = db.session.scalar(select(Refund).where(Refund.id == refund_id, Refund.merchant_id == merchant_id))
        if refund is None:
            raise NotFound()
        order = lock_one(Order, refund.order_id, merchant_id=merchant_id)
        refund = lock_one(Refund, refund_id, merchant_id=merchant_id)
        if refund.status != RefundStatus.FAILED.value:
            raise Conflict(_l("Only a failed refund can be sent again."), code="refund_not_failed")
        _ensure_room(order, refund.amount)
        refund.attempt += 1
        refund.idempotency_key = f"{refund.id}-{refund.attempt}"
        refund.status = RefundStatus.PENDING.value
        refund.failure_code = refund.failure_reason = None
        refund.provider_reference = None  # the failed attempt's id stays in the audit trail
        refund.updated_at = utcnow()
        _order_changed(order)
        audit.record(
            actor, "refund.retried", "refund", refund.id, merchant_id=merchant_id, after={"attempt": refund.attempt}
        )
        uow.after_commit(lambda: enqueue(execute_refund, refund_id))
    return refund


def reconcile(now: datetime | None = None, older_than: timedelta = timedelta(minutes=2)) -> int:
    """Finish refunds left pending (a crash, a timeout): ask again with the same key."""
    cutoff = (now or utcnow()) - older_than
    ids = db.session.scalars(
        select(Refund.id)
        .where(Refund.status == RefundStatus.PENDING.value, Refund.updated_at < cutoff)
        .order_by(Refund.created_at)
    ).all()
    db.session.rollback()
    finished = 0
    for refund_id in ids:
        try:
            refund = execute_refund(refund_id)
        except DomainError:  # e.g. a provider without its keys: the other rows still go on
            log.exception("reconcile: refund %s could not be sent", refund_id)
            db.session.rollback()
            continue
        if refund is not None and refund.status != RefundStatus.PENDING.value:
            finished += 1
    return finished


def find_by_reference(reference: str) -> Refund | None:
    return db.session.scalar(select(Refund).where(Refund.provider_reference == reference))


def _order_changed(order: Order) -> None:
    from portal.orders.services import mark_changed

    mark_changed(order)  # the buyer's page shows the new money at once
