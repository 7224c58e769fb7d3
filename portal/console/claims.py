"""The console's defect claims: the shop's inbox, one claim's page, and the shop's answers.

Accept is one click (one POST, no dialog); counter and reject carry a message. Each answer
redirects to the claim's page with what happened and what happens next; the rules live in
``portal.claims``. The routes join the console blueprint; ``views.py`` imports this module.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import format_datetime, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import case, func, select

from portal.accounts.models import Role
from portal.accounts.permissions import has_role, staff_required
from portal.accounts.services import actor_for
from portal.buyers.services import payment_method_label
from portal.claims import policy as rules
from portal.claims import services as claims
from portal.claims.models import Claim, ClaimOffer, ClaimPhoto, ClaimStatus
from portal.console import services as console_services
from portal.console.forms import (
    ClaimFilterForm,
    CounterClaimForm,
    RejectClaimForm,
)
from portal.console.returns import DueNote
from portal.console.views import _choose_shop, _refund_news, _shop, _shop_args, bp
from portal.db import utcnow
from portal.errors import DomainError, NotFound, ValidationFailed
from portal.extensions import db
from portal.i18n import set_page_locale
from portal.merchants.models import Merchant
from portal.money import Money
from portal.orders.models import Customer, Order, OrderItem
from portal.payments import services as ledger
from portal.photos import photo_response
from portal.returns.models import ReturnRequest
from portal.storage import get_storage

# Staff read these; the buyer's wording (policy.STATUS_LABELS) speaks to the buyer.
STATUS_LABELS = {
    "open": _l("Open: waiting for your answer"),
    "countered": _l("Countered: waiting for the buyer"),
    "accepted": _l("Accepted"),
    "resolved": _l("Resolved"),
    "escalated": _l("Rejected: with customer support"),
    "withdrawn": _l("Withdrawn by the buyer"),
}

OFFER_STATUS_LABELS = {
    "open": _l("Waiting for an answer"),
    "accepted": _l("Accepted"),
    "declined": _l("Declined"),
    "superseded": _l("Answered with a counter-offer"),
    "rejection": _l("Claim rejected"),
}

OFFER_BY = {
    "buyer": _l("Buyer"),
    "merchant": _l("Your shop"),
}

# Replacement and repair move no money: the shop does something, then marks the claim done.
IN_KIND = ("replacement", "repair")
AGREED = (ClaimStatus.ACCEPTED.value, ClaimStatus.RESOLVED.value)
# An open claim's answer is due within hours (the shop's SLA, 24 by default): warn in the last few.
DUE_SOON_HOURS = 6
PAGE_SIZE = 25


@bp.app_template_global()
def console_claim_label(kind: str, code: str | None) -> str:
    """A claim's status, remedy, offer status or offer maker in the console's words."""
    table = {
        "status": STATUS_LABELS,
        "remedy": rules.REMEDY_LABELS,
        "offer_status": OFFER_STATUS_LABELS,
        "by": OFFER_BY,
    }[kind]
    return str(table.get(code, code or ""))


@bp.app_template_global()
def console_order_claims(order: Order) -> list[Claim]:
    """The order's claims, oldest first, for the order page (the order is already the shop's)."""
    return claims.claims_of_order(order.id)


@bp.app_template_global()
def order_money_summary(order: Order) -> ledger.MoneySummary:
    """The order's money from the ledger (paid, refunded, pending …), for pages and e-mails."""
    return ledger.money_summary(order)


# -- reading --------------------------------------------------------------------------------


def due_note(claim: Claim, now: datetime) -> DueNote | None:
    """The warning of an open claim whose answer is overdue or due within DUE_SOON_HOURS."""
    if claim.status != ClaimStatus.OPEN.value:
        return None
    due = claim.answer_due_at
    when = format_datetime(due, "short")
    if now > due:
        return DueNote("overdue", _("Answer overdue since %(when)s", when=when))
    left = due - now
    if left > timedelta(hours=DUE_SOON_HOURS):
        return None
    hours = math.floor(left.total_seconds() / 3600)
    if hours < 1:
        return DueNote("due_soon", _("Answer due by %(when)s — in less than an hour", when=when))
    return DueNote(
        "due_soon",
        ngettext(
            "Answer due by %(when)s — in %(num)s hour", "Answer due by %(when)s — in %(num)s hours", hours, when=when
        ),
    )


