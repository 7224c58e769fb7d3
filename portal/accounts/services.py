"""Staff accounts: create, authenticate, end sessions."""

from __future__ import annotations

import secrets

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from portal.accounts.models import Role, ServedShop, User
from portal.actors import Actor
from portal.audit import services as audit
from portal.db import unit_of_work, utcnow
from portal.errors import Conflict, DomainError, ValidationFailed
from portal.extensions import db
from portal.merchants.models import Merchant
from portal.merchants.services import get_by_slug

MIN_PASSWORD = 10
# A hash to compare against when the e-mail is unknown, so both cases take the same time.
_DUMMY_HASH = generate_password_hash("not-a-real-password-" + secrets.token_hex(8))


class InvalidCredentials(DomainError):
    code = "invalid_credentials"
    status = 401
    default_message = _l("The e-mail address or password is not right.")


def create_user(
    *, email: str, password: str, role: str, merchant_slug: str | None, actor: Actor, name: str = ""
) -> User:
    """Create a staff user. Merchant roles need a shop; platform roles must have none."""
    email = (email or "").strip().lower()
    problems: dict[str, list] = {}
    if "@" not in email or len(email) > 254:
        problems["email"] = [_l("Enter a valid e-mail address.")]
    if len(password or "") < MIN_PASSWORD:
        problems["password"] = [_l("Use at least %(n)s characters.", n=MIN_PASSWORD)]
    try:
        role_value = Role(role)
    except ValueError:
        problems["role"] = [_l("Use one of: %(list)s.", list=", ".join(r.value for r in Role))]
        role_value = None
    if role_value is not None and role_value.is_merchant_role and not merchant_slug:
        problems["merchant"] = [_l("Merchant staff need a shop.")]
    if role_value is not None and not role_value.is_merchant_role and merchant_slug:
        problems["merchant"] = [_l("Platform staff belong to no shop.")]
    if problems:
        raise ValidationFailed(fields=problems)
    merchant = get_by_slug(merchant_slug) if merchant_slug else None
    with unit_of_work():
        if db.session.scalar(select(User.id).where(func.lower(User.email) == email)):
            raise Conflict(_l("A user with this e-mail address already exists."), code="email_taken")
        user = User(
            email=email,
            name=name,
            password_hash=generate_password_hash(password),
            role=role_value,
            merchant_id=merchant.id if merchant else None,
        )
        db.session.add(user)
        db.session.flush()
        audit.record(
            actor,
            "user.created",
            "user",
            user.id,
            merchant_id=user.merchant_id,
            after={"email": email, "role": role_value.value},
        )
    return user


def authenticate(email: str, password: str, *, ip: str | None = None) -> User:
    """The active user with these credentials, or InvalidCredentials (same for every miss)."""
    email = (email or "").strip().lower()
    user = db.session.scalar(select(User).where(func.lower(User.email) == email))
    if user is None or not user.active:
        check_password_hash(_DUMMY_HASH, password or "")
        raise InvalidCredentials()
    if not check_password_hash(user.password_hash, password or ""):
        raise InvalidCredentials()
    with unit_of_work():
        user.last_login_at = utcnow()
        audit.record(
            Actor(kind="user", id=user.id, label=user.email, merchant_id=user.merchant_id, ip=ip),
            "user.signed_in",
            "user",
            user.id,
            merchant_id=user.merchant_id,
        )
    return user


def end_sessions(user: User, *, actor: Actor) -> None:
    """Rotate the session nonce: every cookie of this user stops working at once."""
    with unit_of_work():
        user.session_nonce = secrets.token_hex(8)
        audit.record(actor, "user.signed_out", "user", user.id, merchant_id=user.merchant_id)


def actor_for(user: User, ip: str | None = None) -> Actor:
    return Actor(kind="user", id=user.id, label=user.email, merchant_id=user.merchant_id, role=user.role.value, ip=ip)


# -- the shops a support agent serves ---------------------------------------------------------


def serves(user: User, merchant_id: str) -> bool:
    """May this staff member work on the shop's tickets, orders, returns and claims?

    Merchant staff: their own shop. Support agents: the shops they serve. Platform admins: all.
    """
    if user.role.is_merchant_role:
        return user.merchant_id == merchant_id
    if user.role == Role.PLATFORM_ADMIN:
        return True
    return db.session.get(ServedShop, (user.id, merchant_id)) is not None


def served_shops(user: User) -> list[Merchant]:
    """The shops a support agent serves, by name (platform admins: every shop)."""
    stmt = select(Merchant).order_by(Merchant.name, Merchant.slug)
    if user.role != Role.PLATFORM_ADMIN:
        stmt = stmt.join(ServedShop, ServedShop.merchant_id == Merchant.id).where(ServedShop.user_id == user.id)
    return list(db.session.scalars(stmt))


def set_served_shops(user: User, merchant_ids: set[str], actor: Actor) -> list[Merchant]:
    """Make ``merchant_ids`` the shops this support agent serves (audited: who was added, who removed)."""
    if user.role != Role.SUPPORT_AGENT:
        raise ValidationFailed(
            fields={"user": [_l("Only support agents serve shops; other staff have theirs by role.")]}
        )
    known = set(db.session.scalars(select(Merchant.id).where(Merchant.id.in_(merchant_ids)))) if merchant_ids else set()
    if known != set(merchant_ids):
        raise ValidationFailed(fields={"shops": [_l("Choose shops from the list.")]})
    with unit_of_work():
        current = set(db.session.scalars(select(ServedShop.merchant_id).where(ServedShop.user_id == user.id)))
        added, removed = known - current, current - known
        for merchant_id in added:
            db.session.add(ServedShop(user_id=user.id, merchant_id=merchant_id))
        if removed:
            db.session.execute(
                ServedShop.__table__.delete().where(ServedShop.user_id == user.id, ServedShop.merchant_id.in_(removed))
            )
        if added or removed:
            audit.record(
                actor,
                "user.shops_changed",
                "user",
                user.id,
                merchant_id=None,
                before={"shops": sorted(current)},
                after={"shops": sorted(known)},
            )
    return served_shops(user)


def support_agents() -> list[User]:
    """Every support agent, by name: whom a platform admin gives shops to."""
    return list(db.session.scalars(select(User).where(User.role == Role.SUPPORT_AGENT).order_by(User.name, User.email)))
