from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import new_id, utcnow
from portal.extensions import db


class OutboxMessage(db.Model):
    """An e-mail written in the transaction that caused it, sent after the commit."""

    __tablename__ = "outbox_messages"

    id: Mapped[str] = mapped_column(String(24), primary_key=True, default=lambda: new_id("msg"))
    merchant_id: Mapped[str | None] = mapped_column(ForeignKey("merchants.id"), index=True)
    kind: Mapped[str] = mapped_column(String(64))
    # Makes a notice idempotent: "delivered" for one order is written once, however often asked.
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    recipient: Mapped[str] = mapped_column(String(254))
    locale: Mapped[str] = mapped_column(String(5))
    subject: Mapped[str] = mapped_column(String(300))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str] = mapped_column(Text)
    # Documents rendered when the message is sent, in its language: [{"kind": "return_slip", "id": ...}].
    attachments: Mapped[list] = mapped_column(JSON, default=list)
    # Where the recipient's reply goes (a ticket's support+<token>@… address), if not MAIL_FROM.
    reply_to: Mapped[str | None] = mapped_column(String(254))
    status: Mapped[str] = mapped_column(String(16), default="queued")  # queued|sent|failed|held
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    sent_at: Mapped[datetime | None]
