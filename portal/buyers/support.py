"""Buyer pages for the support desk: write to the shop about an order, follow the conversation,
answer it, and the one-question satisfaction survey after a ticket is solved.

The survey's links in the e-mail only open a page: a GET never records anything, so a link
scanner that follows every link answers nothing. The page's script (``survey.js``) sends the
rating the buyer clicked at once, so a real browser needs one click; without the script the
page's Send button does the same.
"""

from __future__ import annotations

from flask import abort, current_app, flash, g, jsonify, make_response, redirect, render_template, request, url_for
from flask_babel import format_date, format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from pydantic import ValidationError as PydanticError
from sqlalchemy import select

from portal.actors import Actor
from portal.buyers.claims import _photos_from
from portal.buyers.returns import ActionForm, _actor, _ask_to_sign_in, _buyer_order
from portal.buyers.views import _customer_in_session, bp
from portal.db import unit_of_work, utcnow
from portal.errors import Conflict, NotFound, RateLimited, ValidationFailed
from portal.extensions import db
from portal.i18n import set_page_locale
from portal.merchants.models import Merchant
from portal.orders.models import Order
from portal.orders.services import mark_changed
from portal.photos import PhotoLimits, photo_response
from portal.storage import StorageUnavailable
from portal.support import services as tickets
from portal.support.models import Ticket, TicketMessage, TicketStatus
from portal.validation import fields_from

# What the buyer may type, as the service takes it (its TicketIn / MessageIn limits).
SUBJECT_LIMITS = (3, 200)
MESSAGE_LIMITS = (5, 8000)
REPLY_LIMITS = (1, 8000)
RATINGS = (5, 4, 3, 2, 1)  # best first, as the page and the e-mail list them


def _survey_url(ticket: Ticket, rating: int) -> str:
    """The absolute link for one answer in the survey e-mail (PUBLIC_BASE_URL)."""
    from portal.urls import external_url

    return external_url("buyers.ticket_survey", token=tickets.survey_token(ticket), rating=rating)


def _rating_label(rating: int) -> str:
    return {
        5: _("Very good"),
        4: _("Good"),
        3: _("OK"),
        2: _("Poor"),
        1: _("Very poor"),
    }.get(rating, str(rating))


def _order_tickets(order: Order) -> list[Ticket]:
    """The order's tickets the buyer can read, newest first: those with at least one message
    meant for them (a follow-up the desk opened for itself, with only an internal note, is not
    listed). One query, however many tickets: the order page counts its queries."""
    public = (
        select(TicketMessage.id).where(TicketMessage.ticket_id == Ticket.id, TicketMessage.internal.is_(False)).exists()
    )
    return list(
        db.session.scalars(select(Ticket).where(Ticket.order_id == order.id, public).order_by(Ticket.created_at.desc()))
    )


# What the buyer reads: the desk's own labels ("Waiting for the buyer") are the staff's view.
BUYER_STATUS_LABELS = {
    "new": _l("Received"),
    "open": _l("Being handled"),
    "waiting_on_buyer": _l("Waiting for your reply"),
    "solved": _l("Solved"),
    "closed": _l("Closed"),
}


def buyer_status_label(status: str) -> str:
    return str(BUYER_STATUS_LABELS.get(status, tickets.status_label(status)))


@bp.app_context_processor
def _support_helpers() -> dict:
    """For the order page, the ticket pages and the survey e-mail (rendered without a request).
    Named for the buyer's side, so that the desk's own helpers can use the plain names."""
    return {
        "buyer_ticket_status_label": buyer_status_label,
        "order_tickets": _order_tickets,
        "survey_token": tickets.survey_token,
        "survey_url": _survey_url,
        "survey_ratings": RATINGS,
        "survey_rating_label": _rating_label,
        "survey_poor_rating": tickets.POOR_RATING,
    }


def _too_short_or_long(value: str, limits: tuple[int, int], short: str, long: str, problems: list) -> list[str]:
    """The service's problems for one field, said for this form: the generic "must not be
    empty" would be wrong for a subject of two letters."""
    length = len(value.strip())
    if length < limits[0]:
        return [short]
    if length > limits[1]:
        return [long]
    return [str(p) for p in problems]


def _ticket_url(ticket: Ticket, slug: str) -> str:
    return url_for("buyers.ticket_page", slug=slug, ticket_id=ticket.id)


