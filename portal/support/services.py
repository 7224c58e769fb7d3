"""Tickets: opened by a buyer, an escalation or an e-mail; answered by staff inside the SLA.

Every ticket gets its due times when it opens (``portal.support.sla``, the shop's ``sla``
policy) and the buyer an acknowledgement at once, in their language, with the ticket number and
when to expect an answer. A public reply goes to the buyer by e-mail and stops the first-response
clock; an internal note never leaves the desk. ``check_sla`` (a scheduled job) warns the
assignee before a breach and, after it, raises the priority and moves the ticket to the team
lead's queue.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated

from flask_babel import lazy_gettext as _l
from pydantic import Field, StringConstraints
from sqlalchemy import select

from portal.actors import Actor
from portal.audit import services as audit
from portal.db import lock_one, new_id, unit_of_work, utcnow
from portal.errors import Conflict, NotFound, ValidationFailed
from portal.extensions import db
from portal.feedback.services import feedback_due
from portal.merchants.models import Merchant
from portal.merchants.policy import effective_policy
from portal.orders.models import Customer, Order
from portal.orders.schemas import Strict
from portal.support import sla
from portal.support.models import (
    ACTIVE_STATUSES,
    PRIORITIES,
    Ticket,
    TicketAttachment,
    TicketMessage,
    TicketStatus,
)
from portal.validation import parse

# Warn the assignee when this share of the SLA time is left (or two hours, whichever is more).
WARN_SHARE = 0.2
WARN_AT_LEAST = timedelta(hours=2)

STATUS_LABELS = {
    "new": _l("New"),
    "open": _l("Open"),
    "waiting_on_buyer": _l("Waiting for the buyer"),
    "solved": _l("Solved"),
    "closed": _l("Closed"),
}


def status_label(status: str) -> str:
    return str(STATUS_LABELS.get(status, status))


class TicketIn(Strict):
    subject: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=200)]
    message: Annotated[str, StringConstraints(strip_whitespace=True, min_length=5, max_length=8000)]


class MessageIn(Strict):
    message: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=8000)]


@dataclass(frozen=True)
class Clock:
    """A shop's SLA terms as the clock takes them."""

    first_response_hours: float
    resolution_hours: float
    business_hours: dict | None
    timezone: str
    holidays: tuple = ()

    @classmethod
    def of(cls, merchant: Merchant) -> Clock:
        from datetime import date

        terms = effective_policy(merchant.policy)["sla"]
        return cls(
            float(terms["first_response_hours"]),
            float(terms["resolution_hours"]),
            terms.get("business_hours"),
            merchant.timezone,
            tuple(date.fromisoformat(d) for d in terms.get("holidays") or []),
        )

    def due(self, start: datetime, hours: float) -> datetime:
        return sla.due_at(
            start, hours, business_hours=self.business_hours, timezone=self.timezone, holidays=self.holidays
        )


def open_ticket(
    merchant: Merchant,
    customer: Customer,
    document: object,
    actor: Actor,
    *,
    order: Order | None = None,
    source: str = "contact_form",
    about: tuple[str, str] | None = None,
    priority: str = "normal",
    now: datetime | None = None,
    acknowledge: bool = True,
    internal_first: bool = False,
    photos: Sequence = (),
) -> Ticket:
    """A new ticket with its first message, its due times, and the buyer's acknowledgement
    (``acknowledge=False`` when the buyer was already told, e.g. by the claim's own e-mail;
    ``internal_first``: the first message is the desk's summary, not the buyer's words).
    ``photos``: attachments already checked and re-encoded by ``portal.photos``."""
    data = parse(TicketIn, document)
    _check_photo_count(photos)
    if order is not None and (order.merchant_id != merchant.id or order.customer_id != customer.id):
        raise NotFound()
    if source in ("contact_form", "api"):
        from flask import current_app

        from portal.throttle import throttle

        # Each ticket e-mails an acknowledgement: a buyer (or a script with their link) cannot flood.
        throttle(current_app.config.get("TICKET_LIMIT_PER_BUYER", "10/hour"), "ticket", customer.id)
    now = now or utcnow()
    clock = Clock.of(merchant)
    saved: list[str] = []
    with _removing_on_failure(saved), unit_of_work() as uow:
        ticket = Ticket(
            id=new_id("tkt"),
            merchant_id=merchant.id,
            customer_id=customer.id,
            order_id=order.id if order else None,
            number=new_id("t")[2:10].upper(),
            subject=data.subject,
            status=TicketStatus.NEW.value,
            priority=priority if priority in PRIORITIES else "normal",
            source=source,
            about_type=about[0] if about else None,
            about_id=about[1] if about else None,
            locale=(order.locale if order else customer.locale) or merchant.default_locale,
            first_response_due_at=clock.due(now, clock.first_response_hours),
            resolution_due_at=clock.due(now, clock.resolution_hours),
            created_at=now,
            updated_at=now,
        )
        ticket.messages = [
            TicketMessage(
                author_kind="system"
                if source in ("escalation", "feedback")
                else actor.kind
                if actor.kind == "buyer"
                else "staff",
                author_id=actor.id,
                author_label=actor.label[:254],
                body=data.message,
                internal=internal_first,
                via="email" if source == "email" else "portal",
                created_at=now,
            )
        ]
        db.session.add(ticket)
        db.session.flush()
        _attach(ticket.messages[0], photos, saved)
        audit.record(
            actor,
            "ticket.opened",
            "ticket",
            ticket.id,
            merchant_id=merchant.id,
            after={"number": ticket.number, "source": source, "order": order.number if order else None},
        )
        if acknowledge:
            _mail_buyer(uow, ticket, "ticket_received", dedupe=f"ticket_received:{ticket.id}")
        _order_changed(ticket)
    return ticket


