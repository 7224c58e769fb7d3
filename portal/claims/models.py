from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import new_id, utcnow
from portal.extensions import db
from portal.orders.models import Customer, Order, OrderItem


class ClaimStatus(enum.StrEnum):
    """open (the shop's turn) ⇄ countered (the buyer's turn) → accepted → resolved;
    a rejection or a declined counter-offer → escalated (support); withdrawn by the buyer."""

    OPEN = "open"
    COUNTERED = "countered"
    ACCEPTED = "accepted"
    RESOLVED = "resolved"
    ESCALATED = "escalated"
    WITHDRAWN = "withdrawn"


REMEDIES = ("price_reduction", "replacement", "repair", "cancel")
# A claim in one of these may still move money: counted against what the item can get back.
LIVE_STATUSES = (ClaimStatus.OPEN.value, ClaimStatus.COUNTERED.value)


class Claim(db.Model):
    __tablename__ = "claims"
    __table_args__ = (
        UniqueConstraint("merchant_id", "number"),
        Index("ix_claims_merchant_due", "merchant_id", "answer_due_at", "id"),
        Index("ix_claims_merchant_status", "merchant_id", "status", "answer_due_at"),
        Index("ix_claims_merchant_created", "merchant_id", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(24), primary_key=True, default=lambda: new_id("clm"))
    merchant_id: Mapped[str] = mapped_column(ForeignKey("merchants.id"))
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id"), index=True)
    order_item_id: Mapped[str] = mapped_column(ForeignKey("order_items.id"), index=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"), index=True)
    # What the buyer and the shop refer to: "<order>-C<n>".
    number: Mapped[str] = mapped_column(String(80))
    status: Mapped[str] = mapped_column(String(16), default=ClaimStatus.OPEN.value)
    remedy: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(String(4000))
    # When the buyer noticed the defect (a notice within two months of that is always in time).
    noticed_on: Mapped[date | None]
    # The shop's answer is due by then (the shop's SLA); the inbox is ordered by it.
    answer_due_at: Mapped[datetime]
    auto_accepted: Mapped[bool] = mapped_column(default=False)
    refund_id: Mapped[str | None] = mapped_column(String(24))
    # What was agreed: the amount of an accepted price reduction (0 for other remedies).
    agreed_amount: Mapped[int] = mapped_column(default=0)
    # A replacement sent (carrier, tracking number) or a repair done, with the shop's note.
    fulfilment_carrier: Mapped[str | None] = mapped_column(String(64))
    fulfilment_tracking: Mapped[str | None] = mapped_column(String(100))
    fulfilment_note: Mapped[str] = mapped_column(String(1000), default="")
    escalated_at: Mapped[datetime | None]
    accepted_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    order: Mapped[Order] = relationship()
    order_item: Mapped[OrderItem] = relationship()
    customer: Mapped[Customer] = relationship()
    offers: Mapped[list[ClaimOffer]] = relationship(
        back_populates="claim", order_by="ClaimOffer.created_at", cascade="all, delete-orphan"
    )
    photos: Mapped[list[ClaimPhoto]] = relationship(
        back_populates="claim", order_by="ClaimPhoto.position", cascade="all, delete-orphan"
    )

    @property
    def current_offer(self) -> ClaimOffer | None:
        return next((o for o in reversed(self.offers) if o.status == "open"), None)


class ClaimOffer(db.Model):
    """One step of the negotiation: the buyer's proposal or the shop's counter-offer."""

    __tablename__ = "claim_offers"

    id: Mapped[str] = mapped_column(String(24), primary_key=True, default=lambda: new_id("cof"))
    claim_id: Mapped[str] = mapped_column(ForeignKey("claims.id"), index=True)
    by: Mapped[str] = mapped_column(String(16))  # buyer | merchant
    amount: Mapped[int] = mapped_column(default=0)
    message: Mapped[str] = mapped_column(String(2000), default="")
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | accepted | declined | superseded
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]

    claim: Mapped[Claim] = relationship(back_populates="offers")


class ClaimPhoto(db.Model):
    """A photo as Apuri re-encoded it (never the uploaded bytes), with its thumbnail."""

    __tablename__ = "claim_photos"

    id: Mapped[str] = mapped_column(String(24), primary_key=True, default=lambda: new_id("pho"))
    claim_id: Mapped[str] = mapped_column(ForeignKey("claims.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    storage_key: Mapped[str] = mapped_column(String(200))
    thumb_key: Mapped[str] = mapped_column(String(200))
    width: Mapped[int]
    height: Mapped[int]
    size: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    claim: Mapped[Claim] = relationship(back_populates="photos")
