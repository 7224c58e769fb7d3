"""Buyer pages of live chat: from the assistant to a person, the chat page, its event stream,
and the rating at the end.

The chat page works without JavaScript (forms post, the page reloads and shows what is new);
with ``chat.js`` new messages arrive through the stream and the forms post in the background.
Who may open a chat: the browser that speaks for its buyer at the shop (the signed order
session of every buyer page). The stream also takes a signed chat token (``?token=``), so it
can be opened where the session cookie is not sent.
"""

from __future__ import annotations

from flask import flash, g, jsonify, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeTimedSerializer

from portal.actors import Actor
from portal.buyers import help as assistant_pages
from portal.buyers.returns import ActionForm, _ask_to_sign_in
from portal.buyers.views import _customer_in_session, bp
from portal.chat import presenters, streams
from portal.chat import services as chat_services
from portal.chat.models import ChatSession, ChatStatus
from portal.errors import Conflict, DomainError, NotFound, RateLimited, ValidationFailed
from portal.extensions import db
from portal.i18n import set_page_locale
from portal.merchants.models import Merchant
from portal.orders.models import Order
from portal.support.models import Ticket

TOKEN_MAX_AGE = 12 * 3600
RATINGS = (5, 4, 3, 2, 1)


def chat_token(chat: ChatSession) -> str:
    from flask import current_app

    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="chat-stream").dumps(chat.id)


def _token_allows(chat_id: str, token: str | None) -> bool:
    from flask import current_app

    if not token:
        return False
    try:
        found = URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="chat-stream").loads(
            token, max_age=TOKEN_MAX_AGE
        )
    except BadSignature:
        return False
    return found == chat_id


def _buyer_chat(slug: str, chat_id: str, *, token: str | None = None) -> ChatSession | None:
    """The chat if this browser speaks for its buyer at the shop (or carries its token); None otherwise."""
    chat = db.session.get(ChatSession, chat_id)
    if chat is None:
        return None
    merchant = db.session.get(Merchant, chat.merchant_id)
    if merchant.slug != slug:
        return None
    if _customer_in_session(merchant.id) != chat.customer_id and not _token_allows(chat.id, token):
        return None
    set_page_locale(chat.locale, merchant.timezone)
    return chat


def _buyer_actor(chat: ChatSession) -> Actor:
    return Actor(
        kind="buyer", id=chat.customer_id, label=chat.buyer_email, merchant_id=chat.merchant_id, ip=request.remote_addr
    )


def _reader(chat: ChatSession) -> presenters.Reader:
    merchant = db.session.get(Merchant, chat.merchant_id)
    return presenters.Reader(audience="buyer", shop=merchant.name, buyer=chat.buyer_email)


def _wants_json() -> bool:
    return request.accept_mimetypes.best_match(["text/html", "application/json"]) == "application/json"


def _page_url(chat: ChatSession, anchor: str = "") -> str:
    merchant = db.session.get(Merchant, chat.merchant_id)
    return url_for("buyers.chat_page", slug=merchant.slug, chat_id=chat.id) + anchor


# -- what the assistant offers ------------------------------------------------------------------


@bp.app_context_processor
def _chat_offer_helper() -> dict:
    def chat_offer(merchant: Merchant) -> dict:
        """For the assistant's page: is anyone online to chat, the buyer's open chat, and the
        call-back page of their order (``/s/<shop>/orders/<number>/callback``)."""
        customer_id = _customer_in_session(merchant.id)
        order = assistant_pages._buyer_order(merchant, session.get("assistant_order")) if customer_id else None
        return {
            "online": bool(chat_services.online_agents(merchant.id)),
            "open_chat": chat_services.open_chat_of(merchant.id, customer_id) if customer_id else None,
            "callback_url": f"/s/{merchant.slug}/orders/{order.number}/callback" if order else None,
        }

    return {"chat_offer": chat_offer}


@bp.post("/s/<slug>/assistant/chat")
def chat_start(slug: str):
    """ "Chat with a person": the assistant's conversation goes to the shop's queue."""
    g.private_page = True
    merchant = assistant_pages._merchant(slug)
    if not ActionForm().validate_on_submit():
        flash(_("The page had expired. Please press the button again."), "warning")
        return redirect(url_for("buyers.assistant", slug=slug))
    order = assistant_pages._buyer_order(merchant, session.get("assistant_order"))
    if order is None:
        flash(_("To chat with a person, first find your order with its number and e-mail address."), "info")
        return redirect(url_for("buyers.lookup", slug=slug))
    actor = Actor(
        kind="buyer", id=order.customer_id, label=order.customer.email, merchant_id=merchant.id, ip=request.remote_addr
    )
    try:
        chat = chat_services.start_chat(merchant, order.customer, assistant_pages._turns(merchant), actor, order=order)
    except chat_services.NobodyOnline as exc:
        # The assistant's page now says nobody is online and offers a ticket or a call back.
        flash(str(exc), "warning")
        return redirect(url_for("buyers.assistant", slug=slug) + "#person")
    except RateLimited as exc:
        flash(str(exc), "warning")
        return redirect(url_for("buyers.assistant", slug=slug))
    assistant_pages._keep(merchant, [])  # the conversation now lives in the chat
    return redirect(_page_url(chat))


# -- the chat page --------------------------------------------------------------------------------


@bp.get("/s/<slug>/chat/<chat_id>")
def chat_page(slug: str, chat_id: str):
    g.private_page = True
    chat = _buyer_chat(slug, chat_id)
    if chat is None:
        return _ask_to_sign_in(slug)
    chat_services.buyer_seen(chat)
    return _render_page(chat)