def _when(moment) -> str:
    return format_datetime(moment, "medium")


# -- writing to the shop ------------------------------------------------------------------------


@bp.route("/s/<slug>/orders/<number>/contact", methods=["GET", "POST"])
def contact(slug: str, number: str):
    g.private_page = True
    order = _buyer_order(slug, number)
    if order is None:
        return _ask_to_sign_in(slug)
    form = ActionForm()
    errors: dict[str, list[str]] = {}
    general: list[str] = []
    status = 200
    values = {"subject": request.form.get("subject", ""), "message": request.form.get("message", "")}
    if request.method == "POST":
        if not form.validate_on_submit():
            general.append(_("The form had expired. Please send it again: what you wrote is kept below."))
            status = 400
        else:
            photos, photo_problems = _photos_from(request.files.getlist("photos"))
            try:
                if photo_problems:
                    # Nothing is sent: the other fields' problems are said at once too.
                    tickets.TicketIn.model_validate(values)
                    raise ValidationFailed(fields={"photos": photo_problems})
                with unit_of_work():
                    ticket = tickets.open_ticket(
                        order.merchant, order.customer, values, _actor(order), order=order, photos=photos
                    )
                    mark_changed(order)  # the order page lists the ticket at once
            except PydanticError as exc:
                errors = _contact_errors(ValidationFailed(fields=fields_from(exc)), values)
                errors["photos"] = photo_problems
                status = 422
            except ValidationFailed as exc:
                errors = _contact_errors(exc, values)
                status = 422
            except (Conflict, NotFound) as exc:
                general.append(str(exc))
                status = 409
            except RateLimited as exc:
                general.append(str(exc))
                status = 429
            except StorageUnavailable as exc:  # the disk is full or the store does not answer
                general.append(str(exc))
                status = 503
            else:
                flash(
                    _(
                        "We received your message. Your ticket number is %(number)s; "
                        "a person answers you by %(date)s at the latest.",
                        number=ticket.number,
                        date=_when(ticket.first_response_due_at),
                    ),
                    "success",
                )
                return redirect(_ticket_url(ticket, slug))
    clock = tickets.Clock.of(order.merchant)
    return render_template(
        "support/contact.html",
        order=order,
        merchant=order.merchant,
        form=form,
        values=values,
        errors=errors,
        general_errors=general,
        answer_by=clock.due(utcnow(), clock.first_response_hours),
        limits={"subject": SUBJECT_LIMITS, "message": MESSAGE_LIMITS},
        max_photos=PhotoLimits.current().max_files,
    ), status


def _contact_errors(exc: ValidationFailed, values: dict) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for name, problems in exc.fields.items():
        if name == "subject":
            errors[name] = _too_short_or_long(
                values["subject"],
                SUBJECT_LIMITS,
                _("Write a subject of at least %(num)s characters.", num=SUBJECT_LIMITS[0]),
                _("Keep the subject under %(num)s characters.", num=SUBJECT_LIMITS[1]),
                problems,
            )
        elif name == "message":
            errors[name] = _too_short_or_long(
                values["message"],
                MESSAGE_LIMITS,
                _("Write your message (at least %(num)s characters).", num=MESSAGE_LIMITS[0]),
                _("The message is too long: at most %(num)s characters.", num=MESSAGE_LIMITS[1]),
                problems,
            )
        elif name == "photos":
            errors[name] = [str(p) for p in problems]
        else:
            errors.setdefault("form", []).extend(str(p) for p in problems)
    return errors


# -- the conversation -----------------------------------------------------------------------------


def _buyer_ticket(slug: str, ticket_id: str) -> Ticket | None:
    """The ticket if this browser speaks for its buyer at this shop; None (the same answer) otherwise."""
    merchant = db.session.scalar(select(Merchant).where(Merchant.slug == slug))
    if merchant is None:
        return None
    customer_id = _customer_in_session(merchant.id)
    if customer_id is None:
        return None
    try:
        ticket = tickets.get_ticket(ticket_id, merchant_id=merchant.id, customer_id=customer_id)
    except NotFound:
        return None
    set_page_locale(ticket.locale, merchant.timezone)
    return ticket