def standing_offer(claim: Claim) -> ClaimOffer | None:
    """The offer on the table, or else the agreed one, or else the last amount anyone named."""
    if claim.current_offer is not None:
        return claim.current_offer
    accepted = [offer for offer in claim.offers if offer.status == "accepted"]
    if accepted:
        return accepted[-1]
    named = [offer for offer in claim.offers if offer.status != "rejection"]
    return named[-1] if named else None


@dataclass(frozen=True)
class ClaimRow:
    claim: Claim
    due: DueNote | None
    offer: ClaimOffer | None


def _rows(page: claims.ClaimPage, now: datetime) -> list[ClaimRow]:
    # The orders, buyers and items in three queries: each row's relationships then come from the
    # session. Its identity map holds objects only weakly, so they are kept on ``g`` until the page
    # is rendered: dropped at once, every row loaded its own order, buyer and item again (3 queries
    # a row, 78 for a page of 25).
    loaded: list = []
    for model, ids in (
        (Order, {claim.order_id for claim in page.claims}),
        (Customer, {claim.customer_id for claim in page.claims}),
        (OrderItem, {claim.order_item_id for claim in page.claims}),
    ):
        if ids:
            loaded.extend(db.session.scalars(select(model).where(model.id.in_(ids))))
    g.claim_rows_loaded = loaded
    return [ClaimRow(claim=claim, due=due_note(claim, now), offer=standing_offer(claim)) for claim in page.claims]


def _due_counts(merchant_id: str, now: datetime) -> tuple[int, int]:
    """How many open claims have their answer overdue, and how many due within DUE_SOON_HOURS."""
    overdue, soon = db.session.execute(
        select(
            func.coalesce(func.sum(case((Claim.answer_due_at < now, 1), else_=0)), 0),
            func.coalesce(func.sum(case((Claim.answer_due_at >= now, 1), else_=0)), 0),
        ).where(
            Claim.merchant_id == merchant_id,
            Claim.status == ClaimStatus.OPEN.value,
            Claim.answer_due_at <= now + timedelta(hours=DUE_SOON_HOURS),
        )
    ).one()
    return int(overdue), int(soon)


@dataclass(frozen=True)
class BuyerRecord:
    other_claims: list[Claim]
    returns: list[ReturnRequest]
    orders_count: int


def _buyer_record(claim: Claim, limit: int = 10) -> BuyerRecord:
    """The buyer's other claims, their returns (newest first) and their number of orders: this shop only."""
    return BuyerRecord(
        other_claims=list(
            db.session.scalars(
                select(Claim)
                .where(
                    Claim.merchant_id == claim.merchant_id, Claim.customer_id == claim.customer_id, Claim.id != claim.id
                )
                .order_by(Claim.created_at.desc())
                .limit(limit)
            )
        ),
        returns=list(
            db.session.scalars(
                select(ReturnRequest)
                .where(ReturnRequest.merchant_id == claim.merchant_id, ReturnRequest.customer_id == claim.customer_id)
                .order_by(ReturnRequest.created_at.desc())
                .limit(limit)
            )
        ),
        orders_count=db.session.scalar(
            select(func.count(Order.id)).where(
                Order.merchant_id == claim.merchant_id, Order.customer_id == claim.customer_id
            )
        ),
    )


def _item_room(claim: Claim) -> int:
    """What the claimed item can still get back (its price less returns and agreed claims, within the payment)."""
    option = claims.options(claim.order).item(claim.order_item.line_id)
    return option.room if option is not None else 0


def to_finish(claim: Claim) -> bool:
    """An accepted replacement or repair the shop still has to carry out and mark as done.

    Not one the buyer settled by accepting the shop's counter-offer: that was paid in money."""
    return claim.status == ClaimStatus.ACCEPTED.value and claim.remedy in IN_KIND and not claim.agreed_amount


def accept_amount(claim: Claim, room: int) -> int:
    """What accepting refunds now: the buyer's proposal, or for a cancellation what is left of the item."""
    if claim.remedy == "cancel":
        return room
    offer = claim.current_offer
    return offer.amount if offer is not None else 0