def get_ticket(ticket_id: str, *, merchant_id: str | None = None, customer_id: str | None = None) -> Ticket:
    ticket = db.session.get(Ticket, ticket_id)
    if ticket is None or (merchant_id and ticket.merchant_id != merchant_id):
        raise NotFound()
    if customer_id and ticket.customer_id != customer_id:
        raise NotFound()
    return ticket


def reply(ticket: Ticket, document: object, actor: Actor, *, internal: bool = False, now=None) -> TicketMessage:
    """Staff answer the buyer (by e-mail, and on the order page) or leave an internal note."""
    data = parse(MessageIn, document)
    now = now or utcnow()
    with unit_of_work() as uow:
        ticket = lock_one(Ticket, ticket.id)
        if ticket.status == TicketStatus.CLOSED.value:
            raise Conflict(_l("The ticket is closed. Open a new one to write to the buyer."), code="ticket_closed")
        message = TicketMessage(
            ticket_id=ticket.id,
            author_kind="staff",
            author_id=actor.id,
            author_label=actor.label[:254],
            body=data.message,
            internal=internal,
            created_at=now,
        )
        db.session.add(message)
        if not internal:
            if ticket.first_responded_at is None:
                ticket.first_responded_at = now
            ticket.status = TicketStatus.WAITING_ON_BUYER.value
            if ticket.assignee_id is None and actor.kind == "user":
                ticket.assignee_id = actor.id
        ticket.updated_at = now
        if not internal:
            _order_changed(ticket)
        db.session.flush()
        audit.record(
            actor,
            "ticket.noted" if internal else "ticket.replied",
            "ticket",
            ticket.id,
            merchant_id=ticket.merchant_id,
        )
        if not internal:
            _mail_buyer(uow, ticket, "ticket_reply", dedupe=f"ticket_reply:{message.id}", message=message)
    return message


def buyer_message(
    ticket: Ticket,
    document: object,
    actor: Actor,
    *,
    via: str = "portal",
    email_message_id: str | None = None,
    now=None,
    photos: Sequence = (),
) -> TicketMessage:
    """The buyer writes again (on the portal or by replying to an e-mail), perhaps with photos:
    the ticket reopens."""
    data = parse(MessageIn, document)
    _check_photo_count(photos)
    now = now or utcnow()
    saved: list[str] = []
    with _removing_on_failure(saved), unit_of_work():
        ticket = lock_one(Ticket, ticket.id)
        message = TicketMessage(
            ticket_id=ticket.id,
            author_kind="buyer",
            author_id=actor.id,
            author_label=actor.label[:254],
            body=data.message,
            via=via,
            email_message_id=email_message_id,
            created_at=now,
        )
        db.session.add(message)
        if ticket.status in (TicketStatus.WAITING_ON_BUYER.value, TicketStatus.SOLVED.value, TicketStatus.CLOSED.value):
            if ticket.status != TicketStatus.WAITING_ON_BUYER.value:
                # Reopened after it was solved: a new answer is owed within the SLA again.
                clock = Clock.of(db.session.get(Merchant, ticket.merchant_id))
                ticket.resolution_due_at = clock.due(now, clock.resolution_hours)
                ticket.solved_at = ticket.closed_at = None
            ticket.status = TicketStatus.OPEN.value
        ticket.updated_at = now
        _order_changed(ticket)
        db.session.flush()
        _attach(message, photos, saved)
    return message


