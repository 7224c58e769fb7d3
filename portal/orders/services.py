"""Orders: created and replaced by shops, shipped and tracked, read by buyers and staff."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from pydantic import ValidationError
from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from portal.actors import Actor
from portal.audit import services as audit
from portal.db import lock_one, unit_of_work, utcnow
from portal.errors import Conflict, NotFound, ValidationFailed
from portal.extensions import db
from portal.feedback.services import feedback_due
from portal.merchants.models import Merchant
from portal.notifications.services import queue_email
from portal.orders import policy
from portal.orders.models import Customer, Order, OrderItem, Payment, Shipment, TrackingEvent, TrackingStatus
from portal.orders.schemas import OrderIn, ShipmentIn, TrackingEventIn
from portal.pagination import decode_cursor, encode_cursor
from portal.payments.models import Refund, RefundStatus
from portal.validation import validation_failed


def parse_order(document: object) -> OrderIn:
    """Validate an order document; ValidationFailed names each bad field."""
    try:
        order_in = OrderIn.model_validate(document)
    except ValidationError as exc:
        raise validation_failed(exc) from None
    total = sum(i.unit_price * i.quantity for i in order_in.items) + order_in.shipping.amount
    if order_in.payment.captured > total:
        raise ValidationFailed(fields={"payment.captured": [_l("Cannot be more than the order total.")]})
    return order_in


def _snapshot(order: Order) -> dict:
    return {
        "number": order.number,
        "customer": order.customer.email if order.customer else None,
        "items": [[i.line_id, i.sku, i.quantity, i.unit_price] for i in order.items],
        "shipping": order.shipping_amount,
        "captured": order.payment.captured if order.payment else 0,
        "promised_delivery_date": order.promised_delivery_date.isoformat() if order.promised_delivery_date else None,
    }


def _customer_for(merchant_id: str, email: str, name: str, locale: str) -> Customer:
    email = email.strip().lower()
    customer = db.session.scalar(select(Customer).where(Customer.merchant_id == merchant_id, Customer.email == email))
    if customer is None:
        customer = Customer(merchant_id=merchant_id, email=email, name=name, locale=locale)
        db.session.add(customer)
        db.session.flush()
    else:
        customer.name = name or customer.name
        customer.locale = locale
        customer.version += 1
    return customer


def upsert_order(merchant: Merchant, number: str, document: object, *, actor: Actor) -> tuple[Order, bool]:
    """Create the order ``number`` or replace it (idempotent). Returns (order, created).

    Replacing keeps shipments, tracking and refunds: those are facts the shop reports apart.
    """
    number = (number or "").strip()
    if not number or len(number) > 64:
        raise ValidationFailed(fields={"number": [_l("An order number of 1–64 characters is required.")]})
    order_in = parse_order(document)
    with unit_of_work():
        order = db.session.scalar(
            select(Order).where(Order.merchant_id == merchant.id, Order.number == number).with_for_update()
        )
        created = order is None
        before = None if created else _snapshot(order)
        customer = _customer_for(merchant.id, order_in.customer.email, order_in.customer.name, order_in.locale)
        if created:
            order = Order(merchant_id=merchant.id, number=number, version=1)
            db.session.add(order)
        else:
            refunded = db.session.scalar(
                select(func.coalesce(func.sum(Refund.amount), 0)).where(
                    Refund.order_id == order.id,
                    Refund.status.in_([RefundStatus.PENDING.value, RefundStatus.SUCCEEDED.value]),
                )
            )
            charged = order.payment.charged if order.payment else 0
            if order_in.payment.captured + charged < refunded:
                raise ValidationFailed(
                    fields={"payment.captured": [_l("Cannot be less than what has already been refunded.")]}
                )
            _keep_returned_items(order, order_in)
            order.version += 1
        if not created and order.customer_id != customer.id:
            order.customer.version += 1  # the previous customer's order list changes too
        order.customer = customer
        order.placed_at = order_in.placed_at
        order.currency = order_in.currency
        order.locale = order_in.locale
        order.shipping_amount = order_in.shipping.amount
        address = order_in.shipping.address
        order.ship_name = address.name
        order.ship_street = address.street
        order.ship_postal_code = address.postal_code
        order.ship_city = address.city
        order.ship_country = address.country
        order.promised_delivery_date = order_in.promised_delivery_date
        order.updated_at = utcnow()
        _replace_items(order, order_in)
        if order.payment is None:
            order.payment = Payment(provider=order_in.payment.provider, currency=order_in.currency)
        order.payment.provider = order_in.payment.provider
        order.payment.reference = order_in.payment.reference
        order.payment.method = order_in.payment.method
        order.payment.captured = order_in.payment.captured
        order.payment.currency = order_in.currency
        db.session.flush()
        audit.record(
            actor,
            "order.created" if created else "order.replaced",
            "order",
            order.id,
            merchant_id=merchant.id,
            before=before,
            after=_snapshot(order),
        )
    return order, created


def _keep_returned_items(order: Order, order_in: OrderIn) -> None:
    """A replacement may not drop an item a buyer is returning, nor go below what they return."""
    from portal.returns.services import held_quantities

    held = held_quantities(order.id)
    if not held:
        return
    quantities = {item_in.id: item_in.quantity for item_in in order_in.items}
    for item in order.items:
        returned = held.get(item.id, 0)
        if returned and quantities.get(item.line_id, 0) < returned:
            raise Conflict(
                _l(
                    "Item %(item)s is being returned (%(quantity)s pcs); the order cannot drop it or go below that.",
                    item=item.line_id,
                    quantity=returned,
                ),
                code="item_in_return",
            )


def _replace_items(order: Order, order_in: OrderIn) -> None:
    existing = {item.line_id: item for item in order.items}
    kept = []
    for position, item_in in enumerate(order_in.items):
        item = existing.get(item_in.id) or OrderItem(line_id=item_in.id)
        item.position = position
        item.sku = item_in.sku
        item.name = item_in.name
        item.quantity = item_in.quantity
        item.unit_price = item_in.unit_price
        item.tax_rate = item_in.tax_rate
        item.attributes = dict(item_in.attributes)
        item.category = item_in.category or None
        kept.append(item)
    order.items = kept


def get_order(merchant_id: str, number: str) -> Order:
    """One order of this merchant, with everything a page shows, in a constant number of queries."""
    order = db.session.scalar(
        select(Order)
        .where(Order.merchant_id == merchant_id, Order.number == number)
        .options(
            joinedload(Order.merchant),
            joinedload(Order.customer),
            joinedload(Order.payment),
            selectinload(Order.items),
            selectinload(Order.shipments).selectinload(Shipment.events),
        )
    )
    if order is None:
        raise NotFound()
    return order


def refunds_of(order_id: str) -> list[Refund]:
    return list(db.session.scalars(select(Refund).where(Refund.order_id == order_id).order_by(Refund.created_at)))


def merchant_today(merchant: Merchant, now: datetime | None = None) -> date:
    return (now or utcnow()).astimezone(ZoneInfo(merchant.timezone)).date()


def delivered_on(order: Order) -> date | None:
    """The day the order was delivered, in the shop's time zone (None: not delivered)."""
    if order.delivered_at is None:
        return None
    return order.delivered_at.astimezone(ZoneInfo(order.merchant.timezone)).date()


