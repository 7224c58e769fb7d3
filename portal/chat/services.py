"""Live chat with a person: a buyer hands the assistant's conversation to whoever is online.

The life of a chat: *waiting* in the shop's queue → *active* once an agent takes it → *ended*
by the agent or the buyer, when it becomes a ticket (source ``chat``) with the whole transcript;
or *abandoned* when the buyer leaves the queue (or their page goes quiet) before anyone took it.

- Who can take a shop's chats: its own staff and the support agents who serve it
  (``portal.accounts.services.serves``); who counts as *online* for the queue: those of them
  whose presence is Online and whose console chat pages asked within ``CHAT_PRESENCE_SECONDS``.
- Every message gets the session's next ``seq`` while the session row is locked, in the same
  transaction; the bus (``portal.chat.bus``) is told after the commit, so a woken stream always
  finds the message it was woken for.
- Taking locks the agent's presence row, then the chat: two agents taking one chat → one wins,
  the other is told who has it; one agent's tabs cannot go past their capacity.
- Every change of state is in the audit log; the messages themselves are the chat's record.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select, update

from portal.actors import Actor
from portal.audit import services as audit
from portal.chat import bus as chat_bus
from portal.chat.models import (
    OPEN_STATUSES,
    AgentPresence,
    ChatMessage,
    ChatSession,
    ChatStatus,
    PresenceStatus,
)
from portal.chat.settings import setting
from portal.db import unit_of_work, utcnow
from portal.errors import Conflict, Forbidden, NotFound, ValidationFailed
from portal.extensions import db
from portal.merchants.models import Merchant
from portal.orders.models import Customer, Order

BODY_MAX = 2000
# The handling times the wait estimate is taken from: the shop's latest ended chats.
ESTIMATE_SAMPLE = 20
ESTIMATE_WINDOW = timedelta(days=30)
CAPACITY_RANGE = (1, 10)
# How much of the assistant's conversation comes along (the assistant keeps 8 turns).
CARRIED_TURNS = 8


class NobodyOnline(Conflict):
    """No agent of the shop is online: the buyer is offered a ticket or a call back instead."""

    code = "nobody_online"
    default_message = _l("Nobody is online to chat just now.")


class AlreadyTaken(Conflict):
    code = "chat_taken"


# -- presence ---------------------------------------------------------------------------------


def presence_of(user_id: str) -> AgentPresence | None:
    return db.session.get(AgentPresence, user_id)


def is_online(presence: AgentPresence | None, now: datetime | None = None) -> bool:
    """Online and seen lately: an agent who closed the console without saying so drops out."""
    if presence is None or presence.status != PresenceStatus.ONLINE.value:
        return False
    fresh = (now or utcnow()) - timedelta(seconds=setting("CHAT_PRESENCE_SECONDS"))
    return presence.last_seen_at >= fresh


def set_presence(user, status: str, actor: Actor, *, capacity: int | None = None, now: datetime | None = None):
    """Online or Away, and how many chats at once (1–10); audited when something changes."""
    if status not in {s.value for s in PresenceStatus}:
        raise ValidationFailed(fields={"status": [_l("Choose Online or Away.")]})
    if capacity is not None and not CAPACITY_RANGE[0] <= capacity <= CAPACITY_RANGE[1]:
        raise ValidationFailed(
            fields={"capacity": [_l("Take between %(low)s and %(high)s chats at once.", low=1, high=10)]}
        )
    now = now or utcnow()
    with unit_of_work() as uow:
        presence = _locked_presence(user.id, now)
        before = {"status": presence.status, "capacity": presence.capacity}
        presence.status = status
        if capacity is not None:
            presence.capacity = capacity
        presence.last_seen_at = now
        presence.updated_at = now
        after = {"status": presence.status, "capacity": presence.capacity}
        if after != before:
            audit.record(
                actor, "chat.presence", "user", user.id, merchant_id=user.merchant_id, before=before, after=after
            )
            for merchant_id in _shops_of(user):
                uow.after_commit(partial(_wake, chat_bus.queue_channel(merchant_id)))
    return presence


def touch_presence(user_id: str, now: datetime | None = None) -> None:
    """The agent's chat page asked: keep them online (one write every 15 s at most)."""
    now = now or utcnow()
    with unit_of_work():
        db.session.execute(
            update(AgentPresence)
            .where(
                AgentPresence.user_id == user_id,
                AgentPresence.status == PresenceStatus.ONLINE.value,
                AgentPresence.last_seen_at < now - timedelta(seconds=15),
            )
            .values(last_seen_at=now)
        )


