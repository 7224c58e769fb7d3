"""Defect claims: the buyer proposes, the shop accepts (one click), counters or rejects.

Every decision locks the order first, then the claim, and decides from what it reads under
those locks: a double click, two tabs, or the API and the console at once give one refund and
the same answer. Money goes back only through the refund ledger, whose order-wide guard
(refunds never above what was paid) applies on top of the item's own room here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Annotated, Literal

from flask_babel import lazy_gettext as _l
from pydantic import Field, StringConstraints
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import selectinload

from portal.actors import Actor
from portal.audit import services as audit
from portal.claims import policy as rules
from portal.claims.models import LIVE_STATUSES, REMEDIES, Claim, ClaimOffer, ClaimPhoto, ClaimStatus
from portal.db import lock_one, unit_of_work, utcnow
from portal.errors import Conflict, NotFound, ValidationFailed
from portal.extensions import db
from portal.feedback.services import feedback_due
from portal.merchants.policy import effective_policy
from portal.money import format_money
from portal.orders.models import Order, OrderItem
from portal.orders.schemas import Strict
from portal.orders.services import delivered_on, mark_changed, merchant_today
from portal.pagination import decode_cursor, encode_cursor
from portal.payments import services as ledger
from portal.returns.models import HOLDING_STATUSES, ReturnItem, ReturnRequest
from portal.validation import parse

AGREED_STATUSES = (ClaimStatus.ACCEPTED.value, ClaimStatus.RESOLVED.value)


class ClaimIn(Strict):
    item_id: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
    description: Annotated[str, StringConstraints(strip_whitespace=True, min_length=10, max_length=4000)]
    remedy: Literal["price_reduction", "replacement", "repair", "cancel"]
    proposed_amount: Annotated[int, Field(ge=0, le=2_000_000_000, strict=True)] | None = None
    noticed_on: date | None = None


class CounterIn(Strict):
    amount: Annotated[int, Field(ge=1, le=2_000_000_000, strict=True)]
    message: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] = ""


class RejectIn(Strict):
    message: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]


class ResolveIn(Strict):
    carrier: Annotated[str, StringConstraints(strip_whitespace=True, max_length=64)] = ""
    tracking_number: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] = ""
    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)] = ""


class ResponseIn(Strict):
    decision: Literal["accept", "decline"]


# -- what can be claimed --------------------------------------------------------------------


@dataclass
class ItemClaimOption:
    item: OrderItem
    allowed: bool
    reason: str | None
    room: int  # what this item can still get back
    suggestions: list[tuple[int, int]] = field(default_factory=list)


@dataclass
class ClaimOptions:
    allowed: bool
    reason: str | None
    rights: rules.ClaimRights
    items: list[ItemClaimOption]

    def item(self, line_id: str) -> ItemClaimOption | None:
        return next((o for o in self.items if o.item.line_id == line_id), None)


def _taken_by_item(order_id: str) -> dict[str, int]:
    """Per order item: what its refunded or credited returns and its agreed claims took."""
    taken: dict[str, int] = {}
    returned = db.session.execute(
        select(ReturnItem.order_item_id, func.sum(ReturnItem.unit_price * ReturnItem.quantity))
        .join(ReturnRequest, ReturnRequest.id == ReturnItem.return_id)
        .where(
            ReturnRequest.order_id == order_id,
            ReturnRequest.status.in_(HOLDING_STATUSES),
            ReturnItem.resolution.in_(("refund", "store_credit")),
        )
        .group_by(ReturnItem.order_item_id)
    ).all()
    for item_id, value in returned:
        taken[item_id] = taken.get(item_id, 0) + int(value or 0)
    agreed = db.session.execute(
        select(Claim.order_item_id, func.sum(Claim.agreed_amount))
        .where(Claim.order_id == order_id, Claim.status.in_(AGREED_STATUSES))
        .group_by(Claim.order_item_id)
    ).all()
    for item_id, amount in agreed:
        taken[item_id] = taken.get(item_id, 0) + int(amount or 0)
    return taken


def _held_by_live_claims(order_id: str, *, except_claim: str | None = None) -> dict[str, int]:
    """Per order item: what the open proposals of claims still in negotiation ask for. They hold
    that room, so two claims on one item cannot both be promised the same money."""
    rows = db.session.execute(
        select(Claim.order_item_id, func.sum(ClaimOffer.amount))
        .join(ClaimOffer, ClaimOffer.claim_id == Claim.id)
        .where(
            Claim.order_id == order_id,
            Claim.status.in_(LIVE_STATUSES),
            ClaimOffer.status == "open",
            Claim.id != (except_claim or ""),
        )
        .group_by(Claim.order_item_id)
    ).all()
    return {item_id: int(amount or 0) for item_id, amount in rows}


def _from_loaded(returns: list, claims: list) -> tuple[dict[str, int], dict[str, int]]:
    """``_taken_by_item`` and ``_held_by_live_claims`` from returns and claims already loaded."""
    taken: dict[str, int] = {}
    held: dict[str, int] = {}
    for ret in returns:
        if ret.status in HOLDING_STATUSES:
            for item in ret.items:
                if item.resolution in ("refund", "store_credit"):
                    taken[item.order_item_id] = taken.get(item.order_item_id, 0) + item.value
    for claim in claims:
        if claim.status in AGREED_STATUSES:
            taken[claim.order_item_id] = taken.get(claim.order_item_id, 0) + claim.agreed_amount
        elif claim.status in LIVE_STATUSES:
            open_amount = sum(o.amount for o in claim.offers if o.status == "open")
            held[claim.order_item_id] = held.get(claim.order_item_id, 0) + open_amount
    return taken, held


def options(
    order: Order,
    *,
    now: datetime | None = None,
    returns: list | None = None,
    claims: list | None = None,
    refundable: int | None = None,
) -> ClaimOptions:
    """What may be claimed now, item by item. The order page passes the returns, claims and
    refundable amount it has loaded already, so this asks the database nothing more."""
    policy = effective_policy(order.merchant.policy)
    delivered = delivered_on(order)
    claim_rights = rules.rights(delivered, order.ship_country, policy["claims"]["period_months"])
    if returns is not None and claims is not None:
        taken, held = _from_loaded(returns, claims)
    else:
        taken, held = _taken_by_item(order.id), _held_by_live_claims(order.id)
    refundable = ledger.refundable(order) if refundable is None else refundable
    today = merchant_today(order.merchant, now)
    reason = None
    if delivered is None:
        reason = str(_l("You can report a defect once the order has been delivered."))
    elif today > claim_rights.claim_until:
        reason = str(_l("The claim period for this order ended on %(date)s.", date=_date(claim_rights.claim_until)))
    items = []
    for item in order.items:
        room = min(rules.item_room(item.line_total, taken.get(item.id, 0), held.get(item.id, 0)), refundable)
        items.append(
            ItemClaimOption(
                item=item,
                allowed=reason is None,
                reason=reason,
                room=room,
                suggestions=rules.suggested_amounts(item.unit_price, room),
            )
        )
    return ClaimOptions(allowed=reason is None, reason=reason, rights=claim_rights, items=items)


def _date(value: date) -> str:
    from flask_babel import format_date

    return format_date(value, "long")


# -- the buyer claims -----------------------------------------------------------------------


def open_claim(order: Order, document: object, *, photos: list, actor: Actor, now: datetime | None = None) -> Claim:
    """The buyer's claim for one item, with 1–5 photos already checked and re-encoded
    (``portal.photos``: each has ``.image``, ``.thumbnail``, ``.width``, ``.height``).

    A price reduction within the shop's auto-accept rule is accepted at once.
    """
    from portal.storage import get_storage

    data = parse(ClaimIn, document)
    now = now or utcnow()
    from flask import current_app

    most = current_app.config["PHOTO_MAX_FILES"]
    if not 1 <= len(photos) <= most:
        raise ValidationFailed(fields={"photos": [_l("Add 1 to %(max)s photos of the defect.", max=most)]})
    storage = get_storage()
    saved: list[str] = []
    try:
        with unit_of_work() as uow:
            order = lock_one(Order, order.id, merchant_id=order.merchant_id)
            if order is None:
                raise NotFound()
            db.session.refresh(order)
            available = options(order, now=now)
            if not available.allowed:
                raise Conflict(available.reason, code="claim_not_allowed")
            today = merchant_today(order.merchant, now)
            delivered = available.rights.delivered_on
            if data.noticed_on is not None and (
                data.noticed_on > today or (delivered is not None and data.noticed_on < delivered)
            ):
                raise ValidationFailed(fields={"noticed_on": [_l("Give a date between the delivery and today.")]})
            option = available.item(data.item_id)
            if option is None:
                raise ValidationFailed(fields={"item_id": [_l("There is no such item in this order.")]})
            amount = 0
            if data.remedy == "price_reduction":
                if not data.proposed_amount:
                    raise ValidationFailed(
                        fields={"proposed_amount": [_l("Propose an amount for the price reduction.")]}
                    )
                amount = data.proposed_amount
            elif data.remedy == "cancel":
                amount = option.room
            if data.remedy in ("price_reduction", "cancel") and option.room <= 0:
                raise Conflict(_l("Nothing more can be refunded for this item."), code="nothing_left")
            if amount > option.room:
                raise ValidationFailed(
                    fields={
                        "proposed_amount": [
                            _l(
                                "At most %(amount)s can still be refunded for this item.",
                                amount=_money(option.room, order),
                            )
                        ]
                    }
                )
            policy = effective_policy(order.merchant.policy)
            count = db.session.scalar(select(func.count(Claim.id)).where(Claim.order_id == order.id))
            claim = Claim(
                merchant_id=order.merchant_id,
                order_id=order.id,
                order_item_id=option.item.id,
                customer_id=order.customer_id,
                number=f"{order.number}-C{count + 1}",
                remedy=data.remedy,
                description=data.description,
                noticed_on=data.noticed_on,
                answer_due_at=now + timedelta(hours=policy["sla"]["first_response_hours"]),
                created_at=now,
                updated_at=now,
            )
            claim.offers.append(ClaimOffer(by="buyer", amount=amount, created_at=now))
            for position, photo in enumerate(photos):
                key = storage.store(photo.image, ".jpg")
                saved.append(key)
                thumb = storage.store(photo.thumbnail, ".jpg")
                saved.append(thumb)
                claim.photos.append(
                    ClaimPhoto(
                        position=position,
                        storage_key=key,
                        thumb_key=thumb,
                        width=photo.width,
                        height=photo.height,
                        size=len(photo.image),
                    )
                )
            db.session.add(claim)
            db.session.flush()
            mark_changed(order)
            audit.record(
                actor,
                "claim.opened",
                "claim",
                claim.id,
                merchant_id=order.merchant_id,
                after={"number": claim.number, "item": option.item.line_id, "remedy": data.remedy, "amount": amount},
            )
            if data.remedy == "price_reduction" and rules.auto_accepts(
                amount, option.item.unit_price, policy["claims"]
            ):
                claim.auto_accepted = True
                _accept(claim, order, Actor.system("auto-accept"), now)
            _notify(uow, claim, "claim_accepted" if claim.auto_accepted else "claim_received")
            _tell_the_shop(uow, claim)
    except BaseException:
        for key in saved:  # nothing of a refused claim stays on disk
            storage.delete(key)
        raise
    return claim


def _money(amount: int, order: Order):
    from portal.money import Money

    return Money(amount, order.currency)


# -- decisions ------------------------------------------------------------------------------


def _locked(merchant_id: str, claim_id: str) -> tuple[Claim, Order]:
    """The claim, locked after its order: every writer takes the order first, then the claim."""
    order_id = db.session.scalar(select(Claim.order_id).where(Claim.id == claim_id, Claim.merchant_id == merchant_id))
    if order_id is None:
        raise NotFound()
    order = lock_one(Order, order_id, merchant_id=merchant_id)
    claim = lock_one(Claim, claim_id, merchant_id=merchant_id)
    db.session.refresh(order)
    db.session.refresh(claim)
    return claim, order


def _wrong_state(claim: Claim) -> Conflict:
    return Conflict(
        _l("Claim %(number)s cannot be changed this way now.", number=claim.number),
        code="claim_state",
    )


def _room_for(claim: Claim, order: Order) -> int:
    """What this claim may still agree to: the item's room, less what other live claims hold."""
    taken = _taken_by_item(order.id).get(claim.order_item_id, 0)
    held = _held_by_live_claims(order.id, except_claim=claim.id).get(claim.order_item_id, 0)
    return min(rules.item_room(claim.order_item.line_total, taken, held), ledger.refundable(order))


