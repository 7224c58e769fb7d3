"""Callback requests: asked for by the buyer on an order, worked by the desk in time-slot order.

A request is one transaction: the callback (the number in E.164, the topic, the slot) and its
ticket on the desk (source ``callback``, the first answer due at the slot's end), the audit entry
and the buyer's confirmation e-mail. A slot takes ``CALLBACK_SLOT_CAPACITY`` (3) callbacks: the
shop's row is locked while a slot is counted and taken, so two buyers cannot both take the last
place. Staff mark each call: reached (with a note), no answer (the buyer may get a link to choose
a new time, and/or the agent picks the next slot) or solved (the ticket is solved). Each change
carries the version the agent saw: when someone else changed the callback meanwhile, nothing is
applied and the agent is told.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time, get_timezone_location
from flask import current_app
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select

from portal.actors import Actor
from portal.audit import services as audit
from portal.callbacks import phones
from portal.callbacks import slots as clock
from portal.callbacks.models import (
    OPEN_STATUSES,
    SETTLED_STATUSES,
    TOPICS,
    CallbackRequest,
    CallbackStatus,
)
from portal.db import lock_one, new_id, unit_of_work, utcnow
from portal.errors import Conflict, NotFound, ValidationFailed
from portal.extensions import db
from portal.merchants.models import Merchant
from portal.merchants.policy import effective_policy
from portal.orders.models import Customer, Order
from portal.support import services as desk
from portal.support.models import ACTIVE_STATUSES, Ticket, TicketStatus

NOTE_MAX = 1000
ERASE_AFTER = timedelta(days=30)  # the number is kept this long after the callback is settled
NEW_TIME_LINK_DAYS = 14  # the "choose a new time" link in the no-answer e-mail works this long

TOPIC_LABELS = {
    "delivery": _l("Delivery"),
    "return": _l("Return or exchange"),
    "defect": _l("Defect or claim"),
    "payment": _l("Payment"),
    "other": _l("Something else"),
}

# The desk's words for where a callback stands, and the buyer's.
STATUS_LABELS = {
    "pending": _l("Waiting for its time"),
    "no_answer": _l("No answer"),
    "reached": _l("Reached"),
    "solved": _l("Solved"),
}
BUYER_STATUS_LABELS = {
    "pending": _l("We will call you"),
    "no_answer": _l("We could not reach you"),
    "reached": _l("We spoke"),
    "solved": _l("Solved"),
}

OUTCOMES = ("reached", "no_answer", "solved")


def topic_label(topic: str) -> str:
    return str(TOPIC_LABELS.get(topic, topic))


def status_label(status: str) -> str:
    return str(STATUS_LABELS.get(status, status))


def buyer_status_label(status: str) -> str:
    return str(BUYER_STATUS_LABELS.get(status, status))


# -- the clock ------------------------------------------------------------------------------------


def rules_for(merchant: Merchant) -> clock.SlotRules:
    """The shop's calling hours: its desk's business hours and holidays if set, else the defaults."""
    terms = effective_policy(merchant.policy)["sla"]
    return clock.SlotRules.from_policy(merchant.timezone, terms.get("business_hours"), terms.get("holidays") or ())


def slot_capacity() -> int:
    return int(current_app.config.get("CALLBACK_SLOT_CAPACITY", 3))


@dataclass(frozen=True)
class Slot:
    start: datetime  # UTC
    end: datetime
    free: int

    @property
    def value(self) -> str:
        return slot_value(self.start)


def slot_value(start: datetime) -> str:
    """A slot as a form sends it: its start in UTC, to the minute."""
    return start.astimezone(UTC).strftime("%Y-%m-%dT%H:%MZ")


def parse_slot(text: str | None) -> datetime | None:
    try:
        start = datetime.fromisoformat((text or "").strip())
    except ValueError:
        return None
    return start.astimezone(UTC) if start.tzinfo is not None else None


def _booked(merchant_id: str, starts: list[datetime], *, exclude_id: str | None = None) -> dict[datetime, int]:
    """How many callbacks wait in each of these slots (one query)."""
    if not starts:
        return {}
    query = (
        select(CallbackRequest.slot_start, func.count(CallbackRequest.id))
        .where(
            CallbackRequest.merchant_id == merchant_id,
            CallbackRequest.status == CallbackStatus.PENDING.value,
            CallbackRequest.slot_start >= min(starts),
            CallbackRequest.slot_start <= max(starts),
        )
        .group_by(CallbackRequest.slot_start)
    )
    if exclude_id:
        query = query.where(CallbackRequest.id != exclude_id)
    return {start.astimezone(UTC): int(count) for start, count in db.session.execute(query)}


def open_slots(merchant: Merchant, *, now: datetime | None = None, exclude_id: str | None = None) -> list[Slot]:
    """The slots a buyer (or an agent) may choose now: in the shop's hours, far enough ahead, not full."""
    now = now or utcnow()
    rules = rules_for(merchant)
    starts = rules.slots(now)
    booked = _booked(merchant.id, starts, exclude_id=exclude_id)
    capacity = slot_capacity()
    return [
        Slot(start, rules.end_of(start), capacity - booked.get(start, 0))
        for start in starts
        if booked.get(start, 0) < capacity
    ]


