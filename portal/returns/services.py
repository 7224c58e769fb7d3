"""Returns and exchanges: request, decide, receive and settle, each in one transaction.

Every change locks the order (requests) or the return (decisions) first and decides from what
it reads under that lock, so two tabs, a double click, or the console and the API at once
cannot return an item twice, reserve stock twice or settle a return twice: the second answers
a clear error, or, for a repeat of the same decision, the same result.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import selectinload

from portal.actors import Actor
from portal.audit import services as audit
from portal.catalogue import services as catalogue
from portal.catalogue.models import Variant
from portal.db import lock_one, unit_of_work, utcnow
from portal.errors import Conflict, NotFound, ValidationFailed
from portal.extensions import db
from portal.feedback.services import feedback_due
from portal.merchants.policy import effective_policy
from portal.notifications.services import queue_email
from portal.orders.models import Order, OrderItem, Payment
from portal.orders.services import delivered_on, mark_changed, merchant_today
from portal.pagination import decode_cursor, encode_cursor
from portal.payments import charges, store_credit
from portal.payments import services as ledger
from portal.returns import policy as rules
from portal.returns.models import HOLDING_STATUSES, ReturnItem, ReturnRequest, ReturnStatus
from portal.returns.schemas import DecisionIn, ReceiveIn, RejectIn, ReturnIn
from portal.validation import parse


def held_quantities(order_id: str) -> dict[str, int]:
    """Quantities of each order item held by returns that still count (not rejected or cancelled)."""
    rows = db.session.execute(
        select(ReturnItem.order_item_id, func.sum(ReturnItem.quantity))
        .join(ReturnRequest, ReturnRequest.id == ReturnItem.return_id)
        .where(ReturnRequest.order_id == order_id, ReturnRequest.status.in_(HOLDING_STATUSES))
        .group_by(ReturnItem.order_item_id)
    ).all()
    return {item_id: int(quantity) for item_id, quantity in rows}


def options(
    order: Order, *, now: datetime | None = None, returns: list[ReturnRequest] | None = None
) -> rules.Eligibility:
    """What the buyer may return from the order now, item by item, with reasons and exchanges.

    With the order's ``returns`` already loaded (the order page has them), what they hold is
    counted from them instead of asking the database again.
    """
    policy = effective_policy(order.merchant.policy)
    variants, family = catalogue.families(order.merchant_id, {item.sku for item in order.items})
    categories = {
        item.sku: item.category or (variants[item.sku].category if item.sku in variants else None)
        for item in order.items
    }
    if returns is None:
        returned = held_quantities(order.id)
    else:
        returned = {}
        for ret in returns:
            if ret.status in HOLDING_STATUSES:
                for item in ret.items:
                    returned[item.order_item_id] = returned.get(item.order_item_id, 0) + item.quantity
    return rules.eligibility(
        order,
        policy,
        today=merchant_today(order.merchant, now),
        delivered_on=delivered_on(order),
        returned=returned,
        categories=categories,
        # Only variants sold in the order's currency: a difference is money of one currency.
        exchange_variants={
            sku: [s for s in family.get(v.product, []) if s.currency == order.currency] for sku, v in variants.items()
        },
    )


def returns_of_order(order_id: str) -> list[ReturnRequest]:
    return list(
        db.session.scalars(
            select(ReturnRequest)
            .where(ReturnRequest.order_id == order_id)
            # Items' order lines are the order's own, already loaded: no query for them.
            .options(selectinload(ReturnRequest.items))
            .order_by(ReturnRequest.created_at)
        )
    )


# -- the buyer asks -------------------------------------------------------------------------


def request_return(order: Order, document: object, *, actor: Actor, now: datetime | None = None) -> ReturnRequest:
    """The buyer's return: checked item by item against what is left, stock reserved for exchanges.

    Bad input changes nothing: every problem is reported by field (``items.0.quantity``) and
    the order stays as it was.
    """
    data = parse(ReturnIn, document)
    now = now or utcnow()
    with unit_of_work() as uow:
        order = lock_one(Order, order.id, merchant_id=order.merchant_id)
        if order is None:
            raise NotFound()
        db.session.refresh(order)  # what another transaction committed before our lock
        eligible = options(order, now=now)
        if not eligible.allowed:
            raise Conflict(eligible.reason, code="return_not_allowed")
        policy = effective_policy(order.merchant.policy)
        reasons = rules.reason_codes(policy["returns"])
        problems: dict[str, list] = {}
        seen: set[str] = set()
        lines: list[tuple[OrderItem, object, Variant | None]] = []
        for index, line in enumerate(data.items):
            where = f"items.{index}"
            entry = eligible.item(line.item_id)
            if entry is None:
                problems[f"{where}.item_id"] = [_l("There is no such item in this order.")]
                continue
            if line.item_id in seen:
                problems[f"{where}.item_id"] = [_l("This item is listed twice; give one quantity.")]
                continue
            seen.add(line.item_id)
            if not entry.allowed:
                problems[f"{where}.item_id"] = [entry.reason]
                continue
            if line.quantity > entry.left:
                problems[f"{where}.quantity"] = [
                    _l("At most %(count)s of this item can still be returned.", count=entry.left)
                ]
                continue
            if line.reason not in reasons:
                problems[f"{where}.reason"] = [_l("Choose one of the shop's reasons.")]
                continue
            variant = None
            if line.resolution == "exchange":
                option = next((o for o in entry.exchange_options if o.sku == line.exchange_sku), None)
                if not line.exchange_sku or option is None:
                    problems[f"{where}.exchange_sku"] = [
                        _l("Choose another size or colour of this product that is in stock.")
                    ]
                    continue
                variant = lock_one(
                    Variant,
                    db.session.scalar(
                        select(Variant.id).where(Variant.merchant_id == order.merchant_id, Variant.sku == option.sku)
                    ),
                )
                if variant is None or variant.available < line.quantity:
                    left = variant.available if variant else 0
                    problems[f"{where}.exchange_sku"] = [
                        _l("Only %(count)s of this variant are in stock.", count=left)
                        if left
                        else _l("This variant has just sold out.")
                    ]
                    continue
            lines.append((entry.item, line, variant))
        if problems:
            raise ValidationFailed(fields=problems)

        count = db.session.scalar(select(func.count(ReturnRequest.id)).where(ReturnRequest.order_id == order.id))
        today = merchant_today(order.merchant, now)
        ret = ReturnRequest(
            merchant_id=order.merchant_id,
            order_id=order.id,
            customer_id=order.customer_id,
            number=f"{order.number}-R{count + 1}",
            status=ReturnStatus.REQUESTED.value,
            comment=data.comment,
            within_window=eligible.within_window,
            refund_due_on=rules.refund_due_on(today),
            created_at=now,
            updated_at=now,
        )
        for position, (item, line, variant) in enumerate(lines):
            if variant is not None:
                variant.reserved += line.quantity  # held until received, released on reject or cancel
                variant.updated_at = now
            ret.items.append(
                ReturnItem(
                    order_item_id=item.id,
                    position=position,
                    quantity=line.quantity,
                    unit_price=item.unit_price,
                    reason=line.reason,
                    resolution=line.resolution,
                    exchange_sku=variant.sku if variant else None,
                    exchange_unit_price=variant.price if variant else None,
                )
            )
        db.session.add(ret)
        db.session.flush()
        ret.whole_order, ret.shipping_refund = _whole_order_withdrawn(order, ret)
        to_pay = sum(
            max(0, (i.exchange_unit_price or 0) - i.unit_price) * i.quantity for i in ret.items if i.exchange_sku
        )
        if to_pay:
            # The buyer pays the difference on the original card; the shop decides once it is paid.
            ret.difference_due, ret.difference_status = to_pay, "pending"
            ret.difference_charge_id = charges.request_charge(
                order, to_pay, "exchange_difference", f"Return {ret.number}", actor, source_id=ret.id
            ).id
        auto = not to_pay and _auto_approves(policy, ret)
        if auto:
            ret.status = ReturnStatus.APPROVED.value
            ret.auto_approved = True
            ret.approved_at = now
        mark_changed(order)
        audit.record(
            actor,
            "return.requested",
            "return",
            ret.id,
            merchant_id=order.merchant_id,
            after={
                "number": ret.number,
                "order": order.number,
                "items": [
                    [i.order_item.line_id, i.quantity, i.reason, i.resolution, i.exchange_sku] for i in ret.items
                ],
                "value": ret.value,
                "auto_approved": auto,
            },
        )
        if auto:
            audit.record(
                Actor.system("auto-approval"),
                "return.approved",
                "return",
                ret.id,
                merchant_id=order.merchant_id,
                after={"rule": "auto_approve_max", "max": policy["returns"]["auto_approve_max"]},
            )
        _notify(uow, ret, "return_approved" if auto else "return_requested")
    return ret


def _whole_order_withdrawn(order: Order, ret: ReturnRequest) -> tuple[bool, int]:
    """When this return completes the withdrawal of the whole order within the window, the
    standard delivery cost goes back too (the law), once, on the return that completes it."""
    if not ret.within_window or any(i.resolution == "exchange" for i in ret.items):
        return False, 0
    held = held_quantities(order.id)  # includes this return (flushed)
    if any(held.get(item.id, 0) < item.quantity for item in order.items):
        return False, 0
    earlier = db.session.scalars(
        select(ReturnRequest).where(
            ReturnRequest.order_id == order.id,
            ReturnRequest.id != ret.id,
            ReturnRequest.status.in_(HOLDING_STATUSES),
        )
    ).all()
    for other in earlier:
        if not other.within_window or any(i.resolution == "exchange" for i in other.items):
            return False, 0
    return True, order.shipping_amount


def _auto_approves(policy: dict, ret: ReturnRequest) -> bool:
    limit = policy["returns"]["auto_approve_max"]
    return bool(limit) and ret.within_window and ret.value <= limit


# -- the merchant decides -------------------------------------------------------------------


def _locked_return(merchant_id: str, return_id: str) -> ReturnRequest:
    """The return, locked after its order: every writer takes the order first, then the return."""
    order_id = db.session.scalar(
        select(ReturnRequest.order_id).where(ReturnRequest.id == return_id, ReturnRequest.merchant_id == merchant_id)
    )
    if order_id is None:
        raise NotFound()
    lock_one(Order, order_id, merchant_id=merchant_id)
    ret = lock_one(ReturnRequest, return_id, merchant_id=merchant_id)
    if ret is None:
        raise NotFound()
    db.session.refresh(ret)
    return ret


def _wrong_state(ret: ReturnRequest) -> Conflict:
    return Conflict(
        _l(
            "Return %(number)s can no longer be changed this way: it is %(status)s.",
            number=ret.number,
            status=rules.status_word(ret.status),
        ),
        code="return_state",
    )


def approve(merchant_id: str, return_id: str, *, actor: Actor, document: object = None) -> ReturnRequest:
    """Approve: the buyer gets the slip and sends the items. Approving again changes nothing."""
    data = parse(DecisionIn, document or {})
    with unit_of_work() as uow:
        ret = _locked_return(merchant_id, return_id)
        if ret.status == ReturnStatus.APPROVED.value:
            return ret
        if ret.status != ReturnStatus.REQUESTED.value:
            raise _wrong_state(ret)
        _require_difference_paid(ret)
        _mark_approved(uow, ret, actor, data.message, before="requested")
    return ret


def _mark_approved(uow, ret: ReturnRequest, actor: Actor, message: str, *, before: str, **audited) -> None:
    """The return is approved now (the caller holds its lock): audited, and the buyer gets the slip."""
    ret.status = ReturnStatus.APPROVED.value
    ret.approved_at = ret.updated_at = utcnow()
    ret.decision_message = message
    mark_changed(ret.order)
    audit.record(
        actor,
        "return.approved",
        "return",
        ret.id,
        merchant_id=ret.merchant_id,
        before={"status": before},
        after={"status": "approved", **audited, "message": message},
    )
    _notify(uow, ret, "return_approved")


def reject(merchant_id: str, return_id: str, document: object, *, actor: Actor) -> ReturnRequest:
    """Reject with a message to the buyer; reserved exchange stock goes back on sale."""
    data = parse(RejectIn, document)
    with unit_of_work() as uow:
        ret = _locked_return(merchant_id, return_id)
        if ret.status == ReturnStatus.REJECTED.value:
            return ret
        if ret.status not in (ReturnStatus.REQUESTED.value, ReturnStatus.APPROVED.value):
            raise _wrong_state(ret)
        before = ret.status
        _release_stock(ret)
        _give_difference_back(ret, actor)
        now = utcnow()
        ret.status = ReturnStatus.REJECTED.value
        ret.rejected_at = ret.updated_at = now
        ret.decision_message = data.message
        mark_changed(ret.order)
        audit.record(
            actor,
            "return.rejected",
            "return",
            ret.id,
            merchant_id=merchant_id,
            before={"status": before},
            after={"status": "rejected", "message": data.message},
        )
        _notify(uow, ret, "return_rejected")
    return ret


def approve_disputed(merchant_id: str, return_id: str, document: object = None, *, actor: Actor) -> ReturnRequest:
    """Support overturns the shop's rejection of a return the buyer disputed: approved after all,
    with the same rules as approving (the buyer gets the slip; exchange sizes are held again).

    Refused with the reason when the items were returned again meanwhile, an exchange size is sold
    out now, or the dearer exchange's paid difference was already given back (the buyer asks
    again). Approving twice changes nothing; the desk's ticket is solved with an internal note.
    """
    data = parse(DecisionIn, document or {})
    with unit_of_work() as uow:
        ret = _locked_return(merchant_id, return_id)
        if ret.status == ReturnStatus.APPROVED.value:
            return ret
        if ret.status != ReturnStatus.REJECTED.value:
            raise _wrong_state(ret)
        held = held_quantities(ret.order_id)
        for item in ret.items:
            if held.get(item.order_item_id, 0) + item.quantity > item.order_item.quantity:
                raise Conflict(
                    _l("%(item)s has been returned again since: ask the buyer about it.", item=item.order_item.name),
                    code="items_returned_since",
                )
        if ret.difference_due > 0 and ret.difference_status == "refunded":
            raise Conflict(
                _l(
                    "The price difference of this exchange was paid back to the buyer when it was rejected: "
                    "ask the buyer to request the exchange again."
                ),
                code="difference_refunded",
            )
        for item in ret.items:
            if not item.exchange_sku:
                continue
            variant = db.session.scalar(
                select(Variant).where(Variant.merchant_id == merchant_id, Variant.sku == item.exchange_sku)
            )
            if variant is None or variant.available < item.quantity:
                raise Conflict(
                    _l(
                        "%(sku)s is sold out now: ask the buyer whether they want their money back instead.",
                        sku=item.exchange_sku,
                    ),
                    code="exchange_sold_out",
                )
            _adjust_stock(merchant_id, item.exchange_sku, reserved=item.quantity)
        _mark_approved(uow, ret, actor, data.message, before="rejected", by="support")
        from portal.support import services as desk

        desk.note_decision("return", ret.id, actor, f"Support approved return {ret.number} after all.", solve=True)
    return ret


def cancel(merchant_id: str, return_id: str, *, customer_id: str, actor: Actor) -> ReturnRequest:
    """The buyer withdraws their return before sending it; reserved stock is released."""
    with unit_of_work():
        ret = _locked_return(merchant_id, return_id)
        if ret.customer_id != customer_id:
            raise NotFound()
        if ret.status == ReturnStatus.CANCELLED.value:
            return ret
        if ret.status not in (ReturnStatus.REQUESTED.value, ReturnStatus.APPROVED.value):
            raise _wrong_state(ret)
        before = ret.status
        _release_stock(ret)
        _give_difference_back(ret, actor)
        ret.status = ReturnStatus.CANCELLED.value
        ret.updated_at = utcnow()
        mark_changed(ret.order)
        audit.record(
            actor,
            "return.cancelled",
            "return",
            ret.id,
            merchant_id=merchant_id,
            before={"status": before},
            after={"status": "cancelled"},
        )
    return ret


def _require_difference_paid(ret: ReturnRequest) -> None:
    if ret.difference_status == "pending":
        raise Conflict(
            _l("Return %(number)s waits for the buyer's payment of the price difference.", number=ret.number),
            code="difference_unpaid",
        )


def _give_difference_back(ret: ReturnRequest, actor: Actor) -> None:
    """A rejected or withdrawn exchange: the difference the buyer paid goes back, once."""
    if ret.difference_status != "paid":
        return
    ledger.request_refund(
        ret.order, ret.difference_due, "return", f"Return {ret.number}: price difference", actor, source_id=ret.id
    )
    ret.difference_status = "refunded"


def difference_outcome(charge) -> None:
    """The charge of an exchange's price difference has its answer (joins its unit of work).

    Paid: the return goes to the shop (approved at once if the shop's rule says so). Failed:
    the request is withdrawn, the held stock released, and the buyer told why.
    """
    ret = lock_one(ReturnRequest, charge.source_id)
    if ret is None or ret.difference_status != "pending":
        return
    with unit_of_work() as uow:
        now = utcnow()
        if charge.status == "succeeded" and ret.status not in (
            ReturnStatus.REQUESTED.value,
            ReturnStatus.APPROVED.value,
        ):
            # Rejected or withdrawn while the payment was on its way: it goes straight back.
            ret.difference_status = "paid"
            _give_difference_back(ret, Actor.system("payment"))
        elif charge.status == "succeeded":
            ret.difference_status = "paid"
            policy = effective_policy(ret.order.merchant.policy)
            if ret.status == ReturnStatus.REQUESTED.value and _auto_approves(policy, ret):
                ret.status = ReturnStatus.APPROVED.value
                ret.auto_approved = True
                ret.approved_at = now
                audit.record(
                    Actor.system("auto-approval"),
                    "return.approved",
                    "return",
                    ret.id,
                    merchant_id=ret.merchant_id,
                    after={"rule": "auto_approve_max"},
                )
                _notify(uow, ret, "return_approved")
        elif ret.status not in (ReturnStatus.REQUESTED.value, ReturnStatus.APPROVED.value):
            ret.difference_status = "failed"  # already rejected or withdrawn: nothing more to undo
        else:
            ret.difference_status = "failed"
            _release_stock(ret)
            ret.status = ReturnStatus.CANCELLED.value
            ret.decision_message = (charge.failure_reason or "")[:1000]
            audit.record(
                Actor.system("payment"),
                "return.cancelled",
                "return",
                ret.id,
                merchant_id=ret.merchant_id,
                after={"status": "cancelled", "why": "difference_payment_failed"},
            )
            _notify(uow, ret, "return_payment_failed")
        ret.updated_at = now
        mark_changed(ret.order)


def _release_stock(ret: ReturnRequest) -> None:
    for item in ret.items:
        if item.exchange_sku:
            _adjust_stock(ret.merchant_id, item.exchange_sku, reserved=-item.quantity)


def _adjust_stock(merchant_id: str, sku: str, *, stock: int = 0, reserved: int = 0) -> None:
    variant_id = db.session.scalar(select(Variant.id).where(Variant.merchant_id == merchant_id, Variant.sku == sku))
    if variant_id is None:
        return
    variant = lock_one(Variant, variant_id)
    variant.stock = max(0, variant.stock + stock)
    variant.reserved = max(0, variant.reserved + reserved)
    variant.updated_at = utcnow()


# -- the parcel arrives: receive and settle in one click ------------------------------------


def receive(merchant_id: str, return_id: str, document: object = None, *, actor: Actor) -> ReturnRequest:
    """Receive the items and settle at once: refund through the ledger, store credit (with the
    shop's bonus), or an exchange order for the reserved variant.

    Settled once: receiving again answers the same settled return and moves no money.
    """
    data = parse(ReceiveIn, document or {})
    with unit_of_work() as uow:
        ret = _locked_return(merchant_id, return_id)
        if ret.status in (ReturnStatus.REFUNDED.value, ReturnStatus.EXCHANGED.value):
            return ret
        if ret.status not in (ReturnStatus.REQUESTED.value, ReturnStatus.APPROVED.value):
            raise _wrong_state(ret)
        _require_difference_paid(ret)
        by_line = {item.order_item.line_id: item for item in ret.items}
        problems: dict[str, list] = {}
        for index, line in enumerate(data.items):
            if line.item_id not in by_line:
                problems[f"items.{index}.item_id"] = [_l("This item is not in the return.")]
        if problems:
            raise ValidationFailed(fields=problems)
        order = lock_one(Order, ret.order_id, merchant_id=merchant_id)
        policy = effective_policy(order.merchant.policy)
        outcome = rules.settle(
            ret.items,
            conditions={line.item_id: (line.condition, line.restocking_fee) for line in data.items},
            fee_pct=policy["returns"]["restocking_fee_pct"],
            bonus_pct=policy["returns"]["store_credit_bonus_pct"],
            shipping_refund=ret.shipping_refund,
            refundable=ledger.refundable(order),
        )
        now = utcnow()
        for item, condition, fee in zip(ret.items, outcome.conditions, outcome.item_fees, strict=True):
            item.condition, item.restocking_fee = condition, fee
            if condition == "accepted":
                _adjust_stock(merchant_id, item.order_item.sku, stock=item.quantity)  # back on the shelf
        refund, credit, bonus, fees = outcome.refund, outcome.store_credit, outcome.bonus, outcome.fees
        exchanged = outcome.exchanges
        ret.refund_amount, ret.store_credit_amount, ret.store_credit_bonus = refund, credit, bonus
        ret.restocking_fees = fees
        ret.received_at = ret.settled_at = ret.updated_at = now
        before = ret.status
        ret.status = ReturnStatus.EXCHANGED.value if len(exchanged) == len(ret.items) else ReturnStatus.REFUNDED.value
        if refund > 0:
            row = ledger.request_refund(order, refund, "return", f"Return {ret.number}", actor, source_id=ret.id)
            ret.refund_id = row.id
        if credit + bonus > 0:
            store_credit.issue(
                ret.customer,
                credit + bonus,
                order.currency,
                actor=actor,
                source="return",
                source_id=ret.id,
                reason=f"Return {ret.number}",
                order=order,
                idempotency_key=f"{merchant_id}:return:{ret.id}",
            )
        for item in exchanged:  # the held variant leaves the shelf with the exchange order
            _adjust_stock(merchant_id, item.exchange_sku, stock=-item.quantity, reserved=-item.quantity)
        if exchanged:
            ret.exchange_order_id = _exchange_order(order, ret, exchanged, now).id
        mark_changed(order)
        audit.record(
            actor,
            "return.received",
            "return",
            ret.id,
            merchant_id=merchant_id,
            before={"status": before},
            after={
                "status": ret.status,
                "conditions": {i.order_item.line_id: i.condition for i in ret.items},
                "refund": refund,
                "store_credit": credit,
                "bonus": bonus,
                "restocking_fees": fees,
            },
        )
        _notify(uow, ret, "return_settled")
        feedback_due("return", ret)  # the buyer is asked how it went (portal.feedback)
    return ret


def _exchange_order(order: Order, ret: ReturnRequest, items: list[ReturnItem], now: datetime) -> Order:
    """A new order for the variants asked for: nothing to pay, shipped by the shop as usual."""
    exchange = Order(
        merchant_id=order.merchant_id,
        number=f"{ret.number}-E",
        customer_id=order.customer_id,
        placed_at=now,
        currency=order.currency,
        locale=order.locale,
        shipping_amount=0,
        ship_name=order.ship_name,
        ship_street=order.ship_street,
        ship_postal_code=order.ship_postal_code,
        ship_city=order.ship_city,
        ship_country=order.ship_country,
        version=1,
    )
    variants = catalogue.variants_by_sku(order.merchant_id, {i.exchange_sku for i in items})
    for position, item in enumerate(items):
        variant = variants.get(item.exchange_sku)
        exchange.items.append(
            OrderItem(
                line_id=f"X{position + 1}",
                position=position,
                sku=item.exchange_sku,
                name=variant.name if variant else item.order_item.name,
                quantity=item.quantity,
                unit_price=item.exchange_unit_price or 0,
                tax_rate=item.order_item.tax_rate,
                attributes=dict(variant.attributes) if variant else {},
                category=item.order_item.category,
            )
        )
    exchange.payment = Payment(
        provider=order.payment.provider if order.payment else "simulated",
        method="exchange",
        captured=0,
        currency=order.currency,
        reference=f"exchange:{ret.number}",
    )
    db.session.add(exchange)
    order.customer.version += 1  # their order list has a new order
    db.session.flush()
    return exchange


# -- notifications --------------------------------------------------------------------------


def _notify(uow, ret: ReturnRequest, kind: str) -> None:
    from portal.buyers.access import order_link

    order = ret.order
    attachments = [{"kind": "return_slip", "id": ret.id}] if kind == "return_approved" else []
    queue_email(
        uow,
        kind=kind,
        recipient=order.customer.email,
        locale=order.locale,
        merchant_id=order.merchant_id,
        dedupe_key=f"{kind}:{ret.id}",
        context={"ret": ret, "order": order, "merchant": order.merchant, "link": order_link(order)},
        attachments=attachments,
    )


# -- reading --------------------------------------------------------------------------------


def get_return(merchant_id: str, return_id: str) -> ReturnRequest:
    ret = db.session.scalar(
        select(ReturnRequest)
        .where(ReturnRequest.id == return_id, ReturnRequest.merchant_id == merchant_id)
        .options(selectinload(ReturnRequest.items).selectinload(ReturnItem.order_item))
    )
    if ret is None:
        raise NotFound()
    return ret


def buyer_return(merchant_id: str, customer_id: str, return_id: str) -> ReturnRequest:
    """A return as its buyer may see it; anyone else's is simply not found."""
    ret = get_return(merchant_id, return_id)
    if ret.customer_id != customer_id:
        raise NotFound()
    return ret


@dataclass(frozen=True)
class ReturnPage:
    returns: list[ReturnRequest]
    next_cursor: str | None


def list_returns(
    merchant_id: str,
    *,
    status: str | None = None,
    reason: str | None = None,
    older_than_days: int | None = None,
    query: str = "",
    cursor: str | None = None,
    limit: int = 25,
    now: datetime | None = None,
) -> ReturnPage:
    """The shop's returns, oldest first (the refund due soonest on top), keyset-paginated."""
    stmt = (
        select(ReturnRequest)
        .where(ReturnRequest.merchant_id == merchant_id)
        .options(
            selectinload(ReturnRequest.items).selectinload(ReturnItem.order_item),
            selectinload(ReturnRequest.customer),
            selectinload(ReturnRequest.order),
        )
    )
    if status == "open":
        stmt = stmt.where(ReturnRequest.status.in_(("requested", "approved", "received")))
    elif status:
        stmt = stmt.where(ReturnRequest.status == status)
    if reason:
        stmt = stmt.where(exists().where(ReturnItem.return_id == ReturnRequest.id, ReturnItem.reason == reason))
    if older_than_days:
        stmt = stmt.where(ReturnRequest.created_at < (now or utcnow()) - timedelta(days=older_than_days))
    if query:
        text = query.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        stmt = stmt.where(ReturnRequest.number.ilike(f"%{text}%", escape="\\"))
    if cursor:
        decoded = decode_cursor(cursor)
        if decoded is None:
            raise ValidationFailed(fields={"cursor": [_l("This page link is not valid. Start from the first page.")]})
        created, ident = decoded
        stmt = stmt.where(
            or_(ReturnRequest.created_at > created, and_(ReturnRequest.created_at == created, ReturnRequest.id > ident))
        )
    rows = list(db.session.scalars(stmt.order_by(ReturnRequest.created_at, ReturnRequest.id).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return ReturnPage(
        returns=rows, next_cursor=encode_cursor(rows[-1].created_at, rows[-1].id) if more and rows else None
    )


# -- not delivered yet: cancel instead ------------------------------------------------------


def cancel_order(order: Order, *, actor: Actor, now: datetime | None = None) -> Order:
    """The buyer cancels an order the shop has not sent yet (where the shop allows it): the
    whole payment goes back through the ledger, once."""
    now = now or utcnow()
    with unit_of_work():
        order = lock_one(Order, order.id, merchant_id=order.merchant_id)
        if order is None:
            raise NotFound()
        db.session.refresh(order)
        if order.cancelled_at is not None:
            return order
        policy = effective_policy(order.merchant.policy)
        if not policy["returns"]["allow_cancel"]:
            raise Conflict(
                _l("This shop does not take cancellations here. Please contact the shop."), code="cancel_not_allowed"
            )
        if order.shipments:
            raise Conflict(
                _l(
                    "The order has already been sent, so it can no longer be cancelled. You can return it once it arrives."
                ),
                code="already_shipped",
            )
        order.cancelled_at = now
        amount = ledger.refundable(order)
        if amount > 0:
            ledger.request_refund(
                order, amount, "cancellation", f"Order {order.number} cancelled", actor, source_id=order.id
            )
        mark_changed(order)
        audit.record(
            actor, "order.cancelled", "order", order.id, merchant_id=order.merchant_id, after={"refund": amount}
        )
    return order