# -- pages ----------------------------------------------------------------------------------


def _status_choices() -> list[tuple[str, str]]:
    # "open" asks list_claims for open and countered claims together: the open status alone has no filter.
    return [
        ("open", _("Open: waiting for your answer or the buyer's")),
        *[(status.value, str(STATUS_LABELS[status.value])) for status in ClaimStatus if status != ClaimStatus.OPEN],
        ("all", _("All")),
    ]


@bp.get("/claims", endpoint="claims")
@staff_required()
def inbox():
    """The shop's claims, the answer due soonest on top."""
    merchant = _shop()
    if merchant is None:
        return _choose_shop()
    set_page_locale(None, merchant.timezone)
    form = ClaimFilterForm(request.args, statuses=_status_choices())
    form.validate()
    status = form.value()
    filters = {"status": None if status == "open" else status, **_shop_args()}
    cursor = request.args.get("cursor") or None
    try:
        page = claims.list_claims(
            merchant.id, status=None if status == "all" else status, cursor=cursor, limit=PAGE_SIZE
        )
    except ValidationFailed as exc:  # a damaged page link
        flash(_problems(exc), "warning")
        return redirect(url_for(".claims", **filters))
    now = utcnow()
    overdue, due_soon = _due_counts(merchant.id, now)
    return render_template(
        "console/claims.html",
        merchant=merchant,
        form=form,
        filters=filters,
        filtered=status != "open",
        cursor=cursor,
        rows=_rows(page, now),
        next_cursor=page.next_cursor,
        overdue=overdue,
        due_soon=due_soon,
        due_soon_hours=DUE_SOON_HOURS,
    )


@bp.get("/claims/<claim_id>", endpoint="claim_detail")
@staff_required()
def claim_detail(claim_id: str):
    """One claim: the photos, the item and the money, the buyer, the negotiation, and the answers."""
    merchant = _shop()
    if merchant is None:
        return _choose_shop()
    return _claim_page(merchant, claims.get_claim(merchant.id, claim_id))


def _claim_page(
    merchant: Merchant,
    claim: Claim,
    *,
    counter_form: CounterClaimForm | None = None,
    reject_form: RejectClaimForm | None = None,
    status: int = 200,
):
    set_page_locale(None, merchant.timezone)
    order = claim.order
    room = _item_room(claim)
    return render_template(
        "console/claim.html",
        merchant=merchant,
        claim=claim,
        order=order,
        item=claim.order_item,
        c=order.currency,
        due=due_note(claim, utcnow()),
        money=ledger.money_summary(order),
        room=room,
        accept_amount=accept_amount(claim, room),
        to_finish=to_finish(claim),
        refund=console_services.refund_row(claim.merchant_id, claim.refund_id),
        buyer=_buyer_record(claim),
        history=console_services.history_of("claim", claim.id, claim.merchant_id, claim.refund_id),
        payment_method_label=payment_method_label,
        may_act=has_role(current_user.role, Role.MERCHANT_AGENT),
        may_decide_escalated=_as_support(),
        buyer_proposal=_buyer_proposal(claim),
        counter_form=counter_form or CounterClaimForm(formdata=None, prefix="counter"),
        reject_form=reject_form or RejectClaimForm(formdata=None, prefix="reject"),
    ), status


# -- photos ---------------------------------------------------------------------------------


@bp.get("/claims/<claim_id>/photos/<photo_id>", endpoint="claim_photo")
@staff_required()
def claim_photo(claim_id: str, photo_id: str):
    """A claim's photo in full size, to the staff of the claim's shop only."""
    photo = _photo(claim_id, photo_id)
    return _photo_file(photo.storage_key, f"{photo.claim.number}-{photo.position + 1}.jpg")


@bp.get("/claims/<claim_id>/photos/<photo_id>/thumb", endpoint="claim_photo_thumb")
@staff_required()
def claim_photo_thumb(claim_id: str, photo_id: str):
    photo = _photo(claim_id, photo_id)
    return _photo_file(photo.thumb_key, f"{photo.claim.number}-{photo.position + 1}-thumb.jpg")


