from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import new_id, utcnow
from portal.extensions import db
from portal.orders.models import Customer, Order, OrderItem


class ReturnStatus(enum.StrEnum):
    """requested → approved → received → refunded | exchanged; rejected; cancelled (DESIGN.md).

    Receiving settles in the same click, so ``received`` is only seen if settlement is
    interrupted; ``refunded`` covers money to the payment and store credit alike.
    """

    REQUESTED = "requested"
    APPROVED = "approved"
    RECEIVED = "received"
    REFUNDED = "refunded"
    EXCHANGED = "exchanged"
    REJECTED = "rejected"
    CANCELLED = "cancelled"


OPEN_STATUSES = (ReturnStatus.REQUESTED.value, ReturnStatus.APPROVED.value, ReturnStatus.RECEIVED.value)
_OPEN_PREDICATE = "status IN (" + ", ".join(f"'{status}'" for status in OPEN_STATUSES) + ")"
# A return in one of these still holds its items: they cannot be returned a second time.
HOLDING_STATUSES = OPEN_STATUSES + (ReturnStatus.REFUNDED.value, ReturnStatus.EXCHANGED.value)


class Resolution(enum.StrEnum):
    REFUND = "refund"
    STORE_CREDIT = "store_credit"
    EXCHANGE = "exchange"


class ReturnRequest(db.Model):
    __tablename__ = "returns"
    __table_args__ = (
        UniqueConstraint("merchant_id", "number"),
        Index("ix_returns_merchant_created", "merchant_id", "created_at", "id"),
        Index("ix_returns_merchant_status", "merchant_id", "status", "created_at"),
        # The queue of open returns, oldest first, straight from the index (not by filtering the
        # shop's whole history): the predicate is the queue's own condition (OPEN_STATUSES).
        Index(
            "ix_returns_merchant_open",
            "merchant_id",
            "created_at",
            "id",
            postgresql_where=text(_OPEN_PREDICATE),
            sqlite_where=text(_OPEN_PREDICATE),
        ),
    )

    id: Mapped[str] = mapped_column(String(24), primary_key=True, default=lambda: new_id("ret"))
    merchant_id: Mapped[str] = mapped_column(ForeignKey("merchants.id"))
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id"), index=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"), index=True)
    # What the buyer writes on the parcel and the shop searches for: "<order>-R<n>".
    number: Mapped[str] = mapped_column(String(80))
    status: Mapped[str] = mapped_column(String(16), default=ReturnStatus.REQUESTED.value)
    comment: Mapped[str] = mapped_column(String(1000), default="")
    # Within the withdrawal window when asked (the law's 14 days or the shop's longer window).
    within_window: Mapped[bool] = mapped_column(default=True)
    # The last items of the order, all within the window: the standard delivery goes back too.
    whole_order: Mapped[bool] = mapped_column(default=False)
    shipping_refund: Mapped[int] = mapped_column(default=0)
    # The law: the money is due within 14 days of the notice.
    refund_due_on: Mapped[date]
    auto_approved: Mapped[bool] = mapped_column(default=False)
    decision_message: Mapped[str] = mapped_column(String(1000), default="")
    # Settlement, written once when received.
    refund_amount: Mapped[int] = mapped_column(default=0)
    store_credit_amount: Mapped[int] = mapped_column(default=0)
    store_credit_bonus: Mapped[int] = mapped_column(default=0)
    restocking_fees: Mapped[int] = mapped_column(default=0)
    refund_id: Mapped[str | None] = mapped_column(String(24))
    # An exchange for a dearer variant: the buyer pays the difference on the original card when
    # asking (charge ledger); the shop decides once it is paid; a failed payment withdraws it.
    difference_due: Mapped[int] = mapped_column(default=0)
    difference_status: Mapped[str | None] = mapped_column(String(16))  # pending | paid | failed | refunded
    difference_charge_id: Mapped[str | None] = mapped_column(String(24))
    exchange_order_id: Mapped[str | None] = mapped_column(ForeignKey("orders.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    approved_at: Mapped[datetime | None]
    rejected_at: Mapped[datetime | None]
    received_at: Mapped[datetime | None]
    settled_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    order: Mapped[Order] = relationship(foreign_keys=[order_id])
    customer: Mapped[Customer] = relationship()
    exchange_order: Mapped[Order | None] = relationship(foreign_keys=[exchange_order_id])
    items: Mapped[list[ReturnItem]] = relationship(
        back_populates="return_request", order_by="ReturnItem.position", cascade="all, delete-orphan"
    )

    @property
    def value(self) -> int:
        return sum(item.value for item in self.items)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class ReturnItem(db.Model):
    __tablename__ = "return_items"

    id: Mapped[str] = mapped_column(String(24), primary_key=True, default=lambda: new_id("rti"))
    return_id: Mapped[str] = mapped_column(ForeignKey("returns.id"), index=True)
    order_item_id: Mapped[str] = mapped_column(ForeignKey("order_items.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    quantity: Mapped[int]
    unit_price: Mapped[int]
    reason: Mapped[str] = mapped_column(String(40))
    resolution: Mapped[str] = mapped_column(String(16))
    # Exchange: the variant asked for (its stock is reserved until received or released).
    exchange_sku: Mapped[str | None] = mapped_column(String(100))
    exchange_unit_price: Mapped[int | None]
    # Set when received: accepted | damaged, and the restocking fee taken for damage.
    condition: Mapped[str | None] = mapped_column(String(16))
    restocking_fee: Mapped[int] = mapped_column(default=0)

    return_request: Mapped[ReturnRequest] = relationship(back_populates="items")
    order_item: Mapped[OrderItem] = relationship()

    @property
    def value(self) -> int:
        return self.unit_price * self.quantity