# -- attachments ----------------------------------------------------------------------------


def _check_photo_count(photos: Sequence) -> None:
    from portal.photos import PhotoLimits

    most = PhotoLimits.current().max_files
    if len(photos) > most:
        raise ValidationFailed(fields={"photos": [_l("Attach at most %(max)s photos.", max=most)]})


def _attach(message: TicketMessage, photos: Sequence, saved: list[str]) -> None:
    """Store the re-encoded photos and their thumbnails with the message (keys noted in ``saved``)."""
    if not photos:
        return
    from portal.storage import get_storage

    storage = get_storage()
    for position, photo in enumerate(photos):
        key = storage.store(photo.image, ".jpg")
        saved.append(key)
        thumb = storage.store(photo.thumbnail, ".jpg")
        saved.append(thumb)
        db.session.add(
            TicketAttachment(
                ticket_id=message.ticket_id,
                message_id=message.id,
                position=position,
                storage_key=key,
                thumb_key=thumb,
                width=photo.width,
                height=photo.height,
                size=len(photo.image),
            )
        )
    db.session.flush()


@contextmanager
def _removing_on_failure(saved: list[str]):
    """Nothing of a refused message stays on disk: the files saved for it go when it fails."""
    try:
        yield
    except BaseException:
        if saved:
            from portal.storage import get_storage

            storage = get_storage()
            for key in saved:
                storage.delete(key)
        raise


def attachment_file(ticket: Ticket, attachment_id: str, *, thumbnail: bool = False) -> tuple[TicketAttachment, bytes]:
    """An attachment of this ticket and its bytes; NotFound for another ticket's or a missing file.

    Internal messages carry no buyer attachments, so whoever may read the ticket may see them."""
    attachment = db.session.get(TicketAttachment, attachment_id)
    if attachment is None or attachment.ticket_id != ticket.id:
        raise NotFound()
    from portal.storage import get_storage

    try:
        data = get_storage().open(attachment.thumb_key if thumbnail else attachment.storage_key)
    except FileNotFoundError:
        raise NotFound() from None
    return attachment, data


def assign(ticket: Ticket, user_id: str | None, actor: Actor) -> Ticket:
    from portal.accounts.models import User
    from portal.accounts.services import serves

    with unit_of_work():
        ticket = lock_one(Ticket, ticket.id)
        if user_id is not None:
            user = db.session.get(User, user_id)
            if user is None or not user.active or not serves(user, ticket.merchant_id):
                raise ValidationFailed(fields={"assignee": [_l("Choose someone who works on this shop's tickets.")]})
        before = ticket.assignee_id
        ticket.assignee_id = user_id
        ticket.updated_at = utcnow()
        audit.record(
            actor,
            "ticket.assigned",
            "ticket",
            ticket.id,
            merchant_id=ticket.merchant_id,
            before={"assignee": before},
            after={"assignee": user_id},
        )
    return ticket


def set_status(ticket: Ticket, status: str, actor: Actor, *, now=None) -> Ticket:
    """Staff move a ticket along; solving it asks the buyer the satisfaction question (portal.feedback)."""
    if status not in {s.value for s in TicketStatus}:
        raise ValidationFailed(fields={"status": [_l("Unknown status.")]})
    now = now or utcnow()
    with unit_of_work():
        ticket = lock_one(Ticket, ticket.id)
        before = ticket.status
        ticket.status = status
        if status == TicketStatus.SOLVED.value:
            ticket.solved_at = now
            if ticket.survey_sent_at is None and before != status:
                # One question, answerable in one click from the e-mail (once per ticket), sent
                # by portal.feedback's job within the buyer's one-request-a-week limit.
                feedback_due("ticket", ticket, now=now)
        if status == TicketStatus.CLOSED.value:
            ticket.closed_at = now
        ticket.updated_at = now
        _order_changed(ticket)
        audit.record(
            actor,
            "ticket.status",
            "ticket",
            ticket.id,
            merchant_id=ticket.merchant_id,
            before={"status": before},
            after={"status": status},
        )
    return ticket


