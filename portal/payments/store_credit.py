"""Store credit: a customer's balance at one shop, kept as a ledger of movements.

Issued as a resolution (a return settled with credit, later) or by staff; redeemed by the
shop through the API. The customer row is locked while a redemption checks the balance, so
two redemptions at once can never spend the same credit twice.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from portal.actors import Actor
from portal.audit import services as audit
from portal.db import lock_one, unit_of_work
from portal.errors import Conflict, NotFound, ValidationFailed
from portal.extensions import db
from portal.merchants.models import Merchant
from portal.money import CURRENCIES, Money
from portal.orders.models import Customer, Order
from portal.payments.models import StoreCreditMovement


@dataclass(frozen=True)
class Balance:
    customer: Customer
    balances: dict[str, int]  # by currency
    movements: list[StoreCreditMovement]


def customer_by_email(merchant: Merchant, email: str) -> Customer:
    customer = db.session.scalar(
        select(Customer).where(Customer.merchant_id == merchant.id, Customer.email == (email or "").strip().lower())
    )
    if customer is None:
        raise NotFound()
    return customer


def balance_of(customer_id: str, currency: str) -> int:
    return db.session.scalar(
        select(func.coalesce(func.sum(StoreCreditMovement.amount), 0)).where(
            StoreCreditMovement.customer_id == customer_id, StoreCreditMovement.currency == currency
        )
    )


def statement(customer: Customer, *, limit: int = 100) -> Balance:
    """The customer's balances by currency and their newest movements."""
    rows = db.session.execute(
        select(StoreCreditMovement.currency, func.sum(StoreCreditMovement.amount))
        .where(StoreCreditMovement.customer_id == customer.id)
        .group_by(StoreCreditMovement.currency)
    ).all()
    movements = list(
        db.session.scalars(
            select(StoreCreditMovement)
            .where(StoreCreditMovement.customer_id == customer.id)
            .order_by(StoreCreditMovement.created_at.desc(), StoreCreditMovement.id.desc())
            .limit(limit)
        )
    )
    return Balance(customer=customer, balances={currency: total for currency, total in rows}, movements=movements)


def _valid(amount: object, currency: str) -> int:
    problems: dict[str, list] = {}
    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        problems["amount"] = [_l("Enter an amount above zero, in minor units (cents).")]
    if currency not in CURRENCIES:
        problems["currency"] = [_l("Use one of: %(list)s.", list=", ".join(CURRENCIES))]
    if problems:
        raise ValidationFailed(fields=problems)
    return amount  # type: ignore[return-value]


def _by_key(key: str | None) -> StoreCreditMovement | None:
    if not key:
        return None
    return db.session.scalar(select(StoreCreditMovement).where(StoreCreditMovement.idempotency_key == key))


def issue(
    customer: Customer,
    amount: int,
    currency: str,
    *,
    actor: Actor,
    source: str = "manual",
    source_id: str | None = None,
    reason: str = "",
    order: Order | None = None,
    idempotency_key: str | None = None,
) -> StoreCreditMovement:
    """Give the customer credit (joins the caller's unit of work)."""
    amount = _valid(amount, currency)
    with unit_of_work():
        existing = _by_key(idempotency_key)
        if existing is not None:
            return existing
        movement = StoreCreditMovement(
            merchant_id=customer.merchant_id,
            customer_id=customer.id,
            order_id=order.id if order else None,
            amount=amount,
            currency=currency,
            kind="issued",
            source=source,
            source_id=source_id,
            reason=(reason or "")[:500],
            idempotency_key=idempotency_key,
        )
        db.session.add(movement)
        customer.version += 1
        if order is not None:
            from portal.orders.services import mark_changed

            mark_changed(order)
        db.session.flush()
        audit.record(
            actor,
            "store_credit.issued",
            "customer",
            customer.id,
            merchant_id=customer.merchant_id,
            after={"amount": amount, "currency": currency, "source": source},
        )
    return movement


def redeem(
    merchant: Merchant,
    email: str,
    amount: int,
    currency: str,
    *,
    actor: Actor,
    reason: str = "",
    order_number: str | None = None,
    idempotency_key: str | None = None,
) -> tuple[StoreCreditMovement, bool]:
    """Spend credit (the shop's checkout used it). Returns (movement, created).

    A repeat with the same idempotency key returns the first movement; more than the balance
    is refused with what is available.
    """
    amount = _valid(amount, currency)
    customer = customer_by_email(merchant, email)
    try:
        with unit_of_work():
            existing = _by_key(idempotency_key)
            if existing is not None:
                if existing.customer_id != customer.id or existing.amount != -amount:
                    raise Conflict(
                        _l("This idempotency key was already used for another redemption."),
                        code="idempotency_key_reused",
                    )
                return existing, False
            locked = lock_one(Customer, customer.id, merchant_id=merchant.id)
            available = balance_of(locked.id, currency)
            if amount > available:
                raise Conflict(
                    _l("Only %(amount)s of store credit is available.", amount=Money(available, currency)),
                    code="insufficient_store_credit",
                )
            order = None
            if order_number:
                order = db.session.scalar(
                    select(Order).where(Order.merchant_id == merchant.id, Order.number == order_number)
                )
                if order is None:
                    raise ValidationFailed(fields={"order_number": [_l("No order with this number at this shop.")]})
            movement = StoreCreditMovement(
                merchant_id=merchant.id,
                customer_id=locked.id,
                order_id=order.id if order else None,
                amount=-amount,
                currency=currency,
                kind="redeemed",
                source="api",
                reason=(reason or "")[:500],
                idempotency_key=idempotency_key,
            )
            db.session.add(movement)
            locked.version += 1
            db.session.flush()
            audit.record(
                actor,
                "store_credit.redeemed",
                "customer",
                locked.id,
                merchant_id=merchant.id,
                after={"amount": amount, "currency": currency, "balance": available - amount},
            )
    except IntegrityError:  # the same key at the same moment: the other request won
        db.session.rollback()
        existing = _by_key(idempotency_key)
        if existing is None:
            raise
        return existing, False
    return movement, True
