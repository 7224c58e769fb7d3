"""What the merchant console reads: always within one shop, never another shop's rows.

Merchant staff work on their own shop only; platform staff (support, platform admins)
pick a shop, and may read the outbox of every shop.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select

from portal.accounts.models import Role, ServedShop, User
from portal.accounts.services import served_shops, serves
from portal.audit.models import AuditEntry
from portal.buyers.services import OrderSummary, summarise
from portal.errors import Forbidden, NotFound
from portal.extensions import db
from portal.merchants.models import Merchant
from portal.notifications.models import OutboxMessage
from portal.orders import policy
from portal.orders.models import Order, OrderItem
from portal.orders.services import get_order, list_orders, merchant_today
from portal.payments.models import Refund, RefundStatus
from portal.payments.queries import RefundPage, list_refunds

OUTBOX_PAGE_SIZE = 100


def shop_for(user: User, requested_slug: str | None) -> Merchant | None:
    """The shop this staff member works on now.

    Merchant staff: always their own (a requested slug is ignored). Support agents: one of
    the shops they serve (the only one without asking, when they serve one); platform admins:
    any shop. None while they have not chosen yet; NotFound for an unknown slug, Forbidden for
    a shop the agent does not serve.
    """
    if user.role.is_merchant_role:
        merchant = db.session.get(Merchant, user.merchant_id) if user.merchant_id else None
        if merchant is None:
            raise Forbidden()
        return merchant
    slug = (requested_slug or "").strip().lower()
    if not slug:
        if user.role == Role.SUPPORT_AGENT:
            served = served_shops(user)
            return served[0] if len(served) == 1 else None
        return None
    merchant = db.session.scalar(select(Merchant).where(Merchant.slug == slug))
    if merchant is None:
        raise NotFound()
    if not serves(user, merchant.id):
        raise Forbidden(_l("You do not serve this shop. A platform admin can add it to your shops."))
    return merchant


def shops(user: User) -> list[Merchant]:
    """The shops this staff member may choose from, by name (support agents: those they serve)."""
    return served_shops(user)


@dataclass(frozen=True)
class OrderRow:
    order: Order
    total: int
    late: bool


@dataclass(frozen=True)
class OrderRows:
    rows: list[OrderRow]
    next_cursor: str | None


def order_rows(merchant: Merchant, *, query: str = "", cursor: str | None = None, quiet: bool = False) -> OrderRows:
    """One page of the shop's orders (newest first) with totals and the late flag, in 4 queries;
    ``quiet``: only those with a parcel the carrier has gone quiet about."""
    page = list_orders(merchant.id, query=query, cursor=cursor, quiet=quiet)
    ids = [order.id for order in page.orders]
    items_total: dict[str, int] = {}
    if ids:
        items_total = dict(
            db.session.execute(
                select(OrderItem.order_id, func.sum(OrderItem.unit_price * OrderItem.quantity))
                .join(Order, OrderItem.order_id == Order.id)
                .where(Order.merchant_id == merchant.id, OrderItem.order_id.in_(ids))
                .group_by(OrderItem.order_id)
            ).all()
        )
    today = merchant_today(merchant)
    rows = [
        OrderRow(
            order=order,
            total=int(items_total.get(order.id) or 0) + order.shipping_amount,
            late=policy.is_late(order.promised_delivery_date, order.delivery_status, today),
        )
        for order in page.orders
    ]
    return OrderRows(rows, page.next_cursor)


@dataclass(frozen=True)
class StaffOrderView:
    order: Order
    summary: OrderSummary
    audit: list[AuditEntry]


def order_for_staff(merchant: Merchant, number: str) -> StaffOrderView:
    """The order ``number`` of this shop with its summary and audit trail; NotFound otherwise
    (also for another shop's number: the answer never tells whether it exists elsewhere)."""
    order = get_order(merchant.id, number)
    return StaffOrderView(order=order, summary=summarise(order, with_other_orders=False), audit=audit_trail(order))


REFUND_FILTERS = tuple(status.value for status in RefundStatus)


def refund_rows(merchant: Merchant, *, status: str | None = None, cursor: str | None = None) -> RefundPage:
    """One page of the shop's refunds, newest first, optionally of one status (an unknown one
    shows them all)."""
    return list_refunds(merchant.id, status=status if status in REFUND_FILTERS else None, cursor=cursor)


def audit_trail(order: Order) -> list[AuditEntry]:
    """Audit entries about the order, its shipments and its refunds, newest first."""
    shipment_ids = [shipment.id for shipment in order.shipments]
    about = AuditEntry.subject_type == "order"
    about = and_(about, AuditEntry.subject_id == order.id)
    if shipment_ids:
        about = or_(about, and_(AuditEntry.subject_type == "shipment", AuditEntry.subject_id.in_(shipment_ids)))
    refund_ids = select(Refund.id).where(Refund.order_id == order.id, Refund.merchant_id == order.merchant_id)
    about = or_(about, and_(AuditEntry.subject_type == "refund", AuditEntry.subject_id.in_(refund_ids)))
    return list(
        db.session.scalars(
            select(AuditEntry)
            .where(AuditEntry.merchant_id == order.merchant_id, about)
            .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
        )
    )


def _outbox_scope(user: User, merchant: Merchant | None):
    """Merchant staff see their shop's mail; support agents their shops' mail; platform admins all; one shop's if chosen."""
    if user.role.is_merchant_role:
        return OutboxMessage.merchant_id == user.merchant_id
    if merchant is not None:
        return OutboxMessage.merchant_id == merchant.id
    if user.role == Role.SUPPORT_AGENT:  # every shop they serve
        served = select(ServedShop.merchant_id).where(ServedShop.user_id == user.id)
        return OutboxMessage.merchant_id.in_(served)
    return None


def outbox(user: User, merchant: Merchant | None, *, limit: int = OUTBOX_PAGE_SIZE) -> list[OutboxMessage]:
    """The newest messages in the outbox that this staff member may read."""
    stmt = select(OutboxMessage).order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc()).limit(limit)
    scope = _outbox_scope(user, merchant)
    if scope is not None:
        stmt = stmt.where(scope)
    return list(db.session.scalars(stmt))