def _photo(claim_id: str, photo_id: str) -> ClaimPhoto:
    """The photo of a claim of this shop; NotFound for another shop's (and before a shop is chosen)."""
    merchant = _shop()
    if merchant is None:
        raise NotFound()
    claim = claims.get_claim(merchant.id, claim_id)
    photo = next((p for p in claim.photos if p.id == photo_id), None)
    if photo is None:
        raise NotFound()
    return photo


def _photo_file(key: str, filename: str):
    try:
        data = get_storage().open(key)
    except (FileNotFoundError, ValueError):  # the record outlived its file: nothing to show
        raise NotFound() from None
    return photo_response(data, filename=filename)


# -- the shop's answers ---------------------------------------------------------------------


def _decided(merchant: Merchant | None, claim_id: str) -> Claim:
    """The claim an answer is about; NotFound also for another shop's (and before a shop is chosen)."""
    if merchant is None:
        raise NotFound()
    return claims.get_claim(merchant.id, claim_id)


def _back(claim: Claim):
    return redirect(url_for(".claim_detail", claim_id=claim.id, **_shop_args()))


def _problems(exc: DomainError) -> str:
    messages = [str(m) for field in exc.fields.values() for m in field]
    return " ".join(messages) or str(exc.message)


def _refused(claim: Claim, exc: DomainError) -> str:
    """Why an answer was not taken, in the console's words where the claim moved on meanwhile."""
    if exc.code == "claim_state":
        db.session.expire_all()
        claim = db.session.get(Claim, claim.id)
        return _(
            "Claim %(number)s cannot be answered this way now: its status is “%(status)s”. Nothing changed.",
            number=claim.number,
            status=console_claim_label("status", claim.status),
        )
    return _problems(exc)


def _as_support() -> bool:
    """Support staff (and platform admins) decide the claims a shop escalated to them."""
    return has_role(current_user.role, Role.SUPPORT_AGENT)


def _may_decide(claim: Claim) -> None:
    """The shop's staff answer open claims; support staff only the claims escalated to them."""
    from flask import abort

    if not has_role(current_user.role, Role.MERCHANT_AGENT) and claim.status != ClaimStatus.ESCALATED.value:
        abort(403)


def _buyer_proposal(claim: Claim) -> int:
    """What the buyer last asked for: what support accepts for an escalated claim."""
    proposal = next((o for o in reversed(claim.offers) if o.by == "buyer"), None)
    return proposal.amount if proposal is not None else 0


@bp.post("/claims/<claim_id>/accept")
@staff_required(Role.MERCHANT_AGENT, Role.SUPPORT_AGENT)
def accept_claim(claim_id: str):
    """Accept the buyer's proposal in one click: a price reduction or cancellation is refunded at once.

    The form carries only the CSRF token (checked for every POST before the view runs)."""
    merchant = _shop()
    claim = _decided(merchant, claim_id)
    _may_decide(claim)
    before = claim.status
    try:
        claim = claims.accept(
            merchant.id,
            claim.id,
            actor=actor_for(current_user, request.remote_addr),
            note=(request.form.get("note") or "").strip()[:2000],
            as_support=_as_support(),
        )
    except NotFound:
        raise
    except DomainError as exc:
        flash(_refused(claim, exc), "warning")
        return _back(claim)
    news, failed = _accepted_news(claim, again=before in AGREED)
    flash(news, "warning" if failed else "success")
    return _back(claim)


def _accepted_news(claim: Claim, *, again: bool) -> tuple[str, bool]:
    """What accepting did and what happens next; and whether the payment provider refused the refund."""
    if again:
        news = [_("Claim %(number)s was already accepted; nothing changed.", number=claim.number)]
    else:
        news = [_("Claim %(number)s accepted.", number=claim.number)]
    refund = console_services.refund_row(claim.merchant_id, claim.refund_id)
    if refund is not None:
        news.append(_refund_news(refund))
    elif claim.remedy == "replacement" and to_finish(claim):
        news.append(_("Send the buyer a replacement, then mark the claim as done on this page."))
    elif claim.remedy == "repair" and to_finish(claim):
        news.append(_("Arrange the repair with the buyer, then mark the claim as done on this page."))
    if not again:
        news.append(_("The buyer gets an e-mail."))
    return " ".join(news), refund is not None and refund.status == "failed"


