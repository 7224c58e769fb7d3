"""How a chat reads to each side, in the reader's language: who said it, the words, the queue.

The same dictionaries fill the pages (server-rendered) and the event streams (JSON), so a
message looks the same whether it came with the page or arrived later.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from flask_babel import format_time, ngettext
from flask_babel import gettext as _

from portal.chat.models import ChatMessage, ChatSession
from portal.chat.services import QueueState


@dataclass(frozen=True)
class Reader:
    """Who reads the chat and how links are made for them."""

    audience: str  # buyer | agent
    shop: str  # the shop's name
    buyer: str  # the buyer's name or e-mail (what the agent sees)
    order_link: Callable[[str], str] | None = None  # the console's order page, for agents


def message_view(message: ChatMessage, chat: ChatSession, reader: Reader) -> dict:
    """One message as the reader sees it (``seq`` is the stream's event id)."""
    view = {
        "seq": message.seq,
        "author": message.author_kind,
        "kind": message.kind,
        "who": _who(message, reader),
        "text": message.body,
        "link": message.link_url,
        "at": message.created_at.isoformat(),
        "time": format_time(message.created_at, "short"),
        "event": message.body if message.kind == "event" else None,
        "note": _("Help centre article") if message.kind == "article" else "",
    }
    if message.kind == "event":
        view["text"] = _event_text(message, chat, reader)
    elif message.kind == "order":
        view["text"] = _("Order %(number)s", number=message.body)
        if reader.audience == "agent" and reader.order_link is not None:
            view["link"] = reader.order_link(message.body)
    return view


def _who(message: ChatMessage, reader: Reader) -> str:
    if message.kind == "event":
        return ""
    if message.author_kind == "buyer":
        return _("You") if reader.audience == "buyer" else reader.buyer
    if message.author_kind == "agent":
        name = message.author_label or ""
        if reader.audience == "buyer":
            return _("%(name)s, %(shop)s", name=name, shop=reader.shop) if name else reader.shop
        return name or _("Agent")
    return _("Assistant")


def _event_text(message: ChatMessage, chat: ChatSession, reader: Reader) -> str:
    event, name, buyer_side = message.body, message.author_label, reader.audience == "buyer"
    if event == "waiting":
        if buyer_side:
            return _("You are in the queue. The first free person from %(shop)s answers you here.", shop=reader.shop)
        return _("The buyer joined the queue.")
    if event == "taken":
        if buyer_side:
            if name:
                return _("%(name)s from %(shop)s joined the chat.", name=name, shop=reader.shop)
            return _("A person from %(shop)s joined the chat.", shop=reader.shop)
        return _("%(name)s took the chat.", name=name or _("An agent"))
    if event == "ended":
        if chat.ended_by == "buyer":
            return _("You ended the chat.") if buyer_side else _("The buyer ended the chat.")
        return _("%(shop)s ended the chat.", shop=reader.shop) if buyer_side else _("The chat was ended.")
    if event == "abandoned":
        if chat.ended_by == "system":
            if buyer_side:
                return _("The chat closed: your page was away for too long.")
            return _("The buyer's page went quiet: the chat left the queue.")
        return _("You left the queue.") if buyer_side else _("The buyer left the queue.")
    return event


def queue_view(state: QueueState) -> dict:
    """Where the buyer stands, and the wait as honestly as the shop's history allows."""
    if state.position is None:
        return {"position": None, "place": "", "estimate": ""}
    if state.position == 1:
        place = _("You are next in the queue.")
    else:
        place = _("You are number %(position)s in the queue.", position=state.position)
    if not state.online:
        estimate = _(
            "Nobody is online just now, so we cannot say how long it takes. "
            "You can leave the queue and write to the shop instead."
        )
    elif state.estimate_seconds is None:
        estimate = _("We cannot estimate the wait yet: there are no finished chats at this shop to go by.")
    else:
        minutes = max(1, math.ceil(state.estimate_seconds / 60))
        estimate = ngettext(
            "Estimated wait: about %(num)s minute, from how long this shop's recent chats took.",
            "Estimated wait: about %(num)s minutes, from how long this shop's recent chats took.",
            minutes,
        )
    return {"position": state.position, "place": place, "estimate": estimate}
