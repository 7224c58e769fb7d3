"""How a buyer gets to their orders without signing up.

- the order's own signed link (as in the shop's order e-mail);
- shop + order number + e-mail on the lookup page or ``POST /api/v1/buyer/sessions``;
  a wrong number and a wrong e-mail get one and the same answer, and lookups are
  rate limited per client and per order.
Either way the buyer is then known as one customer at one shop: they see that customer's
orders at that shop and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select

from portal.db import utcnow
from portal.errors import NotFound
from portal.extensions import db
from portal.merchants.models import Merchant
from portal.orders.models import Customer, Order
from portal.throttle import throttle
from portal.urls import external_url

LINK_SALT = "apuri.buyer-order-link"
TOKEN_SALT = "apuri.buyer-api-token"


@dataclass(frozen=True)
class BuyerIdentity:
    customer_id: str
    merchant_id: str


def _serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


def order_link(order: Order) -> str:
    """The order's own sign-in-free link; valid for BUYER_LINK_MAX_AGE_DAYS."""
    token = _serializer(LINK_SALT).dumps({"o": order.id})
    return external_url("buyers.open_link", token=token)


def order_from_link(token: str) -> Order:
    max_age = current_app.config["BUYER_LINK_MAX_AGE_DAYS"] * 86400
    try:
        payload = _serializer(LINK_SALT).loads(token, max_age=max_age)
    except (BadSignature, SignatureExpired):
        raise NotFound() from None
    order = db.session.get(Order, payload.get("o")) if isinstance(payload, dict) else None
    if order is None:
        raise NotFound()
    return order


def find_order(merchant_slug: str, number: str, email: str, *, client: str) -> Order:
    """The order matching shop + number + e-mail, or one and the same NotFound for any miss."""
    merchant_slug = (merchant_slug or "").strip().lower()
    number = (number or "").strip()
    email = (email or "").strip().lower()
    throttle(current_app.config["LOOKUP_LIMIT_PER_CLIENT"], "buyer-lookup-client", client or "unknown")
    throttle(current_app.config["LOOKUP_LIMIT_PER_ORDER"], "buyer-lookup-order", merchant_slug, number.lower())
    order = db.session.scalar(
        select(Order)
        .join(Merchant, Order.merchant_id == Merchant.id)
        .join(Customer, Order.customer_id == Customer.id)
        .where(Merchant.slug == merchant_slug, Order.number == number, Customer.email == email)
    )
    if order is None:
        raise NotFound()
    return order


def issue_token(identity: BuyerIdentity) -> tuple[str, datetime]:
    """A bearer token for the buyer API: this customer at this shop, for a limited time."""
    token = _serializer(TOKEN_SALT).dumps({"c": identity.customer_id, "m": identity.merchant_id})
    expires = utcnow() + timedelta(seconds=current_app.config["BUYER_TOKEN_MAX_AGE_SECONDS"])
    return token, expires.replace(microsecond=0)


def identity_from_token(token: str) -> BuyerIdentity | None:
    try:
        payload = _serializer(TOKEN_SALT).loads(token, max_age=current_app.config["BUYER_TOKEN_MAX_AGE_SECONDS"])
    except (BadSignature, SignatureExpired):
        return None
    if not isinstance(payload, dict) or "c" not in payload or "m" not in payload:
        return None
    return BuyerIdentity(customer_id=payload["c"], merchant_id=payload["m"])


def orders_of(identity: BuyerIdentity) -> list[Order]:
    """Every order of this buyer at this shop, newest first."""
    return list(
        db.session.scalars(
            select(Order)
            .where(Order.customer_id == identity.customer_id, Order.merchant_id == identity.merchant_id)
            .order_by(Order.placed_at.desc())
        )
    )


def buyer_order(identity: BuyerIdentity, number: str) -> Order:
    """One order this buyer may see, or NotFound (never revealing whether it exists)."""
    from portal.orders.services import get_order

    order = get_order(identity.merchant_id, number)
    if order.customer_id != identity.customer_id:
        raise NotFound()
    return order


def orders_with_items_of(identity: BuyerIdentity) -> list[Order]:
    """``orders_of`` with each order's items loaded at once, for lists that show totals."""
    from sqlalchemy.orm import selectinload

    return list(
        db.session.scalars(
            select(Order)
            .where(Order.customer_id == identity.customer_id, Order.merchant_id == identity.merchant_id)
            .options(selectinload(Order.items))
            .order_by(Order.placed_at.desc())
        )
    )


# -- a link to all of a buyer's orders at one shop, by e-mail ---------------------------------

ORDERS_LINK_SALT = "buyer-orders-link"


def orders_link(customer: Customer) -> str:
    """A sign-in-free link to every order of this buyer at this shop (ORDERS_LINK_MAX_AGE_HOURS)."""
    token = _serializer(ORDERS_LINK_SALT).dumps({"c": customer.id})
    merchant = db.session.get(Merchant, customer.merchant_id)
    return external_url("buyers.open_orders_link", slug=merchant.slug, token=token)


def customer_from_orders_link(slug: str, token: str) -> Customer:
    max_age = int(current_app.config.get("ORDERS_LINK_MAX_AGE_HOURS", 24)) * 3600
    try:
        payload = _serializer(ORDERS_LINK_SALT).loads(token, max_age=max_age)
    except (BadSignature, SignatureExpired):
        raise NotFound() from None
    customer = db.session.get(Customer, payload.get("c")) if isinstance(payload, dict) else None
    merchant = db.session.get(Merchant, customer.merchant_id) if customer else None
    if customer is None or merchant is None or merchant.slug != slug:
        raise NotFound()
    return customer


def send_orders_link(merchant_slug: str, email: str, *, client: str) -> None:
    """E-mail the buyer a link to all their orders at the shop, when the address has any there.

    The answer is the same whether or not it has: nobody learns who buys where. Throttled per
    client and per address, so that nobody floods an inbox.
    """
    from portal.db import unit_of_work
    from portal.notifications.services import queue_email

    merchant_slug = (merchant_slug or "").strip().lower()
    email = (email or "").strip().lower()
    throttle(current_app.config["LOOKUP_LIMIT_PER_CLIENT"], "buyer-orders-link-client", client or "unknown")
    throttle(
        current_app.config.get("ORDERS_LINK_LIMIT_PER_ADDRESS", "3/hour"), "buyer-orders-link", merchant_slug, email
    )
    row = db.session.execute(
        select(Customer, Merchant)
        .join(Merchant, Customer.merchant_id == Merchant.id)
        .where(Merchant.slug == merchant_slug, func.lower(Customer.email) == email)
    ).first()
    if row is None:
        return
    customer, merchant = row
    if not db.session.scalar(select(Order.id).where(Order.customer_id == customer.id).limit(1)):
        return
    with unit_of_work() as uow:
        queue_email(
            uow,
            kind="orders_link",
            recipient=customer.email,
            locale=customer.locale or merchant.default_locale,
            merchant_id=merchant.id,
            context={"customer": customer, "merchant": merchant, "link": orders_link(customer)},
        )