def _buyer_actor(ticket: Ticket) -> Actor:
    return Actor(
        kind="buyer",
        id=ticket.customer_id,
        label=ticket.customer.email,
        merchant_id=ticket.merchant_id,
        ip=request.remote_addr,
    )


@bp.route("/s/<slug>/tickets/<ticket_id>", methods=["GET", "POST"])
def ticket_page(slug: str, ticket_id: str):
    g.private_page = True
    ticket = _buyer_ticket(slug, ticket_id)
    if ticket is None:
        return _ask_to_sign_in(slug)
    merchant = db.session.get(Merchant, ticket.merchant_id)
    form = ActionForm()
    errors: dict[str, list[str]] = {}
    general: list[str] = []
    status = 200
    value = request.form.get("message", "") if request.method == "POST" else ""
    if request.method == "POST":
        if not form.validate_on_submit():
            general.append(_("The form had expired. Please send it again: what you wrote is kept below."))
            status = 400
        else:
            photos, photo_problems = _photos_from(request.files.getlist("photos"))
            try:
                if photo_problems:
                    raise ValidationFailed(fields={"photos": photo_problems})
                with unit_of_work():
                    tickets.buyer_message(ticket, {"message": value}, _buyer_actor(ticket), photos=photos)
                    if ticket.order is not None:
                        mark_changed(ticket.order)  # the order page shows the ticket's new status
            except ValidationFailed as exc:
                if "photos" in exc.fields:
                    errors["photos"] = [str(p) for p in exc.fields["photos"]]
                if not value.strip() or "message" in exc.fields:
                    errors["message"] = _too_short_or_long(
                        value,
                        REPLY_LIMITS,
                        _("Write your message first."),
                        _("The message is too long: at most %(num)s characters.", num=REPLY_LIMITS[1]),
                        [str(p) for p in exc.fields.get("message", [])],
                    )
                status = 422
            except (Conflict, NotFound) as exc:
                general.append(str(exc))
                status = 409
            except StorageUnavailable as exc:  # the disk is full or the store does not answer
                general.append(str(exc))
                status = 503
            else:
                db.session.refresh(ticket)
                flash(
                    _(
                        "Your message was added to ticket %(number)s. A person answers you by %(date)s at the latest.",
                        number=ticket.number,
                        date=_when(tickets.due_of(ticket)),
                    ),
                    "success",
                )
                return redirect(_ticket_url(ticket, slug))
    now = utcnow()
    due = tickets.due_of(ticket)
    return render_template(
        "support/ticket.html",
        ticket=ticket,
        order=ticket.order,
        merchant=merchant,
        messages=ticket.public_messages,
        due=due,
        overdue=ticket.status in (TicketStatus.NEW.value, TicketStatus.OPEN.value) and due < now,
        form=form,
        value=value,
        errors=errors,
        general_errors=general,
        max_photos=PhotoLimits.current().max_files,
    ), status


@bp.get("/s/<slug>/tickets/<ticket_id>/attachments/<attachment_id>")
def ticket_attachment(slug: str, ticket_id: str, attachment_id: str):
    return _attachment(slug, ticket_id, attachment_id, thumbnail=False)


@bp.get("/s/<slug>/tickets/<ticket_id>/attachments/<attachment_id>/thumb")
def ticket_attachment_thumb(slug: str, ticket_id: str, attachment_id: str):
    return _attachment(slug, ticket_id, attachment_id, thumbnail=True)


def _attachment(slug: str, ticket_id: str, attachment_id: str, *, thumbnail: bool):
    """A photo of the buyer's own ticket (only through this check, never as a static file)."""
    g.private_page = True
    ticket = _buyer_ticket(slug, ticket_id)
    if ticket is None:
        return _ask_to_sign_in(slug)
    try:
        attachment, data = tickets.attachment_file(ticket, attachment_id, thumbnail=thumbnail)
    except NotFound:
        abort(404)
    name = f"ticket-{ticket.number}-{attachment.position + 1}{'-thumb' if thumbnail else ''}.jpg"
    return photo_response(data, filename=name)


# -- the satisfaction survey ------------------------------------------------------------------------


def _survey_ticket(token: str) -> Ticket | None:
    try:
        ticket = tickets.ticket_from_survey_token(token)
    except NotFound:
        return None
    merchant = db.session.get(Merchant, ticket.merchant_id)
    set_page_locale(ticket.locale, merchant.timezone)
    return ticket


