"""The console's returns: the shop's queue, one return's page, and the staff's decisions.

Approve, reject and receive are each one click (one POST, then a redirect to the return's
page with what happened and what happens next); the rules live in ``portal.returns``.
The routes join the console blueprint; ``views.py`` imports this module.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from flask import flash, redirect, render_template, request, url_for
from flask_babel import format_date, format_percent, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import and_, case, func, select

from portal.accounts.models import Role
from portal.accounts.permissions import has_role, staff_required
from portal.accounts.services import actor_for
from portal.buyers.services import payment_method_label
from portal.catalogue import services as catalogue
from portal.console import services as console_services
from portal.console.forms import (
    ApproveReturnForm,
    ReceiveReturnForm,
    RejectReturnForm,
    ReturnFilterForm,
    receive_form,
)
from portal.console.views import _choose_shop, _refund_news, _shop, _shop_args, bp
from portal.errors import DomainError, NotFound, ValidationFailed
from portal.extensions import db
from portal.i18n import current_language
from portal.merchants.models import Merchant
from portal.merchants.policy import effective_policy
from portal.money import Money
from portal.orders.models import Order
from portal.orders.services import merchant_today
from portal.payments import services as ledger
from portal.returns import policy as rules
from portal.returns import services as returns
from portal.returns.models import OPEN_STATUSES, ReturnItem, ReturnRequest, ReturnStatus
from portal.support import services as desk

# Staff read these; the buyer's wording (policy.STATUS_LABELS) speaks to the buyer.
STATUS_LABELS = {
    "requested": _l("Requested: waiting for your decision"),
    "approved": _l("Approved: waiting for the parcel"),
    "received": _l("Received, not settled yet"),
    "refunded": _l("Settled: money back"),
    "exchanged": _l("Settled: exchange order to ship"),
    "rejected": _l("Rejected"),
    "cancelled": _l("Cancelled by the buyer"),
}

RESOLUTION_LABELS = {
    "refund": _l("Refund"),
    "store_credit": _l("Store credit"),
    "exchange": _l("Exchange"),
}

CONDITION_LABELS = {
    "accepted": _l("Good condition"),
    "damaged": _l("Damaged or used"),
}

SETTLED = (ReturnStatus.REFUNDED.value, ReturnStatus.EXCHANGED.value)
DECIDABLE = (ReturnStatus.REQUESTED.value, ReturnStatus.APPROVED.value)
PAGE_SIZE = 25


@bp.app_template_global()
def console_return_label(kind: str, code: str | None) -> str:
    """A return's status, resolution or item condition in the console's words."""
    table = {"status": STATUS_LABELS, "resolution": RESOLUTION_LABELS, "condition": CONDITION_LABELS}[kind]
    return str(table.get(code, code or ""))


# -- reading --------------------------------------------------------------------------------


@dataclass(frozen=True)
class DueNote:
    """The legal refund deadline of an open return, when it is close or past."""

    state: str  # overdue | due_soon
    text: str


def due_note(ret: ReturnRequest, today: date) -> DueNote | None:
    if not ret.is_open:
        return None
    state = rules.due_state(ret.refund_due_on, today)
    if state is None:
        return None
    when = format_date(ret.refund_due_on, "medium")
    if state == "overdue":
        return DueNote(state, _("Refund overdue since %(date)s", date=when))
    days = (ret.refund_due_on - today).days
    if days <= 0:
        return DueNote(state, _("Refund due by %(date)s — today", date=when))
    return DueNote(
        state,
        ngettext(
            "Refund due by %(date)s — in %(num)s day", "Refund due by %(date)s — in %(num)s days", days, date=when
        ),
    )


@dataclass(frozen=True)
class ReturnRow:
    ret: ReturnRequest
    due: DueNote | None
    resolutions: list[str]


def _rows(page: returns.ReturnPage, today: date) -> list[ReturnRow]:
    # The orders in one query: each row's ``ret.order`` then comes from the session.
    order_ids = {ret.order_id for ret in page.returns}
    if order_ids:
        list(db.session.scalars(select(Order).where(Order.id.in_(order_ids))))
    return [
        ReturnRow(ret=ret, due=due_note(ret, today), resolutions=list(dict.fromkeys(i.resolution for i in ret.items)))
        for ret in page.returns
    ]


def _due_counts(merchant_id: str, today: date) -> tuple[int, int]:
    """How many open returns have their refund overdue, and how many due within DUE_SOON_DAYS."""
    overdue, soon = db.session.execute(
        select(
            func.coalesce(func.sum(case((ReturnRequest.refund_due_on < today, 1), else_=0)), 0),
            func.coalesce(func.sum(case((ReturnRequest.refund_due_on >= today, 1), else_=0)), 0),
        ).where(
            ReturnRequest.merchant_id == merchant_id,
            ReturnRequest.status.in_(OPEN_STATUSES),
            ReturnRequest.refund_due_on <= today + timedelta(days=rules.DUE_SOON_DAYS),
        )
    ).one()
    return int(overdue), int(soon)


@dataclass(frozen=True)
class BuyerRecord:
    other_returns: list[ReturnRequest]
    other_returns_count: int
    orders_count: int


def _buyer_record(ret: ReturnRequest, limit: int = 10) -> BuyerRecord:
    """The buyer's other returns and their number of orders, at this shop only."""
    others = and_(
        ReturnRequest.merchant_id == ret.merchant_id,
        ReturnRequest.customer_id == ret.customer_id,
        ReturnRequest.id != ret.id,
    )
    return BuyerRecord(
        other_returns=list(
            db.session.scalars(
                select(ReturnRequest).where(others).order_by(ReturnRequest.created_at.desc()).limit(limit)
            )
        ),
        other_returns_count=db.session.scalar(select(func.count(ReturnRequest.id)).where(others)),
        orders_count=db.session.scalar(
            select(func.count(Order.id)).where(
                Order.merchant_id == ret.merchant_id, Order.customer_id == ret.customer_id
            )
        ),
    )


