from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import new_id, utcnow
from portal.extensions import db
from portal.orders.models import Order


class RefundStatus(enum.StrEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class Refund(db.Model):
    """A ledger row: money going back to the buyer's original payment."""

    __tablename__ = "refunds"
    # The console's figures: a shop's refunds by status over a date range.
    __table_args__ = (Index("ix_refunds_merchant_status_created", "merchant_id", "status", "created_at"),)

    id: Mapped[str] = mapped_column(String(24), primary_key=True, default=lambda: new_id("ref"))
    merchant_id: Mapped[str] = mapped_column(ForeignKey("merchants.id"), index=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id"), index=True)
    amount: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3))
    source: Mapped[str] = mapped_column(String(32))  # return | claim | manual | instalment_switch
    # The return, claim or plan that decided the refund (None for manual ones).
    source_id: Mapped[str | None] = mapped_column(String(64), index=True)
    reason: Mapped[str] = mapped_column(String(500), default="")
    status: Mapped[str] = mapped_column(String(16), default=RefundStatus.PENDING.value, index=True)
    provider: Mapped[str] = mapped_column(String(32), default="simulated")
    # Attempt n of this row is sent with the key "<row id>-<n>": a repeat of the same attempt
    # (a timeout, a crash, reconcile) can never make a second refund at the provider.
    attempt: Mapped[int] = mapped_column(default=1)
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    provider_reference: Mapped[str | None] = mapped_column(String(200), index=True)
    failure_code: Mapped[str | None] = mapped_column(String(64))
    failure_reason: Mapped[str | None] = mapped_column(String(500))
    requested_by: Mapped[str] = mapped_column(String(254), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    order: Mapped[Order] = relationship()


class Charge(db.Model):
    """A ledger row: money taken from the buyer after the purchase (e.g. the price difference of
    an exchange for a dearer variant), on the card of the order's original payment."""

    __tablename__ = "charges"

    id: Mapped[str] = mapped_column(String(24), primary_key=True, default=lambda: new_id("chg"))
    merchant_id: Mapped[str] = mapped_column(ForeignKey("merchants.id"), index=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id"), index=True)
    amount: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3))
    source: Mapped[str] = mapped_column(String(32))  # exchange_difference | instalment
    source_id: Mapped[str | None] = mapped_column(String(64), index=True)
    reason: Mapped[str] = mapped_column(String(500), default="")
    status: Mapped[str] = mapped_column(String(16), default=RefundStatus.PENDING.value, index=True)
    provider: Mapped[str] = mapped_column(String(32), default="simulated")
    # Sent as the provider's idempotency key: a repeat (timeout, crash, reconcile) never charges twice.
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    # A card saved for later payments (an instalment plan's); None: the original payment's card.
    customer_reference: Mapped[str | None] = mapped_column(String(200))
    payment_method: Mapped[str | None] = mapped_column(String(200))
    # off_session: nobody is there (a scheduled charge); on_session: the buyer pays on a page and
    # may be asked by the bank to confirm (then ``client_secret`` lets the page finish it).
    mode: Mapped[str] = mapped_column(String(16), default="off_session", server_default="off_session")
    client_secret: Mapped[str | None] = mapped_column(String(300))
    provider_reference: Mapped[str | None] = mapped_column(String(200), index=True)
    failure_code: Mapped[str | None] = mapped_column(String(64))
    failure_reason: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    order: Mapped[Order] = relationship()


class StoreCreditMovement(db.Model):
    """One movement of a customer's store credit at one shop; the balance is their sum."""

    __tablename__ = "store_credit_movements"
    __table_args__ = (
        Index("ix_store_credit_customer", "customer_id", "currency", "created_at"),
        Index("ix_store_credit_merchant_kind_created", "merchant_id", "kind", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(24), primary_key=True, default=lambda: new_id("scm"))
    merchant_id: Mapped[str] = mapped_column(ForeignKey("merchants.id"), index=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"))
    order_id: Mapped[str | None] = mapped_column(ForeignKey("orders.id"), index=True)
    amount: Mapped[int]  # positive: issued; negative: redeemed
    currency: Mapped[str] = mapped_column(String(3))
    kind: Mapped[str] = mapped_column(String(16))  # issued | redeemed
    source: Mapped[str] = mapped_column(String(32), default="manual")  # return | manual | api
    source_id: Mapped[str | None] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(String(500), default="")
    # A shop's redemption may be retried safely: the same key makes no second movement.
    idempotency_key: Mapped[str | None] = mapped_column(String(100), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SimulatedTransaction(db.Model):
    """The simulated provider's own books: what a real provider would hold."""

    __tablename__ = "simulated_transactions"

    id: Mapped[str] = mapped_column(String(24), primary_key=True, default=lambda: new_id("sim"))
    kind: Mapped[str] = mapped_column(String(16))  # refund | charge
    payment_reference: Mapped[str] = mapped_column(String(200))
    amount: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3))
    idempotency_key: Mapped[str] = mapped_column(String(100), unique=True)
    status: Mapped[str] = mapped_column(String(16))  # succeeded | failed
    failure_code: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ProviderSwitch(db.Model):
    """Makes the simulated provider's next call fail or hang (tests and demos)."""

    __tablename__ = "provider_switches"

    id: Mapped[str] = mapped_column(String(24), primary_key=True, default=lambda: new_id("psw"))
    outcome: Mapped[str] = mapped_column(String(16))  # fail | hang
    failure_code: Mapped[str] = mapped_column(String(64), default="card_declined")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ProcessedEvent(db.Model):
    """A provider webhook event already applied: a replay changes nothing."""

    __tablename__ = "processed_events"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)  # the provider's event id
    provider: Mapped[str] = mapped_column(String(32))
    type: Mapped[str] = mapped_column(String(100))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