def set_priority(ticket: Ticket, priority: str, actor: Actor) -> Ticket:
    """A ticket's priority, changed by staff and kept in the audit log."""
    if priority not in PRIORITIES:
        raise ValidationFailed(fields={"priority": [_l("Unknown priority.")]})
    with unit_of_work():
        ticket = lock_one(Ticket, ticket.id)
        before = ticket.priority
        ticket.priority = priority
        ticket.updated_at = utcnow()
        audit.record(
            actor,
            "ticket.priority",
            "ticket",
            ticket.id,
            merchant_id=ticket.merchant_id,
            before={"priority": before},
            after={"priority": priority},
        )
    return ticket


def _order_changed(ticket: Ticket) -> None:
    """The buyer's order page lists the order's tickets: its cached copy renews."""
    if ticket.order_id:
        from portal.orders.services import mark_changed

        order = db.session.get(Order, ticket.order_id)
        if order is not None:
            mark_changed(order)


# -- the SLA job --------------------------------------------------------------------------------


def _next_due(ticket: Ticket) -> datetime | None:
    """The due time that is running: the first response until there is one, then the resolution."""
    if ticket.status not in ACTIVE_STATUSES or ticket.status == TicketStatus.WAITING_ON_BUYER.value:
        return None
    return ticket.first_response_due_at if ticket.first_responded_at is None else ticket.resolution_due_at


def check_sla(now: datetime | None = None) -> tuple[int, int]:
    """Job: warn the assignee before a breach (once) and escalate after it (once): priority up,
    to the team lead's queue. Returns (warned, escalated)."""
    now = now or utcnow()
    ids = db.session.scalars(
        select(Ticket.id).where(Ticket.status.in_((TicketStatus.NEW.value, TicketStatus.OPEN.value)))
    ).all()
    warned = escalated = 0
    for ticket_id in ids:
        with unit_of_work() as uow:
            ticket = lock_one(Ticket, ticket_id)
            due = _next_due(ticket)
            if due is None:
                continue
            if due <= now and ticket.breached_at is None:
                ticket.breached_at = now
                ticket.queue = "team_lead"
                ticket.priority = PRIORITIES[min(PRIORITIES.index(ticket.priority) + 1, len(PRIORITIES) - 1)]
                ticket.updated_at = now
                audit.record(
                    Actor.system("sla"),
                    "ticket.breached",
                    "ticket",
                    ticket.id,
                    merchant_id=ticket.merchant_id,
                    after={"priority": ticket.priority, "queue": ticket.queue},
                )
                escalated += 1
            elif due > now and ticket.warned_at is None and ticket.assignee_id is not None:
                span = due - ticket.created_at
                if due - now <= max(span * WARN_SHARE, WARN_AT_LEAST):
                    ticket.warned_at = now
                    _mail_assignee(uow, ticket, due)
                    warned += 1
    return warned, escalated


# -- e-mail ---------------------------------------------------------------------------------------


def _mail_buyer(uow, ticket: Ticket, kind: str, *, dedupe: str, message: TicketMessage | None = None) -> None:
    from flask import current_app

    from portal.notifications.services import queue_email

    customer = db.session.get(Customer, ticket.customer_id)
    merchant = db.session.get(Merchant, ticket.merchant_id)
    link = None
    if ticket.order_id:
        from portal.buyers.access import order_link

        link = order_link(db.session.get(Order, ticket.order_id))
    queue_email(
        uow,
        kind=kind,
        recipient=customer.email,
        locale=ticket.locale,
        merchant_id=ticket.merchant_id,
        dedupe_key=dedupe,
        context={"ticket": ticket, "merchant": merchant, "customer": customer, "message": message, "link": link},
        reply_to=reply_address(ticket, current_app.config.get("SUPPORT_REPLY_DOMAIN") or "apuri.localhost"),
    )


def _mail_assignee(uow, ticket: Ticket, due: datetime) -> None:
    from portal.accounts.models import User
    from portal.notifications.services import queue_email
    from portal.urls import external_url

    user = db.session.get(User, ticket.assignee_id)
    if user is None or not user.active:
        return
    queue_email(
        uow,
        kind="ticket_due_soon",
        recipient=user.email,
        locale=user.locale,
        merchant_id=ticket.merchant_id,
        dedupe_key=f"ticket_due_soon:{ticket.id}:{due.isoformat()}",
        context={
            "ticket": ticket,
            "merchant": db.session.get(Merchant, ticket.merchant_id),
            "due": due,
            "link": None,
            "desk_url": external_url("console.ticket_detail", ticket_id=ticket.id),
        },
    )


