"""An instalment plan: the terms the buyer accepted, frozen, and one row per instalment."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import new_id, utcnow
from portal.extensions import db
from portal.orders.models import Order


class PlanStatus(enum.StrEnum):
    AWAITING_CARD = "awaiting_card"  # terms accepted, no card saved yet: nothing has moved
    ACTIVE = "active"
    IN_ARREARS = "in_arrears"  # an instalment's charge failed and is not paid yet
    PAID_OFF = "paid_off"
    CANCELLED = "cancelled"  # left before a card was saved


LIVE_STATUSES = (PlanStatus.AWAITING_CARD.value, PlanStatus.ACTIVE.value, PlanStatus.IN_ARREARS.value)
RUNNING_STATUSES = (PlanStatus.ACTIVE.value, PlanStatus.IN_ARREARS.value)


class InstalmentStatus(enum.StrEnum):
    SCHEDULED = "scheduled"
    CHARGING = "charging"  # a charge is on its way (pending in the charge ledger)
    PAID = "paid"
    FAILED = "failed"  # the charge failed: the buyer is asked to pay on the plan's page
    SETTLED_EARLY = "settled_early"  # covered by paying the rest early


PAID_INSTALMENTS = (InstalmentStatus.PAID.value, InstalmentStatus.SETTLED_EARLY.value)
OPEN_INSTALMENTS = (InstalmentStatus.SCHEDULED.value, InstalmentStatus.CHARGING.value, InstalmentStatus.FAILED.value)


class InstalmentPlan(db.Model):
    __tablename__ = "instalment_plans"
    __table_args__ = (Index("ix_instalment_plans_merchant_status", "merchant_id", "status", "created_at"),)

    id: Mapped[str] = mapped_column(String(24), primary_key=True, default=lambda: new_id("pln"))
    merchant_id: Mapped[str] = mapped_column(ForeignKey("merchants.id"))
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id"), index=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"), index=True)
    number: Mapped[str] = mapped_column(String(80))
    status: Mapped[str] = mapped_column(String(16), default=PlanStatus.AWAITING_CARD.value)
    currency: Mapped[str] = mapped_column(String(3))
    # The terms as accepted: the credit (what was paid for the order), the plan's length and costs.
    credit: Mapped[int]
    months: Mapped[int]
    nominal_rate: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    monthly_fee: Mapped[int] = mapped_column(default=0)
    setup_fee: Mapped[int] = mapped_column(default=0)
    total_interest: Mapped[int] = mapped_column(default=0)
    total_fees: Mapped[int] = mapped_column(default=0)
    total_payable: Mapped[int]
    apr: Mapped[Decimal] = mapped_column(Numeric(6, 1))
    provider: Mapped[str] = mapped_column(String(32), default="simulated")
    # The saved card: the provider's set-up (e.g. a Stripe SetupIntent), customer and method.
    setup_reference: Mapped[str | None] = mapped_column(String(200))
    setup_secret: Mapped[str | None] = mapped_column(String(300))
    customer_reference: Mapped[str | None] = mapped_column(String(200))
    payment_method: Mapped[str | None] = mapped_column(String(200))
    card_label: Mapped[str] = mapped_column(String(100), default="")
    # The refund of the original payment down to the first instalment.
    switch_refund_id: Mapped[str | None] = mapped_column(String(24))
    terms_accepted_at: Mapped[datetime]
    terms_accepted_ip: Mapped[str] = mapped_column(String(64), default="")
    started_on: Mapped[date | None]
    withdrawal_until: Mapped[date | None]
    paid_off_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    payoff_attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    order: Mapped[Order] = relationship()
    instalments: Mapped[list[Instalment]] = relationship(
        back_populates="plan", order_by="Instalment.number", cascade="all, delete-orphan"
    )

    @property
    def live(self) -> bool:
        return self.status in LIVE_STATUSES

    @property
    def paid(self) -> int:
        return sum(i.amount_paid for i in self.instalments if i.status in PAID_INSTALMENTS)

    @property
    def left(self) -> int:
        return sum(i.amount for i in self.instalments if i.status in OPEN_INSTALMENTS)

    @property
    def overdue(self) -> list[Instalment]:
        return [i for i in self.instalments if i.status == InstalmentStatus.FAILED.value]

    @property
    def arrears(self) -> int:
        return sum(i.amount for i in self.overdue)

    @property
    def next_instalment(self) -> Instalment | None:
        return next((i for i in self.instalments if i.status in OPEN_INSTALMENTS), None)


class Instalment(db.Model):
    __tablename__ = "instalments"
    __table_args__ = (Index("ix_instalments_due", "status", "due_on"),)

    id: Mapped[str] = mapped_column(String(24), primary_key=True, default=lambda: new_id("ins"))
    plan_id: Mapped[str] = mapped_column(ForeignKey("instalment_plans.id"), index=True)
    number: Mapped[int]
    due_on: Mapped[date]
    principal: Mapped[int]
    interest: Mapped[int]
    fee: Mapped[int]
    amount: Mapped[int]
    status: Mapped[str] = mapped_column(String(16), default=InstalmentStatus.SCHEDULED.value)
    # What paid it: the original payment (the first), an off-session charge, or the buyer on the page.
    paid_by: Mapped[str | None] = mapped_column(String(24))
    # The amount actually paid for it (an early settlement pays less than the schedule said).
    amount_paid: Mapped[int] = mapped_column(default=0)
    charge_id: Mapped[str | None] = mapped_column(String(24), index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    failure_message: Mapped[str | None] = mapped_column(String(500))
    paid_at: Mapped[datetime | None]
    reminded_at: Mapped[datetime | None]

    plan: Mapped[InstalmentPlan] = relationship(back_populates="instalments")