def _accept(claim: Claim, order: Order, actor: Actor, now: datetime, offer: ClaimOffer | None = None) -> None:
    """Agree to ``offer`` (the buyer's current proposal by default) inside the caller's unit of work."""
    offer = offer or claim.current_offer
    amount = offer.amount if offer is not None else 0
    if claim.remedy == "cancel" and offer is not None and offer.by == "buyer":
        amount = _room_for(claim, order)  # the whole item back, as much as is left of it
    if claim.remedy == "cancel" and amount <= 0:
        raise Conflict(_l("Nothing more can be refunded for this item."), code="nothing_left")
    if offer is not None and offer.by == "merchant" and amount > 0:
        claim.remedy = "price_reduction"  # the buyer took the shop's money offer instead
    if amount > _room_for(claim, order):
        raise Conflict(
            _l(
                "At most %(amount)s can still be refunded for this item.", amount=_money(_room_for(claim, order), order)
            ),
            code="refund_exceeds_refundable",
        )
    if offer is not None:
        offer.status, offer.decided_at = "accepted", now
    claim.status = ClaimStatus.ACCEPTED.value
    claim.agreed_amount = amount
    claim.accepted_at = claim.updated_at = now
    if amount > 0:
        refund = ledger.request_refund(order, amount, "claim", f"Claim {claim.number}", actor, source_id=claim.id)
        claim.refund_id = refund.id
    mark_changed(order)
    if claim.remedy not in ("replacement", "repair"):  # settled now; those two when resolved
        feedback_due("claim", claim)
    audit.record(
        actor,
        "claim.accepted",
        "claim",
        claim.id,
        merchant_id=claim.merchant_id,
        after={"amount": amount, "remedy": claim.remedy, "by": offer.by if offer else None},
    )


