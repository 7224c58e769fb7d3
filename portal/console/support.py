"""The console's support desk: the shop's ticket queues, one ticket's page, and the staff's answers.

A reply goes to the buyer by e-mail; an internal note stays on the desk. Assignment, status and
priority are small forms of their own; each POST redirects back to the ticket with what
happened. Canned replies work without JavaScript: ``?canned=<id>`` puts the filled text in the
reply box. The rules live in ``portal.support``; the routes join the console blueprint
(``views.py`` imports this module).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import format_datetime, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import and_, case, func, or_, select
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from portal.accounts.models import Role, ServedShop, User
from portal.accounts.permissions import staff_required
from portal.accounts.services import actor_for
from portal.claims.models import Claim
from portal.console.views import _choose_shop, _shop, _shop_args, bp
from portal.db import utcnow
from portal.errors import Conflict, DomainError, NotFound, ValidationFailed
from portal.extensions import db
from portal.i18n import set_page_locale
from portal.instalments.models import InstalmentPlan
from portal.merchants.models import Merchant
from portal.money import Money
from portal.orders.models import Customer, Order
from portal.payments.models import Refund
from portal.photos import photo_response
from portal.returns.models import ReturnRequest
from portal.support import services as desk
from portal.support.models import ACTIVE_STATUSES, PRIORITIES, Ticket, TicketStatus

VIEW_LABELS = {
    "mine": _l("Mine"),
    "unassigned": _l("Unassigned"),
    "breaching": _l("Due soon or overdue"),
    "escalations": _l("Escalations"),
    "waiting": _l("Waiting for the buyer"),
    "solved": _l("Solved"),
    "all": _l("All open"),
}

# What each queue holds, said on the page above the table and when the queue is empty.
VIEW_CAPTIONS = {
    "mine": _l("Open tickets assigned to you, the answer due soonest first"),
    "unassigned": _l("Open tickets nobody has taken, the answer due soonest first"),
    "breaching": _l("Tickets whose answer is due within 4 hours or overdue, the most urgent first"),
    "escalations": _l("Escalations from self-service and tickets moved to the team lead, due soonest first"),
    "waiting": _l("Tickets waiting for the buyer's answer"),
    "solved": _l("Solved and closed tickets, the latest first"),
    "all": _l("All open tickets, the answer due soonest first"),
}

VIEW_EMPTY = {
    "mine": _l("No open tickets are assigned to you. Tickets you take, or answer first, appear here."),
    "unassigned": _l("No unassigned tickets. New tickets from buyers appear here until someone takes them."),
    "breaching": _l(
        "Nothing is close to its due time. Tickets whose answer is due within 4 hours, or is overdue, appear here."
    ),
    "escalations": _l(
        "No escalations. Tickets that self-service sent on (a rejected claim, a declined offer, a poor rating) "
        "and tickets moved to the team lead after a missed due time appear here."
    ),
    "waiting": _l(
        "No tickets are waiting for the buyer. A ticket appears here after you reply, until the buyer writes back."
    ),
    "solved": _l("No solved tickets yet. Solved and closed tickets appear here, the latest first."),
    "all": _l("No open tickets. Every ticket that is new, open or waiting for the buyer appears here."),
}

PRIORITY_LABELS = {
    "low": _l("Low"),
    "normal": _l("Normal"),
    "high": _l("High"),
    "urgent": _l("Urgent"),
}

SOURCE_LABELS = {
    "contact_form": _l("Contact form"),
    "escalation": _l("Escalation"),
    "email": _l("E-mail"),
    "api": _l("Shop's system (API)"),
    "assistant": _l("Assistant"),
    "callback": _l("Callback request"),
    "chat": _l("Live chat"),
    "feedback": _l("Feedback"),
}

AUTHOR_LABELS = {
    "buyer": _l("Buyer"),
    "staff": _l("Staff"),
    "system": _l("Apuri"),
}

ABOUT_LABELS = {
    "claim": _l("Claim"),
    "return": _l("Return"),
    "order": _l("Order"),
    "ticket": _l("Ticket"),
    "feedback": _l("Feedback"),
}

HISTORY_KINDS = {
    "order": _l("Order"),
    "return": _l("Return"),
    "claim": _l("Claim"),
    "refund": _l("Refund"),
    "plan": _l("Instalment plan"),
    "ticket": _l("Ticket"),
    "feedback": _l("Feedback"),
}

# A queue row warns when its answer is due within this time (the "breaching" queue's horizon).
DUE_SOON = desk.BREACHING_WITHIN
PAGE_SIZE = 25
HISTORY_LIMIT = 50  # per kind of record: a buyer's whole story at one shop, not an archive


@bp.app_template_global()
def console_ticket_label(kind: str, code: str | None) -> str:
    """A ticket's status, priority, source, message author or view in the console's words."""
    if kind == "status":
        return desk.status_label(code or "")
    table = {
        "priority": PRIORITY_LABELS,
        "source": SOURCE_LABELS,
        "author": AUTHOR_LABELS,
        "about": ABOUT_LABELS,
        "view": VIEW_LABELS,
        "history": HISTORY_KINDS,
    }[kind]
    return str(table.get(code, code or ""))


class ReplyForm(FlaskForm):
    """The answer box: one text, sent to the buyer or kept as an internal note (``kind``)."""

    message = TextAreaField(
        _l("Message"),
        validators=[
            DataRequired(message=_l("Write the message first.")),
            Length(max=8000, message=_l("Keep the message under 8,000 characters.")),
        ],
        description=_l(
            "“Send to the buyer” e-mails it to the buyer and shows it on their order page. "
            "“Add internal note” keeps it here for the staff only; the buyer never sees it."
        ),
    )


# -- reading --------------------------------------------------------------------------------


@dataclass(frozen=True)
class DueNote:
    state: str  # due_soon | overdue
    text: str


def running_due(ticket: Ticket) -> datetime | None:
    """The due time whose clock runs: none while the buyer has the turn or after solving."""
    if ticket.status not in (TicketStatus.NEW.value, TicketStatus.OPEN.value):
        return None
    return desk.due_of(ticket)


def due_note(ticket: Ticket, now: datetime) -> DueNote | None:
    """The warning of a ticket whose answer is overdue or due within DUE_SOON."""
    due = running_due(ticket)
    if due is None:
        return None
    when = format_datetime(due, "short")
    if now > due:
        return DueNote("overdue", _("Overdue since %(when)s", when=when))
    left = due - now
    if left > DUE_SOON:
        return None
    hours = math.floor(left.total_seconds() / 3600)
    if hours < 1:
        return DueNote("due_soon", _("Due in less than an hour"))
    return DueNote("due_soon", ngettext("Due in %(num)s hour", "Due in %(num)s hours", hours))


@dataclass(frozen=True)
class TicketRow:
    ticket: Ticket
    due: datetime | None
    note: DueNote | None
    assignee: User | None


def _rows(tickets: list[Ticket], now: datetime) -> list[TicketRow]:
    # The buyers, orders and assignees in three queries: each row's relationships then come from
    # the session's identity map. The session holds loaded objects only weakly, so they are kept
    # on ``g`` until the page is rendered (dropped at once, each row loaded its own again: 56
    # queries for 25 rows, measured on a million orders).
    loaded: list = []
    for model, ids in (
        (Customer, {t.customer_id for t in tickets}),
        (Order, {t.order_id for t in tickets if t.order_id}),
    ):
        if ids:
            loaded.extend(db.session.scalars(select(model).where(model.id.in_(ids))))
    g.ticket_rows_loaded = loaded
    users = _users({t.assignee_id for t in tickets if t.assignee_id})
    return [
        TicketRow(ticket=t, due=running_due(t), note=due_note(t, now), assignee=users.get(t.assignee_id))
        for t in tickets
    ]


def _users(ids: set[str]) -> dict[str, User]:
    if not ids:
        return {}
    return {user.id: user for user in db.session.scalars(select(User).where(User.id.in_(ids)))}


def view_counts(merchant_id: str, user_id: str, now: datetime) -> dict[str, int]:
    """How many tickets each open queue holds, in one pass over the shop's active tickets.

    The solved queue only grows: it gets no count."""
    due = case((Ticket.first_responded_at.is_(None), Ticket.first_response_due_at), else_=Ticket.resolution_due_at)
    working = Ticket.status.in_((TicketStatus.NEW.value, TicketStatus.OPEN.value))

    def count(condition):
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    row = db.session.execute(
        select(
            count(Ticket.assignee_id.is_(None)),
            count(Ticket.assignee_id == user_id),
            count(and_(working, due <= now + desk.BREACHING_WITHIN)),
            count(or_(Ticket.source == "escalation", Ticket.queue == "team_lead")),
            count(Ticket.status == TicketStatus.WAITING_ON_BUYER.value),
            func.count(Ticket.id),
        ).where(Ticket.merchant_id == merchant_id, Ticket.status.in_(ACTIVE_STATUSES))
    ).one()
    return dict(zip(("unassigned", "mine", "breaching", "escalations", "waiting", "all"), map(int, row), strict=True))


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    kind: str
    title: str
    url: str | None
    status: str
    detail: str = ""
    current: bool = False


def customer_history(ticket: Ticket, limit: int = HISTORY_LIMIT) -> list[HistoryEntry]:
    """The buyer's orders, returns, claims, refunds, instalment plans and tickets at this shop,
    newest first: one simple query per kind, each filtered by the shop and the buyer."""
    from portal.console.claims import console_claim_label
    from portal.console.returns import console_return_label
    from portal.console.views import console_label
    from portal.instalments.services import status_label as plan_status_label
    from portal.orders.policy import status_label as delivery_label

    merchant_id, customer_id = ticket.merchant_id, ticket.customer_id
    shop = _shop_args()

    def newest(model, at, *where):
        return db.session.scalars(select(model).where(*where).order_by(at.desc()).limit(limit))

    entries: list[HistoryEntry] = []
    for order in newest(Order, Order.placed_at, Order.merchant_id == merchant_id, Order.customer_id == customer_id):
        if order.cancelled_at:
            state = _("Cancelled")
        else:
            state = delivery_label(order.delivery_status or "paid")
        entries.append(
            HistoryEntry(
                order.placed_at,
                "order",
                order.number,
                url_for(".order", number=order.number, **shop),
                str(state),
                current=order.id == ticket.order_id,
            )
        )
    for ret in newest(
        ReturnRequest,
        ReturnRequest.created_at,
        ReturnRequest.merchant_id == merchant_id,
        ReturnRequest.customer_id == customer_id,
    ):
        entries.append(
            HistoryEntry(
                ret.created_at,
                "return",
                ret.number,
                url_for(".return_detail", return_id=ret.id, **shop),
                console_return_label("status", ret.status),
            )
        )
    for claim in newest(Claim, Claim.created_at, Claim.merchant_id == merchant_id, Claim.customer_id == customer_id):
        entries.append(
            HistoryEntry(
                claim.created_at,
                "claim",
                claim.number,
                url_for(".claim_detail", claim_id=claim.id, **shop),
                console_claim_label("status", claim.status),
            )
        )
    refunds = db.session.execute(
        select(Refund, Order.number)
        .join(Order, Refund.order_id == Order.id)
        .where(Refund.merchant_id == merchant_id, Order.merchant_id == merchant_id, Order.customer_id == customer_id)
        .order_by(Refund.created_at.desc())
        .limit(limit)
    ).all()
    for refund, number in refunds:
        entries.append(
            HistoryEntry(
                refund.created_at,
                "refund",
                _("%(amount)s on order %(number)s", amount=Money(refund.amount, refund.currency), number=number),
                url_for(".order", number=number, **shop) + "#payment-title",
                console_label("refund_status", refund.status),
                detail=refund.reason or "",
            )
        )
    for plan in newest(
        InstalmentPlan,
        InstalmentPlan.created_at,
        InstalmentPlan.merchant_id == merchant_id,
        InstalmentPlan.customer_id == customer_id,
    ):
        entries.append(
            HistoryEntry(
                plan.created_at,
                "plan",
                plan.number,
                url_for(".plan_detail", plan_id=plan.id, **shop),
                plan_status_label(plan.status),
            )
        )
    for other in newest(
        Ticket, Ticket.created_at, Ticket.merchant_id == merchant_id, Ticket.customer_id == customer_id
    ):
        entries.append(
            HistoryEntry(
                other.created_at,
                "ticket",
                other.number,
                url_for(".ticket_detail", ticket_id=other.id, **shop),
                desk.status_label(other.status),
                detail=other.subject,
                current=other.id == ticket.id,
            )
        )
        if other.csat_rating is not None:
            entries.append(
                HistoryEntry(
                    other.csat_at or other.updated_at,
                    "feedback",
                    other.number,
                    url_for(".ticket_detail", ticket_id=other.id, **shop),
                    _("%(rating)s out of 5", rating=other.csat_rating),
                    detail=other.csat_comment or "",
                )
            )
    entries.sort(key=lambda entry: entry.at, reverse=True)
    return entries


def assignable_staff(merchant: Merchant) -> list[User]:
    """Who can take the shop's tickets: its active staff, and the support agents who serve it."""
    serving = select(ServedShop.user_id).where(ServedShop.merchant_id == merchant.id)
    return list(
        db.session.scalars(
            select(User)
            .where(
                User.active.is_(True),
                or_(
                    and_(User.merchant_id == merchant.id, User.role.in_((Role.MERCHANT_ADMIN, Role.MERCHANT_AGENT))),
                    and_(User.role == Role.SUPPORT_AGENT, User.id.in_(serving)),
                ),
            )
            .order_by(User.merchant_id.is_(None), User.name, User.email)
        )
    )


