"""Support tickets: what self-service could not settle, with the SLA's due times on each."""

from __future__ import annotations

import enum
import secrets
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import new_id, utcnow
from portal.extensions import db
from portal.orders.models import Customer, Order


class TicketStatus(enum.StrEnum):
    NEW = "new"  # nobody has answered yet
    OPEN = "open"  # being worked on, or the buyer wrote again
    WAITING_ON_BUYER = "waiting_on_buyer"
    SOLVED = "solved"
    CLOSED = "closed"


ACTIVE_STATUSES = (TicketStatus.NEW.value, TicketStatus.OPEN.value, TicketStatus.WAITING_ON_BUYER.value)
PRIORITIES = ("low", "normal", "high", "urgent")
SOURCES = ("contact_form", "escalation", "email", "api", "assistant", "callback", "chat", "feedback")


def _reply_token() -> str:
    return secrets.token_hex(8)


class Ticket(db.Model):
    __tablename__ = "tickets"
    __table_args__ = (
        Index("ix_tickets_merchant_status", "merchant_id", "status", "first_response_due_at"),
        Index("ix_tickets_assignee", "assignee_id", "status"),
        Index("ix_tickets_merchant_created", "merchant_id", "created_at"),
        # The solved queue, last changed first (updated_at, id): read in index order.
        Index("ix_tickets_merchant_updated", "merchant_id", "updated_at", "id"),
    )

    id: Mapped[str] = mapped_column(String(24), primary_key=True, default=lambda: new_id("tkt"))
    merchant_id: Mapped[str] = mapped_column(ForeignKey("merchants.id"))
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"), index=True)
    order_id: Mapped[str | None] = mapped_column(ForeignKey("orders.id"), index=True)
    number: Mapped[str] = mapped_column(String(16), unique=True)
    subject: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), default=TicketStatus.NEW.value)
    priority: Mapped[str] = mapped_column(String(10), default="normal")
    source: Mapped[str] = mapped_column(String(20), default="contact_form")
    # What the ticket is about when it came from self-service (claim, return, order).
    about_type: Mapped[str | None] = mapped_column(String(20))
    about_id: Mapped[str | None] = mapped_column(String(24))
    queue: Mapped[str] = mapped_column(String(20), default="support")  # support | team_lead
    assignee_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    locale: Mapped[str] = mapped_column(String(5), default="en")
    # In the reply address and subject of every e-mail: a reply lands on this ticket.
    reply_token: Mapped[str] = mapped_column(String(32), unique=True, default=_reply_token)
    first_response_due_at: Mapped[datetime]
    resolution_due_at: Mapped[datetime]
    first_responded_at: Mapped[datetime | None]
    solved_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    warned_at: Mapped[datetime | None]
    breached_at: Mapped[datetime | None]
    # The one-question satisfaction survey after solving: 1–5 and an optional comment.
    survey_sent_at: Mapped[datetime | None]
    csat_rating: Mapped[int | None]
    csat_comment: Mapped[str | None] = mapped_column(Text)
    csat_at: Mapped[datetime | None]
    # A follow-up opened for the team lead after a poor rating.
    follow_up_of: Mapped[str | None] = mapped_column(String(24))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    customer: Mapped[Customer] = relationship()
    order: Mapped[Order | None] = relationship()
    messages: Mapped[list[TicketMessage]] = relationship(
        back_populates="ticket", order_by="TicketMessage.created_at", cascade="all, delete-orphan"
    )

    @property
    def active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def public_messages(self) -> list[TicketMessage]:
        return [m for m in self.messages if not m.internal]


class TicketMessage(db.Model):
    __tablename__ = "ticket_messages"

    id: Mapped[str] = mapped_column(String(24), primary_key=True, default=lambda: new_id("tmg"))
    ticket_id: Mapped[str] = mapped_column(ForeignKey("tickets.id"), index=True)
    author_kind: Mapped[str] = mapped_column(String(10))  # buyer | staff | system
    author_id: Mapped[str | None] = mapped_column(String(24))
    author_label: Mapped[str] = mapped_column(String(254), default="")
    body: Mapped[str] = mapped_column(Text)
    internal: Mapped[bool] = mapped_column(default=False)  # a note between staff, never shown to the buyer
    via: Mapped[str] = mapped_column(String(10), default="portal")  # portal | email | api
    # The Message-ID of an e-mail that became this message: the same e-mail twice lands once.
    email_message_id: Mapped[str | None] = mapped_column(String(300), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    ticket: Mapped[Ticket] = relationship(back_populates="messages")
    attachments: Mapped[list[TicketAttachment]] = relationship(
        back_populates="message", order_by="TicketAttachment.position", cascade="all, delete-orphan"
    )


class TicketAttachment(db.Model):
    """A photo the buyer sent with a message, as Apuri re-encoded it (never the uploaded bytes)."""

    __tablename__ = "ticket_attachments"

    id: Mapped[str] = mapped_column(String(24), primary_key=True, default=lambda: new_id("tat"))
    ticket_id: Mapped[str] = mapped_column(ForeignKey("tickets.id"), index=True)
    message_id: Mapped[str] = mapped_column(ForeignKey("ticket_messages.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    storage_key: Mapped[str] = mapped_column(String(200))
    thumb_key: Mapped[str] = mapped_column(String(200))
    width: Mapped[int]
    height: Mapped[int]
    size: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    message: Mapped[TicketMessage] = relationship(back_populates="attachments")


class CannedReply(db.Model):
    """A prepared answer in one language; placeholders {name} and {order} are filled when used."""

    __tablename__ = "canned_replies"
    __table_args__ = (Index("ix_canned_replies_merchant_locale", "merchant_id", "locale"),)

    id: Mapped[str] = mapped_column(String(24), primary_key=True, default=lambda: new_id("cnr"))
    merchant_id: Mapped[str] = mapped_column(ForeignKey("merchants.id"))
    locale: Mapped[str] = mapped_column(String(5))
    title: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