def accept(merchant_id: str, claim_id: str, *, actor: Actor, note: str = "", as_support: bool = False) -> Claim:
    """One click: accept the buyer's current proposal; the refund starts at once. Idempotent.

    An escalated claim is decided by support (``as_support``; the shop handed it over) with the same
    rules: accepting takes the buyer's last proposal (the one the shop rejected or answered), and the
    desk's ticket is solved with ``note``.
    """
    with unit_of_work() as uow:
        claim, order = _locked(merchant_id, claim_id)
        if claim.status in AGREED_STATUSES:
            return claim
        if claim.status == ClaimStatus.ESCALATED.value and as_support:
            proposal = next((o for o in reversed(claim.offers) if o.by == "buyer"), None)
            _accept(claim, order, actor, utcnow(), offer=proposal)
            _desk_note(claim, actor, f"Accepted by support. {note}".strip(), solve=True)
        elif claim.status != ClaimStatus.OPEN.value:
            raise _wrong_state(claim)
        else:
            _accept(claim, order, actor, utcnow())
        _notify(uow, claim, "claim_accepted")
    return claim


def _desk_note(claim: Claim, actor: Actor, text: str, *, solve: bool) -> None:
    """An internal note on the claim's escalation ticket, which is solved when support decided."""
    from portal.support import services as desk

    desk.note_decision("claim", claim.id, actor, text, solve=solve)


