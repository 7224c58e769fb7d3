"""Feedback asked after a delivery and after each settled return, claim and ticket, and acted on.

Where something settles, a hook only notes that a request is due (``feedback_due``, in the
caller's transaction, once per order, return, claim or ticket). ``send_due_feedback`` (a periodic
job) then e-mails each due request in the buyer's language — a delivery a day after it arrived,
the rest at once — unless that buyer (one e-mail address at one shop) was already asked in the
last seven days: such a request is recorded as skipped and never sent later. A solved ticket's
satisfaction question is one of these requests, so it counts toward the same limit.

The e-mail holds five score links. The buyer's click records the score (a score clicked again
changes it, while answers are taken: SURVEY_ANSWER_DAYS after the e-mail) and the page that
opens thanks them and takes an optional comment. A score of 1 or 2 opens a follow-up ticket for
the shop's support at once (once per answer); 3 is neutral: thanked, no ticket.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.actors import Actor
from portal.claims.models import Claim
from portal.db import lock_one, unit_of_work, utcnow
from portal.errors import Conflict, NotFound, ValidationFailed
from portal.extensions import db
from portal.feedback.models import FeedbackAnswer, FeedbackRequest, RequestStatus, SkipReason, Topic
from portal.merchants.models import Merchant
from portal.orders.models import Customer, Order
from portal.returns.models import ReturnRequest
from portal.support.models import ACTIVE_STATUSES, Ticket

SCORES = (5, 4, 3, 2, 1)  # best first, as the e-mail and the page list them
NEGATIVE_AT_MOST = 2  # 1–2: a person follows up
POSITIVE_AT_LEAST = 4  # 4–5: thanks; 3 is neutral (thanks, and an invitation to say more)
COMMENT_MAX = 2000
WEEKLY_LIMIT = timedelta(days=7)

TOPIC_LABELS = {
    Topic.DELIVERY.value: _l("Delivery"),
    Topic.RETURN.value: _l("Return"),
    Topic.CLAIM.value: _l("Claim"),
    Topic.TICKET.value: _l("Customer support"),
}

# The order in which several requests due at the same moment are taken: the one that settled
# something the buyer asked for first (the rest of that week's are skipped).
_TOPIC_ORDER = (Topic.CLAIM.value, Topic.RETURN.value, Topic.TICKET.value, Topic.DELIVERY.value)


def topic_label(topic: str) -> str:
    return str(TOPIC_LABELS.get(topic, topic))


def _config(name: str, default: int) -> int:
    return int(current_app.config.get(name, default))


def delivery_delay() -> timedelta:
    """How long after delivery the buyer is asked how it went (FEEDBACK_DELIVERY_DELAY_HOURS, 24)."""
    return timedelta(hours=_config("FEEDBACK_DELIVERY_DELAY_HOURS", 24))


def answer_days() -> int:
    """Answers are taken this many days after the e-mail (the ticket survey's SURVEY_ANSWER_DAYS)."""
    return _config("SURVEY_ANSWER_DAYS", 30)


def _expires_after() -> timedelta:
    """A request the job reaches this long after it fell due is too old to ask (FEEDBACK_EXPIRE_DAYS, 7)."""
    return timedelta(days=_config("FEEDBACK_EXPIRE_DAYS", 7))


# -- the hooks: a request falls due ---------------------------------------------------------------


def feedback_due(topic: str, subject: Order | ReturnRequest | Claim | Ticket, *, now: datetime | None = None):
    """Note that the buyer is to be asked about ``subject`` (a delivered order, a settled return or
    claim, a solved ticket), in the caller's transaction. Once per subject: a second call changes
    nothing, except that a ticket solved again is asked about from then."""
    now = now or utcnow()
    existing = db.session.scalar(
        select(FeedbackRequest).where(FeedbackRequest.topic == topic, FeedbackRequest.subject_id == subject.id)
    )
    if existing is not None:
        if existing.status == RequestStatus.DUE.value and topic == Topic.TICKET.value:
            existing.due_at = now
        return existing
    if topic == Topic.DELIVERY.value:
        order, customer_id, locale = subject, subject.customer_id, subject.locale
        due_at = (subject.delivered_at or now) + delivery_delay()
    elif topic == Topic.TICKET.value:
        order = db.session.get(Order, subject.order_id) if subject.order_id else None
        customer_id, locale, due_at = subject.customer_id, subject.locale, now
    elif topic in (Topic.RETURN.value, Topic.CLAIM.value):
        order = db.session.get(Order, subject.order_id)
        customer_id, locale, due_at = subject.customer_id, order.locale, now
    else:
        raise ValueError(f"unknown feedback topic {topic!r}")
    request = FeedbackRequest(
        merchant_id=subject.merchant_id,
        customer_id=customer_id,
        order_id=order.id if order is not None else None,
        topic=topic,
        subject_id=subject.id,
        locale=locale or "en",
        status=RequestStatus.DUE.value,
        due_at=due_at,
        created_at=now,
    )
    with unit_of_work():  # joins the caller's
        db.session.add(request)
        db.session.flush()
    return request


# -- the job: send what is due, one request a week per buyer -------------------------------------------


@dataclass(frozen=True)
class SendResult:
    sent: int
    skipped: int


def send_due_feedback(now: datetime | None = None) -> SendResult:
    """Job: e-mail every request that is due, unless its buyer was asked something in the last
    seven days (then it is skipped for good). Safe to run often and twice at once: each request is
    decided under its buyer's row lock."""
    now = now or utcnow()
    reopened = (
        select(Ticket.id).where(Ticket.id == FeedbackRequest.subject_id, Ticket.status.in_(ACTIVE_STATUSES)).exists()
    )
    rows = db.session.execute(
        select(FeedbackRequest.id, FeedbackRequest.customer_id, FeedbackRequest.topic, FeedbackRequest.due_at)
        .where(
            FeedbackRequest.status == RequestStatus.DUE.value,
            FeedbackRequest.due_at <= now,
            ~((FeedbackRequest.topic == Topic.TICKET.value) & reopened),
        )
        .order_by(FeedbackRequest.due_at, FeedbackRequest.id)
    ).all()
    db.session.rollback()
    rows.sort(key=lambda row: (row.due_at, _TOPIC_ORDER.index(row.topic), row.id))
    sent = skipped = 0
    for row in rows:
        with unit_of_work() as uow:
            lock_one(Customer, row.customer_id)  # one decision at a time per buyer
            request = lock_one(FeedbackRequest, row.id)
            if request is None or request.status != RequestStatus.DUE.value:
                continue
            subject = subject_of(request)
            if subject is None:
                continue
            if request.topic == Topic.TICKET.value and subject.status in ACTIVE_STATUSES:
                continue  # reopened before the job came: asked when it is solved again
            reason = _reason_to_skip(request, subject, now)
            if reason is not None:
                request.status, request.skip_reason, request.skipped_at = RequestStatus.SKIPPED.value, reason, now
                skipped += 1
                continue
            request.status, request.sent_at = RequestStatus.SENT.value, now
            if request.topic == Topic.TICKET.value:
                subject.survey_sent_at = now  # the desk sees that the buyer was asked
            _mail(uow, request, subject)
            sent += 1
    return SendResult(sent, skipped)


def _reason_to_skip(request: FeedbackRequest, subject, now: datetime) -> str | None:
    if now - request.due_at > _expires_after():
        return SkipReason.EXPIRED.value
    if request.topic == Topic.TICKET.value and subject.survey_sent_at is not None:
        return SkipReason.ALREADY_ASKED.value
    since = now - WEEKLY_LIMIT
    asked = db.session.scalar(
        select(FeedbackRequest.id).where(
            FeedbackRequest.customer_id == request.customer_id,
            FeedbackRequest.status == RequestStatus.SENT.value,
            FeedbackRequest.sent_at > since,
        )
    )
    # The ticket survey e-mail sent on its own (``support.services.send_survey``) counts too.
    surveyed = db.session.scalar(
        select(Ticket.id).where(Ticket.customer_id == request.customer_id, Ticket.survey_sent_at > since)
    )
    return SkipReason.WEEKLY_LIMIT.value if asked or surveyed else None


_SUBJECT_MODELS = {
    Topic.DELIVERY.value: Order,
    Topic.RETURN.value: ReturnRequest,
    Topic.CLAIM.value: Claim,
    Topic.TICKET.value: Ticket,
}


def subject_of(request: FeedbackRequest):
    """The order, return, claim or ticket the request asks about."""
    model = _SUBJECT_MODELS.get(request.topic)
    return db.session.get(model, request.subject_id) if model is not None else None


def _mail(uow, request: FeedbackRequest, subject) -> None:
    from portal.buyers.access import order_link
    from portal.notifications.services import queue_email

    merchant = db.session.get(Merchant, request.merchant_id)
    customer = db.session.get(Customer, request.customer_id)
    order = db.session.get(Order, request.order_id) if request.order_id else None
    reply_to = None
    if request.topic == Topic.TICKET.value:
        from portal.support.services import reply_address

        # A reply to the question lands on the ticket, as the ticket's other e-mails do.
        reply_to = reply_address(subject, current_app.config.get("SUPPORT_REPLY_DOMAIN") or "apuri.localhost")
    queue_email(
        uow,
        kind="feedback_request",
        recipient=customer.email,
        locale=request.locale,
        merchant_id=request.merchant_id,
        dedupe_key=f"feedback_request:{request.id}",
        context={
            "feedback_request": request,
            "subject_row": subject,
            "merchant": merchant,
            "customer": customer,
            "order": order,
            "link": order_link(order) if order is not None else None,
            "closes_on": request.sent_at + timedelta(days=answer_days()),
        },
        reply_to=reply_to,
    )


# -- the link in the e-mail -------------------------------------------------------------------------

_TOKEN_SALT = "feedback-request"


def feedback_token(request: FeedbackRequest) -> str:
    """A signed, single-purpose token for the request's score links."""
    from itsdangerous import URLSafeSerializer

    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=_TOKEN_SALT).dumps(request.id)