def _about_link(ticket: Ticket) -> tuple[str, str] | None:
    """(label, url) of what a self-service escalation is about, when it is this shop's."""
    if not ticket.about_type or not ticket.about_id:
        return None
    shop = _shop_args()
    if ticket.about_type == "claim":
        claim = db.session.get(Claim, ticket.about_id)
        if claim is not None and claim.merchant_id == ticket.merchant_id:
            return claim.number, url_for(".claim_detail", claim_id=claim.id, **shop)
    elif ticket.about_type == "return":
        ret = db.session.get(ReturnRequest, ticket.about_id)
        if ret is not None and ret.merchant_id == ticket.merchant_id:
            return ret.number, url_for(".return_detail", return_id=ret.id, **shop)
    elif ticket.about_type == "order":
        order = db.session.get(Order, ticket.about_id)
        if order is not None and order.merchant_id == ticket.merchant_id:
            return order.number, url_for(".order", number=order.number, **shop)
    elif ticket.about_type == "ticket":
        other = db.session.get(Ticket, ticket.about_id)
        if other is not None and other.merchant_id == ticket.merchant_id:
            return other.number, url_for(".ticket_detail", ticket_id=other.id, **shop)
    return None


# -- pages ----------------------------------------------------------------------------------


@bp.get("/tickets", endpoint="tickets")
@staff_required()
def ticket_list():
    """A queue of the shop's tickets; by default the user's own, or the unassigned when they have none."""
    merchant = _shop()
    if merchant is None:
        return _choose_shop()
    set_page_locale(None, merchant.timezone)
    now = utcnow()
    counts = view_counts(merchant.id, current_user.id, now)
    view = request.args.get("view") or ""
    if view not in desk.VIEWS:
        view = "mine" if counts["mine"] else "unassigned"
    filters = {"view": view, **_shop_args()}
    cursor = request.args.get("cursor") or None
    try:
        page = desk.list_tickets(merchant.id, view, user_id=current_user.id, now=now, cursor=cursor, limit=PAGE_SIZE)
    except ValidationFailed as exc:  # a damaged page link
        flash(" ".join(str(m) for field in exc.fields.values() for m in field) or str(exc.message), "warning")
        return redirect(url_for(".tickets", **filters))
    return render_template(
        "console/tickets.html",
        merchant=merchant,
        view=view,
        views=[(name, VIEW_LABELS[name], counts.get(name)) for name in VIEW_LABELS],
        caption=VIEW_CAPTIONS[view],
        empty=VIEW_EMPTY[view],
        rows=_rows(page.tickets, now),
        cursor=cursor,
        next_cursor=page.next_cursor,
        filters=filters,
    )


