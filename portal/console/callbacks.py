"""The console's callback queue: the shop's callback requests by time slot, and marking each call.

Shop-scoped exactly like the desk's ticket list (``portal.console.support``): any staff role,
the shop from ``_shop()`` (merchant staff their own; support agents the shops they serve, 403
for another; platform admins the one they choose), and a callback of another shop is 404. The
routes join the console blueprint (``views.py`` imports this module); the rules live in
``portal.callbacks.services``.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from portal.accounts.permissions import staff_required
from portal.accounts.services import actor_for
from portal.callbacks import services as callbacks
from portal.callbacks.models import CallbackRequest
from portal.console.views import _choose_shop, _shop, _shop_args, bp
from portal.db import utcnow
from portal.errors import Conflict, NotFound, ValidationFailed
from portal.extensions import db
from portal.i18n import set_page_locale
from portal.merchants.models import Merchant
from portal.support.models import Ticket

VIEW_LABELS = {"open": _l("To call"), "settled": _l("Done")}
VIEW_CAPTIONS = {
    "open": _l("Callbacks waiting for a call, by time slot, the soonest first"),
    "settled": _l("Callbacks that were reached or solved, the latest first"),
}
VIEW_EMPTY = {
    "open": _l("No callbacks to make. When a buyer asks to be called, the request appears here with its time slot."),
    "settled": _l("No callbacks done yet. Callbacks marked reached or solved appear here."),
}
OUTCOME_LABELS = {
    "reached": _l("Reached the buyer"),
    "no_answer": _l("No answer"),
    "solved": _l("Solved"),
}
PAGE_SIZE = 50


@bp.get("/callbacks", endpoint="callbacks")
@staff_required()
def callback_list():
    """The shop's callbacks: those to call by slot (soonest first), or those done."""
    merchant = _shop()
    if merchant is None:
        return _choose_shop()
    set_page_locale(None, merchant.timezone)
    view = request.args.get("view") or "open"
    if view not in callbacks.VIEWS:
        view = "open"
    filters = {"view": view, **_shop_args()}
    cursor = request.args.get("cursor") or None
    try:
        page = callbacks.list_callbacks(merchant.id, view, cursor=cursor, limit=PAGE_SIZE)
    except ValidationFailed as exc:  # a damaged page link
        flash(" ".join(str(m) for field in exc.fields.values() for m in field) or str(exc.message), "warning")
        return redirect(url_for(".callbacks", **filters))
    return render_template(
        "console/callbacks.html",
        merchant=merchant,
        view=view,
        views=[(name, VIEW_LABELS[name]) for name in callbacks.VIEWS],
        view_label=VIEW_LABELS[view],
        open_count=callbacks.open_count(merchant.id),
        caption=VIEW_CAPTIONS[view],
        empty=VIEW_EMPTY[view],
        rows=page.callbacks,
        tickets={c.ticket_id: db.session.get(Ticket, c.ticket_id) for c in page.callbacks},
        now=utcnow(),
        cursor=cursor,
        next_cursor=page.next_cursor,
        filters=filters,
    )


@bp.get("/callbacks/<callback_id>", endpoint="callback_detail")
@staff_required()
def callback_detail(callback_id: str):
    """One callback: who to call and when, the order and the buyer's history, and how the call went."""
    merchant = _shop()
    if merchant is None:
        return _choose_shop()
    callback = callbacks.get_callback(callback_id, merchant_id=merchant.id)
    return _detail_page(merchant, callback)


def _detail_page(
    merchant: Merchant,
    callback: CallbackRequest,
    *,
    errors: dict[str, list[str]] | None = None,
    values: dict[str, str] | None = None,
    general: list[str] | None = None,
    status: int = 200,
):
    set_page_locale(None, merchant.timezone)
    open_slots = callbacks.open_slots(merchant, exclude_id=callback.id) if callback.open else []
    return render_template(
        "console/callback.html",
        merchant=merchant,
        callback=callback,
        ticket=db.session.get(Ticket, callback.ticket_id),
        order=callback.order,
        customer=callback.customer,
        days=callbacks.slots_by_day(merchant, open_slots),
        outcomes=[(code, OUTCOME_LABELS[code]) for code in callbacks.OUTCOMES],
        errors=errors or {},
        values=values or {},
        general_errors=general or [],
        now=utcnow(),
    ), status


