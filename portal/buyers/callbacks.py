"""Buyer pages for callbacks: ask to be called about an order, see when the call comes, and choose
a new time from the no-answer e-mail's link (which opens only that, without signing in).

The routes join the buyers blueprint (``portal/__init__.py`` imports this module, as it does
``portal.buyers.support``); the rules live in ``portal.callbacks.services``.
"""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from portal.actors import Actor
from portal.buyers.returns import ActionForm, _actor, _ask_to_sign_in, _buyer_order
from portal.buyers.views import _customer_in_session, bp
from portal.callbacks import phones
from portal.callbacks import services as callbacks
from portal.callbacks.models import SETTLED_STATUSES, TOPICS, CallbackRequest
from portal.errors import Conflict, NotFound, RateLimited, ValidationFailed
from portal.extensions import db
from portal.i18n import set_page_locale
from portal.merchants.models import Merchant
from portal.support.models import Ticket


@bp.app_context_processor
def _callback_helpers() -> dict:
    """For the buyer pages, the desk's pages and the e-mails (rendered without a request too)."""
    return {
        "callback_slot": lambda callback, timezone: callbacks.slot_text(
            callback.slot_start, callback.slot_end, timezone
        ),
        "callback_slot_time": lambda slot, timezone: (
            f"{callbacks.time_of_day(slot.start, timezone)}–{callbacks.time_of_day(slot.end, timezone)}"
        ),
        "callback_topic": callbacks.topic_label,
        "callback_status": callbacks.status_label,
        "callback_buyer_status": callbacks.buyer_status_label,
        "callback_phone": phones.for_display,
        "callback_zone": callbacks.zone_city,
        "callback_erase_days": callbacks.ERASE_AFTER.days,
    }


def _errors(exc: ValidationFailed) -> dict[str, list[str]]:
    return {name: [str(p) for p in problems] for name, problems in exc.fields.items()}


def _hours(merchant: Merchant) -> dict:
    """The shop's calling hours as the page says them."""
    from datetime import datetime

    rules = callbacks.rules_for(merchant)
    day = datetime.now(rules.zone).date()
    return {
        "opens": callbacks.time_of_day(datetime.combine(day, rules.opens, rules.zone), merchant.timezone),
        "closes": callbacks.time_of_day(datetime.combine(day, rules.closes, rules.zone), merchant.timezone),
        "city": callbacks.zone_city(merchant.timezone),
        "days_ahead": rules.days_ahead,
    }


@bp.route("/s/<slug>/orders/<number>/callback", methods=["GET", "POST"])
def callback_request(slug: str, number: str):
    """Ask to be called: the phone number, what about, and a time slot in the shop's hours."""
    g.private_page = True
    order = _buyer_order(slug, number)
    if order is None:
        return _ask_to_sign_in(slug)
    merchant = order.merchant
    form = ActionForm()
    values = {name: request.form.get(name, "") for name in ("phone", "topic", "slot", "note")}
    errors: dict[str, list[str]] = {}
    general: list[str] = []
    status = 200
    if request.method == "POST":
        if not form.validate_on_submit():
            general.append(_("The form had expired. Please send it again: what you wrote is kept below."))
            status = 400
        else:
            try:
                callback = callbacks.request_callback(order, values, _actor(order))
            except ValidationFailed as exc:
                errors, status = _errors(exc), 422
            except RateLimited as exc:
                general, status = [str(exc)], 429
            except (Conflict, NotFound) as exc:
                general, status = [str(exc)], 409
            else:
                flash(
                    _(
                        "Thank you. We will call you on %(slot)s. A confirmation is on its way to %(email)s.",
                        slot=callbacks.slot_text(callback.slot_start, callback.slot_end, merchant.timezone),
                        email=order.customer.email,
                    ),
                    "success",
                )
                return redirect(url_for("buyers.callback_page", slug=slug, callback_id=callback.id))
    open_slots = callbacks.open_slots(merchant)
    local, international = phones.example(merchant.country)
    return render_template(
        "buyers/callback_request.html",
        order=order,
        merchant=merchant,
        form=form,
        values=values,
        errors=errors,
        general_errors=general,
        topics=[(code, callbacks.topic_label(code)) for code in TOPICS],
        days=callbacks.slots_by_day(merchant, open_slots),
        hours=_hours(merchant),
        waiting=callbacks.open_callbacks_of(order),
        example_local=local,
        example_international=international,
        note_max=callbacks.NOTE_MAX,
    ), status


