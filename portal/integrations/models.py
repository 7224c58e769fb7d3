"""Outbound webhooks: the shop's endpoints and every delivery of an event to one of them."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import new_id, utcnow
from portal.extensions import db


def _secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


class WebhookEndpoint(db.Model):
    __tablename__ = "webhook_endpoints"

    id: Mapped[str] = mapped_column(String(24), primary_key=True, default=lambda: new_id("whe"))
    merchant_id: Mapped[str] = mapped_column(ForeignKey("merchants.id"), index=True)
    url: Mapped[str] = mapped_column(String(500))
    # The signing secret: kept (it must sign every delivery), shown to the shop's admins.
    secret: Mapped[str] = mapped_column(String(100), default=_secret)
    events: Mapped[list] = mapped_column(JSON, default=list)  # event types, or ["*"] for all
    active: Mapped[bool] = mapped_column(default=True)
    description: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def wants(self, event_type: str) -> bool:
        return self.active and ("*" in self.events or event_type in self.events)


class WebhookDelivery(db.Model):
    """One event for one endpoint: pending until the endpoint answers 2xx; retried with backoff."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("endpoint_id", "event_id"),
        Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
        Index("ix_webhook_deliveries_endpoint", "endpoint_id", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(24), primary_key=True, default=lambda: new_id("whd"))
    endpoint_id: Mapped[str] = mapped_column(ForeignKey("webhook_endpoints.id", ondelete="CASCADE"))
    merchant_id: Mapped[str] = mapped_column(ForeignKey("merchants.id"))
    event_id: Mapped[str] = mapped_column(String(24))
    event_type: Mapped[str] = mapped_column(String(60))
    payload: Mapped[str] = mapped_column(Text)  # the exact JSON body that is signed and sent
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending | succeeded | failed
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(default=utcnow)
    last_attempt_at: Mapped[datetime | None]
    last_status_code: Mapped[int | None]
    last_error: Mapped[str | None] = mapped_column(String(500))
    delivered_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    endpoint: Mapped[WebhookEndpoint] = relationship()