@bp.get("/tickets/<ticket_id>", endpoint="ticket_detail")
@staff_required()
def ticket_detail(ticket_id: str):
    """One ticket: the conversation, the answer box, who has it, its due times, and the buyer's story."""
    merchant = _shop()
    if merchant is None:
        return _choose_shop()
    set_page_locale(None, merchant.timezone)
    ticket = desk.get_ticket(ticket_id, merchant_id=merchant.id)
    form = ReplyForm(formdata=None)
    chosen = request.args.get("canned") or ""
    if chosen:
        canned = next((c for c in desk.canned_replies(merchant.id, ticket.locale) if c.id == chosen), None)
        if canned is None:
            flash(_("That prepared reply is not available for this ticket's language."), "warning")
            chosen = ""
        else:
            form.message.data = desk.fill_canned(canned.body, ticket)
    return _ticket_page(merchant, ticket, form=form, canned_id=chosen)


def _ticket_page(
    merchant: Merchant,
    ticket: Ticket,
    *,
    form: ReplyForm | None = None,
    canned_id: str = "",
    errors: dict[str, list[str]] | None = None,
    values: dict[str, str] | None = None,
    status: int = 200,
):
    set_page_locale(None, merchant.timezone)
    now = utcnow()
    staff = assignable_staff(merchant)
    people = {user.id: user for user in staff}
    if ticket.assignee_id and ticket.assignee_id not in people:  # e.g. a platform admin took it
        people.update(_users({ticket.assignee_id}))
    customer = db.session.get(Customer, ticket.customer_id)
    return render_template(
        "console/ticket.html",
        merchant=merchant,
        ticket=ticket,
        customer=customer,
        order=db.session.get(Order, ticket.order_id) if ticket.order_id else None,
        assignee=people.get(ticket.assignee_id) if ticket.assignee_id else None,
        staff=staff,
        extra_assignee=people.get(ticket.assignee_id) if ticket.assignee_id not in {u.id for u in staff} else None,
        authors=_users({m.author_id for m in ticket.messages if m.author_kind == "staff" and m.author_id}),
        form=form or ReplyForm(formdata=None),
        canned=desk.canned_replies(merchant.id, ticket.locale),
        canned_id=canned_id,
        due=due_note(ticket, now),
        now=now,
        first_late=_late(ticket.first_response_due_at, ticket.first_responded_at, now, ticket.active),
        resolution_late=_late(ticket.resolution_due_at, ticket.solved_at or ticket.closed_at, now, ticket.active),
        about=_about_link(ticket),
        history=customer_history(ticket),
        statuses=[(s.value, desk.status_label(s.value)) for s in TicketStatus],
        priorities=[(p, str(PRIORITY_LABELS[p])) for p in PRIORITIES],
        errors=errors or {},
        values=values or {},
        closed=ticket.status == TicketStatus.CLOSED.value,
    ), status