def _bad_survey_link():
    return render_template(
        "error.html",
        status=404,
        title=_("This link does not work"),
        message=_("The link may be incomplete. If you wanted to tell us how we did, reply to the e-mail instead."),
    ), 404


def _survey_closed(ticket: Ticket):
    """An old survey link: nothing is recorded; the buyer can still write on the ticket."""
    merchant = db.session.get(Merchant, ticket.merchant_id)
    return render_template(
        "error.html",
        status=410,
        title=_("This survey has closed"),
        message=_(
            "Thank you for opening it. Answers are taken for %(days)s days after the e-mail. "
            "If something is still not right, write to %(shop)s on the ticket.",
            days=current_app.config.get("SURVEY_ANSWER_DAYS", 30),
            shop=merchant.name,
        ),
        action_url=url_for("buyers.ticket_page", slug=merchant.slug, ticket_id=ticket.id),
        action_label=_("Open ticket %(number)s", number=ticket.number),
    ), 410


def _survey_page(ticket: Ticket, *, chosen: int | None, errors: dict, comment: str, status: int = 200):
    merchant = db.session.get(Merchant, ticket.merchant_id)
    page = render_template(
        "support/survey.html",
        ticket=ticket,
        merchant=merchant,
        token=tickets.survey_token(ticket),
        answered=ticket.csat_rating is not None,
        chosen=chosen,
        comment=comment,
        errors=errors,
        form=ActionForm(),
    )
    response = make_response(page, status)
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@bp.get("/survey/<token>/<int:rating>")
def ticket_survey(token: str, rating: int):
    """The page the e-mail's links open: nothing is recorded by opening it."""
    g.private_page = True
    ticket = _survey_ticket(token)
    if ticket is None or rating not in RATINGS:
        return _bad_survey_link()
    if not tickets.survey_open(ticket):
        return _survey_closed(ticket)
    return _survey_page(ticket, chosen=rating, errors={}, comment=ticket.csat_comment or "")


@bp.post("/survey/<token>")
def ticket_survey_answer(token: str):
    """The answer: from the page's script (JSON back) or its Send button (the page back)."""
    g.private_page = True
    ticket = _survey_ticket(token)
    if ticket is None:
        return _bad_survey_link()
    if not tickets.survey_open(ticket):
        return _survey_closed(ticket)
    wants_json = request.accept_mimetypes.best_match(["text/html", "application/json"]) == "application/json"
    rating = request.form.get("rating", type=int)
    comment = request.form.get("comment", "")
    if not ActionForm().validate_on_submit():
        if wants_json:
            return jsonify({"ok": False}), 400
        return _survey_page(
            ticket,
            chosen=rating,
            comment=comment,
            errors={"form": [_("The page had expired. Please send your answer again.")]},
            status=400,
        )
    first = ticket.csat_rating is None
    try:
        ticket = tickets.answer_survey(ticket, {"rating": rating if rating is not None else 0, "comment": comment})
    except ValidationFailed as exc:
        if wants_json:
            return jsonify({"ok": False}), 422
        errors = {}
        for name, problems in exc.fields.items():
            if name == "rating":
                errors["rating"] = [_("Choose how we did, from 1 to 5.")]
            elif name == "comment":
                errors["comment"] = [_("The comment is too long: at most 2000 characters.")]
            else:
                errors.setdefault("form", []).extend(str(p) for p in problems)
        return _survey_page(ticket, chosen=rating, comment=comment, errors=errors, status=422)
    if wants_json:
        return jsonify({"ok": True, "rating": ticket.csat_rating, "poor": ticket.csat_rating <= tickets.POOR_RATING})
    if comment.strip():
        flash(_("Thank you: your comment was sent."), "success")
    elif not first:
        flash(_("You had already answered. Thank you!"), "info")
    return redirect(url_for("buyers.ticket_survey", token=token, rating=ticket.csat_rating))


# -- escalations the buyer starts -------------------------------------------------------------------


def _escalation_form(
    *,
    title: str,
    intro: str,
    action: str,
    back: tuple[str, str],
    merchant,
    order,
    value: str,
    errors: dict,
    general: list[str],
    label: str,
    status: int = 200,
):
    return render_template(
        "support/escalate.html",
        title=title,
        intro=intro,
        action=action,
        back=back,
        merchant=merchant,
        order=order,
        value=value,
        errors=errors,
        general_errors=general,
        label=label,
        form=ActionForm(),
        answer_by=_first_answer_by(merchant),
    ), status