@dataclass(frozen=True)
class SlotDay:
    label: str  # "tiistai 8. joulukuuta 2026"
    short: str  # "ti 8.12."
    slots: list[Slot]


def slots_by_day(merchant: Merchant, slot_list: list[Slot]) -> list[SlotDay]:
    """The slots grouped by their day in the shop's time zone, named in the reader's language."""
    from babel.dates import format_skeleton

    zone = ZoneInfo(merchant.timezone)
    days: list[SlotDay] = []
    for slot in slot_list:
        local = slot.start.astimezone(zone)
        label = format_date(local, "full", locale=_locale())
        if not days or days[-1].label != label:
            days.append(SlotDay(label, format_skeleton("MMMEd", local, locale=_locale()), []))
        days[-1].slots.append(slot)
    return days


def _locale() -> str:
    return str(get_locale() or "en")


def time_of_day(moment: datetime, timezone: str) -> str:
    return format_time(moment.astimezone(ZoneInfo(timezone)), "short", locale=_locale())


def zone_city(timezone: str) -> str:
    return get_timezone_location(ZoneInfo(timezone), locale=_locale(), return_city=True)


def slot_text(start: datetime, end: datetime, timezone: str) -> str:
    """``tiistai 8. joulukuuta 2026, 10.00–10.30 (Helsinki, paikallista aikaa)``: in the language being
    rendered (the buyer's, in their e-mail) and always in the shop's time zone."""
    zone = ZoneInfo(timezone)
    return _(
        "%(date)s, %(start)s–%(end)s (%(city)s time)",
        date=format_date(start.astimezone(zone), "full", locale=_locale()),
        start=time_of_day(start, timezone),
        end=time_of_day(end, timezone),
        city=zone_city(timezone),
    )


def _note_slot(start: datetime, end: datetime, timezone: str) -> str:
    """A slot in the desk's internal notes (kept in English, like the desk's other notes)."""
    local = start.astimezone(ZoneInfo(timezone))
    return f"{local:%a %d %b %Y %H:%M}–{end.astimezone(ZoneInfo(timezone)):%H:%M} ({timezone})"


def _slot_problem(code: str, rules: clock.SlotRules):
    if code == clock.PAST:
        return _l("That time has already passed. Choose a time from the list.")
    if code == clock.TOO_SOON:
        return _l("Choose a time at least an hour from now, so that someone is free to call you.")
    if code == clock.CLOSED_DAY:
        return _l("We do not call on that day. Choose a working day from the list.")
    if code == clock.OUTSIDE_HOURS:
        opens = datetime.combine(datetime.now(rules.zone).date(), rules.opens, rules.zone)
        closes = datetime.combine(opens.date(), rules.closes, rules.zone)
        return _l(
            "We call between %(opens)s and %(closes)s (%(city)s time). Choose a time from the list.",
            opens=time_of_day(opens, rules.timezone),
            closes=time_of_day(closes, rules.timezone),
            city=zone_city(rules.timezone),
        )
    if code == clock.TOO_FAR:
        return _l("Choose a time within the next %(num)s working days.", num=rules.days_ahead)
    return _l("Choose a time for the call from the list.")


