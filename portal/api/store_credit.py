"""API v1: a customer's store credit at the shop; the shop's checkout redeems it."""

from __future__ import annotations

from flask import request
from flask_babel import lazy_gettext as _l
from pydantic import ValidationError
from sqlalchemy import select

from portal.api import bp, serializers
from portal.api.auth import current_actor, current_merchant, merchant_required
from portal.api.bodies import json_body
from portal.api.openapi import document
from portal.api.schemas import StoreCreditOut, StoreCreditRedeemIn, StoreCreditRedemptionOut
from portal.errors import ValidationFailed
from portal.extensions import db
from portal.merchants.models import Merchant
from portal.orders.models import Order
from portal.payments import store_credit
from portal.validation import validation_failed


def _order_numbers(merchant: Merchant, order_ids: set[str | None]) -> dict[str, str]:
    ids = {order_id for order_id in order_ids if order_id}
    if not ids:
        return {}
    return dict(
        db.session.execute(
            select(Order.id, Order.number).where(Order.merchant_id == merchant.id, Order.id.in_(ids))
        ).all()
    )


@bp.get("/customers/<email>/store-credit")
@document(
    "A customer's store credit at this shop",
    tag="payments",
    description="Balances by currency and the newest 100 movements. The customer is found by e-mail "
    "(case does not matter); 404 when the shop has no customer with it.",
    responses={200: ("Balances and movements.", StoreCreditOut)},
)
@merchant_required
def get_store_credit(email: str):
    merchant = current_merchant()
    statement = store_credit.statement(store_credit.customer_by_email(merchant, email))
    numbers = _order_numbers(merchant, {movement.order_id for movement in statement.movements})
    return serializers.store_credit(statement, numbers, merchant)


def _idempotency_key(redemption: StoreCreditRedeemIn) -> str | None:
    header = (request.headers.get("Idempotency-Key") or "").strip() or None
    if header is not None and len(header) > 64:
        raise ValidationFailed(fields={"Idempotency-Key": [_l("Is too long.")]})
    if header is not None and "\x00" in header:
        raise ValidationFailed(fields={"Idempotency-Key": [_l("Must not contain NUL characters.")]})
    if header and redemption.idempotency_key and header != redemption.idempotency_key:
        raise ValidationFailed(
            fields={"idempotency_key": [_l("Differs from the Idempotency-Key header; send one key.")]}
        )
    return redemption.idempotency_key or header


@bp.post("/customers/<email>/store-credit")
@document(
    "Redeem a customer's store credit",
    tag="payments",
    description="Takes `amount` from the customer's balance in `currency` (the order's with "
    "`order_number`, else the shop's). With an idempotency key (in the body or the Idempotency-Key "
    "header) a repeat answers 200 with the first redemption and spends nothing more. More than the "
    "balance is refused with 409 `insufficient_store_credit`, saying what is available.",
    body=StoreCreditRedeemIn,
    responses={
        200: (
            "A repeat of an earlier redemption (same idempotency key): nothing more was spent.",
            StoreCreditRedemptionOut,
        ),
        201: ("Redeemed.", StoreCreditRedemptionOut),
    },
    errors={
        409: "insufficient_store_credit: the balance is lower (the message says what is available); "
        "idempotency_key_reused: the key belongs to another redemption.",
    },
    parameters=(
        {
            "name": "Idempotency-Key",
            "in": "header",
            "required": False,
            "description": "The same as the body's `idempotency_key` (send one of them, or the same in both).",
            "schema": {"type": "string", "maxLength": 64},
        },
    ),
)
@merchant_required
def redeem_store_credit(email: str):
    merchant = current_merchant()
    try:
        redemption = StoreCreditRedeemIn.model_validate(json_body())
    except ValidationError as exc:
        raise validation_failed(exc) from None
    key = _idempotency_key(redemption)
    order = None
    if redemption.order_number:
        order = db.session.scalar(
            select(Order).where(Order.merchant_id == merchant.id, Order.number == redemption.order_number)
        )
    currency = redemption.currency or (order.currency if order is not None else merchant.currency)
    movement, created = store_credit.redeem(
        merchant,
        email,
        redemption.amount,
        currency,
        actor=current_actor(),
        reason=redemption.reason,
        order_number=redemption.order_number,
        # Keys are the shop's own: two shops using the same key never meet.
        idempotency_key=f"{merchant.id}:{key}" if key else None,
    )
    balance = store_credit.balance_of(movement.customer_id, movement.currency)
    number = _order_numbers(merchant, {movement.order_id}).get(movement.order_id or "")
    return serializers.store_credit_redemption(movement, number, balance, merchant), 201 if created else 200
