"""Invitations to a shop's staff: an admin invites an e-mail address with a role; the link in the
e-mail works once, for INVITE_MAX_AGE_HOURS, and makes the account of whoever opens it.

The link's token is signed (itsdangerous) and names the invitation; the invitation row keeps only
the token's SHA-256, and ``used_at`` once the account is made, so a link cannot be used twice.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select, update

from portal.accounts import services
from portal.accounts.models import StaffInvitation, User
from portal.actors import Actor
from portal.audit import services as audit
from portal.db import lock_one, new_id, unit_of_work, utcnow
from portal.errors import Conflict, DomainError, NotFound, ValidationFailed
from portal.extensions import db
from portal.merchants.models import Merchant
from portal.notifications.services import queue_email
from portal.urls import external_url

INVITE_MAX_AGE_HOURS = 72
INVITE_SALT = "apuri.staff-invitation"


class InvitationInvalid(NotFound):
    code = "invitation_invalid"
    default_message = _l("This invitation link is not valid. Check that the whole link was copied from the e-mail.")


class InvitationExpired(DomainError):
    code = "invitation_expired"
    status = 410
    default_message = _l(
        "This invitation has expired: a link works for %(hours)s hours. Ask the shop's admin to invite you again.",
        hours=INVITE_MAX_AGE_HOURS,
    )


class InvitationUsed(DomainError):
    code = "invitation_used"
    status = 410
    default_message = _l("This invitation has been used already. Sign in with the e-mail address it was sent to.")


class InvitationWithdrawn(DomainError):
    code = "invitation_withdrawn"
    status = 410
    default_message = _l(
        "This invitation was withdrawn or replaced by a newer one. Use the link in the latest e-mail, or ask "
        "the shop's admin."
    )


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=INVITE_SALT)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _email_taken(email: str) -> bool:
    return db.session.scalar(select(User.id).where(func.lower(User.email) == email)) is not None


def invite(merchant: Merchant, *, email: str, role: str, name: str = "", actor: Actor) -> StaffInvitation:
    """Invite ``email`` to the shop's staff with ``role``, by e-mail. A newer invitation to the same
    address replaces a pending one (its link stops working)."""
    email = (email or "").strip().lower()
    name = (name or "").strip()
    problems: dict[str, list] = {}
    if "@" not in email or email.startswith("@") or email.endswith("@") or len(email) > 254:
        problems["email"] = [_l("Enter a valid e-mail address.")]
    if len(name) > 200:
        problems["name"] = [_l("Keep the name to 200 characters or fewer.")]
    try:
        role_value = services.merchant_role(role)
    except ValidationFailed as exc:
        problems.update(exc.fields)
    if problems:
        raise ValidationFailed(fields=problems)
    if _email_taken(email):
        raise Conflict(
            _l("%(email)s has an Apuri account already. One address can belong to one account only.", email=email),
            code="email_taken",
        )
    now = utcnow()
    invitation_id = new_id("inv")
    token = _serializer().dumps({"i": invitation_id})
    with unit_of_work() as uow:
        db.session.execute(
            update(StaffInvitation)
            .where(
                StaffInvitation.merchant_id == merchant.id,
                StaffInvitation.email == email,
                StaffInvitation.used_at.is_(None),
                StaffInvitation.revoked_at.is_(None),
            )
            .values(revoked_at=now)
        )
        invitation = StaffInvitation(
            id=invitation_id,
            merchant_id=merchant.id,
            email=email,
            name=name,
            role=role_value,
            token_hash=_hash(token),
            invited_by_id=actor.id if actor.kind == "user" else None,
            created_at=now,
            expires_at=now + timedelta(hours=INVITE_MAX_AGE_HOURS),
        )
        db.session.add(invitation)
        db.session.flush()
        audit.record(
            actor,
            "user.invited",
            "staff_invitation",
            invitation.id,
            merchant_id=merchant.id,
            after={"email": email, "role": role_value.value},
        )
        queue_email(
            uow,
            kind="staff_invite",
            recipient=email,
            locale=merchant.default_locale,
            merchant_id=merchant.id,
            context={
                "merchant": merchant,
                "invitation": invitation,
                "inviter": _inviter_name(actor),
                "role": services.role_label(role_value),
                "hours": INVITE_MAX_AGE_HOURS,
                "link": external_url("accounts.invitation", token=token),
            },
        )
    return invitation


def _inviter_name(actor: Actor) -> str | None:
    inviter = db.session.get(User, actor.id) if actor.kind == "user" and actor.id else None
    return (inviter.name or inviter.email) if inviter else None


def pending_invitations(merchant_id: str) -> list[StaffInvitation]:
    """The shop's invitations that can still be accepted, newest first."""
    return list(
        db.session.scalars(
            select(StaffInvitation)
            .where(
                StaffInvitation.merchant_id == merchant_id,
                StaffInvitation.used_at.is_(None),
                StaffInvitation.revoked_at.is_(None),
                StaffInvitation.expires_at > utcnow(),
            )
            .order_by(StaffInvitation.created_at.desc(), StaffInvitation.id)
        )
    )