def mark_changed(order: Order) -> None:
    """The buyer can see a change: new page version, and this process forgets its old head."""
    order.version += 1
    order.updated_at = utcnow()
    _forget_after_commit(order)


def _forget_after_commit(order: Order) -> None:
    from portal.buyers import page_cache

    slug, number = order.merchant.slug, order.number
    with unit_of_work() as uow:  # joins the caller's unit of work
        uow.after_commit(lambda: page_cache.forget_order(slug, number))


def add_shipment(merchant: Merchant, number: str, shipment_in: object, *, actor: Actor) -> Shipment:
    """Record a shipment for an order and tell the buyer, in their language, how to follow it."""
    try:
        data = ShipmentIn.model_validate(shipment_in)
    except ValidationError as exc:
        raise validation_failed(exc) from None
    with unit_of_work() as uow:
        order = db.session.scalar(
            select(Order).where(Order.merchant_id == merchant.id, Order.number == number).with_for_update()
        )
        if order is None:
            raise NotFound()
        shipment = Shipment(
            order=order,
            merchant_id=merchant.id,
            carrier=data.carrier,
            tracking_number=data.tracking_number,
            estimated_delivery=data.estimated_delivery,
            status=TrackingStatus.PENDING.value,
        )
        db.session.add(shipment)
        if order.delivery_status is None:
            order.delivery_status = TrackingStatus.PENDING.value
        mark_changed(order)
        db.session.flush()
        audit.record(
            actor,
            "shipment.created",
            "shipment",
            shipment.id,
            merchant_id=merchant.id,
            after={"order": order.number, "carrier": shipment.carrier, "tracking_number": shipment.tracking_number},
        )
        _notify_buyer(uow, order, "shipment_added", dedupe_key=f"shipment_added:{shipment.id}", shipment=shipment)
    return shipment


