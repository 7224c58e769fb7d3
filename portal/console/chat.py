"""The console's live chat: the shop's queue with each buyer's story, Online/Away, taking a chat,
and the chat itself (reply, prepared replies, a help article, the order, the end).

Tenancy is the desk's: ``_shop()`` picks the shop the user works on (merchant staff: their own;
support agents: a shop they serve; platform admins: any) and every chat is looked up within it,
so another shop's chat is 404. Everything works without JavaScript (forms and reloads);
``chat.js`` adds the event streams and posts in the background. The rules live in
``portal.chat.services``; the routes join the console blueprint (``views.py`` imports this module).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from portal.accounts.models import User
from portal.accounts.permissions import staff_required
from portal.accounts.services import actor_for
from portal.chat import bus as chat_bus
from portal.chat import presenters, streams
from portal.chat import services as chat_services
from portal.chat.models import ChatSession, ChatStatus
from portal.console.support import customer_history
from portal.console.views import _choose_shop, _shop, _shop_args, bp
from portal.errors import DomainError, NotFound, ValidationFailed
from portal.extensions import db
from portal.i18n import set_page_locale
from portal.merchants.models import Merchant
from portal.orders.models import Customer, Order
from portal.support import services as desk
from portal.support.models import Ticket

QUEUE_HISTORY = 6  # records of each waiting buyer's story shown in the queue (the chat page has all)


@dataclass(frozen=True)
class _HistoryOf:
    """What the desk's customer view reads of a ticket, taken from a chat."""

    id: str
    merchant_id: str
    customer_id: str
    order_id: str | None

    @classmethod
    def chat(cls, chat: ChatSession) -> _HistoryOf:
        return cls(chat.ticket_id or "", chat.merchant_id, chat.customer_id, chat.order_id)


@dataclass(frozen=True)
class QueueRow:
    chat: ChatSession
    customer: Customer
    order: Order | None
    question: str
    history: list
    more: int


def _reader(chat: ChatSession, merchant: Merchant) -> presenters.Reader:
    customer = db.session.get(Customer, chat.customer_id)
    shop = _shop_args()
    return presenters.Reader(
        audience="agent",
        shop=merchant.name,
        buyer=customer.name or customer.email,
        order_link=lambda number: url_for("console.order", number=number, **shop),
    )


def _queue_rows(merchant: Merchant) -> list[QueueRow]:
    rows = []
    for chat in chat_services.waiting_chats(merchant.id):
        messages = chat_services.messages_after(chat.id, 0)
        question = next((m.body for m in messages if m.author_kind == "buyer" and m.kind == "text"), "")
        history = customer_history(_HistoryOf.chat(chat))
        rows.append(
            QueueRow(
                chat=chat,
                customer=db.session.get(Customer, chat.customer_id),
                order=db.session.get(Order, chat.order_id) if chat.order_id else None,
                question=question,
                history=history[:QUEUE_HISTORY],
                more=max(0, len(history) - QUEUE_HISTORY),
            )
        )
    return rows


def _queue_html(merchant: Merchant) -> str:
    return render_template("console/chat_queue.html", rows=_queue_rows(merchant), merchant=merchant)


# -- the queue -------------------------------------------------------------------------------------


@bp.get("/chats", endpoint="chats")
@staff_required()
def chat_list():
    """Waiting chats (first come first, each with the buyer's story), the user's own chats, and
    their Online/Away switch."""
    merchant = _shop()
    if merchant is None:
        return _choose_shop()
    set_page_locale(None, merchant.timezone)
    chat_services.sweep_gone_buyers(merchant.id)
    chat_services.touch_presence(current_user.id)
    presence = chat_services.presence_of(current_user.id)
    return render_template(
        "console/chats.html",
        merchant=merchant,
        queue_html=_queue_html(merchant),
        waiting=len(chat_services.waiting_chats(merchant.id)),
        mine=chat_services.chats_of_agent(current_user.id, merchant.id),
        customers=_customers(chat_services.chats_of_agent(current_user.id, merchant.id)),
        online=chat_services.is_online(presence),
        capacity=presence.capacity if presence else 3,
        busy=chat_services.active_count(current_user.id),
        agents=chat_services.online_agents(merchant.id),
    )


def _customers(chats: list[ChatSession]) -> dict[str, Customer]:
    ids = {c.customer_id for c in chats}
    if not ids:
        return {}
    return {c.id: c for c in db.session.scalars(select(Customer).where(Customer.id.in_(ids)))}


@bp.get("/chats/queue", endpoint="chat_queue")
@staff_required()
def chat_queue():
    """The waiting list alone (what the queue stream sends, for a page that polls instead)."""
    merchant = _shop()
    if merchant is None:
        raise NotFound()
    set_page_locale(None, merchant.timezone)
    return _queue_html(merchant)