def counter(merchant_id: str, claim_id: str, document: object, *, actor: Actor, as_support: bool = False) -> Claim:
    """The shop (or support, for an escalated claim) offers another amount with a message; the
    buyer answers."""
    data = parse(CounterIn, document)
    with unit_of_work() as uow:
        claim, order = _locked(merchant_id, claim_id)
        escalated = claim.status == ClaimStatus.ESCALATED.value and as_support
        if claim.status != ClaimStatus.OPEN.value and not escalated:
            raise _wrong_state(claim)
        room = _room_for(claim, order)
        if data.amount > room:
            raise ValidationFailed(
                fields={
                    "amount": [
                        _l("At most %(amount)s can still be refunded for this item.", amount=_money(room, order))
                    ]
                }
            )
        now = utcnow()
        for offer in claim.offers:
            if offer.status == "open":
                offer.status, offer.decided_at = "superseded", now
        claim.offers.append(ClaimOffer(by="merchant", amount=data.amount, message=data.message, created_at=now))
        if escalated:
            _desk_note(claim, actor, f"Support offered {format_money(data.amount, order.currency, 'en')}.", solve=True)
        claim.status = ClaimStatus.COUNTERED.value
        claim.updated_at = now
        mark_changed(order)
        audit.record(
            actor,
            "claim.countered",
            "claim",
            claim.id,
            merchant_id=merchant_id,
            after={"amount": data.amount, "message": data.message},
        )
        _notify(uow, claim, "claim_countered")
    return claim


