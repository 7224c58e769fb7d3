"""The embedded default: a provider whose books are a table in our own database.

It behaves like a real one where it matters: an idempotency key answers with its first
result, and a switch (``ProviderSwitch`` rows, see ``switch_next_call``) makes the next call
fail with a code, hang until the caller's timeout, or do the refund and lose the answer
(what a crash or a dropped connection looks like from our side).
"""

from __future__ import annotations

import time

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal.extensions import db
from portal.payments.models import ProviderSwitch, SimulatedTransaction
from portal.payments.providers import ProviderCharge, ProviderRefund, ProviderUnavailable

FAILURE_MESSAGES = {
    "card_declined": "The card issuer declined the refund.",
    "expired_or_canceled_card": "The card has expired or was cancelled.",
    "charge_already_refunded": "The charge has already been refunded.",
    "insufficient_funds": "The merchant balance is too low for this refund.",
}
CHARGE_FAILURE_MESSAGES = {
    "card_declined": "The card was declined.",
    "expired_or_canceled_card": "The card has expired or was cancelled.",
    "insufficient_funds": "The card has insufficient funds.",
    "authentication_required": "The bank wants the buyer to confirm the payment.",
}


def switch_next_call(outcome: str, failure_code: str = "card_declined") -> None:
    """Make the next provider call ``fail`` (with failure_code), ``hang`` or ``lose_answer``."""
    if outcome not in ("fail", "hang", "lose_answer"):
        raise ValueError(outcome)
    db.session.add(ProviderSwitch(outcome=outcome, failure_code=failure_code))
    db.session.commit()


def _take_switch() -> ProviderSwitch | None:
    switch = db.session.scalars(
        select(ProviderSwitch).order_by(ProviderSwitch.created_at).limit(1).with_for_update(skip_locked=True)
    ).first()
    if switch is not None:
        db.session.delete(switch)
        db.session.commit()
    return switch


class SimulatedProvider:
    name = "simulated"

    def refund(
        self, *, payment_reference: str, amount: int, currency: str, idempotency_key: str, metadata: dict[str, str]
    ) -> ProviderRefund:
        transaction = self._transact("refund", payment_reference, amount, currency, idempotency_key)
        return self._answer(transaction)

    def charge(
        self, *, payment_reference: str, amount: int, currency: str, idempotency_key: str, metadata: dict[str, str]
    ) -> ProviderCharge:
        transaction = self._transact("charge", payment_reference, amount, currency, idempotency_key)
        return ProviderCharge(
            reference="sim_" + transaction.id,
            status=transaction.status,
            failure_code=transaction.failure_code,
            failure_message=CHARGE_FAILURE_MESSAGES.get(transaction.failure_code or "", transaction.failure_code),
        )

    def _transact(
        self, kind: str, payment_reference: str, amount: int, currency: str, idempotency_key: str
    ) -> SimulatedTransaction:
        existing = db.session.scalar(
            select(SimulatedTransaction).where(SimulatedTransaction.idempotency_key == idempotency_key)
        )
        if existing is not None:  # a repeat: the first answer, no second refund or charge
            db.session.commit()
            return existing
        switch = _take_switch()
        if switch is not None and switch.outcome == "hang":
            time.sleep(current_app.config.get("SIMULATED_HANG_SECONDS", 5))
            raise ProviderUnavailable()
        failed = switch is not None and switch.outcome == "fail"
        transaction = SimulatedTransaction(
            kind=kind,
            payment_reference=payment_reference,
            amount=amount,
            currency=currency,
            idempotency_key=idempotency_key,
            status="failed" if failed else "succeeded",
            failure_code=switch.failure_code if failed else None,
        )
        db.session.add(transaction)
        try:
            db.session.commit()
        except IntegrityError:  # the same key at the same moment from another worker
            db.session.rollback()
            return db.session.scalars(
                select(SimulatedTransaction).where(SimulatedTransaction.idempotency_key == idempotency_key)
            ).one()
        if switch is not None and switch.outcome == "lose_answer":
            raise ProviderUnavailable()
        return transaction

    @staticmethod
    def _answer(transaction: SimulatedTransaction) -> ProviderRefund:
        return ProviderRefund(
            reference="sim_" + transaction.id,
            status=transaction.status,
            failure_code=transaction.failure_code,
            failure_message=FAILURE_MESSAGES.get(transaction.failure_code or "", transaction.failure_code),
        )