def _posted_callback(callback_id: str) -> tuple[Merchant, CallbackRequest]:
    """The callback a POST is about; NotFound also for another shop's (and before a shop is chosen)."""
    merchant = _shop()
    if merchant is None:
        raise NotFound()
    return merchant, callbacks.get_callback(callback_id, merchant_id=merchant.id)


def _fresh(callback: CallbackRequest) -> CallbackRequest:
    db.session.expire_all()
    return db.session.get(CallbackRequest, callback.id)


def _version() -> int | None:
    raw = request.form.get("version", "")
    return int(raw) if raw.isdigit() else None


@bp.post("/callbacks/<callback_id>/outcome", endpoint="callback_outcome")
@staff_required()
def post_outcome(callback_id: str):
    """How the call went: reached (with a note), no answer (a new time), or solved."""
    merchant, callback = _posted_callback(callback_id)
    document = {
        "outcome": request.form.get("outcome", ""),
        "note": request.form.get("note", ""),
        "next_slot": request.form.get("next_slot", ""),
        "email_buyer": request.form.get("email_buyer") == "1",
        "version": _version(),
    }
    values = {k: str(v) for k, v in document.items() if k != "version"}
    try:
        callback = callbacks.record_outcome(
            callback.id, merchant.id, document, actor_for(current_user, request.remote_addr)
        )
    except ValidationFailed as exc:
        errors = {name: [str(p) for p in problems] for name, problems in exc.fields.items()}
        return _detail_page(merchant, _fresh(callback), errors=errors, values=values, status=422)
    except Conflict as exc:  # another agent (or the buyer) was first: say so, change nothing
        return _detail_page(merchant, _fresh(callback), values=values, general=[str(exc)], status=409)
    ticket = db.session.get(Ticket, callback.ticket_id)
    if document["outcome"] == "reached":
        news = [_("Saved: you reached the buyer. Your note is on ticket %(number)s.", number=ticket.number)]
    elif document["outcome"] == "solved":
        news = [
            _(
                "Saved: solved. Ticket %(number)s is solved and the buyer is asked how we did.",
                number=ticket.number,
            )
        ]
    else:
        news = [_("Saved: no answer.")]
        if document["next_slot"]:
            news.append(
                _(
                    "Next call: %(slot)s.",
                    slot=callbacks.slot_text(callback.slot_start, callback.slot_end, merchant.timezone),
                )
            )
        if document["email_buyer"]:
            news.append(_("The buyer was e-mailed a link to choose a new time."))
        elif not document["next_slot"]:
            news.append(_("It waits here until you choose the next time or mark it solved."))
    flash(" ".join(news), "success")
    return redirect(url_for(".callbacks", **_shop_args()))


@bp.post("/callbacks/<callback_id>/reschedule", endpoint="callback_reschedule")
@staff_required()
def post_reschedule(callback_id: str):
    """Move an open callback to another slot; the buyer is e-mailed the new time."""
    merchant, callback = _posted_callback(callback_id)
    slot = request.form.get("slot", "")
    try:
        callback = callbacks.reschedule(
            callback.id, merchant.id, slot, _version(), actor_for(current_user, request.remote_addr)
        )
    except ValidationFailed as exc:
        errors = {name: [str(p) for p in problems] for name, problems in exc.fields.items()}
        return _detail_page(merchant, _fresh(callback), errors=errors, values={"slot": slot}, status=422)
    except Conflict as exc:
        return _detail_page(merchant, _fresh(callback), values={"slot": slot}, general=[str(exc)], status=409)
    flash(
        _(
            "The call is moved to %(slot)s. The buyer was e-mailed the new time.",
            slot=callbacks.slot_text(callback.slot_start, callback.slot_end, merchant.timezone),
        ),
        "success",
    )
    return redirect(url_for(".callback_detail", callback_id=callback.id, **_shop_args()))