def _late(due: datetime, done_at: datetime | None, now: datetime, running: bool) -> bool:
    """Missed: done after the due time, or not done and the due time passed while it runs."""
    if done_at is not None:
        return done_at > due
    return running and now > due


# -- the staff's answers --------------------------------------------------------------------


def _desk_ticket(ticket_id: str) -> tuple[Merchant, Ticket]:
    """The ticket a POST is about; NotFound also for another shop's (and before a shop is chosen)."""
    merchant = _shop()
    if merchant is None:
        raise NotFound()
    return merchant, desk.get_ticket(ticket_id, merchant_id=merchant.id)


def _back(ticket: Ticket, anchor: str = ""):
    return redirect(url_for(".ticket_detail", ticket_id=ticket.id, **_shop_args()) + anchor)


def _fresh(ticket: Ticket) -> Ticket:
    db.session.expire_all()
    return db.session.get(Ticket, ticket.id)


@bp.post("/tickets/<ticket_id>/messages", endpoint="ticket_reply")
@staff_required()
def post_message(ticket_id: str):
    """Send a reply to the buyer (kind=reply) or keep an internal note (kind=note)."""
    merchant, ticket = _desk_ticket(ticket_id)
    form = ReplyForm()
    kind = request.form.get("kind", "")
    valid = form.validate()
    if kind not in ("reply", "note"):
        form.message.errors = [*form.message.errors, _("Choose “Send to the buyer” or “Add internal note”.")]
        valid = False
    if not valid:
        return _ticket_page(merchant, ticket, form=form, status=422)
    actor = actor_for(current_user, request.remote_addr)
    try:
        message = desk.reply(ticket, {"message": form.message.data}, actor, internal=kind == "note")
    except ValidationFailed as exc:
        form.message.errors = [str(m) for m in exc.fields.get("message", [])] or [str(exc.message)]
        return _ticket_page(merchant, _fresh(ticket), form=form, status=422)
    except Conflict as exc:  # closed meanwhile: keep the text, say why
        form.message.errors = [str(exc.message)]
        return _ticket_page(merchant, _fresh(ticket), form=form, status=409)
    if kind == "note":
        flash(_("Internal note added. Only staff see it; nothing was sent to the buyer."), "success")
    else:
        flash(
            _(
                "Reply sent to %(email)s by e-mail. The ticket now waits for the buyer; it opens again when they write.",
                email=ticket.customer.email,
            ),
            "success",
        )
    return _back(ticket, f"#message-{message.id}")