FULL = _l("That time has just been fully booked. Choose another time.")


def _check_slot(merchant: Merchant, start: datetime | None, now: datetime, *, field: str, exclude_id=None) -> None:
    """Raise ValidationFailed on ``field`` unless ``start`` can be booked now, capacity included.
    Call it with the shop's row locked (``lock_one(Merchant, …)``) so that the count holds."""
    rules = rules_for(merchant)
    code = rules.problem(start, now)
    if code is not None:
        raise ValidationFailed(fields={field: [_slot_problem(code, rules)]})
    if _booked(merchant.id, [start], exclude_id=exclude_id).get(start, 0) >= slot_capacity():
        raise ValidationFailed(fields={field: [FULL]})


# -- the buyer asks -------------------------------------------------------------------------------


def request_callback(order: Order, document: dict, actor: Actor, *, now: datetime | None = None) -> CallbackRequest:
    """The buyer asks to be called about ``order``: ``phone``, ``topic``, ``slot`` and an optional
    ``note``. Every field's problem is said at once (ValidationFailed); a full slot is refused."""
    now = now or utcnow()
    merchant = order.merchant
    problems: dict[str, list] = {}
    phone = None
    try:
        phone = phones.normalise(str(document.get("phone") or ""), merchant.country)
    except ValidationFailed as exc:
        problems.update(exc.fields)
    topic = str(document.get("topic") or "")
    if topic not in TOPICS:
        problems["topic"] = [_l("Choose what the call is about.")]
    note = str(document.get("note") or "").strip()
    if len(note) > NOTE_MAX:
        problems["note"] = [_l("Keep the note under %(num)s characters.", num=NOTE_MAX)]
    raw_slot = str(document.get("slot") or "").strip()
    start = parse_slot(raw_slot)
    if not raw_slot:
        problems["slot"] = [_l("Choose a time for the call.")]
    else:
        rules = rules_for(merchant)
        code = rules.problem(start, now)
        if code is not None:
            problems["slot"] = [_slot_problem(code, rules)]
    if problems:
        raise ValidationFailed(fields=problems)

    from portal.throttle import throttle

    # Each request e-mails the buyer and books a slot: a script with the buyer's link cannot flood.
    throttle(current_app.config.get("CALLBACK_LIMIT_PER_BUYER", "5/hour"), "callback", order.customer_id)
    with unit_of_work() as uow:
        merchant = lock_one(Merchant, merchant.id)  # one slot count at a time per shop
        twice = db.session.scalar(
            select(CallbackRequest).where(
                CallbackRequest.order_id == order.id,
                CallbackRequest.slot_start == start,
                CallbackRequest.status.in_(OPEN_STATUSES),
            )
        )
        if twice is not None:  # the same request again (a second click): nothing new
            return twice
        _check_slot(merchant, start, now, field="slot")
        rules = rules_for(merchant)
        end = rules.end_of(start)
        callback_id = new_id("cbk")
        locale = order.locale or order.customer.locale or merchant.default_locale
        with force_locale(locale):
            subject = _("Call me back: %(topic)s", topic=topic_label(topic))
            words = [
                _("Please call me back about: %(topic)s.", topic=topic_label(topic)),
                _("Time: %(slot)s", slot=slot_text(start, end, merchant.timezone)),
            ]
        if note:
            words.append(note)
        ticket = desk.open_ticket(
            merchant,
            order.customer,
            {"subject": subject[:200], "message": "\n\n".join(words)},
            actor,
            order=order,
            source="callback",
            about=("callback", callback_id),
            acknowledge=False,  # the callback's own confirmation says it all
            now=now,
        )
        # The call is the answer: due by the end of the slot the buyer chose.
        ticket.first_response_due_at = end
        ticket.resolution_due_at = max(ticket.resolution_due_at, end)
        callback = CallbackRequest(
            id=callback_id,
            merchant_id=merchant.id,
            order_id=order.id,
            customer_id=order.customer_id,
            ticket_id=ticket.id,
            topic=topic,
            phone=phone,
            slot_start=start,
            slot_end=end,
            status=CallbackStatus.PENDING.value,
            changed_by="buyer",
            created_at=now,
            updated_at=now,
        )
        db.session.add(callback)
        db.session.flush()
        audit.record(
            actor,
            "callback.requested",
            "callback",
            callback.id,
            merchant_id=merchant.id,
            # Never the phone number: the audit log outlives it.
            after={"topic": topic, "slot_start": start.isoformat(), "order": order.number, "ticket": ticket.number},
        )
        _mail_buyer(uow, callback, "callback_confirmed")
    return callback