def _render_page(chat: ChatSession, *, value: str = "", errors: list[str] | None = None, status: int = 200):
    merchant = db.session.get(Merchant, chat.merchant_id)
    reader = _reader(chat)
    messages = [presenters.message_view(m, chat, reader) for m in chat_services.messages_after(chat.id, 0)]
    ticket = db.session.get(Ticket, chat.ticket_id) if chat.ticket_id else None
    order = db.session.get(Order, chat.order_id) if chat.order_id else None
    queue = presenters.queue_view(chat_services.queue_state(chat)) if chat.status == ChatStatus.WAITING.value else None
    return render_template(
        "buyers/chat.html",
        merchant=merchant,
        chat=chat,
        order=order,
        messages=messages,
        last_seq=messages[-1]["seq"] if messages else 0,
        queue=queue,
        ticket=ticket,
        form=ActionForm(),
        value=value,
        errors=errors or [],
        ratings=RATINGS,
        events_url=url_for("buyers.chat_events", slug=merchant.slug, chat_id=chat.id, token=chat_token(chat)),
        ticket_url=url_for("buyers.ticket_page", slug=merchant.slug, ticket_id=ticket.id) if ticket else None,
    ), status


@bp.post("/s/<slug>/chat/<chat_id>/messages")
def chat_message(slug: str, chat_id: str):
    g.private_page = True
    chat = _buyer_chat(slug, chat_id)
    if chat is None:
        return _refused()
    value = request.form.get("message", "")
    if not ActionForm().validate_on_submit():
        return _problem(chat, value, _("The page had expired. Please send your message again."), 400)
    try:
        message = chat_services.post_message(chat.id, value, _buyer_actor(chat))
    except ValidationFailed as exc:
        problems = [str(p) for p in exc.fields.get("message", [])] or [str(exc)]
        return _problem(chat, value, " ".join(problems), 422)
    except (Conflict, NotFound) as exc:
        return _problem(chat, value, str(exc), 409)
    if _wants_json():
        return jsonify(ok=True, message=presenters.message_view(message, _fresh(chat), _reader(chat)))
    return redirect(_page_url(chat, "#chat-form"))


@bp.post("/s/<slug>/chat/<chat_id>/end")
def chat_end(slug: str, chat_id: str):
    """The buyer ends the chat (or leaves the queue)."""
    g.private_page = True
    chat = _buyer_chat(slug, chat_id)
    if chat is None:
        return _refused()
    if not ActionForm().validate_on_submit():
        return _problem(chat, "", _("The page had expired. Please press the button again."), 400)
    try:
        chat_services.end_chat(chat.id, _buyer_actor(chat))
    except DomainError as exc:
        return _problem(chat, "", str(exc), 409)
    if _wants_json():
        return jsonify(ok=True)
    return redirect(_page_url(chat, "#chat-end"))


@bp.post("/s/<slug>/chat/<chat_id>/rating")
def chat_rating(slug: str, chat_id: str):
    """The buyer's 1–5 for the chat: the answer to its ticket's satisfaction question."""
    g.private_page = True
    chat = _buyer_chat(slug, chat_id)
    if chat is None:
        return _refused()
    raw = request.form.get("rating", "")
    comment = (request.form.get("comment") or "").strip()[:2000]
    if not ActionForm().validate_on_submit():
        return _problem(chat, "", _("The page had expired. Please choose your rating again."), 400)
    if not raw.isdigit() or int(raw) not in RATINGS:
        return _problem(chat, "", _("Choose a rating from 1 to 5."), 422)
    try:
        chat_services.rate_chat(chat.id, chat.customer_id, int(raw), comment)
    except DomainError as exc:
        return _problem(chat, "", str(exc), 409)
    if _wants_json():
        return jsonify(ok=True)
    flash(_("Thank you! Your rating reached %(shop)s.", shop=_reader(chat).shop), "success")
    return redirect(_page_url(chat, "#chat-rating"))


@bp.get("/s/<slug>/chat/<chat_id>/events")
def chat_events(slug: str, chat_id: str):
    """The chat's event stream (server-sent events) for its buyer."""
    g.private_page = True
    chat = _buyer_chat(slug, chat_id, token=request.args.get("token"))
    if chat is None:
        return "", 404
    chat_services.buyer_seen(chat)
    reader = _reader(chat)
    seen = {"at": 0.0}

    def tick(current: ChatSession):
        import time

        if current.status != ChatStatus.WAITING.value:
            return None
        if time.monotonic() - seen["at"] > 20:  # still there: keep the place in the queue
            chat_services.buyer_seen(current)
            seen["at"] = time.monotonic()
        return "queue", presenters.queue_view(chat_services.queue_state(current))

    return streams.chat_stream(
        chat,
        after=streams.last_seen_seq(),
        render=lambda message, current: presenters.message_view(message, current, reader),
        tick=tick,
    )


# -- answers -------------------------------------------------------------------------------------


def _fresh(chat: ChatSession) -> ChatSession:
    db.session.expire_all()
    return db.session.get(ChatSession, chat.id)


def _refused():
    if _wants_json():
        return jsonify(ok=False, error=_("Please confirm your order number and e-mail address to see this order.")), 404
    slug = request.view_args.get("slug", "")
    return _ask_to_sign_in(slug)


def _problem(chat: ChatSession, value: str, message: str, status: int):
    if _wants_json():
        return jsonify(ok=False, error=message), status
    return _render_page(_fresh(chat), value=value, errors=[message], status=status)