@dataclass(frozen=True)
class SettlementPreview:
    """What receiving the return settles if every item arrives in good condition."""

    refund: int  # to the original payment, the delivery cost included
    shipping: int
    capped: bool  # less than the items' worth: that much of the payment is left
    store_credit: int
    bonus: int
    exchanges: list[ReturnItem]


def settlement_preview(ret: ReturnRequest, returns_policy: dict, refundable: int) -> SettlementPreview:
    """What ``returns.receive`` settles when no item is damaged (the same function decides)."""
    outcome = rules.settle(
        ret.items,
        conditions={},
        fee_pct=returns_policy["restocking_fee_pct"],
        bonus_pct=returns_policy["store_credit_bonus_pct"],
        shipping_refund=ret.shipping_refund,
        refundable=refundable,
    )
    return SettlementPreview(
        refund=outcome.refund,
        shipping=outcome.shipping,
        capped=outcome.capped,
        store_credit=outcome.store_credit,
        bonus=outcome.bonus,
        exchanges=outcome.exchanges,
    )


def _fee_labels(ret: ReturnRequest, returns_policy: dict) -> list[str | None]:
    """Per item, the restocking fee checkbox's label, or None where no fee can be taken."""
    pct = Decimal(str(returns_policy["restocking_fee_pct"]))
    currency = ret.order.currency
    return [
        _(
            "Take the restocking fee if damaged (%(pct)s: %(amount)s)",
            pct=format_percent(pct / 100, "#,##0.##%"),
            amount=Money(rules.percent_of(item.value, pct), currency),
        )
        if pct > 0 and item.resolution != "exchange"
        else None
        for item in ret.items
    ]


# -- pages ----------------------------------------------------------------------------------


def _status_choices() -> list[tuple[str, str]]:
    return [
        ("open", _("Open: requested or approved")),
        *[(status.value, str(STATUS_LABELS[status.value])) for status in ReturnStatus],
        ("all", _("All")),
    ]


@bp.get("/returns", endpoint="returns")
@staff_required()
def queue():
    """The shop's returns, oldest first: the refund due soonest is on top."""
    merchant = _shop()
    if merchant is None:
        return _choose_shop()
    returns_policy = effective_policy(merchant.policy)["returns"]
    reasons = [
        (code, rules.reason_label(code, returns_policy, current_language()))
        for code in rules.reason_codes(returns_policy)
    ]
    form = ReturnFilterForm(request.args, statuses=_status_choices(), reasons=reasons)
    form.validate()
    status, reason, age = form.value("status"), form.value("reason"), form.value("age")
    query = form.value("q").strip()
    filters = {"status": None if status == "open" else status, "reason": reason or None, "age": age or None}
    filters.update(q=query or None, **_shop_args())
    cursor = request.args.get("cursor") or None
    try:
        page = returns.list_returns(
            merchant.id,
            status=None if status == "all" else status,
            reason=reason or None,
            older_than_days=int(age or 0) or None,
            query=query,
            cursor=cursor,
            limit=PAGE_SIZE,
        )
    except ValidationFailed as exc:  # a damaged page link
        flash(" ".join(str(m) for messages in exc.fields.values() for m in messages) or str(exc), "warning")
        return redirect(url_for(".returns", **filters))
    today = merchant_today(merchant)
    overdue, due_soon = _due_counts(merchant.id, today)
    return render_template(
        "console/returns.html",
        merchant=merchant,
        form=form,
        filters=filters,
        filtered=status != "open" or bool(reason or age or query),
        cursor=cursor,
        rows=_rows(page, today),
        next_cursor=page.next_cursor,
        overdue=overdue,
        due_soon=due_soon,
        due_soon_days=rules.DUE_SOON_DAYS,
    )