def reject(merchant_id: str, claim_id: str, document: object, *, actor: Actor) -> Claim:
    """The shop says no, with a message: the claim goes to support as an escalation."""
    data = parse(RejectIn, document)
    with unit_of_work() as uow:
        claim, order = _locked(merchant_id, claim_id)
        if claim.status == ClaimStatus.ESCALATED.value:
            return claim
        if claim.status not in (ClaimStatus.OPEN.value, ClaimStatus.COUNTERED.value):
            raise _wrong_state(claim)
        now = utcnow()
        for offer in claim.offers:
            if offer.status == "open":  # the buyer's proposal is declined; the shop's own offer withdrawn
                offer.status, offer.decided_at = ("superseded" if offer.by == "merchant" else "declined"), now
        claim.offers.append(
            ClaimOffer(
                by="merchant", amount=0, message=data.message, status="rejection", created_at=now, decided_at=now
            )
        )
        _escalate(claim, now)
        mark_changed(order)
        audit.record(
            actor,
            "claim.rejected",
            "claim",
            claim.id,
            merchant_id=merchant_id,
            after={"message": data.message, "status": "escalated"},
        )
        _notify(uow, claim, "claim_escalated")
    return claim


def respond(merchant_id: str, claim_id: str, document: object, *, customer_id: str, actor: Actor) -> Claim:
    """The buyer answers the shop's counter-offer: accept (the refund starts) or decline (support)."""
    data = parse(ResponseIn, document)
    with unit_of_work() as uow:
        claim, order = _locked(merchant_id, claim_id)
        if claim.customer_id != customer_id:
            raise NotFound()
        if data.decision == "accept" and claim.status in AGREED_STATUSES:
            return claim
        if data.decision == "decline" and claim.status == ClaimStatus.ESCALATED.value:
            return claim
        if claim.status != ClaimStatus.COUNTERED.value:
            raise _wrong_state(claim)
        now = utcnow()
        offer = claim.current_offer
        if data.decision == "accept":
            _accept(claim, order, actor, now, offer=offer)
            _notify(uow, claim, "claim_accepted")
        else:
            offer.status, offer.decided_at = "declined", now
            _escalate(claim, now)
            mark_changed(order)
            audit.record(
                actor,
                "claim.declined",
                "claim",
                claim.id,
                merchant_id=merchant_id,
                after={"amount": offer.amount, "status": "escalated"},
            )
            _notify(uow, claim, "claim_escalated")
    return claim


def _escalate(claim: Claim, now: datetime) -> None:
    """The claim goes to the support desk: a ticket about it, due by the shop's SLA. The buyer has
    the claim's own e-mail; the ticket's first message is the desk's summary of the negotiation."""
    from portal.money import format_money
    from portal.support.services import open_ticket

    claim.status = ClaimStatus.ESCALATED.value
    claim.escalated_at = claim.updated_at = now
    order = claim.order
    from portal.support.services import escalation_about

    earlier = escalation_about("claim", claim.id)
    if earlier is not None:  # support's offer was declined too: the same ticket opens again
        from portal.support import services as desk

        system = Actor(kind="system", id=None, label="claims")
        desk.reply(earlier, {"message": "The buyer declined support's offer."}, system, internal=True, now=now)
        desk.set_status(earlier, "open", system, now=now)
        return
    item = claim.order_item
    lines = [f"Claim {claim.number} about {item.name} ({item.sku}), remedy asked: {claim.remedy}."]
    for offer in claim.offers:
        amount = f", {format_money(offer.amount, order.currency, 'en')}" if offer.amount else ""
        lines.append(f"- {offer.by}: {offer.status}{amount}" + (f": {offer.message}" if offer.message else ""))
    lines.append(f"Description: {claim.description}")
    open_ticket(
        order.merchant,
        order.customer,
        {"subject": f"{claim.number}: {item.name}"[:200], "message": "\n".join(lines)[:8000]},
        Actor.system("claims"),
        order=order,
        source="escalation",
        about=("claim", claim.id),
        priority="high",
        now=now,
        acknowledge=False,
        internal_first=True,
    )


def resolve(merchant_id: str, claim_id: str, document: object = None, *, actor: Actor) -> Claim:
    """A replacement was sent (with its carrier and tracking number, which the buyer follows) or
    a repair finished: the claim is resolved and the buyer told."""
    data = parse(ResolveIn, document or {})
    with unit_of_work() as uow:
        claim, order = _locked(merchant_id, claim_id)
        if claim.status == ClaimStatus.RESOLVED.value:
            return claim
        if claim.status != ClaimStatus.ACCEPTED.value or claim.remedy not in ("replacement", "repair"):
            raise _wrong_state(claim)
        if bool(data.carrier) != bool(data.tracking_number):
            raise ValidationFailed(
                fields={"tracking_number": [_l("Give both the carrier and the tracking number, or neither.")]}
            )
        claim.status = ClaimStatus.RESOLVED.value
        claim.fulfilment_carrier = data.carrier or None
        claim.fulfilment_tracking = data.tracking_number or None
        claim.fulfilment_note = data.note
        claim.resolved_at = claim.updated_at = utcnow()
        mark_changed(order)
        audit.record(
            actor,
            "claim.resolved",
            "claim",
            claim.id,
            merchant_id=merchant_id,
            after={"carrier": data.carrier, "tracking_number": data.tracking_number, "note": data.note},
        )
        _notify(uow, claim, "claim_resolved")
        feedback_due("claim", claim)
    return claim