def withdraw(merchant_id: str, invitation_id: str, *, actor: Actor) -> StaffInvitation:
    """Stop a pending invitation's link from working (another shop's invitation is not found)."""
    with unit_of_work():
        invitation = lock_one(StaffInvitation, invitation_id, merchant_id=merchant_id)
        if invitation is None:
            raise NotFound()
        if invitation.used_at is None and invitation.revoked_at is None:
            invitation.revoked_at = utcnow()
            audit.record(
                actor,
                "user.invitation_withdrawn",
                "staff_invitation",
                invitation.id,
                merchant_id=merchant_id,
                before={"email": invitation.email, "role": invitation.role.value},
            )
    return invitation


def invitation_from_token(token: str) -> StaffInvitation:
    """The invitation this link is for, if it can still be accepted; else why not, as an error."""
    try:
        payload = _serializer().loads(token, max_age=INVITE_MAX_AGE_HOURS * 3600)
    except SignatureExpired:
        raise InvitationExpired() from None
    except BadSignature:
        raise InvitationInvalid() from None
    invitation = db.session.get(StaffInvitation, payload.get("i")) if isinstance(payload, dict) else None
    if invitation is None or not hmac.compare_digest(invitation.token_hash, _hash(token)):
        raise InvitationInvalid()
    _check_open(invitation)
    return invitation


def _check_open(invitation: StaffInvitation) -> None:
    if invitation.used_at is not None:
        raise InvitationUsed()
    if invitation.revoked_at is not None:
        raise InvitationWithdrawn()
    if invitation.expires_at <= utcnow():
        raise InvitationExpired()


def accept(token: str, *, name: str, password: str, ip: str | None = None) -> User:
    """Make the invited person's account with their name and password; the link is used up.

    An address that has an account already (made since the invitation was sent) is a Conflict.
    """
    invitation = invitation_from_token(token)
    with unit_of_work():
        # Locked and checked again: two clicks at once make one account.
        invitation = lock_one(StaffInvitation, invitation.id)
        _check_open(invitation)
        if _email_taken(invitation.email):
            raise Conflict(
                _l(
                    "%(email)s has an Apuri account already: sign in with it, or ask the shop's admin to invite "
                    "another address.",
                    email=invitation.email,
                ),
                code="email_taken",
            )
        invitee = Actor(kind="user", id=None, label=invitation.email, merchant_id=invitation.merchant_id, ip=ip)
        user = services.create_user(
            email=invitation.email,
            password=password,
            role=invitation.role.value,
            merchant_slug=invitation.merchant.slug,
            actor=invitee,
            name=(name or "").strip(),
        )
        invitation.used_at = utcnow()
        invitation.user_id = user.id
        audit.record(
            services.actor_for(user, ip),
            "user.invitation_accepted",
            "staff_invitation",
            invitation.id,
            merchant_id=invitation.merchant_id,
            after={"user": user.id, "role": user.role.value},
        )
    return user
