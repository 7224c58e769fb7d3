from __future__ import annotations

import enum
import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import BigInteger, Enum, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import new_id, utcnow
from portal.extensions import db
from portal.merchants.models import Merchant


class Role(enum.StrEnum):
    MERCHANT_ADMIN = "merchant_admin"
    MERCHANT_AGENT = "merchant_agent"
    SUPPORT_AGENT = "support_agent"
    PLATFORM_ADMIN = "platform_admin"

    @property
    def is_merchant_role(self) -> bool:
        return self in (Role.MERCHANT_ADMIN, Role.MERCHANT_AGENT)


class User(UserMixin, db.Model):
    """A staff member: merchant staff belong to one shop; platform roles to none."""

    __tablename__ = "users"

    id: Mapped[str] = mapped_column(String(24), primary_key=True, default=lambda: new_id("usr"))
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(
        Enum(Role, native_enum=False, length=32, values_callable=lambda e: [m.value for m in e])
    )
    merchant_id: Mapped[str | None] = mapped_column(ForeignKey("merchants.id"), index=True)
    locale: Mapped[str] = mapped_column(String(5), default="en")
    active: Mapped[bool] = mapped_column(default=True)
    # Part of the login session's identity: rotating it ends every session of this user.
    session_nonce: Mapped[str] = mapped_column(String(32), default=lambda: secrets.token_hex(8))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]
    # Two-step sign-in (RFC 6238): a secret without ``totp_enabled_at`` is a set-up not yet confirmed.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_enabled_at: Mapped[datetime | None]
    # The last time step whose code was accepted: a code is good once (RFC 6238 section 5.2).
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)

    merchant: Mapped[Merchant | None] = relationship()

    @property
    def two_factor_on(self) -> bool:
        return self.totp_enabled_at is not None

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    def get_id(self) -> str:  # Flask-Login
        return f"{self.id}:{self.session_nonce}"


class ServedShop(db.Model):
    """A shop a support agent serves: its desk, orders, returns and claims, and no other shop's."""

    __tablename__ = "served_shops"

    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    merchant_id: Mapped[str] = mapped_column(ForeignKey("merchants.id", ondelete="CASCADE"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class StaffInvitation(db.Model):
    """An e-mailed invitation to join a shop's staff: the link works once, until ``expires_at``.

    Only the SHA-256 of the link's token is kept, so a leaked database opens no invitation.
    """

    __tablename__ = "staff_invitations"

    id: Mapped[str] = mapped_column(String(24), primary_key=True, default=lambda: new_id("inv"))
    merchant_id: Mapped[str] = mapped_column(ForeignKey("merchants.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[Role] = mapped_column(
        Enum(Role, native_enum=False, length=32, values_callable=lambda e: [m.value for m in e])
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by_id: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    # Withdrawn by an admin, or replaced by a newer invitation to the same address.
    revoked_at: Mapped[datetime | None]
    user_id: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    merchant: Mapped[Merchant] = relationship()
    invited_by: Mapped[User | None] = relationship(foreign_keys=[invited_by_id])