@bp.get("/chats/events", endpoint="chat_queue_events")
@staff_required()
def chat_queue_events():
    """The shop's waiting list as a stream: sent again whenever a chat starts, is taken or left."""
    merchant = _shop()
    if merchant is None:
        raise NotFound()
    set_page_locale(None, merchant.timezone)
    user_id, merchant_id = current_user.id, merchant.id

    now_and_then = _every(15)

    def snapshot():
        if now_and_then():
            chat_services.touch_presence(user_id)
            chat_services.sweep_gone_buyers(merchant_id)
        shop = db.session.get(Merchant, merchant_id)
        waiting = chat_services.waiting_chats(merchant_id)
        return "queue", {
            "waiting": len(waiting),
            "ids": [c.id for c in waiting],
            "online": len(chat_services.online_agents(merchant_id)),
            "html": _queue_html(shop),
        }

    return streams.snapshot_stream(chat_bus.queue_channel(merchant.id), snapshot)


@bp.post("/chats/presence", endpoint="chat_presence")
@staff_required()
def chat_presence():
    """Online or Away, and how many chats at once."""
    merchant = _shop()
    status = request.form.get("status", "")
    raw = (request.form.get("capacity") or "").strip()
    capacity = int(raw) if raw.isdigit() else None
    try:
        if raw and capacity is None:
            raise ValidationFailed(
                fields={"capacity": [_("Take between %(low)s and %(high)s chats at once.", low=1, high=10)]}
            )
        presence = chat_services.set_presence(
            current_user, status, actor_for(current_user, request.remote_addr), capacity=capacity
        )
    except ValidationFailed as exc:
        flash(" ".join(str(m) for field in exc.fields.values() for m in field), "warning")
    else:
        if presence.status == "online":
            flash(
                _("You are online: buyers can start chats, up to %(num)s at once with you.", num=presence.capacity),
                "success",
            )
        else:
            flash(_("You are away: new chats are not offered to buyers on your account."), "success")
    return redirect(url_for(".chats", **_shop_args()) if merchant else url_for(".chats"))


@bp.post("/chats/<chat_id>/take", endpoint="chat_take")
@staff_required()
def chat_take(chat_id: str):
    merchant, chat = _console_chat(chat_id)
    try:
        chat_services.take(chat.id, current_user, actor_for(current_user, request.remote_addr))
    except DomainError as exc:  # another agent was quicker, the buyer left, or at capacity
        if _wants_json():
            return jsonify(ok=False, error=str(exc)), exc.status
        flash(str(exc), "warning")
        return redirect(url_for(".chats", **_shop_args()))
    return redirect(url_for(".chat_detail", chat_id=chat.id, **_shop_args()))


# -- one chat ------------------------------------------------------------------------------------


def _console_chat(chat_id: str) -> tuple[Merchant, ChatSession]:
    """The chat, if it is the chosen shop's; NotFound otherwise (also before a shop is chosen)."""
    merchant = _shop()
    if merchant is None:
        raise NotFound()
    set_page_locale(None, merchant.timezone)
    return merchant, chat_services.get_chat(chat_id, merchant_id=merchant.id)


def _every(seconds: float):
    """A check that says yes at most once per ``seconds`` (a stream's occasional writes)."""
    import time

    last = [float("-inf")]

    def due() -> bool:
        now = time.monotonic()
        if now - last[0] < seconds:
            return False
        last[0] = now
        return True

    return due


def _wants_json() -> bool:
    return request.accept_mimetypes.best_match(["text/html", "application/json"]) == "application/json"


@bp.get("/chats/<chat_id>", endpoint="chat_detail")
@staff_required()
def chat_detail(chat_id: str):
    merchant, chat = _console_chat(chat_id)
    chat_services.touch_presence(current_user.id)
    value = ""
    chosen = request.args.get("canned") or ""
    if chosen:
        canned = next((c for c in desk.canned_replies(merchant.id, chat.locale) if c.id == chosen), None)
        if canned is None:
            flash(_("That prepared reply is not available for this chat's language."), "warning")
            chosen = ""
        else:
            value = desk.fill_canned(canned.body, chat)  # it reads the buyer and the order, as a ticket's
    return _chat_page(merchant, chat, value=value, canned_id=chosen)