@bp.post("/tickets/<ticket_id>/assign", endpoint="ticket_assign")
@staff_required()
def post_assign(ticket_id: str):
    """Give the ticket to one of the shop's staff or Apuri's support agents, to oneself, or to nobody."""
    merchant, ticket = _desk_ticket(ticket_id)
    chosen = request.form.get("assignee", "").strip()
    allowed = {user.id for user in assignable_staff(merchant)} | {current_user.id}
    if chosen and chosen not in allowed:
        return _ticket_page(
            merchant,
            ticket,
            errors={"assignee": [_("Choose someone who works on this shop's tickets.")]},
            status=422,
        )
    if (chosen or None) == ticket.assignee_id:
        flash(_("Nothing changed."), "info")
        return _back(ticket, "#ticket-handling")
    try:
        desk.assign(ticket, chosen or None, actor_for(current_user, request.remote_addr))
    except ValidationFailed as exc:
        errors = {"assignee": [str(m) for m in exc.fields.get("assignee", [])] or [str(exc.message)]}
        return _ticket_page(merchant, _fresh(ticket), errors=errors, status=422)
    if not chosen:
        flash(_("Ticket %(number)s is unassigned now.", number=ticket.number), "success")
    elif chosen == current_user.id:
        flash(_("Ticket %(number)s is yours now.", number=ticket.number), "success")
    else:
        user = db.session.get(User, chosen)
        flash(
            _("Ticket %(number)s is assigned to %(name)s.", number=ticket.number, name=user.name or user.email),
            "success",
        )
    return _back(ticket, "#ticket-handling")


