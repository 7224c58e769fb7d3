"""Staff accounts: create, authenticate, end sessions."""

from __future__ import annotations

import secrets

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from portal.accounts import totp
from portal.accounts.models import Role, ServedShop, User
from portal.actors import Actor
from portal.audit import services as audit
from portal.db import lock_one, unit_of_work, utcnow
from portal.errors import Conflict, DomainError, NotFound, ValidationFailed
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
    user = check_password(email, password)
    record_sign_in(user, ip=ip)
    return user


def check_password(email: str, password: str) -> User:
    """The active user with these credentials, or InvalidCredentials; nothing is recorded yet
    (with two-step sign-in on, the person is signed in only once the code is right)."""
    email = (email or "").strip().lower()
    user = db.session.scalar(select(User).where(func.lower(User.email) == email))
    if user is None or not user.active:
        check_password_hash(_DUMMY_HASH, password or "")
        raise InvalidCredentials()
    if not check_password_hash(user.password_hash, password or ""):
        raise InvalidCredentials()
    return user


def record_sign_in(user: User, *, ip: str | None = None) -> None:
    """Note the sign-in: the time on the user, and an audit entry."""
    with unit_of_work():
        user.last_login_at = utcnow()
        audit.record(
            Actor(kind="user", id=user.id, label=user.email, merchant_id=user.merchant_id, ip=ip),
            "user.signed_in",
            "user",
            user.id,
            merchant_id=user.merchant_id,
        )


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


# -- two-step sign-in (TOTP) ------------------------------------------------------------------

# How long the code step waits after the password was right, before it is asked again.
SECOND_STEP_SECONDS = 5 * 60


class InvalidCode(DomainError):
    code = "invalid_code"
    status = 401
    default_message = _l("That code is not right. Type the 6-digit code your authenticator app shows now.")


def needs_code(user: User) -> bool:
    """Does this user's sign-in have a second step (a code from their authenticator app)?"""
    return user.two_factor_on


def awaiting_code(user_id: str | None, nonce: str | None, password_ok_at: float | None) -> User | None:
    """The user whose password was right at ``password_ok_at`` (a Unix time) and who may type
    their code now: within SECOND_STEP_SECONDS, still active, their sessions not ended since."""
    if not isinstance(password_ok_at, int | float):
        return None
    if not 0 <= utcnow().timestamp() - password_ok_at <= SECOND_STEP_SECONDS:
        return None
    user = db.session.get(User, user_id) if isinstance(user_id, str) else None
    if user is None or not user.active or user.session_nonce != nonce or not needs_code(user):
        return None
    return user


def two_factor_required(user: User) -> bool:
    """Is this user an admin of a shop that requires two-step sign-in of its admins?"""
    return user.role == Role.MERCHANT_ADMIN and user.merchant is not None and user.merchant.require_admin_2fa


def must_set_up_two_factor(user: User) -> bool:
    """An admin of a shop that requires two-step sign-in for admins, who has not set it up yet."""
    return two_factor_required(user) and not user.two_factor_on


def _accept_code(user: User, secret: str | None, code: str) -> bool:
    """Check ``code`` against ``secret`` and use it up (the same code is not taken twice)."""
    step = totp.matching_step(secret, code, after=user.totp_last_step) if secret else None
    if step is None:
        return False
    user.totp_last_step = step
    return True


def sign_in_with_code(user: User, code: str, *, ip: str | None = None) -> User:
    """The second step of signing in: the current code from the user's app, or InvalidCode."""
    if not user.active or not user.two_factor_on:
        raise InvalidCode()
    with unit_of_work():
        if not _accept_code(user, user.totp_secret, code):
            raise InvalidCode()
        record_sign_in(user, ip=ip)
    return user


def start_two_factor(user: User) -> str:
    """A new secret for the user's authenticator app; two-step sign-in is on once a code from it
    is confirmed (``enable_two_factor``). Starting again replaces a secret not yet confirmed."""
    if user.two_factor_on:
        raise Conflict(_l("Two-step sign-in is on already."), code="two_factor_on")
    with unit_of_work():
        user.totp_secret = totp.new_secret()
        user.totp_last_step = None
    return user.totp_secret


def enable_two_factor(user: User, code: str, *, actor: Actor) -> None:
    """Switch two-step sign-in on, once a current code shows the app holds the new secret."""
    if user.two_factor_on:
        return
    if not user.totp_secret:
        raise Conflict(_l("Start the set-up first: it makes the key for your app."), code="two_factor_not_started")
    with unit_of_work():
        if not _accept_code(user, user.totp_secret, code):
            raise InvalidCode()
        user.totp_enabled_at = utcnow()
        audit.record(actor, "user.two_factor_enabled", "user", user.id, merchant_id=user.merchant_id)