def _locked_presence(user_id: str, now: datetime) -> AgentPresence:
    """The user's presence row, made when missing, locked for this transaction."""
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    db.session.execute(
        insert(AgentPresence)
        .values(user_id=user_id, status=PresenceStatus.AWAY.value, capacity=3, last_seen_at=now, updated_at=now)
        .on_conflict_do_nothing(index_elements=["user_id"])
    )
    if dialect == "sqlite":  # as lock_one does: take the write lock before the reads that decide
        db.session.execute(
            update(AgentPresence).where(AgentPresence.user_id == user_id).values(user_id=AgentPresence.user_id)
        )
    presence = db.session.scalars(select(AgentPresence).where(AgentPresence.user_id == user_id).with_for_update()).one()
    db.session.refresh(presence)
    return presence


def _agents_of(merchant_id: str):
    """A condition on User: the shop's own staff, or a support agent serving it."""
    from portal.accounts.models import Role, ServedShop, User

    serving = select(ServedShop.user_id).where(ServedShop.merchant_id == merchant_id)
    return and_(
        User.active.is_(True),
        or_(
            and_(User.merchant_id == merchant_id, User.role.in_((Role.MERCHANT_ADMIN, Role.MERCHANT_AGENT))),
            and_(User.role == Role.SUPPORT_AGENT, User.id.in_(serving)),
        ),
    )


def online_agents(merchant_id: str, now: datetime | None = None) -> list:
    """The shop's agents who take chats now (Online, and their chat page asked lately)."""
    from portal.accounts.models import User

    fresh = (now or utcnow()) - timedelta(seconds=setting("CHAT_PRESENCE_SECONDS"))
    return list(
        db.session.scalars(
            select(User)
            .join(AgentPresence, AgentPresence.user_id == User.id)
            .where(
                AgentPresence.status == PresenceStatus.ONLINE.value,
                AgentPresence.last_seen_at >= fresh,
                _agents_of(merchant_id),
            )
            .order_by(User.name, User.email)
        )
    )


def _shops_of(user) -> list[str]:
    """The shops whose queue this user's presence changes (for waking their queue pages)."""
    from portal.accounts.models import Role, ServedShop

    if user.role.is_merchant_role:
        return [user.merchant_id] if user.merchant_id else []
    if user.role == Role.SUPPORT_AGENT:
        return list(db.session.scalars(select(ServedShop.merchant_id).where(ServedShop.user_id == user.id)))
    return []


def active_count(user_id: str) -> int:
    return db.session.scalar(
        select(func.count(ChatSession.id)).where(
            ChatSession.agent_id == user_id, ChatSession.status == ChatStatus.ACTIVE.value
        )
    )


# -- starting ---------------------------------------------------------------------------------


def open_chat_of(merchant_id: str, customer_id: str) -> ChatSession | None:
    """The buyer's chat at this shop that is still waiting or going on, if any."""
    return db.session.scalars(
        select(ChatSession)
        .where(
            ChatSession.merchant_id == merchant_id,
            ChatSession.customer_id == customer_id,
            ChatSession.status.in_(OPEN_STATUSES),
        )
        .order_by(ChatSession.created_at.desc())
    ).first()


