"""A callback request: who to call, about what, when, and how the calls went."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import new_id, utcnow
from portal.extensions import db
from portal.orders.models import Customer, Order


class CallbackStatus(enum.StrEnum):
    PENDING = "pending"  # waiting for its time slot
    NO_ANSWER = "no_answer"  # called, nobody answered; waiting for a new time
    REACHED = "reached"  # the call took place
    SOLVED = "solved"  # the call settled the matter: its ticket is solved


OPEN_STATUSES = (CallbackStatus.PENDING.value, CallbackStatus.NO_ANSWER.value)
SETTLED_STATUSES = (CallbackStatus.REACHED.value, CallbackStatus.SOLVED.value)
TOPICS = ("delivery", "return", "defect", "payment", "other")


class CallbackRequest(db.Model):
    __tablename__ = "callback_requests"
    __table_args__ = (Index("ix_callback_requests_merchant_status_slot", "merchant_id", "status", "slot_start"),)

    id: Mapped[str] = mapped_column(String(24), primary_key=True, default=lambda: new_id("cbk"))
    merchant_id: Mapped[str] = mapped_column(ForeignKey("merchants.id"))
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id"), index=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"), index=True)
    # The desk's ticket for this callback: the buyer's history, the outcomes as internal notes.
    ticket_id: Mapped[str] = mapped_column(ForeignKey("tickets.id"), index=True)
    topic: Mapped[str] = mapped_column(String(20))
    # E.164 (+358401234567), for this call only; NULL once erased (``erased_at`` says when).
    phone: Mapped[str | None] = mapped_column(String(16))
    slot_start: Mapped[datetime]
    slot_end: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(20), default=CallbackStatus.PENDING.value)
    attempts: Mapped[int] = mapped_column(default=0)  # calls nobody answered
    # Bumped by every change: a form made before someone else's change is refused, not applied.
    version: Mapped[int] = mapped_column(default=1)
    # Who changed it last ("buyer", "system" or the staff member's e-mail), for the desk.
    changed_by: Mapped[str] = mapped_column(String(254), default="buyer")
    settled_at: Mapped[datetime | None]
    erased_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    order: Mapped[Order] = relationship()
    customer: Mapped[Customer] = relationship()

    @property
    def open(self) -> bool:
        return self.status in OPEN_STATUSES