def request_from_token(token: str) -> FeedbackRequest:
    """The sent request a token names; NotFound for anything else."""
    from itsdangerous import BadSignature, URLSafeSerializer

    try:
        request_id = URLSafeSerializer(current_app.config["SECRET_KEY"], salt=_TOKEN_SALT).loads(token)
    except BadSignature:
        raise NotFound() from None
    request = db.session.get(FeedbackRequest, request_id) if isinstance(request_id, str) else None
    if request is None or request.status != RequestStatus.SENT.value:
        raise NotFound()
    return request


def closes_at(request: FeedbackRequest) -> datetime:
    return request.sent_at + timedelta(days=answer_days())


def answer_open(request: FeedbackRequest, now: datetime | None = None) -> bool:
    """Answers (and changes) are taken for SURVEY_ANSWER_DAYS after the e-mail."""
    return request.sent_at is not None and (now or utcnow()) <= closes_at(request)


# -- the answer ------------------------------------------------------------------------------------


def answer(
    request: FeedbackRequest,
    score: object,
    *,
    comment: str | None = None,
    locale: str | None = None,
    now: datetime | None = None,
) -> FeedbackAnswer:
    """Record the buyer's score, or change it; ``comment`` None leaves the comment as it is.
    ``locale``: the language the page was in when the comment was written (the buyer may have
    switched it), which the theme grouping reads the comment in.

    The same score again changes nothing. A score of 1–2 opens a follow-up ticket for the shop's
    support at once, once per answer; a later change or comment is noted on that ticket."""
    if not isinstance(score, int) or isinstance(score, bool) or score not in SCORES:
        raise ValidationFailed(fields={"score": [_l("Choose a score from 1 to 5.")]})
    if comment is not None:
        comment = comment.strip()
        if len(comment) > COMMENT_MAX:
            raise ValidationFailed(
                fields={"comment": [_l("The comment is too long: at most %(num)s characters.", num=COMMENT_MAX)]}
            )
    now = now or utcnow()
    with unit_of_work():
        request = lock_one(FeedbackRequest, request.id)
        if not answer_open(request, now):
            raise Conflict(
                _l("This feedback link has closed: answers are taken for %(days)s days.", days=answer_days()),
                code="feedback_closed",
            )
        # Read after the lock: an answer committed by a click a moment ago is seen, not a stale copy.
        row = db.session.scalar(select(FeedbackAnswer).where(FeedbackAnswer.request_id == request.id))
        before = (row.score, row.comment) if row is not None else None
        if row is None:
            row = FeedbackAnswer(
                request_id=request.id,
                merchant_id=request.merchant_id,
                topic=request.topic,
                locale=request.locale,
                score=score,
                comment=comment or None,
                answered_at=now,
                updated_at=now,
            )
            db.session.add(row)
        else:
            row.score = score
            if comment is not None:
                row.comment = comment or None
        if comment and locale:
            row.locale = locale
        if before != (row.score, row.comment):
            row.updated_at = now
            if request.topic == Topic.TICKET.value:
                _mirror_on_ticket(request, row)
            db.session.flush()
            if row.follow_up_ticket_id is None and row.score <= NEGATIVE_AT_MOST:
                row.follow_up_ticket_id = _open_follow_up(request, row, now).id
            elif row.follow_up_ticket_id is not None and before is not None:
                _note_change(row, before, now)
        db.session.flush()
    return row