@bp.post("/tickets/<ticket_id>/status", endpoint="ticket_status")
@staff_required()
def post_status(ticket_id: str):
    """Change the ticket's status and priority (one form, one save)."""
    merchant, ticket = _desk_ticket(ticket_id)
    status = request.form.get("status", ticket.status)
    priority = request.form.get("priority", ticket.priority)
    errors: dict[str, list[str]] = {}
    if status not in {s.value for s in TicketStatus}:
        errors["status"] = [_("Choose a status from the list.")]
    if priority not in PRIORITIES:
        errors["priority"] = [_("Choose a priority from the list.")]
    if errors:
        return _ticket_page(
            merchant, ticket, errors=errors, values={"status": status, "priority": priority}, status=422
        )
    actor = actor_for(current_user, request.remote_addr)
    news = []
    try:
        if status != ticket.status:
            desk.set_status(ticket, status, actor)
            news.append(_("Status: %(status)s.", status=desk.status_label(status)))
        if priority != ticket.priority:
            desk.set_priority(ticket, priority, actor)
            news.append(_("Priority: %(priority)s.", priority=PRIORITY_LABELS[priority]))
    except DomainError as exc:
        flash(str(exc.message), "warning")
        return _back(ticket, "#ticket-handling")
    if news:
        flash(" ".join([_("Ticket %(number)s saved.", number=ticket.number), *news]), "success")
    else:
        flash(_("Nothing changed."), "info")
    return _back(ticket, "#ticket-handling")


# -- the buyer's photos ----------------------------------------------------------------------


@bp.get("/tickets/<ticket_id>/attachments/<attachment_id>", endpoint="ticket_attachment")
@staff_required()
def ticket_attachment(ticket_id: str, attachment_id: str):
    return _attachment(ticket_id, attachment_id, thumbnail=False)


@bp.get("/tickets/<ticket_id>/attachments/<attachment_id>/thumb", endpoint="ticket_attachment_thumb")
@staff_required()
def ticket_attachment_thumb(ticket_id: str, attachment_id: str):
    return _attachment(ticket_id, attachment_id, thumbnail=True)


def _attachment(ticket_id: str, attachment_id: str, *, thumbnail: bool):
    """A photo of one of the shop's tickets; 404 for another shop's (also before a shop is chosen)."""
    _merchant, ticket = _desk_ticket(ticket_id)
    attachment, data = desk.attachment_file(ticket, attachment_id, thumbnail=thumbnail)
    name = f"ticket-{ticket.number}-{attachment.position + 1}{'-thumb' if thumbnail else ''}.jpg"
    return photo_response(data, filename=name)
