from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, ForeignKey, Index, Numeric, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import new_id, utcnow
from portal.extensions import db
from portal.merchants.models import Merchant


class TrackingStatus(enum.StrEnum):
    """Normalised carrier statuses (DESIGN.md), in the order a parcel usually passes them."""

    PENDING = "pending"
    INFO_RECEIVED = "info_received"
    IN_TRANSIT = "in_transit"
    OUT_FOR_DELIVERY = "out_for_delivery"
    ATTEMPT_FAIL = "attempt_fail"
    AVAILABLE_FOR_PICKUP = "available_for_pickup"
    DELIVERED = "delivered"
    EXCEPTION = "exception"
    EXPIRED = "expired"


class Customer(db.Model):
    """A buyer at one shop, known by e-mail; buyers never sign up."""

    __tablename__ = "customers"
    __table_args__ = (UniqueConstraint("merchant_id", "email"),)

    id: Mapped[str] = mapped_column(String(24), primary_key=True, default=lambda: new_id("cus"))
    merchant_id: Mapped[str] = mapped_column(ForeignKey("merchants.id"))
    email: Mapped[str] = mapped_column(String(254))
    name: Mapped[str] = mapped_column(String(200), default="")
    locale: Mapped[str] = mapped_column(String(5), default="en")
    # Bumped when one of the customer's orders is created or replaced (their order list).
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Order(db.Model):
    __tablename__ = "orders"
    __table_args__ = (
        UniqueConstraint("merchant_id", "number"),
        Index("ix_orders_merchant_placed", "merchant_id", "placed_at", "id"),
        Index("ix_orders_customer", "customer_id", "placed_at"),
        Index("ix_orders_merchant_promised", "merchant_id", "promised_delivery_date"),
    )

    id: Mapped[str] = mapped_column(String(24), primary_key=True, default=lambda: new_id("ord"))
    merchant_id: Mapped[str] = mapped_column(ForeignKey("merchants.id"))
    number: Mapped[str] = mapped_column(String(64))
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"))
    placed_at: Mapped[datetime]
    currency: Mapped[str] = mapped_column(String(3))
    locale: Mapped[str] = mapped_column(String(5))
    shipping_amount: Mapped[int] = mapped_column(default=0)
    ship_name: Mapped[str] = mapped_column(String(200), default="")
    ship_street: Mapped[str] = mapped_column(String(300), default="")
    ship_postal_code: Mapped[str] = mapped_column(String(20), default="")
    ship_city: Mapped[str] = mapped_column(String(120), default="")
    ship_country: Mapped[str] = mapped_column(String(2), default="")
    promised_delivery_date: Mapped[date | None]
    # The furthest normalised tracking status of the order's shipments (None: not shipped).
    delivery_status: Mapped[str | None] = mapped_column(String(32))
    delivered_at: Mapped[datetime | None]
    late_notified_at: Mapped[datetime | None]
    # Cancelled by the buyer before it was sent (where the shop allows it): fully refunded.
    cancelled_at: Mapped[datetime | None]
    # Bumped by every change the buyer can see; keys the rendered-page cache.
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    merchant: Mapped[Merchant] = relationship()
    customer: Mapped[Customer] = relationship()
    items: Mapped[list[OrderItem]] = relationship(
        back_populates="order", order_by="OrderItem.position", cascade="all, delete-orphan"
    )
    payment: Mapped[Payment | None] = relationship(back_populates="order", cascade="all, delete-orphan")
    shipments: Mapped[list[Shipment]] = relationship(
        back_populates="order", order_by="Shipment.created_at", cascade="all, delete-orphan"
    )

    @property
    def items_total(self) -> int:
        return sum(item.line_total for item in self.items)

    @property
    def total(self) -> int:
        return self.items_total + self.shipping_amount


class OrderItem(db.Model):
    __tablename__ = "order_items"

    id: Mapped[str] = mapped_column(String(24), primary_key=True, default=lambda: new_id("itm"))
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id"), index=True)
    line_id: Mapped[str] = mapped_column(String(64))
    position: Mapped[int] = mapped_column(default=0)
    sku: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(300))
    quantity: Mapped[int]
    unit_price: Mapped[int]
    tax_rate: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal("0"))
    attributes: Mapped[dict] = mapped_column(JSON, default=dict)
    # The shop's product category (e.g. "hygiene"): some categories are not taken back.
    category: Mapped[str | None] = mapped_column(String(100))

    order: Mapped[Order] = relationship(back_populates="items")

    @property
    def line_total(self) -> int:
        return self.unit_price * self.quantity


class Payment(db.Model):
    __tablename__ = "payments"

    id: Mapped[str] = mapped_column(String(24), primary_key=True, default=lambda: new_id("pay"))
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id"), unique=True)
    provider: Mapped[str] = mapped_column(String(32))
    reference: Mapped[str] = mapped_column(String(200), default="")
    method: Mapped[str] = mapped_column(String(32), default="card")
    captured: Mapped[int] = mapped_column(default=0)
    # Taken later on the same card through Apuri's charge ledger (e.g. an exchange's difference).
    charged: Mapped[int] = mapped_column(default=0)
    currency: Mapped[str] = mapped_column(String(3))

    @property
    def total_paid(self) -> int:
        """What the buyer has paid on this payment: the shop's capture and Apuri's later charges."""
        return self.captured + self.charged

    order: Mapped[Order] = relationship(back_populates="payment")


class Shipment(db.Model):
    __tablename__ = "shipments"
    __table_args__ = (
        # The parcels still on their way (a few thousand of a million): the console's count of
        # quiet parcels and the staleness job read these without scanning every shipment.
        Index(
            "ix_shipments_undelivered",
            "merchant_id",
            "tracking_stale_since",
            postgresql_where=text("delivered_at IS NULL"),
            sqlite_where=text("delivered_at IS NULL"),
        ),
    )

    id: Mapped[str] = mapped_column(String(24), primary_key=True, default=lambda: new_id("shp"))
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id"), index=True)
    merchant_id: Mapped[str] = mapped_column(ForeignKey("merchants.id"), index=True)
    carrier: Mapped[str] = mapped_column(String(64))
    tracking_number: Mapped[str] = mapped_column(String(100))
    estimated_delivery: Mapped[date | None]
    status: Mapped[str] = mapped_column(String(32), default=TrackingStatus.PENDING.value)
    delivered_at: Mapped[datetime | None]
    # Set by the tracking-staleness job when the carrier has said nothing for TRACKING_STALE_HOURS;
    # cleared by the next carrier event.
    tracking_stale_since: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    order: Mapped[Order] = relationship(back_populates="shipments")
    events: Mapped[list[TrackingEvent]] = relationship(
        back_populates="shipment",
        order_by="TrackingEvent.occurred_at",
        cascade="all, delete-orphan",
    )


class TrackingEvent(db.Model):
    __tablename__ = "tracking_events"

    id: Mapped[str] = mapped_column(String(24), primary_key=True, default=lambda: new_id("evt"))
    shipment_id: Mapped[str] = mapped_column(ForeignKey("shipments.id"), index=True)
    status: Mapped[str] = mapped_column(String(32))
    occurred_at: Mapped[datetime]
    location: Mapped[str | None] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    shipment: Mapped[Shipment] = relationship(back_populates="events")