def _buyer_callback(slug: str, callback_id: str) -> CallbackRequest | None:
    """The callback if this browser speaks for its buyer at this shop; None (the same answer) otherwise."""
    merchant = db.session.scalar(select(Merchant).where(Merchant.slug == slug))
    if merchant is None:
        return None
    customer_id = _customer_in_session(merchant.id)
    if customer_id is None:
        return None
    try:
        callback = callbacks.get_callback(callback_id, merchant_id=merchant.id, customer_id=customer_id)
    except NotFound:
        return None
    set_page_locale(db.session.get(Ticket, callback.ticket_id).locale, merchant.timezone)
    return callback


@bp.get("/s/<slug>/callbacks/<callback_id>")
def callback_page(slug: str, callback_id: str):
    """Where the buyer's callback stands: when we call, what happens next, or a new time to choose."""
    g.private_page = True
    callback = _buyer_callback(slug, callback_id)
    if callback is None:
        return _ask_to_sign_in(slug)
    merchant = db.session.get(Merchant, callback.merchant_id)
    return render_template(
        "buyers/callback.html",
        callback=callback,
        merchant=merchant,
        order=callback.order,
        ticket=db.session.get(Ticket, callback.ticket_id),
        # The buyer typed it: its last digits let them spot a typo without showing the number.
        phone_ending=callback.phone[-2:] if callback.phone else None,
        new_time_url=(
            url_for("buyers.callback_new_time", token=callbacks.new_time_token(callback))
            if callback.status == "no_answer" and callback.phone
            else None
        ),
    )


def _link_broken():
    return render_template(
        "error.html",
        status=404,
        title=_("This link does not work"),
        message=_(
            "The link may be incomplete or more than %(days)s days old. Find your order to ask for a new call.",
            days=callbacks.NEW_TIME_LINK_DAYS,
        ),
        action_url=url_for("buyers.lookup"),
        action_label=_("Find my order"),
    ), 404


@bp.route("/callback/<token>", methods=["GET", "POST"])
def callback_new_time(token: str):
    """The no-answer e-mail's link: choose a new time for that call. Opening it changes nothing."""
    g.private_page = True
    try:
        callback, attempts = callbacks.callback_from_new_time_token(token)
    except NotFound:
        return _link_broken()
    merchant = db.session.get(Merchant, callback.merchant_id)
    ticket = db.session.get(Ticket, callback.ticket_id)
    set_page_locale(ticket.locale, merchant.timezone)
    errors: dict[str, list[str]] = {}
    general: list[str] = []
    status = 200
    value = request.form.get("slot", "")
    closed = callback.status in SETTLED_STATUSES or callback.phone is None
    stale = attempts != callback.attempts
    if request.method == "POST" and not closed and not stale:
        if not ActionForm().validate_on_submit():
            general, status = [_("The page had expired. Please choose the time again.")], 400
        else:
            buyer = Actor(
                kind="buyer",
                id=callback.customer_id,
                label=callback.customer.email,
                merchant_id=callback.merchant_id,
                ip=request.remote_addr,
            )
            try:
                callback = callbacks.choose_new_time(callback, value, buyer, attempts=attempts)
            except ValidationFailed as exc:
                errors, status = _errors(exc), 422
            except Conflict as exc:
                general, status = [str(exc)], 409
            else:
                flash(
                    _(
                        "Thank you. We will call you on %(slot)s. A confirmation is on its way to %(email)s.",
                        slot=callbacks.slot_text(callback.slot_start, callback.slot_end, merchant.timezone),
                        email=callback.customer.email,
                    ),
                    "success",
                )
                return redirect(url_for("buyers.callback_new_time", token=token))
    if closed or stale:
        status = 410  # gone: the call took place, or a newer e-mail carries a newer link
    return render_template(
        "buyers/callback_new_time.html",
        callback=callback,
        merchant=merchant,
        order=callback.order,
        token=token,
        form=ActionForm(),
        value=value,
        errors=errors,
        general_errors=general,
        closed=closed,
        stale=stale and not closed,
        days=[]
        if closed or stale
        else callbacks.slots_by_day(merchant, callbacks.open_slots(merchant, exclude_id=callback.id)),
        hours=_hours(merchant),
    ), status