@bp.post("/claims/<claim_id>/counter")
@staff_required(Role.MERCHANT_AGENT, Role.SUPPORT_AGENT)
def counter_claim(claim_id: str):
    """Offer the buyer another amount, with a message; the buyer accepts or declines it."""
    merchant = _shop()
    claim = _decided(merchant, claim_id)
    _may_decide(claim)
    form = CounterClaimForm(prefix="counter")
    form.currency = claim.order.currency
    if not form.validate():
        return _claim_page(merchant, claim, counter_form=form, status=422)
    try:
        claim = claims.counter(
            merchant.id,
            claim.id,
            {"amount": form.minor_units, "message": form.message.data or ""},
            actor=actor_for(current_user, request.remote_addr),
            as_support=_as_support(),
        )
    except NotFound:
        raise
    except ValidationFailed as exc:
        db.session.expire_all()
        claim = claims.get_claim(merchant.id, claim.id)
        form.amount.errors = [str(m) for m in exc.fields.get("amount", [])]
        form.message.errors = [str(m) for m in exc.fields.get("message", [])]
        if not form.amount.errors and not form.message.errors:
            form.amount.errors = [_problems(exc)]
        return _claim_page(merchant, claim, counter_form=form, status=422)
    except DomainError as exc:
        flash(_refused(claim, exc), "warning")
        return _back(claim)
    flash(
        _(
            "Your offer of %(amount)s for claim %(number)s was sent to the buyer by e-mail. If they accept it, "
            "the refund starts at once; if they decline it, the claim goes to customer support.",
            amount=Money(form.minor_units, claim.order.currency),
            number=claim.number,
        ),
        "success",
    )
    return _back(claim)


@bp.post("/claims/<claim_id>/reject")
@staff_required(Role.MERCHANT_AGENT)
def reject_claim(claim_id: str):
    """Say no, with a message: the claim goes to customer support."""
    merchant = _shop()
    claim = _decided(merchant, claim_id)
    form = RejectClaimForm(prefix="reject")
    if not form.validate():
        return _claim_page(merchant, claim, reject_form=form, status=422)
    before = claim.status
    try:
        claim = claims.reject(
            merchant.id, claim.id, {"message": form.message.data}, actor=actor_for(current_user, request.remote_addr)
        )
    except NotFound:
        raise
    except ValidationFailed as exc:
        db.session.expire_all()
        claim = claims.get_claim(merchant.id, claim.id)
        form.message.errors = [str(m) for m in exc.fields.get("message", [])] or [_problems(exc)]
        return _claim_page(merchant, claim, reject_form=form, status=422)
    except DomainError as exc:
        flash(_refused(claim, exc), "warning")
        return _back(claim)
    if before == ClaimStatus.ESCALATED.value:
        flash(_("Claim %(number)s was already with customer support; nothing changed.", number=claim.number), "info")
    else:
        flash(
            _(
                "Claim %(number)s rejected. It goes to customer support, who look at it and contact you and "
                "the buyer. The buyer gets an e-mail with your message.",
                number=claim.number,
            ),
            "success",
        )
    return _back(claim)


@bp.post("/claims/<claim_id>/resolve")
@staff_required(Role.MERCHANT_AGENT)
def resolve_claim(claim_id: str):
    """The replacement was sent or the repair is finished: the claim is done."""
    merchant = _shop()
    claim = _decided(merchant, claim_id)
    before = claim.status
    try:
        claim = claims.resolve(
            merchant.id,
            claim.id,
            {
                "carrier": request.form.get("carrier", ""),
                "tracking_number": request.form.get("tracking_number", ""),
                "note": request.form.get("note", ""),
            },
            actor=actor_for(current_user, request.remote_addr),
        )
    except NotFound:
        raise
    except DomainError as exc:
        flash(_refused(claim, exc), "warning")
        return _back(claim)
    if before == ClaimStatus.RESOLVED.value:
        flash(_("Claim %(number)s was already marked as done; nothing changed.", number=claim.number), "info")
    else:
        flash(
            _("Claim %(number)s marked as done. It is closed; nothing more is needed.", number=claim.number), "success"
        )
    return _back(claim)
