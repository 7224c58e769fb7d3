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
from portal.payments.providers import CardSetup, ProviderCharge, ProviderRefund, ProviderUnavailable

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


# Stripe's test cards, behaving here as there: saved fine, then declined or asking the bank's
# confirmation when charged off-session; or refused already when saving.
TEST_CARDS = {
    "4242424242424242": "ok",
    "5555555555554444": "ok",
    "4000000000000341": "decline",  # saved, every later charge declined
    "4000002760003184": "auth",  # saved, off-session charges need the buyer's confirmation
    "4000000000000002": "refuse",  # refused when saving
}


def _luhn_ok(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char) * (2 if index % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def card_behaviour(card_number: str) -> str | None:
    """``ok``, ``decline``, ``auth`` or ``refuse`` for a plausible card number; None otherwise."""
    digits = "".join(ch for ch in card_number if ch.isdigit())
    if len(digits) < 13 or len(digits) > 19 or len(digits) != len(card_number.replace(" ", "").replace("-", "")):
        return None
    if not _luhn_ok(digits):
        return None
    return TEST_CARDS.get(digits, "ok")


def _brand(digits: str) -> str:
    if digits.startswith("4"):
        return "Visa"
    if digits[:2] in ("51", "52", "53", "54", "55") or digits[:2] == "22":
        return "Mastercard"
    if digits[:2] in ("34", "37"):
        return "American Express"
    return "Card"


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
        self,
        *,
        payment_reference: str,
        amount: int,
        currency: str,
        idempotency_key: str,
        metadata: dict[str, str],
        customer: str | None = None,
        payment_method: str | None = None,
        on_session: bool = False,
    ) -> ProviderCharge:
        forced = None
        if payment_method:
            behaviour = payment_method.split("_")[2] if payment_method.count("_") >= 3 else "ok"
            if behaviour == "decline":
                forced = "card_declined"
            elif behaviour == "auth" and not on_session:  # nobody there to confirm
                forced = "authentication_required"
        transaction = self._transact(
            "charge", payment_method or payment_reference, amount, currency, idempotency_key, forced=forced
        )
        return self._charge_answer(transaction)

    def charge_status(self, reference: str) -> ProviderCharge:
        transaction = db.session.get(SimulatedTransaction, reference.removeprefix("sim_"))
        db.session.commit()
        if transaction is None:
            return ProviderCharge(reference=reference, status="failed", failure_code="resource_missing")
        return self._charge_answer(transaction)

    def begin_card_setup(
        self, *, idempotency_key: str, email: str, payment_reference: str, metadata: dict[str, str]
    ) -> CardSetup:
        return CardSetup(reference="seti_sim_" + idempotency_key[-40:], status="requires_payment_method")

    def finish_card_setup(self, *, reference: str, card_number: str | None = None) -> CardSetup:
        """The buyer typed a card on the simulated form: Stripe's test numbers behave as there."""
        behaviour = card_behaviour(card_number or "")
        if behaviour is None:
            return CardSetup(
                reference=reference,
                status="failed",
                failure_code="incorrect_number",
                failure_message="The card number is not valid.",
            )
        if behaviour == "refuse":
            return CardSetup(
                reference=reference,
                status="failed",
                failure_code="card_declined",
                failure_message=CHARGE_FAILURE_MESSAGES["card_declined"],
            )
        digits = "".join(ch for ch in card_number or "" if ch.isdigit())
        return CardSetup(
            reference=reference,
            status="succeeded",
            customer="cus_sim_" + reference[-12:],
            payment_method=f"pm_sim_{behaviour}_{digits[-4:]}",
            card_label=f"{_brand(digits)} •••• {digits[-4:]}",
        )

    @staticmethod
    def _charge_answer(transaction: SimulatedTransaction) -> ProviderCharge:
        return ProviderCharge(
            reference="sim_" + transaction.id,
            status=transaction.status,
            failure_code=transaction.failure_code,
            failure_message=CHARGE_FAILURE_MESSAGES.get(transaction.failure_code or "", transaction.failure_code),
        )

    def _transact(
        self,
        kind: str,
        payment_reference: str,
        amount: int,
        currency: str,
        idempotency_key: str,
        *,
        forced: str | None = None,
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
        failure_code = switch.failure_code if failed else forced
        transaction = SimulatedTransaction(
            kind=kind,
            payment_reference=payment_reference[:200],
            amount=amount,
            currency=currency,
            idempotency_key=idempotency_key,
            status="failed" if failure_code else "succeeded",
            failure_code=failure_code,
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