def reply_address(ticket: Ticket, domain: str) -> str:
    """The address replies go to: the token in it lands a reply on this ticket."""
    return f"support+{ticket.reply_token}@{domain}"


# -- queues ---------------------------------------------------------------------------------------

VIEWS = ("unassigned", "mine", "breaching", "escalations", "waiting", "solved", "all")
BREACHING_WITHIN = timedelta(hours=4)


@dataclass
class TicketPage:
    tickets: list[Ticket]
    next_cursor: str | None


def list_tickets(
    merchant_id: str,
    view: str = "unassigned",
    *,
    user_id: str | None = None,
    now: datetime | None = None,
    cursor: str | None = None,
    limit: int = 25,
) -> TicketPage:
    """A queue of the shop's tickets, the answer due soonest first (keyset pages on the due time).

    unassigned: active, nobody's; mine: active, assigned to ``user_id``; breaching: active and due
    within 4 hours or past due; escalations: from self-service escalations or moved to the team
    lead; waiting: waiting on the buyer; solved: solved or closed (newest first); all: active."""
    from sqlalchemy import case, or_

    from portal.pagination import decode_cursor, encode_cursor

    if view not in VIEWS:
        raise ValidationFailed(fields={"view": [_l("Unknown view.")]})
    now = now or utcnow()
    due = case(
        (Ticket.first_responded_at.is_(None), Ticket.first_response_due_at), else_=Ticket.resolution_due_at
    ).label("due")
    working = (TicketStatus.NEW.value, TicketStatus.OPEN.value)
    query = select(Ticket, due).where(Ticket.merchant_id == merchant_id)
    if view == "unassigned":
        query = query.where(Ticket.status.in_(ACTIVE_STATUSES), Ticket.assignee_id.is_(None))
    elif view == "mine":
        query = query.where(Ticket.status.in_(ACTIVE_STATUSES), Ticket.assignee_id == user_id)
    elif view == "breaching":
        query = query.where(Ticket.status.in_(working), due <= now + BREACHING_WITHIN)
    elif view == "escalations":
        query = query.where(
            Ticket.status.in_(ACTIVE_STATUSES), or_(Ticket.source == "escalation", Ticket.queue == "team_lead")
        )
    elif view == "waiting":
        query = query.where(Ticket.status == TicketStatus.WAITING_ON_BUYER.value)
    elif view == "solved":
        query = query.where(Ticket.status.in_((TicketStatus.SOLVED.value, TicketStatus.CLOSED.value)))
    else:
        query = query.where(Ticket.status.in_(ACTIVE_STATUSES))
    position = decode_cursor(cursor) if cursor else None
    if cursor and position is None:
        raise ValidationFailed(fields={"cursor": [_l("This page link is not valid. Start again from the first page.")]})
    if view == "solved":
        if position is not None:
            at, ticket_id = position
            query = query.where((Ticket.updated_at < at) | ((Ticket.updated_at == at) & (Ticket.id < ticket_id)))
        query = query.order_by(Ticket.updated_at.desc(), Ticket.id.desc())
        key = lambda row: row[0].updated_at  # noqa: E731
    else:
        if position is not None:
            at, ticket_id = position
            query = query.where((due > at) | ((due == at) & (Ticket.id > ticket_id)))
        query = query.order_by(due, Ticket.id)
        key = lambda row: row[1]  # noqa: E731
    rows = db.session.execute(query.limit(limit + 1)).all()
    next_cursor = encode_cursor(key(rows[limit - 1]), rows[limit - 1][0].id) if len(rows) > limit else None
    return TicketPage([row[0] for row in rows[:limit]], next_cursor)


def due_of(ticket: Ticket) -> datetime:
    """The due time the desk shows: the first response's until there is one, then the resolution's."""
    return ticket.first_response_due_at if ticket.first_responded_at is None else ticket.resolution_due_at


def tickets_of_order(order_id: str) -> list[Ticket]:
    return list(
        db.session.scalars(select(Ticket).where(Ticket.order_id == order_id).order_by(Ticket.created_at.desc()))
    )