def outbox_message(user: User, message_id: str) -> OutboxMessage:
    """One message this staff member may read, or NotFound (also for another shop's)."""
    stmt = select(OutboxMessage).where(OutboxMessage.id == message_id)
    scope = _outbox_scope(user, None)
    if scope is not None:
        stmt = stmt.where(scope)
    message = db.session.scalar(stmt)
    if message is None:
        raise NotFound()
    return message


def shop_names(merchant_ids: set[str | None]) -> dict[str, str]:
    """Shop names by id, for lists that span shops (platform staff)."""
    ids = {merchant_id for merchant_id in merchant_ids if merchant_id}
    if not ids:
        return {}
    return dict(db.session.execute(select(Merchant.id, Merchant.name).where(Merchant.id.in_(ids))).all())


def history_of(subject_type: str, subject_id: str, merchant_id: str, refund_id: str | None) -> list[AuditEntry]:
    """What happened to a return or a claim (and to its refund), newest first."""
    Entry = AuditEntry  # noqa: N806

    about = and_(Entry.subject_type == subject_type, Entry.subject_id == subject_id)
    if refund_id:
        about = or_(about, and_(Entry.subject_type == "refund", Entry.subject_id == refund_id))
    return list(
        db.session.scalars(
            select(Entry)
            .where(Entry.merchant_id == merchant_id, about)
            .order_by(Entry.created_at.desc(), Entry.id.desc())
        )
    )


def refund_row(merchant_id: str, refund_id: str | None):
    """The ledger row a return or a claim started, if any (the shop's own only)."""
    from portal.payments.models import Refund

    if not refund_id:
        return None
    return db.session.scalar(select(Refund).where(Refund.id == refund_id, Refund.merchant_id == merchant_id))
