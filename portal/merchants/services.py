"""Shops, their API keys and their policy document."""

from __future__ import annotations

import hashlib
import re
import secrets

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.actors import Actor
from portal.audit import services as audit
from portal.db import lock_one, unit_of_work, utcnow
from portal.errors import Conflict, NotFound, ValidationFailed
from portal.extensions import db
from portal.merchants.models import ApiKey, Merchant
from portal.merchants.policy import effective_policy, merge_policy
from portal.money import CURRENCIES

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}[a-z0-9]$")
LOCALES = ("fi", "sv", "da", "nb", "is", "en")
API_KEY_PREFIX = "apuri_"


def create_merchant(
    slug: str,
    *,
    name: str,
    actor: Actor,
    currency: str = "EUR",
    locale: str = "fi",
    country: str = "FI",
    timezone: str = "Europe/Helsinki",
    support_email: str | None = None,
    support_phone: str | None = None,
) -> Merchant:
    """Create a shop. The slug is its address in links (``/s/<slug>/``) and never changes."""
    slug = (slug or "").strip().lower()
    problems: dict[str, list] = {}
    if not SLUG_RE.match(slug):
        problems["slug"] = [_l("Use 3–64 lower-case letters, digits and hyphens.")]
    if not (name or "").strip():
        problems["name"] = [_l("The shop needs a name.")]
    if currency not in CURRENCIES:
        problems["currency"] = [_l("Use one of: %(list)s.", list=", ".join(CURRENCIES))]
    if locale not in LOCALES:
        problems["locale"] = [_l("Use one of: %(list)s.", list=", ".join(LOCALES))]
    if problems:
        raise ValidationFailed(fields=problems)
    with unit_of_work():
        if db.session.scalar(select(Merchant.id).where(Merchant.slug == slug)):
            raise Conflict(_l("A shop with the address %(slug)s already exists.", slug=slug), code="slug_taken")
        merchant = Merchant(
            slug=slug,
            name=name.strip(),
            currency=currency,
            default_locale=locale,
            country=country,
            timezone=timezone,
            support_email=support_email,
            support_phone=support_phone,
            policy={},
        )
        db.session.add(merchant)
        db.session.flush()
        audit.record(
            actor,
            "merchant.created",
            "merchant",
            merchant.id,
            merchant_id=merchant.id,
            after={"slug": slug, "name": merchant.name},
        )
    return merchant


def get_by_slug(slug: str) -> Merchant:
    merchant = db.session.scalar(select(Merchant).where(Merchant.slug == (slug or "").strip().lower()))
    if merchant is None:
        raise NotFound(_l("No shop with the address %(slug)s.", slug=slug))
    return merchant


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_api_key(merchant: Merchant, *, name: str, actor: Actor) -> tuple[ApiKey, str]:
    """Make an API key; the secret is returned once and only its hash is kept."""
    secret = API_KEY_PREFIX + secrets.token_urlsafe(32)
    with unit_of_work():
        key = ApiKey(
            merchant_id=merchant.id, name=(name or "API key")[:100], prefix=secret[:12], key_hash=_hash(secret)
        )
        db.session.add(key)
        db.session.flush()
        audit.record(
            actor,
            "api_key.created",
            "api_key",
            key.id,
            merchant_id=merchant.id,
            after={"name": key.name, "prefix": key.prefix},
        )
    return key, secret


def authenticate_api_key(secret: str) -> ApiKey | None:
    """The live key for this secret, or None. Comparison is by hash lookup (constant time enough:
    the attacker does not control the stored side)."""
    if not secret or not secret.startswith(API_KEY_PREFIX):
        return None
    key = db.session.scalar(select(ApiKey).where(ApiKey.key_hash == _hash(secret)))
    if key is None or key.revoked_at is not None:
        return None
    return key


def revoke_api_key(merchant: Merchant, key_id: str, *, actor: Actor) -> ApiKey:
    with unit_of_work():
        key = lock_one(ApiKey, key_id, merchant_id=merchant.id)
        if key is None:
            raise NotFound()
        if key.revoked_at is None:
            key.revoked_at = utcnow()
            audit.record(actor, "api_key.revoked", "api_key", key.id, merchant_id=merchant.id)
    return key


def get_policy(merchant: Merchant) -> dict:
    """The shop's whole policy document, every section filled with defaults."""
    return effective_policy(merchant.policy)


def update_policy(merchant: Merchant, patch: object, *, actor: Actor) -> dict:
    """Merge a partial policy document; validate it; audit who changed what."""
    with unit_of_work() as uow:
        locked = lock_one(Merchant, merchant.id)
        before = effective_policy(locked.policy)
        merged = merge_policy(locked.policy, patch)
        locked.policy = merged
        changed = {
            section: {k: v for k, v in values.items() if before[section].get(k) != v}
            for section, values in merged.items()
        }
        changed = {s: v for s, v in changed.items() if v}
        if changed:
            locked.version += 1
            from portal.buyers.page_cache import forget_all_heads

            uow.after_commit(forget_all_heads)
            audit.record(
                actor,
                "policy.updated",
                "merchant",
                merchant.id,
                merchant_id=merchant.id,
                before={s: {k: before[s][k] for k in v} for s, v in changed.items()},
                after=changed,
            )
    return merged