@bp.get("/returns/<return_id>")
@staff_required()
def return_detail(return_id: str):
    """One return: the order, the buyer, the items, the money, and the actions its state allows."""
    merchant = _shop()
    if merchant is None:
        return _choose_shop()
    return _return_page(merchant, returns.get_return(merchant.id, return_id))


def _return_page(
    merchant: Merchant,
    ret: ReturnRequest,
    *,
    approve_form: ApproveReturnForm | None = None,
    reject_form: RejectReturnForm | None = None,
    receive: ReceiveReturnForm | None = None,
    status: int = 200,
):
    returns_policy = effective_policy(merchant.policy)["returns"]
    order = ret.order
    decidable = ret.status in DECIDABLE
    exchange_skus = {item.exchange_sku for item in ret.items if item.exchange_sku}
    return render_template(
        "console/return.html",
        merchant=merchant,
        ret=ret,
        order=order,
        c=order.currency,
        due=due_note(ret, merchant_today(merchant)),
        buyer=_buyer_record(ret),
        refund=console_services.refund_row(ret.merchant_id, ret.refund_id),
        history=console_services.history_of("return", ret.id, ret.merchant_id, ret.refund_id),
        exchange_variants=catalogue.variants_by_sku(merchant.id, exchange_skus),
        payment_method_label=payment_method_label,
        may_act=has_role(current_user.role, Role.MERCHANT_AGENT),
        dispute=desk.escalation_about("return", ret.id),
        may_decide_disputed=has_role(current_user.role, Role.SUPPORT_AGENT),
        approve_form=approve_form or ApproveReturnForm(formdata=None, prefix="approve"),
        reject_form=reject_form or RejectReturnForm(formdata=None, prefix="reject"),
        receive_form=receive or (receive_form(_fee_labels(ret, returns_policy)) if decidable else None),
        preview=settlement_preview(ret, returns_policy, ledger.refundable(order)) if decidable else None,
    ), status


# -- decisions ------------------------------------------------------------------------------


def _decided(merchant: Merchant, return_id: str) -> ReturnRequest:
    """The return a decision is about; NotFound also for another shop's (and before a shop is chosen)."""
    if merchant is None:
        raise NotFound()
    return returns.get_return(merchant.id, return_id)


def _back(ret: ReturnRequest):
    return redirect(url_for(".return_detail", return_id=ret.id, **_shop_args()))


def _problems(exc: DomainError) -> str:
    messages = [str(m) for field in exc.fields.values() for m in field]
    return " ".join(messages) or str(exc.message)


@bp.post("/returns/<return_id>/approve")
@staff_required(Role.MERCHANT_AGENT)
def approve_return(return_id: str):
    """Approve: the buyer gets the return slip and sends the items."""
    return _approve(
        return_id,
        lambda merchant, ret, actor, message: returns.approve(
            merchant.id, ret.id, actor=actor, document={"message": message}
        ),
        lambda ret: _(
            "Return %(number)s approved. The buyer gets an e-mail with the return slip; "
            "when the parcel arrives, receive it on this page.",
            number=ret.number,
        ),
    )


@bp.post("/returns/<return_id>/approve-disputed")
@staff_required(Role.SUPPORT_AGENT)
def approve_disputed_return(return_id: str):
    """Support overturns a rejection the buyer disputed: approved after all, the ticket solved."""
    return _approve(
        return_id,
        lambda merchant, ret, actor, message: returns.approve_disputed(
            merchant.id, ret.id, {"message": message}, actor=actor
        ),
        lambda ret: _(
            "Return %(number)s approved after all. The buyer gets an e-mail with the return slip, "
            "and the ticket is solved.",
            number=ret.number,
        ),
    )