def tickets_of_customer(customer_id: str) -> list[Ticket]:
    return list(
        db.session.scalars(select(Ticket).where(Ticket.customer_id == customer_id).order_by(Ticket.created_at.desc()))
    )


# -- satisfaction -----------------------------------------------------------------------------------

POOR_RATING = 2  # 1–2 out of 5: the team lead follows up


def survey_token(ticket: Ticket) -> str:
    """A signed, single-purpose token for the survey link (one click from the e-mail)."""
    from flask import current_app
    from itsdangerous import URLSafeSerializer

    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="ticket-survey").dumps(ticket.id)


def ticket_from_survey_token(token: str) -> Ticket:
    from flask import current_app
    from itsdangerous import BadSignature, URLSafeSerializer

    try:
        ticket_id = URLSafeSerializer(current_app.config["SECRET_KEY"], salt="ticket-survey").loads(token)
    except BadSignature:
        raise NotFound() from None
    ticket = db.session.get(Ticket, ticket_id) if isinstance(ticket_id, str) else None
    if ticket is None:
        raise NotFound()
    return ticket


def send_survey(ticket: Ticket, *, now=None) -> bool:
    """After solving: one e-mail with the question and five one-click answers (once per ticket)."""
    now = now or utcnow()
    with unit_of_work() as uow:
        ticket = lock_one(Ticket, ticket.id)
        if ticket.survey_sent_at is not None or ticket.status != TicketStatus.SOLVED.value:
            return False
        ticket.survey_sent_at = now
        _mail_buyer(uow, ticket, "ticket_survey", dedupe=f"ticket_survey:{ticket.id}")
    return True


def _survey_days() -> int:
    from flask import current_app

    return int(current_app.config.get("SURVEY_ANSWER_DAYS", 30))


def survey_open(ticket: Ticket, now: datetime | None = None) -> bool:
    """Answers are taken for SURVEY_ANSWER_DAYS (30) after the survey e-mail: an old link does nothing."""
    if ticket.survey_sent_at is None:
        return True
    return (now or utcnow()) - ticket.survey_sent_at <= timedelta(days=_survey_days())


class SurveyIn(Strict):
    rating: Annotated[int, Field(ge=1, le=5, strict=True)]
    comment: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] = ""


def answer_survey(ticket: Ticket, document: object, *, now=None) -> Ticket:
    """The buyer's answer: kept once (a second click only adds a comment); a poor rating opens a
    follow-up ticket for the team lead at once."""
    data = parse(SurveyIn, document)
    now = now or utcnow()
    if not survey_open(ticket, now):
        raise Conflict(
            _l("This survey has closed: answers are taken for %(days)s days after it was sent.", days=_survey_days()),
            code="survey_closed",
        )
    with unit_of_work():
        ticket = lock_one(Ticket, ticket.id)
        first_answer = ticket.csat_rating is None
        if first_answer:
            ticket.csat_rating = data.rating
            ticket.csat_at = now
        if data.comment:
            ticket.csat_comment = data.comment
        if first_answer and data.rating <= POOR_RATING:
            follow_up = Ticket(
                id=new_id("tkt"),
                merchant_id=ticket.merchant_id,
                customer_id=ticket.customer_id,
                order_id=ticket.order_id,
                number=new_id("t")[2:10].upper(),
                subject=f"Follow-up: rated {data.rating}/5 — {ticket.subject}"[:200],
                status=TicketStatus.NEW.value,
                priority="high",
                source="escalation",
                about_type="ticket",
                about_id=ticket.id,
                queue="team_lead",
                locale=ticket.locale,
                first_response_due_at=_follow_up_due(ticket, now),
                resolution_due_at=_follow_up_due(ticket, now, resolution=True),
                follow_up_of=ticket.id,
                created_at=now,
                updated_at=now,
            )
            follow_up.messages = [
                TicketMessage(
                    author_kind="system",
                    author_label="survey",
                    body=f"The buyer rated ticket {ticket.number} {data.rating}/5. {data.comment}".strip(),
                    internal=True,
                    created_at=now,
                )
            ]
            db.session.add(follow_up)
        db.session.flush()
    return ticket


def _follow_up_due(ticket: Ticket, now: datetime, *, resolution: bool = False) -> datetime:
    clock = Clock.of(db.session.get(Merchant, ticket.merchant_id))
    return clock.due(now, clock.resolution_hours if resolution else clock.first_response_hours)


