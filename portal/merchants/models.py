from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, false
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import new_id, utcnow
from portal.extensions import db


class Merchant(db.Model):
    """A shop: the tenant every other row belongs to."""

    __tablename__ = "merchants"

    id: Mapped[str] = mapped_column(String(24), primary_key=True, default=lambda: new_id("mer"))
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    default_locale: Mapped[str] = mapped_column(String(5), default="fi")
    country: Mapped[str] = mapped_column(String(2), default="FI")
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Helsinki")
    support_email: Mapped[str | None] = mapped_column(String(254))
    support_phone: Mapped[str | None] = mapped_column(String(40))
    policy: Mapped[dict] = mapped_column(JSON, default=dict)
    # Bumped when the policy changes: cached buyer pages (which show what the policy allows) renew.
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    # Branding on the buyer pages, e-mails and PDFs (portal.merchants.branding): storage keys of the
    # re-encoded logo and its smaller copy, the header and button colour (#RRGGBB, checked against
    # white text) and the shop's legal pages (https).
    logo_key: Mapped[str | None] = mapped_column(String(100))
    logo_thumb_key: Mapped[str | None] = mapped_column(String(100))
    brand_colour: Mapped[str | None] = mapped_column(String(7))
    terms_url: Mapped[str | None] = mapped_column(String(500))
    privacy_url: Mapped[str | None] = mapped_column(String(500))
    # The shop's admins must use two-step sign-in (an admin with it on switches this on).
    require_admin_2fa: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<Merchant {self.slug}>"


class ApiKey(db.Model):
    """A merchant's API key; only the SHA-256 of the secret is kept."""

    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(String(24), primary_key=True, default=lambda: new_id("key"))
    merchant_id: Mapped[str] = mapped_column(ForeignKey("merchants.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    merchant: Mapped[Merchant] = db.relationship()