def _approve(return_id: str, decide, done_message):
    """The approve form (the shop's, or support's for a disputed return): one service call, then back."""
    merchant = _shop()
    ret = _decided(merchant, return_id)
    form = ApproveReturnForm(prefix="approve")
    if not form.validate():
        return _return_page(merchant, ret, approve_form=form, status=422)
    before = ret.status
    try:
        decide(merchant, ret, actor_for(current_user, request.remote_addr), form.message.data or "")
    except NotFound:
        raise
    except DomainError as exc:
        flash(_problems(exc), "warning")
    else:
        if before == ReturnStatus.APPROVED.value:
            flash(_("Return %(number)s was already approved; nothing changed.", number=ret.number), "info")
        else:
            flash(done_message(ret), "success")
    return _back(ret)


@bp.post("/returns/<return_id>/reject")
@staff_required(Role.MERCHANT_AGENT)
def reject_return(return_id: str):
    """Reject with a message to the buyer; stock reserved for an exchange goes back on sale."""
    merchant = _shop()
    ret = _decided(merchant, return_id)
    form = RejectReturnForm(prefix="reject")
    if not form.validate():
        return _return_page(merchant, ret, reject_form=form, status=422)
    before = ret.status
    try:
        returns.reject(
            merchant.id, ret.id, {"message": form.message.data}, actor=actor_for(current_user, request.remote_addr)
        )
    except NotFound:
        raise
    except ValidationFailed as exc:
        form.message.errors = [str(m) for m in exc.fields.get("message", [])] or [_problems(exc)]
        return _return_page(merchant, ret, reject_form=form, status=422)
    except DomainError as exc:
        flash(_problems(exc), "warning")
    else:
        if before == ReturnStatus.REJECTED.value:
            flash(_("Return %(number)s was already rejected; nothing changed.", number=ret.number), "info")
        else:
            news = [_("Return %(number)s rejected. The buyer gets an e-mail with your message.", number=ret.number)]
            if any(item.exchange_sku for item in ret.items):
                news.append(_("The sizes or colours kept for the exchange are back on sale."))
            flash(" ".join(news), "success")
    return _back(ret)


@bp.post("/returns/<return_id>/receive")
@staff_required(Role.MERCHANT_AGENT)
def receive_return(return_id: str):
    """The parcel arrived: record each item's condition and settle the return at once."""
    merchant = _shop()
    ret = _decided(merchant, return_id)
    form = receive_form(_fee_labels(ret, effective_policy(merchant.policy)["returns"]))
    if not form.validate():
        return _return_page(merchant, ret, receive=form, status=422)
    document = {
        "items": [
            {
                "item_id": item.order_item.line_id,
                "condition": form[condition].data,
                "restocking_fee": bool(fee and form[fee].data),
            }
            for item, (condition, fee) in zip(ret.items, form.item_fields, strict=True)
        ]
    }
    before = ret.status
    try:
        ret = returns.receive(merchant.id, ret.id, document, actor=actor_for(current_user, request.remote_addr))
    except NotFound:
        raise
    except DomainError as exc:
        flash(_problems(exc), "warning")
        return _back(ret)
    if before in SETTLED:
        flash(_("Return %(number)s was already received and settled; nothing changed.", number=ret.number), "info")
    else:
        news, failed = _settlement_news(ret)
        flash(news, "warning" if failed else "success")
    return _back(ret)


def _settlement_news(ret: ReturnRequest) -> tuple[str, bool]:
    """What receiving settled, in sentences; and whether the payment provider refused the refund."""
    currency = ret.order.currency
    news = [_("Return %(number)s received and settled.", number=ret.number)]
    refund = console_services.refund_row(ret.merchant_id, ret.refund_id)
    if refund is not None:
        news.append(_refund_news(refund))
    if ret.store_credit_amount + ret.store_credit_bonus > 0:
        if ret.store_credit_bonus:
            news.append(
                _(
                    "Store credit of %(amount)s issued, %(bonus)s of it the shop's bonus.",
                    amount=Money(ret.store_credit_amount + ret.store_credit_bonus, currency),
                    bonus=Money(ret.store_credit_bonus, currency),
                )
            )
        else:
            news.append(_("Store credit of %(amount)s issued.", amount=Money(ret.store_credit_amount, currency)))
    if ret.exchange_order is not None:
        news.append(_("Exchange order %(number)s created: ship it as usual.", number=ret.exchange_order.number))
    if ret.restocking_fees:
        news.append(_("Restocking fees kept: %(amount)s.", amount=Money(ret.restocking_fees, currency)))
    if refund is None and not ret.store_credit_amount and ret.exchange_order is None:
        news.append(_("Nothing was due to the buyer."))
    news.append(_("The buyer gets an e-mail with the outcome."))
    return " ".join(news), refund is not None and refund.status == "failed"