def add_tracking_event(merchant: Merchant, shipment_id: str, event_in: object, *, actor: Actor) -> TrackingEvent:
    """Add a carrier event; the shipment and the order follow; delivery is announced once."""
    try:
        data = TrackingEventIn.model_validate(event_in)
    except ValidationError as exc:
        raise validation_failed(exc) from None
    with unit_of_work() as uow:
        order_id = db.session.scalar(
            select(Shipment.order_id).where(Shipment.id == shipment_id, Shipment.merchant_id == merchant.id)
        )
        # Lock the order first: two shipments delivered at once must both see each other.
        order = lock_one(Order, order_id, merchant_id=merchant.id) if order_id else None
        shipment = lock_one(Shipment, shipment_id, merchant_id=merchant.id) if order else None
        if shipment is None:
            raise NotFound()
        event = TrackingEvent(
            shipment=shipment,
            status=data.status,
            occurred_at=data.occurred_at,
            location=data.location,
            description=data.description,
        )
        db.session.add(event)
        latest = max([e.occurred_at for e in shipment.events if e is not event] or [data.occurred_at])
        if data.occurred_at >= latest:
            shipment.status = policy.shipment_status_after(shipment.status, data.status)
        shipment.tracking_stale_since = None  # the carrier speaks again
        if data.status == TrackingStatus.DELIVERED.value and shipment.delivered_at is None:
            shipment.delivered_at = data.occurred_at
            shipment.status = TrackingStatus.DELIVERED.value
        order.delivery_status = _order_delivery_status(order)
        if order.delivery_status == TrackingStatus.DELIVERED.value and order.delivered_at is None:
            order.delivered_at = max(s.delivered_at for s in order.shipments if s.delivered_at)
            _notify_buyer(uow, order, "order_delivered", dedupe_key=f"order_delivered:{order.id}")
            feedback_due("delivery", order)  # asked a day later by portal.feedback's job
        mark_changed(order)
        db.session.flush()
        audit.record(
            actor,
            "tracking_event.created",
            "shipment",
            shipment.id,
            merchant_id=merchant.id,
            after={"status": data.status, "occurred_at": data.occurred_at.isoformat()},
        )
    return event


def _order_delivery_status(order: Order) -> str | None:
    """Delivered only when every shipment is; otherwise the furthest status of the rest."""
    statuses = [s.status for s in order.shipments]
    if not statuses:
        return None
    if all(s == TrackingStatus.DELIVERED.value for s in statuses):
        return TrackingStatus.DELIVERED.value
    return policy.furthest_status([s for s in statuses if s != TrackingStatus.DELIVERED.value])


QUIET_STATUSES = tuple(s.value for s in TrackingStatus if s not in (TrackingStatus.DELIVERED, TrackingStatus.EXPIRED))


