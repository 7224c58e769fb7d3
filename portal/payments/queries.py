"""Read-only views of the ledgers for pages and API answers; nothing here writes.

The refund list of a shop (newest first, keyset-paginated) and an order's money in the
fewest queries a page can afford: ``order_money`` reuses the refunds the page has loaded
already and reads store credit once. ``services.money_summary`` is the reference; a test
keeps the two equal.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, case, func, or_, select

from portal.extensions import db
from portal.orders.models import Order
from portal.pagination import decode_cursor, encode_cursor
from portal.payments.models import Refund, RefundStatus, StoreCreditMovement
from portal.payments.services import MoneySummary

REFUND_PAGE_SIZE = 25


@dataclass(frozen=True)
class OrderMoney:
    summary: MoneySummary
    # The customer's store credit at the order's shop, by currency (what they can still spend).
    store_credit: dict[str, int]


def order_money(order: Order, refunds: list[Refund]) -> OrderMoney:
    """The order's money summary from its loaded refunds, plus store credit, in one query."""
    totals = {status.value: 0 for status in RefundStatus}
    for refund in refunds:
        totals[refund.status] = totals.get(refund.status, 0) + refund.amount
    rows = db.session.execute(
        select(
            StoreCreditMovement.currency,
            func.sum(case((StoreCreditMovement.customer_id == order.customer_id, StoreCreditMovement.amount), else_=0)),
            func.sum(
                case(
                    (
                        and_(StoreCreditMovement.order_id == order.id, StoreCreditMovement.kind == "issued"),
                        StoreCreditMovement.amount,
                    ),
                    else_=0,
                )
            ),
        )
        .where(or_(StoreCreditMovement.customer_id == order.customer_id, StoreCreditMovement.order_id == order.id))
        .group_by(StoreCreditMovement.currency)
    ).all()
    paid = order.payment.total_paid if order.payment else 0
    succeeded, pending = totals[RefundStatus.SUCCEEDED.value], totals[RefundStatus.PENDING.value]
    summary = MoneySummary(
        currency=order.currency,
        paid=paid,
        refunded=succeeded,
        pending=pending,
        failed=totals[RefundStatus.FAILED.value],
        store_credit_issued=sum(int(issued or 0) for _currency, _balance, issued in rows),
        refundable=max(0, paid - succeeded - pending),
    )
    balances = {currency: int(balance or 0) for currency, balance, _issued in rows if balance}
    return OrderMoney(summary=summary, store_credit=balances)


@dataclass(frozen=True)
class RefundRow:
    refund: Refund
    order_number: str


@dataclass(frozen=True)
class RefundPage:
    rows: list[RefundRow]
    next_cursor: str | None


def list_refunds(
    merchant_id: str,
    *,
    status: str | None = None,
    order_id: str | None = None,
    cursor: str | None = None,
    limit: int = REFUND_PAGE_SIZE,
) -> RefundPage:
    """The shop's refunds, newest first, with their order numbers; one query.

    ``status`` (pending, succeeded, failed) and ``order_id`` narrow the list; a cursor from a
    previous page continues after its last row (a malformed cursor starts from the newest).
    """
    stmt = (
        select(Refund, Order.number)
        .join(Order, and_(Refund.order_id == Order.id, Order.merchant_id == merchant_id))
        .where(Refund.merchant_id == merchant_id)
        .order_by(Refund.created_at.desc(), Refund.id.desc())
    )
    if status:
        stmt = stmt.where(Refund.status == status)
    if order_id:
        stmt = stmt.where(Refund.order_id == order_id)
    position = decode_cursor(cursor) if cursor else None
    if position:
        created_at, ident = position
        stmt = stmt.where(or_(Refund.created_at < created_at, and_(Refund.created_at == created_at, Refund.id < ident)))
    rows = [RefundRow(refund, number) for refund, number in db.session.execute(stmt.limit(limit + 1)).all()]
    last = rows[limit - 1].refund if len(rows) > limit else None
    next_cursor = encode_cursor(last.created_at, last.id) if last is not None else None
    return RefundPage(rows[:limit], next_cursor)