def disable_two_factor(user: User, code: str, *, actor: Actor) -> None:
    """Switch two-step sign-in off with a current code. A shop that requires it of its admins
    keeps it on for them."""
    if not user.two_factor_on:
        return
    if two_factor_required(user):
        raise Conflict(
            _l("Your shop requires two-step sign-in of its admins, so it stays on for you."),
            code="two_factor_required",
        )
    with unit_of_work():
        if not _accept_code(user, user.totp_secret, code):
            raise InvalidCode()
        user.totp_secret = None
        user.totp_enabled_at = None
        user.totp_last_step = None
        audit.record(actor, "user.two_factor_disabled", "user", user.id, merchant_id=user.merchant_id)


# -- a shop's staff, managed by its admins ----------------------------------------------------

MERCHANT_ROLES = (Role.MERCHANT_ADMIN, Role.MERCHANT_AGENT)
ROLE_LABELS = {
    Role.MERCHANT_ADMIN: _l("Admin"),
    Role.MERCHANT_AGENT: _l("Agent"),
    Role.SUPPORT_AGENT: _l("Support agent"),
    Role.PLATFORM_ADMIN: _l("Platform admin"),
}


def role_label(role: Role | str) -> str:
    """The role's name in the page's language."""
    return ROLE_LABELS.get(Role(role), str(role))


def merchant_role(role: str) -> Role:
    """``role`` when it is one a shop's staff can have, else ValidationFailed."""
    try:
        value = Role(role)
    except ValueError:
        value = None
    if value not in MERCHANT_ROLES:
        raise ValidationFailed(fields={"role": [_l("Choose admin or agent.")]})
    return value


def shop_staff(merchant_id: str) -> list[User]:
    """The shop's staff: those who can sign in first, then by name."""
    return list(
        db.session.scalars(
            select(User)
            .where(User.merchant_id == merchant_id, User.role.in_(MERCHANT_ROLES))
            .order_by(User.active.desc(), User.name, User.email)
        )
    )


def staff_member(merchant_id: str, user_id: str) -> User:
    """One of the shop's staff, or NotFound (another shop's user is not found either)."""
    user = db.session.get(User, user_id)
    if user is None or user.merchant_id != merchant_id or user.role not in MERCHANT_ROLES:
        raise NotFound()
    return user


class LastAdmin(Conflict):
    code = "last_admin"
    default_message = _l("The shop needs at least one active admin. Make someone else an admin first, then try again.")


def _other_active_admins(merchant_id: str, user_id: str) -> int:
    return db.session.scalar(
        select(func.count(User.id)).where(
            User.merchant_id == merchant_id,
            User.role == Role.MERCHANT_ADMIN,
            User.active.is_(True),
            User.id != user_id,
        )
    )


def change_role(merchant_id: str, user_id: str, role: str, *, actor: Actor) -> User:
    """Make one of the shop's staff an admin or an agent; the last active admin stays one."""
    new_role = merchant_role(role)
    with unit_of_work():
        # The shop's row is the lock: two admins demoting each other at once cannot leave none.
        lock_one(Merchant, merchant_id)
        user = staff_member(merchant_id, user_id)
        if user.role == new_role:
            return user
        if user.role == Role.MERCHANT_ADMIN and user.active and not _other_active_admins(merchant_id, user.id):
            raise LastAdmin()
        before = user.role.value
        user.role = new_role
        audit.record(
            actor,
            "user.role_changed",
            "user",
            user.id,
            merchant_id=merchant_id,
            before={"role": before},
            after={"role": new_role.value},
        )
    return user


def set_active(merchant_id: str, user_id: str, active: bool, *, actor: Actor) -> User:
    """Let one of the shop's staff sign in again, or stop them: deactivating ends their sessions
    at once. The last active admin cannot be deactivated."""
    with unit_of_work():
        lock_one(Merchant, merchant_id)
        user = staff_member(merchant_id, user_id)
        if user.active == active:
            return user
        if not active and user.role == Role.MERCHANT_ADMIN and not _other_active_admins(merchant_id, user.id):
            raise LastAdmin()
        user.active = active
        if not active:
            user.session_nonce = secrets.token_hex(8)
        audit.record(
            actor,
            "user.reactivated" if active else "user.deactivated",
            "user",
            user.id,
            merchant_id=merchant_id,
            before={"active": not active},
            after={"active": active},
        )
    return user


def set_admin_two_factor_rule(merchant_id: str, required: bool, *, by: User, actor: Actor) -> Merchant:
    """Require two-step sign-in of the shop's admins, or stop requiring it. Only someone who uses
    it themselves can switch it on (so the one switching it on is not locked out at once)."""
    if required and not by.two_factor_on:
        raise Conflict(
            _l("Switch on two-step sign-in for yourself first; then you can require it of the shop's admins."),
            code="two_factor_off",
        )
    with unit_of_work():
        merchant = lock_one(Merchant, merchant_id)
        if merchant is None:
            raise NotFound()
        if merchant.require_admin_2fa == required:
            return merchant
        merchant.require_admin_2fa = required
        audit.record(
            actor,
            "merchant.admin_two_factor_required" if required else "merchant.admin_two_factor_optional",
            "merchant",
            merchant.id,
            merchant_id=merchant.id,
            before={"require_admin_2fa": not required},
            after={"require_admin_2fa": required},
        )
    return merchant