def _chat_page(merchant, chat, *, value: str = "", canned_id: str = "", errors: list[str] | None = None, status=200):
    from portal.help import services as help_centre

    reader = _reader(chat, merchant)
    messages = [presenters.message_view(m, chat, reader) for m in chat_services.messages_after(chat.id, 0)]
    customer = db.session.get(Customer, chat.customer_id)
    mine = chat.status == ChatStatus.ACTIVE.value and chat.agent_id == current_user.id
    orders = list(
        db.session.scalars(
            select(Order)
            .where(Order.merchant_id == merchant.id, Order.customer_id == chat.customer_id)
            .order_by(Order.placed_at.desc())
            .limit(20)
        )
    )
    articles = [(a.key, (a.text(chat.locale) or a.text("en")).title) for a in help_centre.articles(merchant)]
    ticket = db.session.get(Ticket, chat.ticket_id) if chat.ticket_id else None
    agent = db.session.get(User, chat.agent_id) if chat.agent_id else None
    queue = presenters.queue_view(chat_services.queue_state(chat)) if chat.status == ChatStatus.WAITING.value else None
    return render_template(
        "console/chat.html",
        merchant=merchant,
        chat=chat,
        customer=customer,
        order=db.session.get(Order, chat.order_id) if chat.order_id else None,
        agent=agent,
        mine=mine,
        messages=messages,
        last_seq=messages[-1]["seq"] if messages else 0,
        orders=orders,
        articles=articles,
        canned=desk.canned_replies(merchant.id, chat.locale),
        canned_id=canned_id,
        value=value,
        errors=errors or [],
        ticket=ticket,
        queue=queue,
        history=customer_history(_HistoryOf.chat(chat)),
        events_url=url_for(".chat_events", chat_id=chat.id, **_shop_args()),
    ), status


def _after_post(merchant, chat, message, anchor: str = "#chat-form"):
    if _wants_json():
        fresh = _fresh(chat)
        return jsonify(ok=True, message=presenters.message_view(message, fresh, _reader(fresh, merchant)))
    return redirect(url_for(".chat_detail", chat_id=chat.id, **_shop_args()) + anchor)


def _refused(merchant, chat, exc: DomainError, value: str = ""):
    if isinstance(exc, ValidationFailed) and exc.fields:
        message = " ".join(str(m) for field in exc.fields.values() for m in field)
    else:
        message = str(exc)
    if _wants_json():
        return jsonify(ok=False, error=message), exc.status
    return _chat_page(merchant, _fresh(chat), value=value, errors=[message], status=exc.status)


def _fresh(chat: ChatSession) -> ChatSession:
    db.session.expire_all()
    return db.session.get(ChatSession, chat.id)


def _agent_post(chat_id: str, post, field: str, *, keep_text: bool = False):
    """One agent message (text, article or order) through its service; a refusal shows the chat
    with the reason (and, for text, what was typed)."""
    merchant, chat = _console_chat(chat_id)
    value = request.form.get(field, "")
    try:
        message = post(chat.id, value, actor_for(current_user, request.remote_addr))
    except DomainError as exc:
        return _refused(merchant, chat, exc, value if keep_text else "")
    return _after_post(merchant, chat, message)


@bp.post("/chats/<chat_id>/messages", endpoint="chat_reply")
@staff_required()
def chat_reply(chat_id: str):
    return _agent_post(chat_id, chat_services.post_message, "message", keep_text=True)


@bp.post("/chats/<chat_id>/article", endpoint="chat_article")
@staff_required()
def chat_article(chat_id: str):
    return _agent_post(chat_id, chat_services.share_article, "article")


@bp.post("/chats/<chat_id>/order", endpoint="chat_order")
@staff_required()
def chat_order(chat_id: str):
    return _agent_post(chat_id, chat_services.attach_order, "order")


@bp.post("/chats/<chat_id>/end", endpoint="chat_end")
@staff_required()
def chat_end(chat_id: str):
    """End the chat as solved, or keep it open as a ticket on the desk."""
    merchant, chat = _console_chat(chat_id)
    outcome = request.form.get("outcome", "")
    if outcome not in ("solved", "open"):
        return _refused(merchant, chat, ValidationFailed(_("Choose “End as solved” or “End and keep open”.")))
    try:
        ended = chat_services.end_chat(
            chat.id, actor_for(current_user, request.remote_addr), solved=outcome == "solved"
        )
    except DomainError as exc:
        return _refused(merchant, chat, exc)
    ticket = db.session.get(Ticket, ended.ticket_id) if ended.ticket_id else None
    if ticket is not None:
        if ticket.status == "solved":
            flash(_("The chat ended and is kept as ticket %(number)s, solved.", number=ticket.number), "success")
        else:
            flash(
                _("The chat ended and is kept as ticket %(number)s, open on the desk.", number=ticket.number), "success"
            )
    if _wants_json():
        return jsonify(ok=True)
    return redirect(url_for(".chat_detail", chat_id=chat.id, **_shop_args()))


@bp.get("/chats/<chat_id>/events", endpoint="chat_events")
@staff_required()
def chat_events(chat_id: str):
    """The chat's event stream for staff of the shop."""
    merchant, chat = _console_chat(chat_id)
    chat_services.touch_presence(current_user.id)
    reader = _reader(chat, merchant)
    user_id = current_user.id
    now_and_then = _every(15)

    def tick(current: ChatSession):
        if now_and_then():
            chat_services.touch_presence(user_id)  # the agent is still here
        if current.status == ChatStatus.WAITING.value:
            return "queue", presenters.queue_view(chat_services.queue_state(current))
        return None

    return streams.chat_stream(
        chat,
        after=streams.last_seen_seq(),
        render=lambda message, current: presenters.message_view(message, current, reader),
        tick=tick,
    )
