"""Who is calling: a shop with its API key, or a buyer with a token from POST /buyer/sessions.

Both come as ``Authorization: Bearer <secret>``. A merchant endpoint called with a buyer token
(or the other way round) answers 401, exactly as for a wrong secret.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from functools import wraps

from flask import g, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, update

from portal.actors import Actor
from portal.api.errors import Unauthenticated
from portal.buyers.access import BuyerIdentity, identity_from_token
from portal.db import unit_of_work, utcnow
from portal.extensions import db
from portal.merchants.models import ApiKey, Merchant
from portal.merchants.services import authenticate_api_key
from portal.orders.models import Customer

# last_used_at is for the shop's "last used" column, not an access log: one write a minute at most.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def _bearer_token() -> str | None:
    scheme, _, credentials = (request.headers.get("Authorization") or "").partition(" ")
    if scheme.lower() != "bearer" or not credentials.strip():
        return None
    return credentials.strip()


def merchant_required(view: Callable) -> Callable:
    """The view runs for a live merchant API key; ``current_merchant()`` is its shop."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        key = authenticate_api_key(_bearer_token() or "")
        if key is None:
            raise Unauthenticated(_l("Send a valid merchant API key as Authorization: Bearer <key>."))
        g.api_key_id, g.api_key_name, merchant_id = key.id, key.name, key.merchant_id
        _note_use(key)
        g.api_merchant = db.session.get(Merchant, merchant_id)
        return view(*args, **kwargs)

    wrapper.api_auth = "merchant"
    return wrapper


def buyer_required(view: Callable) -> Callable:
    """The view runs for a valid buyer token; ``current_buyer()`` is that customer at that shop."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        token = _bearer_token()
        identity = identity_from_token(token) if token else None
        if identity is None:
            raise Unauthenticated(_l("Your session is missing or has expired. Find your order again to continue."))
        g.api_buyer = identity
        return view(*args, **kwargs)

    wrapper.api_auth = "buyer"
    return wrapper


def current_merchant() -> Merchant:
    return g.api_merchant


def current_buyer() -> BuyerIdentity:
    return g.api_buyer


def current_actor() -> Actor:
    """Who acts, for the audit trail of whatever the request changes."""
    if g.get("api_merchant") is not None:
        return Actor(
            kind="api_key", id=g.api_key_id, label=g.api_key_name, merchant_id=g.api_merchant.id, ip=request.remote_addr
        )
    identity = current_buyer()
    customer = db.session.get(Customer, identity.customer_id)
    return Actor(
        kind="buyer",
        id=identity.customer_id,
        label=customer.email if customer else identity.customer_id,
        merchant_id=identity.merchant_id,
        ip=request.remote_addr,
    )


def _note_use(key: ApiKey) -> None:
    now = utcnow()
    if key.last_used_at is not None and now - key.last_used_at < LAST_USED_RESOLUTION:
        return
    with unit_of_work():
        # Conditional, so that parallel requests of the same minute write once between them.
        db.session.execute(
            update(ApiKey)
            .where(
                ApiKey.id == key.id,
                or_(ApiKey.last_used_at.is_(None), ApiKey.last_used_at < now - LAST_USED_RESOLUTION),
            )
            .values(last_used_at=now)
            .execution_options(synchronize_session=False)
        )
