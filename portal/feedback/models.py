"""Feedback requests (one per delivered order, settled return, settled claim or solved ticket)
and the buyer's answer to each."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import new_id, utcnow
from portal.extensions import db


class Topic(enum.StrEnum):
    """What a request asks about; its ``subject_id`` is the order, return, claim or ticket."""

    DELIVERY = "delivery"
    RETURN = "return"
    CLAIM = "claim"
    TICKET = "ticket"


class RequestStatus(enum.StrEnum):
    DUE = "due"  # waiting for the job (a delivery is asked about a day later)
    SENT = "sent"
    SKIPPED = "skipped"  # never sent (``skip_reason``), and never sent later


class SkipReason(enum.StrEnum):
    WEEKLY_LIMIT = "weekly_limit"  # the buyer was asked something else in the last seven days
    EXPIRED = "expired"  # the job reached it too long after it fell due
    ALREADY_ASKED = "already_asked"  # the ticket's own satisfaction e-mail went out before


class FeedbackRequest(db.Model):
    __tablename__ = "feedback_requests"
    __table_args__ = (
        UniqueConstraint("topic", "subject_id"),
        Index("ix_feedback_requests_status_due", "status", "due_at"),
        Index("ix_feedback_requests_customer_sent", "customer_id", "sent_at"),
        Index("ix_feedback_requests_merchant_created", "merchant_id", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(24), primary_key=True, default=lambda: new_id("fbr"))
    merchant_id: Mapped[str] = mapped_column(ForeignKey("merchants.id"))
    # The buyer at this shop (one e-mail address): at most one request a week each.
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"))
    order_id: Mapped[str | None] = mapped_column(ForeignKey("orders.id"), index=True)
    topic: Mapped[str] = mapped_column(String(16))
    subject_id: Mapped[str] = mapped_column(String(24))
    locale: Mapped[str] = mapped_column(String(5))
    status: Mapped[str] = mapped_column(String(10), default=RequestStatus.DUE.value)
    skip_reason: Mapped[str | None] = mapped_column(String(20))
    due_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    skipped_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    answer: Mapped[FeedbackAnswer | None] = relationship(back_populates="request", uselist=False)


class FeedbackAnswer(db.Model):
    """The buyer's score (1–5) and optional comment; the score can change while answers are taken."""

    __tablename__ = "feedback_answers"
    __table_args__ = (Index("ix_feedback_answers_merchant_answered", "merchant_id", "answered_at"),)

    id: Mapped[str] = mapped_column(String(24), primary_key=True, default=lambda: new_id("fba"))
    request_id: Mapped[str] = mapped_column(ForeignKey("feedback_requests.id"), unique=True)
    # Copied from the request: the console's figures group answers without a join.
    merchant_id: Mapped[str] = mapped_column(ForeignKey("merchants.id"))
    topic: Mapped[str] = mapped_column(String(16))
    locale: Mapped[str] = mapped_column(String(5))
    score: Mapped[int]
    comment: Mapped[str | None] = mapped_column(Text)
    # Opened at once for a score of 1 or 2, once per answer.
    follow_up_ticket_id: Mapped[str | None] = mapped_column(ForeignKey("tickets.id"))
    answered_at: Mapped[datetime] = mapped_column(default=utcnow)  # the first answer
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    request: Mapped[FeedbackRequest] = relationship(back_populates="answer")