def _mirror_on_ticket(request: FeedbackRequest, row: FeedbackAnswer) -> None:
    """The desk's ticket page, the buyer's history and the Today figures read the ticket's rating."""
    ticket = db.session.get(Ticket, request.subject_id)
    if ticket is None:
        return
    if ticket.csat_at is None:
        ticket.csat_at = row.answered_at
    ticket.csat_rating, ticket.csat_comment = row.score, row.comment


def _what(request: FeedbackRequest) -> str:
    """What was rated, in the desk's working language (English), e.g. "the delivery of order 1042"."""
    subject = subject_of(request)
    order = db.session.get(Order, request.order_id) if request.order_id else None
    if request.topic == Topic.DELIVERY.value:
        return f"the delivery of order {order.number}"
    if request.topic == Topic.RETURN.value:
        return f"return {subject.number}"
    if request.topic == Topic.CLAIM.value:
        return f"claim {subject.number}"
    return f"the help with ticket {subject.number}"


def _open_follow_up(request: FeedbackRequest, row: FeedbackAnswer, now: datetime) -> Ticket:
    from portal.support import services as desk

    merchant = db.session.get(Merchant, request.merchant_id)
    customer = db.session.get(Customer, request.customer_id)
    order = db.session.get(Order, request.order_id) if request.order_id else None
    what = _what(request)
    body = f"The buyer rated {what} {row.score}/5."
    body += f"\n\nTheir comment: {row.comment}" if row.comment else "\n\nNo comment yet."
    body += "\n\nContact them: they were told a person from the shop gets in touch."
    return desk.open_ticket(
        merchant,
        customer,
        {"subject": f"Feedback {row.score}/5: {what}"[:200], "message": body[:8000]},
        Actor.system("feedback"),
        order=order,
        source="feedback",
        about=("feedback", request.id),
        priority="high",
        now=now,
        acknowledge=False,  # the thank-you page tells the buyer what happens next
        internal_first=True,
    )


def _note_change(row: FeedbackAnswer, before: tuple[int, str | None], now: datetime) -> None:
    """A later change on an answer that opened a ticket: an internal note there (not on a closed one)."""
    from portal.support import services as desk

    ticket = db.session.get(Ticket, row.follow_up_ticket_id)
    if ticket is None or ticket.status == "closed":
        return
    parts = []
    if row.score != before[0]:
        parts.append(f"The buyer changed their score from {before[0]}/5 to {row.score}/5.")
    if row.comment != before[1] and row.comment:
        parts.append(f"Their comment: {row.comment}")
    if parts:
        desk.reply(ticket, {"message": "\n\n".join(parts)[:8000]}, Actor.system("feedback"), internal=True, now=now)


def follow_up_of(row: FeedbackAnswer) -> Ticket | None:
    return db.session.get(Ticket, row.follow_up_ticket_id) if row.follow_up_ticket_id else None