# -- canned replies ---------------------------------------------------------------------------------


def canned_replies(merchant_id: str, locale: str) -> list:
    from portal.support.models import CannedReply

    return list(
        db.session.scalars(
            select(CannedReply)
            .where(CannedReply.merchant_id == merchant_id, CannedReply.locale == locale)
            .order_by(CannedReply.title)
        )
    )


def fill_canned(body: str, ticket: Ticket) -> str:
    """A canned reply with the buyer's name and the order number put in ({name}, {order})."""
    customer = db.session.get(Customer, ticket.customer_id)
    order = db.session.get(Order, ticket.order_id) if ticket.order_id else None
    values = {"name": (customer.name or customer.email).split(" ")[0], "order": order.number if order else ""}
    text = body
    for key, value in values.items():
        text = text.replace("{" + key + "}", value)
    return text


# -- escalations from self-service ------------------------------------------------------------------


class DisputeIn(Strict):
    message: Annotated[str, StringConstraints(strip_whitespace=True, min_length=5, max_length=8000)]


def escalation_about(about_type: str, about_id: str, *, active_only: bool = False) -> Ticket | None:
    """The newest ticket about a claim, return or order that self-service escalated, if any
    (``active_only``: one still being worked on)."""
    stmt = select(Ticket).where(Ticket.about_type == about_type, Ticket.about_id == about_id)
    if active_only:
        stmt = stmt.where(Ticket.status.in_(ACTIVE_STATUSES))
    return db.session.scalars(stmt.order_by(Ticket.created_at.desc())).first()


def note_decision(about_type: str, about_id: str, actor: Actor, text: str, *, solve: bool) -> Ticket | None:
    """Support decided what an escalation is about: an internal note on its ticket, which is solved."""
    ticket = escalation_about(about_type, about_id)
    if ticket is None:
        return None
    staff = actor if actor.kind == "user" else Actor(kind="system", id=None, label=actor.label)
    reply(ticket, {"message": text[:8000]}, staff, internal=True)
    if solve and ticket.status in ACTIVE_STATUSES:
        set_status(ticket, "solved", actor)
    return ticket


def dispute_return(ret, document: object, actor: Actor, *, now=None) -> Ticket:
    """The buyer disagrees with a rejected return: a ticket about it, for support (once; the
    buyer's further words land on the same ticket)."""
    from portal.returns.models import ReturnStatus

    data = parse(DisputeIn, document)
    if ret.status != ReturnStatus.REJECTED.value:
        raise Conflict(_l("Only a rejected return can be disputed."), code="return_not_rejected")
    existing = escalation_about("return", ret.id, active_only=True)
    if existing is not None:
        buyer_message(existing, {"message": data.message}, actor, now=now)
        return existing
    order = ret.order
    summary = f"{data.message}\n\n— Return {ret.number} was rejected by the shop: {ret.decision_message}"
    return open_ticket(
        order.merchant,
        order.customer,
        {"subject": f"{ret.number}: {_subject_of(_l('Return disputed'))}"[:200], "message": summary[:8000]},
        actor,
        order=order,
        source="escalation",
        about=("return", ret.id),
        priority="high",
        now=now,
    )


def report_not_received(order: Order, document: object, actor: Actor, *, now=None) -> Ticket:
    """A late order the buyer says never arrived: a ticket about the order, for support (once)."""
    from portal.orders import policy as order_policy
    from portal.orders.services import merchant_today

    data = parse(DisputeIn, document)
    today = merchant_today(order.merchant, now)
    if not order_policy.is_late(order.promised_delivery_date, order.delivery_status, today):
        raise Conflict(
            _l("The order is not late: it can be reported as not received after its promised delivery date."),
            code="order_not_late",
        )
    existing = escalation_about("order", order.id, active_only=True)
    if existing is not None:
        buyer_message(existing, {"message": data.message}, actor, now=now)
        return existing
    return open_ticket(
        order.merchant,
        order.customer,
        {"subject": f"{order.number}: {_subject_of(_l('Order not received'))}"[:200], "message": data.message},
        actor,
        order=order,
        source="escalation",
        about=("order", order.id),
        priority="high",
        now=now,
    )


def _subject_of(text) -> str:
    """A ticket subject in the shop's working language (English), whatever the buyer's."""
    from flask_babel import force_locale

    with force_locale("en"):
        return str(text)