def start_chat(
    merchant: Merchant,
    customer: Customer,
    turns: list[dict],
    actor: Actor,
    *,
    order: Order | None = None,
    now: datetime | None = None,
) -> ChatSession:
    """A chat in the shop's queue, the assistant's conversation (``turns``) as its first messages.

    Refused with ``NobodyOnline`` when none of the shop's agents is online (the buyer is offered
    a ticket or a call back). A buyer with a chat still open at the shop gets that one back."""
    if customer.merchant_id != merchant.id or (order is not None and order.customer_id != customer.id):
        raise NotFound()
    existing = open_chat_of(merchant.id, customer.id)
    if existing is not None:
        return existing
    now = now or utcnow()
    if not online_agents(merchant.id, now):
        raise NobodyOnline(
            _l("Nobody from %(shop)s is online to chat just now.", shop=merchant.name), code="nobody_online"
        )
    from portal.throttle import throttle

    throttle(setting("CHAT_LIMIT_PER_BUYER"), "chat", customer.id)
    with unit_of_work() as uow:
        chat = ChatSession(
            merchant_id=merchant.id,
            customer_id=customer.id,
            order_id=order.id if order else None,
            buyer_email=customer.email,
            locale=(order.locale if order else customer.locale) or merchant.default_locale,
            status=ChatStatus.WAITING.value,
            created_at=now,
            buyer_seen_at=now,
        )
        db.session.add(chat)  # new and not yet committed: nobody else can write in it
        db.session.flush()
        # The carried-over turns keep their order, a microsecond apart.
        for step, turn in enumerate(turns[-CARRIED_TURNS:]):
            text = str(turn.get("text") or "").strip()[:BODY_MAX]
            if not text:
                continue
            buyer = turn.get("who") == "buyer"
            _add_message(
                chat,
                author_kind="buyer" if buyer else "system",
                author_id=customer.id if buyer else None,
                author_label=customer.email if buyer else "assistant",
                body=text,
                at=now + timedelta(microseconds=step),
            )
        _add_message(chat, author_kind="system", body="waiting", kind="event", at=now + timedelta(microseconds=99))
        audit.record(
            actor,
            "chat.started",
            "chat",
            chat.id,
            merchant_id=merchant.id,
            after={"order": order.number if order else None, "carried": len(turns[-CARRIED_TURNS:])},
        )
        uow.after_commit(partial(_wake, chat_bus.queue_channel(merchant.id)))
    return chat


def buyer_seen(chat: ChatSession, now: datetime | None = None) -> None:
    """The buyer's page or stream asked: a waiting buyer is still there."""
    if chat.status != ChatStatus.WAITING.value:
        return
    now = now or utcnow()
    with unit_of_work():
        db.session.execute(
            update(ChatSession)
            .where(ChatSession.id == chat.id, ChatSession.status == ChatStatus.WAITING.value)
            .values(buyer_seen_at=now)
        )


# -- the queue --------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueState:
    position: int | None  # 1: next to be taken; None once the chat is not waiting
    online: int  # agents online for the shop now
    median_seconds: float | None  # how long the shop's recent chats took, None without any
    estimate_seconds: float | None  # None: no honest estimate (no history, or nobody online)


def median_handling_seconds(merchant_id: str, now: datetime | None = None) -> float | None:
    """The median time from taking to ending of the shop's latest chats (at most 20, last 30 days)."""
    now = now or utcnow()
    rows = db.session.execute(
        select(ChatSession.taken_at, ChatSession.ended_at)
        .where(
            ChatSession.merchant_id == merchant_id,
            ChatSession.status == ChatStatus.ENDED.value,
            ChatSession.taken_at.is_not(None),
            ChatSession.ended_at >= now - ESTIMATE_WINDOW,
        )
        .order_by(ChatSession.ended_at.desc())
        .limit(ESTIMATE_SAMPLE)
    ).all()
    spans = [(ended - taken).total_seconds() for taken, ended in rows if ended and taken and ended >= taken]
    return statistics.median(spans) if spans else None


def queue_position(chat: ChatSession) -> int | None:
    if chat.status != ChatStatus.WAITING.value:
        return None
    ahead = db.session.scalar(
        select(func.count(ChatSession.id)).where(
            ChatSession.merchant_id == chat.merchant_id,
            ChatSession.status == ChatStatus.WAITING.value,
            or_(
                ChatSession.created_at < chat.created_at,
                and_(ChatSession.created_at == chat.created_at, ChatSession.id < chat.id),
            ),
        )
    )
    return ahead + 1


def queue_state(chat: ChatSession, now: datetime | None = None) -> QueueState:
    """Where the buyer stands and an honest estimate: position × the median handling time of the
    shop's recent chats ÷ the agents online. No history or nobody online: no estimate."""
    now = now or utcnow()
    position = queue_position(chat)
    online = len(online_agents(chat.merchant_id, now))
    median = median_handling_seconds(chat.merchant_id, now)
    estimate = None
    if position is not None and median is not None and online:
        estimate = position * median / online
    return QueueState(position=position, online=online, median_seconds=median, estimate_seconds=estimate)


def waiting_chats(merchant_id: str) -> list[ChatSession]:
    """The shop's queue, first come first."""
    return list(
        db.session.scalars(
            select(ChatSession)
            .where(ChatSession.merchant_id == merchant_id, ChatSession.status == ChatStatus.WAITING.value)
            .order_by(ChatSession.created_at, ChatSession.id)
        )
    )