def open_callbacks_of(order: Order) -> list[CallbackRequest]:
    """The order's callbacks still waiting for a call, the soonest first."""
    return list(
        db.session.scalars(
            select(CallbackRequest)
            .where(CallbackRequest.order_id == order.id, CallbackRequest.status.in_(OPEN_STATUSES))
            .order_by(CallbackRequest.slot_start)
        )
    )


def get_callback(
    callback_id: str, *, merchant_id: str | None = None, customer_id: str | None = None
) -> CallbackRequest:
    callback = db.session.get(CallbackRequest, callback_id)
    if callback is None or (merchant_id and callback.merchant_id != merchant_id):
        raise NotFound()
    if customer_id and callback.customer_id != customer_id:
        raise NotFound()
    return callback


def callback_of_ticket(ticket: Ticket) -> CallbackRequest | None:
    return db.session.scalar(select(CallbackRequest).where(CallbackRequest.ticket_id == ticket.id))


# -- the buyer chooses a new time -----------------------------------------------------------------


def new_time_token(callback: CallbackRequest) -> str:
    """A signed link for the no-answer e-mail: it chooses a new time for this callback only, until the
    next call attempt (a newer e-mail then carries a newer link) or NEW_TIME_LINK_DAYS."""
    from itsdangerous import URLSafeTimedSerializer

    serializer = URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="callback-new-time")
    return serializer.dumps([callback.id, callback.attempts])


def callback_from_new_time_token(token: str) -> tuple[CallbackRequest, int]:
    """The callback and the attempt the link was made for; NotFound for a bad or expired link."""
    from itsdangerous import BadSignature, URLSafeTimedSerializer

    serializer = URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="callback-new-time")
    try:
        callback_id, attempts = serializer.loads(token, max_age=NEW_TIME_LINK_DAYS * 86400)
    except (BadSignature, ValueError, TypeError):
        raise NotFound() from None
    callback = db.session.get(CallbackRequest, callback_id) if isinstance(callback_id, str) else None
    if callback is None or not isinstance(attempts, int):
        raise NotFound()
    return callback, attempts


def new_time_url(callback: CallbackRequest) -> str:
    from portal.urls import external_url

    return external_url("buyers.callback_new_time", token=new_time_token(callback))


def choose_new_time(
    callback: CallbackRequest,
    slot: str,
    actor: Actor,
    *,
    attempts: int | None = None,
    now: datetime | None = None,
) -> CallbackRequest:
    """The buyer picks another slot for an open callback (from the e-mail's link: ``attempts`` is the
    attempt it was sent after, and a later attempt makes it stale). The buyer is e-mailed the new time."""
    now = now or utcnow()
    start = parse_slot(slot)
    if not (slot or "").strip():
        raise ValidationFailed(fields={"slot": [_l("Choose a time for the call.")]})
    with unit_of_work() as uow:
        merchant = lock_one(Merchant, callback.merchant_id)
        callback = lock_one(CallbackRequest, callback.id)
        if callback.status in SETTLED_STATUSES or callback.phone is None:
            raise Conflict(_l("This call has already taken place, so there is no time to choose."), code="settled")
        if attempts is not None and attempts != callback.attempts:
            raise Conflict(
                _l("This link is out of date: we tried to call you again since. Use the link in our latest e-mail."),
                code="stale_link",
            )
        _check_slot(merchant, start, now, field="slot", exclude_id=callback.id)
        _move(callback, merchant, start, actor, now)
        desk.reply(
            _ticket(callback),
            {
                "message": f"The buyer chose a new time for the call: {_note_slot(start, callback.slot_end, merchant.timezone)}."
            },
            Actor(kind="system", id=None, label="Apuri"),
            internal=True,
            now=now,
        )
        _mail_buyer(uow, callback, "callback_confirmed")
    return callback