def flag_stale_tracking(now: datetime | None = None) -> int:
    """Job: mark each parcel on its way that the carrier has said nothing about for
    TRACKING_STALE_HOURS (its last event, or its creation when it has none), once. The buyer's
    page says so; the console's Today counts them. The next carrier event clears the mark."""
    from flask import current_app

    now = now or utcnow()
    cutoff = now - timedelta(hours=int(current_app.config.get("TRACKING_STALE_HOURS", 72)))
    latest = (
        select(func.max(TrackingEvent.occurred_at)).where(TrackingEvent.shipment_id == Shipment.id).scalar_subquery()
    )
    candidates = db.session.execute(
        select(Shipment.id, Shipment.merchant_id).where(
            Shipment.delivered_at.is_(None),
            Shipment.tracking_stale_since.is_(None),
            Shipment.status.in_(QUIET_STATUSES),
            Shipment.created_at < cutoff,
            func.coalesce(latest, Shipment.created_at) < cutoff,
        )
    ).all()
    db.session.rollback()
    flagged = 0
    for shipment_id, merchant_id in candidates:
        with unit_of_work():
            shipment = lock_one(Shipment, shipment_id, merchant_id=merchant_id)
            if shipment is None or shipment.tracking_stale_since is not None or shipment.delivered_at is not None:
                continue
            last = max((e.occurred_at for e in shipment.events), default=shipment.created_at)
            if last >= cutoff:  # an event arrived meanwhile
                continue
            shipment.tracking_stale_since = now
            mark_changed(shipment.order)
            audit.record(
                Actor.system("tracking-staleness"),
                "shipment.tracking_stale",
                "shipment",
                shipment.id,
                merchant_id=merchant_id,
                after={"order": shipment.order.number, "last_event_at": last.isoformat()},
            )
            flagged += 1
    return flagged


def notify_late_orders(now: datetime | None = None) -> int:
    """Job: tell each buyer once that their order is late, with what they can do."""
    now = now or utcnow()
    sent = 0
    candidates = db.session.scalars(
        select(Order)
        .join(Merchant)
        .where(
            Order.promised_delivery_date.is_not(None),
            Order.late_notified_at.is_(None),
            or_(Order.delivery_status.is_(None), Order.delivery_status != TrackingStatus.DELIVERED.value),
            Order.promised_delivery_date < now.date(),
        )
        .options(selectinload(Order.customer), selectinload(Order.merchant))
    ).all()
    for candidate in candidates:
        with unit_of_work() as uow:
            order = lock_one(Order, candidate.id)
            today = merchant_today(order.merchant, now)
            if order.late_notified_at or not policy.is_late(order.promised_delivery_date, order.delivery_status, today):
                continue
            order.late_notified_at = now
            _notify_buyer(uow, order, "order_late", dedupe_key=f"order_late:{order.id}")
            audit.record(
                Actor.system("late-check"), "order.late_notified", "order", order.id, merchant_id=order.merchant_id
            )
            sent += 1
    return sent


def _notify_buyer(uow, order: Order, kind: str, *, dedupe_key: str, **extra) -> None:
    from portal.buyers.access import order_link

    queue_email(
        uow,
        kind=kind,
        recipient=order.customer.email,
        locale=order.locale,
        merchant_id=order.merchant_id,
        dedupe_key=dedupe_key,
        context={"order": order, "merchant": order.merchant, "link": order_link(order), **extra},
    )


# -- staff listing -------------------------------------------------------------------------


@dataclass(frozen=True)
class OrderPage:
    orders: list[Order]
    next_cursor: str | None


def list_orders(
    merchant_id: str, *, query: str = "", cursor: str | None = None, limit: int = 25, quiet: bool = False
) -> OrderPage:
    """Newest first, keyset-paginated; search by number, e-mail or name (case-insensitive);
    ``quiet``: only orders with a parcel the carrier has said nothing about for a while."""
    stmt = (
        select(Order)
        .join(Customer, Order.customer_id == Customer.id)
        .where(Order.merchant_id == merchant_id)
        .options(selectinload(Order.customer), selectinload(Order.payment))
        .order_by(Order.placed_at.desc(), Order.id.desc())
    )
    if quiet:
        stmt = stmt.where(
            select(Shipment.id)
            .where(Shipment.order_id == Order.id, Shipment.tracking_stale_since.is_not(None))
            .exists()
        )
    query = (query or "").strip()
    if query:
        like = f"%{query.lower().replace('%', '').replace('_', '')}%"
        stmt = stmt.where(
            or_(
                func.lower(Order.number).like(like),
                Customer.email.like(like),
                func.lower(Customer.name).like(like),
                func.lower(Order.ship_name).like(like),
            )
        )
    position = decode_cursor(cursor) if cursor else None
    if position:
        placed_at, ident = position
        stmt = stmt.where(or_(Order.placed_at < placed_at, (Order.placed_at == placed_at) & (Order.id < ident)))
    rows = list(db.session.scalars(stmt.limit(limit + 1)))
    next_cursor = encode_cursor(rows[limit - 1].placed_at, rows[limit - 1].id) if len(rows) > limit else None
    return OrderPage(rows[:limit], next_cursor)
