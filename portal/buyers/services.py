"""What the buyer sees of an order: one summary used by the HTML page and the buyer API."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.extensions import db
from portal.orders import policy
from portal.orders.models import Order
from portal.orders.services import merchant_today, refunds_of
from portal.payments.models import Refund, RefundStatus
from portal.payments.queries import order_money
from portal.payments.services import MoneySummary

if TYPE_CHECKING:
    from portal.claims.models import Claim
    from portal.claims.services import ClaimOptions


@dataclass
class OrderSummary:
    order: Order
    today: date
    late: bool
    status: str
    refund_state: str | None
    refunded: int
    refunds: list[Refund]
    # Paid, refunded, on its way, failed, store credit given and what can still be refunded.
    money: MoneySummary
    # The customer's store credit at this shop by currency (their balance, not this order's).
    store_credit: dict[str, int]
    timeline: list[policy.TimelineEntry]
    other_orders: list[Order] = field(default_factory=list)
    # The order's returns, oldest first, and what may be returned now (with reasons when not).
    returns: list = field(default_factory=list)
    return_options: Any = None
    # The moment the summary describes (None: now); the claim options are decided for it.
    now: datetime | None = None

    @cached_property
    def claims(self) -> list[Claim]:
        """The order's defect claims, oldest first.

        Read on first use: the order page shows them, the API and the console do not yet.
        """
        from portal.claims import services as claims

        return claims.claims_of_order(self.order.id)

    @cached_property
    def claim_options(self) -> ClaimOptions:
        """Whether a defect can be reported now and until when, item by item (read on first use)."""
        from portal.claims import services as claims

        return claims.options(
            self.order, now=self.now, returns=self.returns, claims=self.claims, refundable=self.money.refundable
        )

    @cached_property
    def plan(self):
        """The order's instalment plan (live or paid off), if any."""
        from portal.instalments.services import plan_of_order

        return plan_of_order(self.order.id)

    @cached_property
    def instalment_options(self):
        """Whether the order may switch to instalments now, from what the summary has read."""
        from portal.instalments.services import options

        return options(
            self.order, now=self.now, plan=self.plan, refunds=self.refunds, returns=self.returns, claims=self.claims
        )

    @property
    def captured(self) -> int:
        return self.order.payment.total_paid if self.order.payment else 0

    @property
    def tracking(self) -> list:
        return self.order.shipments


PAYMENT_METHODS = {
    "card": _l("Card"),
    "bank": _l("Online bank"),
    "invoice": _l("Invoice"),
    "mobilepay": _l("MobilePay"),
    "vipps": _l("Vipps"),
    "swish": _l("Swish"),
    "klarna": _l("Klarna"),
}


def payment_method_label(method: str) -> str:
    return str(PAYMENT_METHODS.get(method, method))


def summarise(order: Order, *, now: datetime | None = None, with_other_orders: bool = True) -> OrderSummary:
    """Everything the order page shows, in a fixed number of queries whatever the order's size."""
    today = merchant_today(order.merchant, now)
    late = order.cancelled_at is None and policy.is_late(order.promised_delivery_date, order.delivery_status, today)
    refunds = refunds_of(order.id)
    refunded = sum(r.amount for r in refunds if r.status == RefundStatus.SUCCEEDED.value)
    switched = sum(
        r.amount for r in refunds if r.status == RefundStatus.SUCCEEDED.value and r.source == "instalment_switch"
    )
    money = order_money(order, refunds)
    captured = order.payment.total_paid if order.payment else 0
    timeline = [policy.TimelineEntry(at=order.placed_at, status="placed", label=str(_l("Order placed and paid")))]
    for shipment in order.shipments:
        timeline.append(
            policy.TimelineEntry(
                # Shops may report a shipment after the carrier's first scans.
                at=min([shipment.created_at] + [e.occurred_at for e in shipment.events]),
                status="shipment_created",
                label=str(_l("Shipment created with %(carrier)s", carrier=shipment.carrier)),
                carrier=shipment.carrier,
            )
        )
        for event in shipment.events:
            timeline.append(
                policy.TimelineEntry(
                    at=event.occurred_at,
                    status=event.status,
                    label=policy.status_label(event.status),
                    location=event.location,
                    description=event.description,
                    carrier=shipment.carrier,
                )
            )
    # Newest first; at the same moment a carrier event goes above the step that led to it.
    rank = {"placed": 0, "shipment_created": 1}
    timeline.sort(key=lambda entry: (entry.at, rank.get(entry.status, 2)), reverse=True)
    other_orders: list[Order] = []
    if with_other_orders:
        other_orders = list(
            db.session.scalars(
                select(Order)
                .where(
                    Order.customer_id == order.customer_id,
                    Order.merchant_id == order.merchant_id,
                    Order.id != order.id,
                )
                .order_by(Order.placed_at.desc())
                .limit(20)
            )
        )
    from portal.returns import services as returns

    order_returns = returns.returns_of_order(order.id)
    return OrderSummary(
        returns=order_returns,
        return_options=returns.options(order, now=now, returns=order_returns),
        order=order,
        today=today,
        late=late,
        status=policy.buyer_status(order.delivery_status, late, order.cancelled_at is not None),
        # Money back because the order switched to instalments is not a refund of the purchase.
        refund_state=policy.refund_state(refunded - switched, captured - switched),
        refunded=refunded,
        refunds=refunds,
        money=money.summary,
        store_credit=money.store_credit,
        timeline=timeline,
        other_orders=other_orders,
        now=now,
    )