def _move(callback: CallbackRequest, merchant: Merchant, start: datetime, actor: Actor, now: datetime) -> None:
    """Put an open callback in another slot (already checked), waiting for its call again."""
    before = {"status": callback.status, "slot_start": callback.slot_start.isoformat()}
    callback.slot_start = start
    callback.slot_end = rules_for(merchant).end_of(start)
    callback.status = CallbackStatus.PENDING.value
    _changed(callback, actor, now)
    ticket = _ticket(callback)
    if ticket.first_responded_at is None:
        ticket.first_response_due_at = callback.slot_end
    ticket.resolution_due_at = max(ticket.resolution_due_at, callback.slot_end)
    audit.record(
        actor,
        "callback.rescheduled",
        "callback",
        callback.id,
        merchant_id=callback.merchant_id,
        before=before,
        after={"status": callback.status, "slot_start": start.isoformat()},
    )


def _changed(callback: CallbackRequest, actor: Actor, now: datetime) -> None:
    callback.version += 1
    callback.changed_by = actor.label[:254] if actor.kind == "user" else actor.kind
    callback.updated_at = now


def _ticket(callback: CallbackRequest) -> Ticket:
    return db.session.get(Ticket, callback.ticket_id)


# -- the desk marks the call ----------------------------------------------------------------------


def _stale(callback: CallbackRequest) -> Conflict:
    who = callback.changed_by
    if who in ("buyer", "system"):
        who = str(_l("The buyer")) if who == "buyer" else "Apuri"
    return Conflict(
        _l(
            "%(who)s changed this callback a moment ago; it is now: %(status)s. Nothing was saved: "
            "check it below and mark it again if needed.",
            who=who,
            status=status_label(callback.status),
        ),
        code="callback_changed",
    )


def record_outcome(
    callback_id: str,
    merchant_id: str,
    document: dict,
    actor: Actor,
    *,
    now: datetime | None = None,
) -> CallbackRequest:
    """How the call went: ``outcome`` reached (``note`` required), no_answer (``next_slot`` optional:
    the agent picks when to call again; ``email_buyer``: the buyer gets a link to choose a new time)
    or solved (the ticket is solved). ``version`` is the one the agent saw: a callback changed since
    (another agent marked it, the buyer chose a new time) is left alone and Conflict says so."""
    now = now or utcnow()
    outcome = str(document.get("outcome") or "")
    note = str(document.get("note") or "").strip()
    problems: dict[str, list] = {}
    if outcome not in OUTCOMES:
        problems["outcome"] = [_l("Choose how the call went.")]
    if outcome == "reached" and not note:
        problems["note"] = [_l("Write a note of what you agreed with the buyer.")]
    if len(note) > NOTE_MAX * 4:
        problems["note"] = [_l("Keep the note under %(num)s characters.", num=NOTE_MAX * 4)]
    raw_next = str(document.get("next_slot") or "").strip() if outcome == "no_answer" else ""
    email_buyer = bool(document.get("email_buyer")) and outcome == "no_answer"
    try:
        version = int(document.get("version"))
    except (TypeError, ValueError):
        version = None
    if problems:
        raise ValidationFailed(fields=problems)
    with unit_of_work() as uow:
        merchant = lock_one(Merchant, merchant_id) if raw_next else db.session.get(Merchant, merchant_id)
        callback = lock_one(CallbackRequest, callback_id, merchant_id=merchant_id)
        if callback is None or merchant is None:
            raise NotFound()
        if (version is not None and version != callback.version) or callback.status in SETTLED_STATUSES:
            raise _stale(callback)
        if callback.phone is None:  # erased: nobody can be called any more
            raise Conflict(_l("The phone number has been erased: this callback can no longer be worked."))
        ticket = _ticket(callback)
        before = {"status": callback.status, "attempts": callback.attempts}
        slot = _note_slot(callback.slot_start, callback.slot_end, merchant.timezone)
        if outcome == "reached":
            callback.status = CallbackStatus.REACHED.value
            callback.settled_at = now
            text = f"Call ({slot}): reached the buyer.\n\n{note}"
        elif outcome == "solved":
            callback.status = CallbackStatus.SOLVED.value
            callback.settled_at = now
            text = f"Call ({slot}): solved." + (f"\n\n{note}" if note else "")
        else:
            callback.attempts += 1
            callback.status = CallbackStatus.NO_ANSWER.value
            text = f"Call attempt {callback.attempts} ({slot}): no answer."
            if raw_next:
                start = parse_slot(raw_next)
                _check_slot(merchant, start, now, field="next_slot", exclude_id=callback.id)
                _move(callback, merchant, start, actor, now)
                text += f" Next call: {_note_slot(start, callback.slot_end, merchant.timezone)}."
            if email_buyer:
                text += " The buyer was e-mailed a link to choose a new time."
            if note:
                text += f"\n\n{note}"
        _changed(callback, actor, now)
        desk.reply(ticket, {"message": text}, actor, internal=True, now=now)
        if outcome == "reached" and ticket.first_responded_at is None:
            ticket.first_responded_at = now  # the call was the first answer
        if outcome == "reached" and ticket.status == TicketStatus.NEW.value:
            ticket.status = TicketStatus.OPEN.value
        audit.record(
            actor,
            "callback.outcome",
            "callback",
            callback.id,
            merchant_id=merchant_id,
            before=before,
            after={"status": callback.status, "attempts": callback.attempts, "outcome": outcome},
        )
        if outcome == "solved" and ticket.status in ACTIVE_STATUSES:
            desk.set_status(ticket, TicketStatus.SOLVED.value, actor)  # and the satisfaction survey
        if email_buyer:
            _mail_buyer(uow, callback, "callback_missed", next_call=bool(raw_next))
        elif raw_next:
            _mail_buyer(uow, callback, "callback_confirmed")
    return callback