def _first_answer_by(merchant):
    clock = tickets.Clock.of(merchant)
    return clock.due(utcnow(), clock.first_response_hours)


def _escalate(slug: str, start, *, value: str):
    """Run ``start`` (a service opening or reusing the escalation's ticket); the ticket page, or
    the form again with the reason."""
    try:
        with unit_of_work():
            ticket = start()
    except ValidationFailed:
        return None, {"message": [_("Tell us in a few words what happened (at least 5 characters).")]}, []
    except (Conflict, NotFound) as exc:
        return None, {}, [str(exc)]
    except RateLimited as exc:
        return None, {}, [str(exc)]
    flash(
        _(
            "Ticket %(number)s: a person looks at this and answers you by %(date)s at the latest.",
            number=ticket.number,
            date=_when(tickets.due_of(ticket)),
        ),
        "success",
    )
    return redirect(_ticket_url(ticket, slug)), {}, []


@bp.route("/s/<slug>/orders/<number>/not-received", methods=["GET", "POST"])
def report_not_received(slug: str, number: str):
    """A late order the buyer says never arrived: a ticket for a person (one per order)."""
    g.private_page = True
    order = _buyer_order(slug, number)
    if order is None:
        return _ask_to_sign_in(slug)
    value = request.form.get("message", "") if request.method == "POST" else ""
    errors: dict = {}
    general: list[str] = []
    status = 200
    if request.method == "POST":
        if not ActionForm().validate_on_submit():
            general, status = [_("The form had expired. Please send it again: what you wrote is kept below.")], 400
        else:
            done, errors, general = _escalate(
                slug,
                lambda: tickets.report_not_received(order, {"message": value}, _actor(order)),
                value=value,
            )
            if done is not None:
                mark_changed(order)
                return done
            status = 422 if errors else 409
    return _escalation_form(
        title=_("My parcel has not arrived"),
        intro=_(
            "Order %(number)s was promised by %(date)s. Tell us what you know (for example whether the "
            "carrier says it was delivered): a person checks it with the carrier.",
            number=order.number,
            date=format_date(order.promised_delivery_date, "long") if order.promised_delivery_date else "",
        ),
        action=url_for("buyers.report_not_received", slug=slug, number=number),
        back=(url_for("buyers.order", slug=slug, number=number), _("Order %(number)s", number=number)),
        merchant=order.merchant,
        order=order,
        value=value,
        errors=errors,
        general=general,
        label=_("What happened?"),
        status=status,
    )


@bp.route("/s/<slug>/returns/<return_id>/dispute", methods=["GET", "POST"])
def dispute_return(slug: str, return_id: str):
    """The buyer disagrees with a rejected return: support looks at it again (one ticket per return)."""
    from portal.buyers.returns import _buyer_return

    g.private_page = True
    ret = _buyer_return(slug, return_id)
    if ret is None:
        return _ask_to_sign_in(slug)
    order = ret.order
    value = request.form.get("message", "") if request.method == "POST" else ""
    errors: dict = {}
    general: list[str] = []
    status = 200
    if request.method == "POST":
        if not ActionForm().validate_on_submit():
            general, status = [_("The form had expired. Please send it again: what you wrote is kept below.")], 400
        else:
            done, errors, general = _escalate(
                slug, lambda: tickets.dispute_return(ret, {"message": value}, _actor(order)), value=value
            )
            if done is not None:
                mark_changed(order)
                return done
            status = 422 if errors else 409
    return _escalation_form(
        title=_("Ask for another look at return %(number)s", number=ret.number),
        intro=_(
            "%(shop)s did not accept this return. Tell us why you disagree: customer support looks at it "
            "again and can approve it after all.",
            shop=order.merchant.name,
        ),
        action=url_for("buyers.dispute_return", slug=slug, return_id=ret.id),
        back=(url_for("buyers.return_page", slug=slug, return_id=ret.id), _("Return %(number)s", number=ret.number)),
        merchant=order.merchant,
        order=order,
        value=value,
        errors=errors,
        general=general,
        label=_("Why do you disagree?"),
        status=status,
    )
