"""Server-sent event streams of live chat.

A chat stream sends every message with ``id: <seq>``. It starts after the seq the browser last
saw (``Last-Event-ID``, which EventSource sends by itself when it reconnects, or ``?after=``
when a page opens it), replays from the database everything newer, then waits on the bus and
sends what comes. Nothing is lost (the database has it) and nothing repeats (only seq > last).

Each stream lasts ``CHAT_STREAM_SECONDS`` (25 s) and then ends; ``retry:`` tells the browser to
come back after ``CHAT_RETRY_MS``. A gunicorn ``gthread`` worker thread is held for at most that
long, never by a forgotten tab. Between wake-ups a stream re-reads every ``CHAT_POLL_SECONDS``
and sends a keep-alive comment (proxies keep the connection; a lost wake-up is late, not lost).
The database session is released after every read: a waiting stream holds no connection.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator

from flask import Response, current_app, request, stream_with_context

from portal.chat import bus as chat_bus
from portal.chat.models import OPEN_STATUSES, ChatMessage, ChatSession
from portal.chat.services import messages_after
from portal.chat.settings import setting
from portal.extensions import db

Render = Callable[[ChatMessage, ChatSession], dict]
Tick = Callable[[ChatSession], tuple[str, dict] | None]


def last_seen_seq() -> int:
    """The seq the browser already has: Last-Event-ID on a reconnect, else ?after=, else 0."""
    raw = request.headers.get("Last-Event-ID") or request.args.get("after") or "0"
    try:
        return max(0, int(raw))
    except ValueError:
        return 0


def sse(event: str, data: dict, *, event_id: int | None = None) -> str:
    lines = []
    if event_id is not None:
        lines.append(f"id: {event_id}")
    lines.append(f"event: {event}")
    lines.append("data: " + json.dumps(data, ensure_ascii=False, separators=(",", ":")))
    return "\n".join(lines) + "\n\n"


def _response(body: Iterator[str]) -> Response:
    response = Response(stream_with_context(body), mimetype="text/event-stream")
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Accel-Buffering"] = "no"  # nginx: pass each event on at once
    return response


def chat_stream(chat: ChatSession, *, after: int, render: Render, tick: Tick | None = None) -> Response:
    """The chat's messages after ``after``, then what comes, for CHAT_STREAM_SECONDS.

    ``tick`` runs on every pass (e.g. the buyer's place in the queue) and its event is sent when
    it changed. An ended chat with nothing left to send answers 204: EventSource stops there."""
    if chat.status not in OPEN_STATUSES and chat.last_seq <= after:
        return Response(status=204)
    chat_id = chat.id
    app = current_app._get_current_object()
    seconds = float(setting("CHAT_STREAM_SECONDS"))
    poll = float(setting("CHAT_POLL_SECONDS"))
    retry = int(setting("CHAT_RETRY_MS"))
    bus = chat_bus.get_bus(app)

    def generate() -> Iterator[str]:
        yield f"retry: {retry}\n\n"
        last, sent_extra = after, None
        deadline = time.monotonic() + seconds
        with bus.subscribe(chat_bus.chat_channel(chat_id)) as subscription:
            while True:
                current = db.session.get(ChatSession, chat_id, populate_existing=True)
                out = []
                for message in messages_after(chat_id, last):
                    out.append(sse("message", render(message, current), event_id=message.seq))
                    last = message.seq
                extra = tick(current) if tick is not None and current.status in OPEN_STATUSES else None
                still_open = current.status in OPEN_STATUSES
                db.session.rollback()  # the read is over: its connection goes back to the pool
                if extra is not None and extra != sent_extra:
                    out.append(sse(extra[0], extra[1]))
                    sent_extra = extra
                if out:
                    yield "".join(out)
                if not still_open:
                    yield sse("closed", {"last": last})
                    return
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return
                if not subscription.wait(min(remaining, poll)):
                    yield ": keep-alive\n\n"

    return _response(generate())


def snapshot_stream(channel: str, snapshot: Callable[[], tuple[str, dict]]) -> Response:
    """A stream of a state that has no sequence (the console's queue): the state on connecting,
    then again whenever the channel wakes and it changed."""
    app = current_app._get_current_object()
    seconds = float(setting("CHAT_STREAM_SECONDS"))
    poll = float(setting("CHAT_POLL_SECONDS"))
    retry = int(setting("CHAT_RETRY_MS"))
    bus = chat_bus.get_bus(app)

    def generate() -> Iterator[str]:
        yield f"retry: {retry}\n\n"
        sent = None
        deadline = time.monotonic() + seconds
        with bus.subscribe(channel) as subscription:
            while True:
                state = snapshot()
                db.session.rollback()
                if state != sent:
                    yield sse(*state)
                    sent = state
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return
                if not subscription.wait(min(remaining, poll)):
                    yield ": keep-alive\n\n"

    return _response(generate())