def reschedule(
    callback_id: str, merchant_id: str, slot: str, version: int | None, actor: Actor, *, now: datetime | None = None
) -> CallbackRequest:
    """The agent puts an open callback in another slot (e.g. after no answer); the buyer is e-mailed
    the new time."""
    now = now or utcnow()
    start = parse_slot(slot)
    if not (slot or "").strip():
        raise ValidationFailed(fields={"slot": [_l("Choose a time for the call.")]})
    with unit_of_work() as uow:
        merchant = lock_one(Merchant, merchant_id)
        callback = lock_one(CallbackRequest, callback_id, merchant_id=merchant_id)
        if callback is None or merchant is None:
            raise NotFound()
        if (version is not None and version != callback.version) or callback.status in SETTLED_STATUSES:
            raise _stale(callback)
        if callback.phone is None:
            raise Conflict(_l("The phone number has been erased: this callback can no longer be worked."))
        _check_slot(merchant, start, now, field="slot", exclude_id=callback.id)
        _move(callback, merchant, start, actor, now)
        desk.reply(
            _ticket(callback),
            {"message": f"Call moved to {_note_slot(start, callback.slot_end, merchant.timezone)}."},
            actor,
            internal=True,
            now=now,
        )
        _mail_buyer(uow, callback, "callback_confirmed")
    return callback


# -- the queue ------------------------------------------------------------------------------------

VIEWS = ("open", "settled")


@dataclass
class CallbackPage:
    callbacks: list[CallbackRequest]
    next_cursor: str | None