def chats_of_agent(user_id: str, merchant_id: str | None = None) -> list[ChatSession]:
    stmt = select(ChatSession).where(ChatSession.agent_id == user_id, ChatSession.status == ChatStatus.ACTIVE.value)
    if merchant_id:
        stmt = stmt.where(ChatSession.merchant_id == merchant_id)
    return list(db.session.scalars(stmt.order_by(ChatSession.taken_at)))


def sweep_gone_buyers(merchant_id: str, now: datetime | None = None) -> int:
    """Waiting chats whose buyer's page went quiet (closed, offline) leave the queue as abandoned."""
    now = now or utcnow()
    gone = now - timedelta(seconds=setting("CHAT_BUYER_GONE_SECONDS"))
    ids = db.session.scalars(
        select(ChatSession.id).where(
            ChatSession.merchant_id == merchant_id,
            ChatSession.status == ChatStatus.WAITING.value,
            ChatSession.buyer_seen_at < gone,
        )
    ).all()
    swept = 0
    for chat_id in ids:
        with unit_of_work() as uow:
            chat = _lock_chat(chat_id)
            if chat is None or chat.status != ChatStatus.WAITING.value or chat.buyer_seen_at >= gone:
                continue
            _abandon(uow, chat, Actor.system("chat"), by="system", now=now)
            swept += 1
    return swept


# -- taking -----------------------------------------------------------------------------------


def get_chat(chat_id: str, *, merchant_id: str | None = None, customer_id: str | None = None) -> ChatSession:
    chat = db.session.get(ChatSession, chat_id)
    if chat is None or (merchant_id and chat.merchant_id != merchant_id):
        raise NotFound()
    if customer_id and chat.customer_id != customer_id:
        raise NotFound()
    return chat


def take(chat_id: str, user, actor: Actor, *, now: datetime | None = None) -> ChatSession:
    """The agent takes a waiting chat. A second click by the same agent changes nothing; another
    agent who was quicker wins, and this one is told (``AlreadyTaken``); an agent at their
    capacity is refused."""
    from portal.accounts.models import User
    from portal.accounts.services import serves

    chat = get_chat(chat_id)
    if not serves(user, chat.merchant_id):
        raise Forbidden()
    now = now or utcnow()
    with unit_of_work() as uow:
        presence = _locked_presence(user.id, now)  # first: one agent's takes queue up here
        chat = _lock_chat(chat_id)
        if chat.status == ChatStatus.ACTIVE.value and chat.agent_id == user.id:
            return chat
        if chat.status == ChatStatus.ACTIVE.value:
            other = db.session.get(User, chat.agent_id)
            raise AlreadyTaken(_l("%(name)s took this chat already.", name=_staff_name(other)), code="chat_taken")
        if chat.status != ChatStatus.WAITING.value:
            raise Conflict(_l("This chat has ended: the buyer left or it was closed."), code="chat_ended")
        busy = active_count(user.id)
        if busy >= presence.capacity:
            raise Conflict(
                _l(
                    "You have %(busy)s chats going on, your limit is %(limit)s: end one first, or raise your limit.",
                    busy=busy,
                    limit=presence.capacity,
                ),
                code="at_capacity",
            )
        chat.status = ChatStatus.ACTIVE.value
        chat.agent_id = user.id
        chat.taken_at = now
        presence.last_seen_at = now
        _add_message(
            chat, author_kind="system", body="taken", kind="event", author_label=_buyer_facing_name(user), at=now
        )
        audit.record(actor, "chat.taken", "chat", chat.id, merchant_id=chat.merchant_id, after={"agent": user.id})
        uow.after_commit(partial(_wake, chat_bus.chat_channel(chat.id)))
        uow.after_commit(partial(_wake, chat_bus.queue_channel(chat.merchant_id)))
    return chat


# -- messages -----------------------------------------------------------------------------------


def post_message(chat_id: str, body: str, actor: Actor, *, now: datetime | None = None) -> ChatMessage:
    """The buyer or the chat's agent writes. The buyer may write while waiting (the agent reads
    it on taking the chat); nobody writes after the end."""
    text = (body or "").strip()
    if not text:
        raise ValidationFailed(fields={"message": [_l("Write the message first.")]})
    if len(text) > BODY_MAX:
        raise ValidationFailed(fields={"message": [_l("Keep the message under %(num)s characters.", num=BODY_MAX)]})
    now = now or utcnow()
    with unit_of_work() as uow:
        chat = _locked_for(chat_id, actor)
        author_kind = "buyer" if actor.kind == "buyer" else "agent"
        message = _add_message(
            chat,
            author_kind=author_kind,
            author_id=actor.id,
            author_label=actor.label if author_kind == "buyer" else _buyer_facing_name(_user(actor.id)),
            body=text,
            at=now,
        )
        uow.after_commit(partial(_wake, chat_bus.chat_channel(chat.id)))
    return message


