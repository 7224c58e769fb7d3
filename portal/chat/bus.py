"""The wake-up bus of live chat: it tells waiting streams that something changed, nothing more.

The database is the source of truth (every message has its ``seq``); a stream that wakes reads
what is new from it. So a wake-up may be lost or doubled without losing or repeating a message:
a lost one is caught by the stream's own periodic re-read (``CHAT_POLL_SECONDS``), a doubled
one finds nothing new.

- ``LocalBus`` (the embedded default): one ``threading.Condition`` per channel, in this process.
- ``RedisBus`` (``REDIS_URL`` set): ``PUBLISH`` to Redis, so that every app process hears it.
  Each process keeps ONE pattern subscription (a listener thread) and wakes its own streams
  through a ``LocalBus``; a stream never holds a Redis connection of its own. When Redis goes
  away the listener reconnects with a back-off and, once back, wakes every stream (they re-read
  the database), so a change made meanwhile is still delivered.

A stream subscribes *before* it reads the database: a change committed after that read always
wakes it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask, current_app

from portal.chat.settings import setting

log = logging.getLogger(__name__)


class _Channel:
    __slots__ = ("condition", "version", "listeners")

    def __init__(self) -> None:
        self.condition = threading.Condition()
        self.version = 0
        self.listeners = 0


class Subscription:
    """One stream's ear on one channel: ``wait`` returns True once something was published
    since the subscription began or since the last ``wait`` that returned True."""

    def __init__(self, channel: _Channel) -> None:
        self._channel = channel
        self._seen = channel.version

    def wait(self, timeout: float) -> bool:
        channel = self._channel
        with channel.condition:
            changed = channel.condition.wait_for(lambda: channel.version != self._seen, timeout=max(0.0, timeout))
            self._seen = channel.version
        return changed


class LocalBus:
    """Wakes the streams of this process (threads of one gunicorn worker or the dev server)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._channels: dict[str, _Channel] = {}

    def publish(self, name: str) -> None:
        with self._lock:
            channel = self._channels.get(name)
        if channel is None:  # nobody listens in this process
            return
        with channel.condition:
            channel.version += 1
            channel.condition.notify_all()

    def wake_all(self) -> None:
        with self._lock:
            names = list(self._channels)
        for name in names:
            self.publish(name)

    @contextmanager
    def subscribe(self, name: str) -> Iterator[Subscription]:
        with self._lock:
            channel = self._channels.setdefault(name, _Channel())
            channel.listeners += 1
        try:
            yield Subscription(channel)
        finally:
            with self._lock:
                channel.listeners -= 1
                if channel.listeners == 0 and self._channels.get(name) is channel:
                    del self._channels[name]  # no channel outlives its last stream

    def listening(self) -> int:
        """How many channels have a stream in this process (for tests and metrics)."""
        with self._lock:
            return len(self._channels)


class RedisBus:
    """Publishes through Redis; one listener thread per process wakes the local streams."""

    RECONNECT_DELAYS = (0.2, 0.5, 1.0, 2.0, 5.0)

    def __init__(self, url: str, prefix: str) -> None:
        self.url = url
        self.prefix = prefix
        self.local = LocalBus()
        self._client = None
        self._listener: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self.connected = threading.Event()  # the pattern subscription is in place
        self._closing = threading.Event()

    def _redis(self):
        if self._client is None:
            from redis import Redis

            self._client = Redis.from_url(self.url, socket_connect_timeout=2, socket_timeout=2)
        return self._client

    def publish(self, name: str) -> None:
        self.local.publish(name)  # this process's streams at once, without the round trip
        try:
            self._redis().publish(self.prefix + name, "1")
        except Exception as exc:  # Redis down: the other processes' streams re-read on their poll
            log.warning("chat bus: could not publish to Redis (%s)", type(exc).__name__)

    @contextmanager
    def subscribe(self, name: str) -> Iterator[Subscription]:
        self._ensure_listener()
        with self.local.subscribe(name) as subscription:
            yield subscription

    def _ensure_listener(self) -> None:
        if self._listener is not None and self._listener.is_alive():
            return
        with self._start_lock:
            if self._listener is not None and self._listener.is_alive():
                return
            self._listener = threading.Thread(target=self._listen, name="chat-bus-listener", daemon=True)
            self._listener.start()
            # The process's first stream waits briefly for the subscription, so that it hears the
            # other processes from its first read on; if Redis is slow or away, the listener's
            # wake-up on connecting and the streams' periodic re-read cover the gap.
            self.connected.wait(timeout=2)

    def _listen(self) -> None:
        from redis import Redis

        failures = 0
        while not self._closing.is_set():
            pubsub = None
            try:
                # Health checks (a PING every 15 s) notice a connection that died without a word.
                client = Redis.from_url(self.url, socket_connect_timeout=2, socket_timeout=20, health_check_interval=15)
                pubsub = client.pubsub(ignore_subscribe_messages=False)
                pubsub.psubscribe(self.prefix + "*")
                while not self._closing.is_set():
                    message = pubsub.get_message(timeout=1.0)
                    if message is None:
                        continue
                    kind = message.get("type")
                    if kind == "psubscribe":
                        failures = 0
                        self.connected.set()
                        self.local.wake_all()  # anything published while we were away: re-read
                    elif kind == "pmessage":
                        channel = message["channel"]
                        if isinstance(channel, bytes):
                            channel = channel.decode()
                        self.local.publish(channel.removeprefix(self.prefix))
            except Exception as exc:
                self.connected.clear()
                delay = self.RECONNECT_DELAYS[min(failures, len(self.RECONNECT_DELAYS) - 1)]
                failures += 1
                log.warning("chat bus: Redis listener lost (%s); again in %ss", type(exc).__name__, delay)
                time.sleep(delay)
            finally:
                if pubsub is not None:
                    try:
                        pubsub.close()
                    except Exception:  # noqa: S110  (closing a dead connection)
                        pass

    def close(self) -> None:
        """Stop listening (tests; a process that ends simply leaves: the thread is a daemon)."""
        self._closing.set()
        if self._listener is not None:
            self._listener.join(timeout=5)


def get_bus(app: Flask | None = None) -> LocalBus | RedisBus:
    """The app's bus, made on first use: Redis when REDIS_URL is set, else in-process."""
    app = app or current_app._get_current_object()
    bus = app.extensions.get("apuri.chat_bus")
    if bus is None:
        url = app.config.get("REDIS_URL")
        with _MAKE_LOCK:
            bus = app.extensions.get("apuri.chat_bus")
            if bus is None:
                if url:
                    bus = RedisBus(url, setting("CHAT_BUS_PREFIX", app=app))
                else:
                    bus = LocalBus()
                app.extensions["apuri.chat_bus"] = bus
    return bus


_MAKE_LOCK = threading.Lock()


def chat_channel(chat_id: str) -> str:
    return f"chat:{chat_id}"


def queue_channel(merchant_id: str) -> str:
    return f"queue:{merchant_id}"