def list_callbacks(merchant_id: str, view: str = "open", *, cursor: str | None = None, limit: int = 50) -> CallbackPage:
    """The shop's callbacks: open ones by slot, the soonest first; settled ones the latest first
    (keyset pages)."""
    from portal.pagination import decode_cursor, encode_cursor

    if view not in VIEWS:
        raise ValidationFailed(fields={"view": [_l("Unknown view.")]})
    position = decode_cursor(cursor) if cursor else None
    if cursor and position is None:
        raise ValidationFailed(fields={"cursor": [_l("This page link is not valid. Start again from the first page.")]})
    query = select(CallbackRequest).where(CallbackRequest.merchant_id == merchant_id)
    if view == "open":
        query = query.where(CallbackRequest.status.in_(OPEN_STATUSES))
        if position is not None:
            at, ident = position
            query = query.where(
                or_(
                    CallbackRequest.slot_start > at,
                    (CallbackRequest.slot_start == at) & (CallbackRequest.id > ident),
                )
            )
        query = query.order_by(CallbackRequest.slot_start, CallbackRequest.id)
        key = lambda callback: callback.slot_start  # noqa: E731
    else:
        query = query.where(CallbackRequest.status.in_(SETTLED_STATUSES))
        if position is not None:
            at, ident = position
            query = query.where(
                or_(
                    CallbackRequest.settled_at < at,
                    (CallbackRequest.settled_at == at) & (CallbackRequest.id < ident),
                )
            )
        query = query.order_by(CallbackRequest.settled_at.desc(), CallbackRequest.id.desc())
        key = lambda callback: callback.settled_at  # noqa: E731
    rows = list(db.session.scalars(query.limit(limit + 1)))
    next_cursor = encode_cursor(key(rows[limit - 1]), rows[limit - 1].id) if len(rows) > limit else None
    rows = rows[:limit]
    # The buyers, orders and tickets of the page in three queries.
    for model, ids in (
        (Customer, {c.customer_id for c in rows}),
        (Order, {c.order_id for c in rows}),
        (Ticket, {c.ticket_id for c in rows}),
    ):
        if ids:
            list(db.session.scalars(select(model).where(model.id.in_(ids))))
    return CallbackPage(rows, next_cursor)


def open_count(merchant_id: str) -> int:
    return int(
        db.session.scalar(
            select(func.count(CallbackRequest.id)).where(
                CallbackRequest.merchant_id == merchant_id, CallbackRequest.status.in_(OPEN_STATUSES)
            )
        )
    )


# -- keeping the number no longer than needed -----------------------------------------------------


def erase_phone_numbers(now: datetime | None = None) -> int:
    """Job (daily is enough): set the phone number to NULL, keeping ``erased_at``, 30 days after the
    callback was settled. A callback nobody settles — no answer and no new time, or a time long
    past — counts as settled 30 days after its slot and its last change. Returns how many."""
    now = now or utcnow()
    cutoff = now - ERASE_AFTER
    due = db.session.scalars(
        select(CallbackRequest.id).where(
            CallbackRequest.phone.is_not(None),
            or_(
                CallbackRequest.settled_at <= cutoff,
                CallbackRequest.settled_at.is_(None)
                & (CallbackRequest.slot_end <= cutoff)
                & (CallbackRequest.updated_at <= cutoff),
            ),
        )
    ).all()
    erased = 0
    for callback_id in due:
        with unit_of_work():
            callback = lock_one(CallbackRequest, callback_id)
            if callback is None or callback.phone is None:
                continue
            callback.phone = None
            callback.erased_at = now
            audit.record(
                Actor.system("callback-erasure"),
                "callback.phone_erased",
                "callback",
                callback.id,
                merchant_id=callback.merchant_id,
                after={"erased_at": now.isoformat()},
            )
            erased += 1
    return erased


# -- e-mail ---------------------------------------------------------------------------------------


def _mail_buyer(uow, callback: CallbackRequest, kind: str, *, next_call: bool = False) -> None:
    from portal.buyers.access import order_link
    from portal.notifications.services import queue_email

    order = db.session.get(Order, callback.order_id)
    customer = db.session.get(Customer, callback.customer_id)
    merchant = db.session.get(Merchant, callback.merchant_id)
    ticket = _ticket(callback)
    queue_email(
        uow,
        kind=kind,
        recipient=customer.email,
        locale=ticket.locale,
        merchant_id=merchant.id,
        dedupe_key=f"{kind}:{callback.id}:{callback.version}",
        context={
            "callback": callback,
            "merchant": merchant,
            "customer": customer,
            "order": order,
            "ticket": ticket,
            "next_call": next_call,
            "link": new_time_url(callback) if kind == "callback_missed" else order_link(order),
            "link_days": NEW_TIME_LINK_DAYS,
        },
        # A reply lands on the callback's ticket, like a reply to any ticket e-mail.
        reply_to=desk.reply_address(ticket, current_app.config.get("SUPPORT_REPLY_DOMAIN") or "apuri.localhost"),
    )