def share_article(chat_id: str, key: str, actor: Actor, *, now: datetime | None = None) -> ChatMessage:
    """The agent sends the buyer a help centre article: its title in the buyer's language and its link."""
    from portal.help import services as help_centre

    now = now or utcnow()
    chat = get_chat(chat_id)
    merchant = db.session.get(Merchant, chat.merchant_id)
    try:
        article = help_centre.get_article(merchant, key)
    except NotFound:
        raise ValidationFailed(fields={"article": [_l("Choose an article from the list.")]}) from None
    text = article.text(chat.locale)
    with unit_of_work() as uow:
        chat = _locked_for(chat_id, actor, agent_only=True)
        message = _add_message(
            chat,
            author_kind="agent",
            author_id=actor.id,
            author_label=_buyer_facing_name(_user(actor.id)),
            body=text.title if text else key,
            kind="article",
            link_url=_path("buyers.help_article", slug=merchant.slug, key=article.key),
            at=now,
        )
        audit.record(
            actor, "chat.article_shared", "chat", chat.id, merchant_id=chat.merchant_id, after={"article": key}
        )
        uow.after_commit(partial(_wake, chat_bus.chat_channel(chat.id)))
    return message


def attach_order(chat_id: str, number: str, actor: Actor, *, now: datetime | None = None) -> ChatMessage:
    """The agent puts one of the buyer's orders in the chat (a link to its page); the chat, and the
    ticket it ends as, are about that order from then on."""
    now = now or utcnow()
    chat = get_chat(chat_id)
    order = db.session.scalar(
        select(Order).where(
            Order.merchant_id == chat.merchant_id,
            Order.customer_id == chat.customer_id,
            Order.number == (number or "").strip(),
        )
    )
    if order is None:
        raise ValidationFailed(fields={"order": [_l("Choose one of this buyer's orders.")]})
    merchant = db.session.get(Merchant, chat.merchant_id)
    with unit_of_work() as uow:
        chat = _locked_for(chat_id, actor, agent_only=True)
        before = chat.order_id
        chat.order_id = order.id
        message = _add_message(
            chat,
            author_kind="agent",
            author_id=actor.id,
            author_label=_buyer_facing_name(_user(actor.id)),
            body=order.number,
            kind="order",
            link_url=_path("buyers.order", slug=merchant.slug, number=order.number),
            at=now,
        )
        audit.record(
            actor,
            "chat.order_attached",
            "chat",
            chat.id,
            merchant_id=chat.merchant_id,
            before={"order": before},
            after={"order": order.id},
        )
        uow.after_commit(partial(_wake, chat_bus.chat_channel(chat.id)))
    return message


def messages_after(chat_id: str, after: int, limit: int = 500) -> list[ChatMessage]:
    """The chat's messages with a seq above ``after``, in order (what a stream sends next)."""
    return list(
        db.session.scalars(
            select(ChatMessage)
            .where(ChatMessage.session_id == chat_id, ChatMessage.seq > after)
            .order_by(ChatMessage.seq)
            .limit(limit)
        )
    )


# -- the end ------------------------------------------------------------------------------------