# -- notifications (templates arrive with the claim pages) ----------------------------------


def _notify(uow, claim: Claim, kind: str) -> None:
    """E-mail the buyer about the claim; kinds without a template yet are skipped."""
    from jinja2 import TemplateNotFound

    from portal.buyers.access import order_link
    from portal.notifications.services import queue_email

    order = claim.order
    try:
        queue_email(
            uow,
            kind=kind,
            recipient=order.customer.email,
            locale=order.locale,
            merchant_id=order.merchant_id,
            dedupe_key=f"{kind}:{claim.id}:{len(claim.offers)}",
            context={"claim": claim, "order": order, "merchant": order.merchant, "link": order_link(order)},
        )
    except TemplateNotFound:
        pass


def _tell_the_shop(uow, claim: Claim) -> None:
    """The shop's e-mail about a new claim: thumbnails inline, the amounts, a link that opens it."""
    from portal.notifications.services import queue_email
    from portal.urls import external_url

    merchant = claim.order.merchant
    if not merchant.support_email:
        return
    queue_email(
        uow,
        kind="claim_new",
        recipient=merchant.support_email,
        locale=merchant.default_locale,
        merchant_id=merchant.id,
        dedupe_key=f"claim_new:{claim.id}",
        context={
            "claim": claim,
            "order": claim.order,
            "merchant": merchant,
            "money": ledger.money_summary(claim.order),
            "claim_url": external_url("console.claim_detail", claim_id=claim.id),
            "link": external_url("console.claim_detail", claim_id=claim.id),
        },
        attachments=[{"kind": "claim_thumb", "id": p.id, "cid": f"photo-{p.id}"} for p in claim.photos],
    )


# -- reading --------------------------------------------------------------------------------


def get_claim(merchant_id: str, claim_id: str) -> Claim:
    claim = db.session.scalar(
        select(Claim)
        .where(Claim.id == claim_id, Claim.merchant_id == merchant_id)
        .options(selectinload(Claim.offers), selectinload(Claim.photos))
    )
    if claim is None:
        raise NotFound()
    return claim


def buyer_claim(merchant_id: str, customer_id: str, claim_id: str) -> Claim:
    claim = get_claim(merchant_id, claim_id)
    if claim.customer_id != customer_id:
        raise NotFound()
    return claim


def claims_of_order(order_id: str) -> list[Claim]:
    return list(
        db.session.scalars(
            select(Claim)
            .where(Claim.order_id == order_id)
            .options(selectinload(Claim.offers), selectinload(Claim.photos))
            .order_by(Claim.created_at)
        )
    )


@dataclass(frozen=True)
class ClaimPage:
    claims: list[Claim]
    next_cursor: str | None


def list_claims(
    merchant_id: str, *, status: str | None = None, cursor: str | None = None, limit: int = 25
) -> ClaimPage:
    """The shop's claims, the answer due soonest first, keyset-paginated."""
    stmt = (
        select(Claim)
        .where(Claim.merchant_id == merchant_id)
        .options(selectinload(Claim.offers), selectinload(Claim.photos))
    )
    if status == "open":
        stmt = stmt.where(Claim.status.in_((ClaimStatus.OPEN.value, ClaimStatus.COUNTERED.value)))
    elif status:
        stmt = stmt.where(Claim.status == status)
    if cursor:
        decoded = decode_cursor(cursor)
        if decoded is None:
            raise ValidationFailed(fields={"cursor": [_l("This page link is not valid. Start from the first page.")]})
        due, ident = decoded
        stmt = stmt.where(or_(Claim.answer_due_at > due, and_(Claim.answer_due_at == due, Claim.id > str(ident))))
    rows = list(db.session.scalars(stmt.order_by(Claim.answer_due_at, Claim.id).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = encode_cursor(rows[-1].answer_due_at, rows[-1].id) if more and rows else None
    return ClaimPage(claims=rows, next_cursor=next_cursor)


__all__ = ["REMEDIES", "accept", "counter", "list_claims", "open_claim", "options", "reject", "resolve", "respond"]