def end_chat(chat_id: str, actor: Actor, *, solved: bool = False, now: datetime | None = None) -> ChatSession:
    """End the chat. Waiting (the buyer leaves the queue): abandoned, no ticket. Going on: a ticket
    (source ``chat``) with the whole transcript, assigned to the agent; solved when the agent ends
    it as solved (the satisfaction survey follows, as for every solved ticket), else open on the
    desk. Ending an ended chat again changes nothing."""
    now = now or utcnow()
    with unit_of_work() as uow:
        chat = _lock_chat(chat_id)
        if chat is None:
            raise NotFound()
        _check_member(chat, actor)
        if not chat.open:
            return chat  # the other side ended it first: that end stands
        by = "buyer" if actor.kind == "buyer" else "agent"
        if chat.status == ChatStatus.WAITING.value:
            if by != "buyer":
                raise Conflict(_l("Take the chat before ending it."), code="chat_not_taken")
            _abandon(uow, chat, actor, by="buyer", now=now)
            return chat
        if by == "agent" and chat.agent_id != actor.id:
            raise Forbidden(_l("Only the agent who has the chat can end it."))
        chat.status = ChatStatus.ENDED.value
        chat.ended_at = now
        chat.ended_by = by
        _add_message(chat, author_kind="system", body="ended", kind="event", at=now)
        ticket = _ticket_from(chat, actor, solved=solved and by == "agent", now=now)
        chat.ticket_id = ticket.id
        audit.record(
            actor,
            "chat.ended",
            "chat",
            chat.id,
            merchant_id=chat.merchant_id,
            after={"by": by, "ticket": ticket.number, "solved": ticket.status == "solved"},
        )
        uow.after_commit(partial(_wake, chat_bus.chat_channel(chat.id)))
    return chat


def rate_chat(chat_id: str, customer_id: str, rating: int, comment: str = "", *, now: datetime | None = None):
    """The buyer's 1–5 at the end of the chat: the answer to its ticket's satisfaction question
    (kept once; a poor rating opens a follow-up for the team lead)."""
    from portal.support import services as tickets
    from portal.support.models import Ticket

    chat = get_chat(chat_id, customer_id=customer_id)
    if chat.ticket_id is None:
        raise Conflict(_l("The chat can be rated once it has ended."), code="chat_not_ended")
    ticket = db.session.get(Ticket, chat.ticket_id)
    return tickets.answer_survey(ticket, {"rating": rating, "comment": comment or ""}, now=now)


def _abandon(uow, chat: ChatSession, actor: Actor, *, by: str, now: datetime) -> None:
    chat.status = ChatStatus.ABANDONED.value
    chat.ended_at = now
    chat.ended_by = by
    _add_message(chat, author_kind="system", body="abandoned", kind="event", at=now)
    audit.record(actor, "chat.abandoned", "chat", chat.id, merchant_id=chat.merchant_id, after={"by": by})
    uow.after_commit(partial(_wake, chat_bus.chat_channel(chat.id)))
    uow.after_commit(partial(_wake, chat_bus.queue_channel(chat.merchant_id)))


def _ticket_from(chat: ChatSession, actor: Actor, *, solved: bool, now: datetime):
    """The chat as a ticket: an internal summary, then every message as it was said."""
    from portal.support import services as tickets
    from portal.support.models import TicketMessage, TicketStatus

    merchant = db.session.get(Merchant, chat.merchant_id)
    customer = db.session.get(Customer, chat.customer_id)
    order = db.session.get(Order, chat.order_id) if chat.order_id else None
    agent = _user(chat.agent_id) if chat.agent_id else None
    messages = messages_after(chat.id, 0, limit=10_000)
    first_question = next((m.body for m in messages if m.author_kind == "buyer" and m.kind == "text"), "")
    # In the desk's working language, as the other tickets' subjects and summaries.
    subject = f"Live chat: {first_question or merchant.name}"[:200]
    summary = (
        f"Live chat with {agent.email if agent else '-'}, from {chat.created_at:%Y-%m-%d %H:%M} "
        f"to {now:%H:%M} (UTC), ended by the {chat.ended_by}. The transcript follows."
    )
    staff = actor if actor.kind == "user" else Actor(kind="system", id=None, label="chat")
    ticket = tickets.open_ticket(
        merchant,
        customer,
        {"subject": subject, "message": summary},
        staff,
        order=order,
        source="chat",
        now=chat.created_at,
        acknowledge=not solved,  # a solved chat gets the survey e-mail instead
        internal_first=True,
    )
    ticket.messages[0].author_kind = "system"
    at = chat.created_at
    first_answer = None
    for message in messages:
        at = max(message.created_at, at + timedelta(microseconds=1))  # the ticket keeps the chat's order
        kind, label = {
            "buyer": ("buyer", customer.email),
            "agent": ("staff", message.author_label),
        }.get(message.author_kind, ("system", message.author_label or "chat"))
        if message.author_kind == "agent" and first_answer is None:
            first_answer = message.created_at
        db.session.add(
            TicketMessage(
                ticket_id=ticket.id,
                author_kind=kind,
                author_id=message.author_id if kind != "system" else None,
                author_label=(label or "")[:254],
                body=_transcript_line(message, chat),
                internal=message.kind == "event",  # "joined", "ended": the desk's record only
                created_at=at,
            )
        )
    ticket.assignee_id = chat.agent_id
    ticket.first_responded_at = first_answer
    if first_answer is not None:
        ticket.status = TicketStatus.OPEN.value
    ticket.updated_at = now
    db.session.flush()
    if solved:
        tickets.set_status(ticket, TicketStatus.SOLVED.value, actor, now=now)
    return ticket


def _transcript_line(message: ChatMessage, chat: ChatSession) -> str:
    base = current_app.config.get("PUBLIC_BASE_URL", "").rstrip("/")
    if message.kind == "article":
        return f"{message.body}\n{base}{message.link_url or ''}"
    if message.kind == "order":
        return f"Order {message.body}\n{base}{message.link_url or ''}"
    if message.kind == "event":
        names = {
            "waiting": "The buyer joined the queue.",
            "taken": f"{message.author_label or 'An agent'} took the chat.",
            "ended": f"The chat ended (by the {chat.ended_by or 'agent'}).",
            "abandoned": "The buyer left the queue.",
        }
        return names.get(message.body, message.body)
    return message.body


# -- helpers --------------------------------------------------------------------------------------


def _add_message(
    chat: ChatSession,
    *,
    author_kind: str,
    body: str,
    kind: str = "text",
    author_id: str | None = None,
    author_label: str = "",
    link_url: str | None = None,
    at: datetime | None = None,
) -> ChatMessage:
    """The chat's next message: the caller holds the session's row lock, so seq is unique and gap-free."""
    chat.last_seq += 1
    message = ChatMessage(
        session_id=chat.id,
        seq=chat.last_seq,
        author_kind=author_kind,
        author_id=author_id,
        author_label=(author_label or "")[:254],
        kind=kind,
        body=body,
        link_url=link_url,
        created_at=at or utcnow(),
    )
    db.session.add(message)
    db.session.flush()
    return message


def _lock_chat(chat_id: str) -> ChatSession | None:
    """The chat row locked for this transaction (as ``lock_one``), read afresh: a copy loaded
    before the lock was taken must not decide anything (status, last_seq)."""
    if db.session.get_bind().dialect.name == "sqlite":  # SQLite ignores FOR UPDATE: take the write lock
        db.session.execute(update(ChatSession).where(ChatSession.id == chat_id).values(id=ChatSession.id))
    stmt = select(ChatSession).where(ChatSession.id == chat_id).with_for_update()
    return db.session.scalars(stmt.execution_options(populate_existing=True)).first()


def _check_member(chat: ChatSession, actor: Actor) -> None:
    """Only the chat's buyer and staff who serve the shop may act on it."""
    if actor.kind == "buyer":
        if actor.id != chat.customer_id:
            raise NotFound()
        return
    if actor.kind != "user":
        raise Forbidden()
    from portal.accounts.services import serves

    user = _user(actor.id)
    if user is None or not serves(user, chat.merchant_id):
        raise NotFound()


def _locked_for(chat_id: str, actor: Actor, *, agent_only: bool = False) -> ChatSession:
    """The chat, locked, if ``actor`` may write in it now: its buyer (waiting or going on) or
    the agent who took it."""
    chat = _lock_chat(chat_id)
    if chat is None:
        raise NotFound()
    _check_member(chat, actor)
    if not chat.open:
        raise Conflict(_l("The chat has ended: nothing more can be sent."), code="chat_ended")
    if actor.kind == "buyer":
        if agent_only:
            raise Forbidden()
        return chat
    if chat.status != ChatStatus.ACTIVE.value or chat.agent_id != actor.id:
        raise Forbidden(_l("Only the agent who took the chat writes in it. Take it first."))
    return chat


def _user(user_id: str | None):
    from portal.accounts.models import User

    return db.session.get(User, user_id) if user_id else None


def _staff_name(user) -> str:
    if user is None:
        return "—"
    return user.name or user.email


def _buyer_facing_name(user) -> str:
    """What the buyer sees of an agent: the first name, never the e-mail address."""
    if user is None or not user.name:
        return ""
    return user.name.split()[0][:60]


def _path(endpoint: str, **values) -> str:
    """A page's path without a request (services run from jobs and tests too)."""
    return current_app.url_map.bind("localhost").build(endpoint, values)


def _wake(channel: str) -> None:
    chat_bus.get_bus().publish(channel)
