"""Rate limits checked where the rule lives (buyer lookups, staff sign-in), channel-independent.

Built on ``limits`` (the engine of Flask-Limiter) without Flask-Limiter's per-request hooks:
no route here needs a decorator limit, and the order page should not pay for checking none.
Storage is memory by default and Redis with RATELIMIT_STORAGE_URI (or REDIS_URL), so several
app processes share one count. The HTML pages and the API share it too, so a limit cannot be
dodged by switching between them. RATELIMIT_ENABLED is read on every call.

When the shared storage does not answer (Redis down or unreachable), the limit is still kept,
by this process alone, in its own memory: a warning is logged, pages are served, and the shared
storage is asked again after ``RETRY_SHARED_AFTER`` seconds. A count kept in memory during an
outage is per process, so with N processes a client may get up to N times the limit then.
"""

from __future__ import annotations

import logging
import re
import threading
import time

from flask import Flask, current_app
from limits import parse
from limits.errors import StorageError
from limits.storage import MemoryStorage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

from portal.db import utcnow
from portal.errors import RateLimited

log = logging.getLogger(__name__)

# After the shared storage failed, this process counts in memory for this long before asking it again.
RETRY_SHARED_AFTER = 30.0
# A rate-limit check must never hold a page long: Redis gets this long to connect and to answer.
SOCKET_TIMEOUT_SECONDS = 1.0
_CREDENTIALS = re.compile(r"(\w+://)[^@\s/]*@")


def _storage(uri: str):
    options: dict = {"wrap_exceptions": True}
    if uri.split(":", 1)[0] in ("redis", "rediss", "redis+unix"):
        options.update(socket_connect_timeout=SOCKET_TIMEOUT_SECONDS, socket_timeout=SOCKET_TIMEOUT_SECONDS)
    return storage_from_string(uri, **options)


class Throttle:
    def __init__(self) -> None:
        self._strategies: dict[str, MovingWindowRateLimiter] = {}
        # Counts kept by this process while the shared storage does not answer (made when needed).
        self._memory: MovingWindowRateLimiter | None = None
        self._down_until: dict[str, float] = {}  # uri -> monotonic time to ask it again
        self._lock = threading.Lock()

    def init_app(self, app: Flask) -> None:
        self._strategy_for(app.config["RATELIMIT_STORAGE_URI"])
        app.extensions["throttle"] = self

    def _strategy_for(self, uri: str) -> MovingWindowRateLimiter:
        strategy = self._strategies.get(uri)
        if strategy is None:
            with self._lock:
                strategy = self._strategies.get(uri)
                if strategy is None:
                    strategy = self._strategies[uri] = MovingWindowRateLimiter(_storage(uri))
        return strategy

    @property
    def _fallback(self) -> MovingWindowRateLimiter:
        if self._memory is None:
            with self._lock:
                if self._memory is None:
                    self._memory = MovingWindowRateLimiter(MemoryStorage())
        return self._memory

    @property
    def strategy(self) -> MovingWindowRateLimiter:
        return self._strategy_for(current_app.config["RATELIMIT_STORAGE_URI"])

    def hit(self, limit: str, scope: str, *identifiers: str) -> None:
        """Count one attempt against ``limit`` (e.g. "10/hour") or raise RateLimited(retry_after)."""
        if not current_app.config.get("RATELIMIT_ENABLED", True):
            return
        item = parse(limit)
        uri = current_app.config["RATELIMIT_STORAGE_URI"]
        strategy = self._fallback if self._shared_down(uri) else self.strategy
        try:
            allowed, reset_at = self._hit(strategy, item, scope, identifiers)
        except StorageError as error:
            if strategy is self._fallback:
                raise
            self._mark_down(uri, error)
            strategy = self._fallback
            allowed, reset_at = self._hit(strategy, item, scope, identifiers)
        if not allowed:
            raise RateLimited(retry_after=int(reset_at - utcnow().timestamp()) + 1)

    @staticmethod
    def _hit(strategy: MovingWindowRateLimiter, item, scope: str, identifiers: tuple[str, ...]) -> tuple[bool, float]:
        if strategy.hit(item, scope, *identifiers):
            return True, 0.0
        reset_at, _remaining = strategy.get_window_stats(item, scope, *identifiers)
        return False, reset_at

    def _shared_down(self, uri: str) -> bool:
        until = self._down_until.get(uri)
        if until is None:
            return False
        if time.monotonic() < until:
            return True
        self._down_until.pop(uri, None)  # time to ask the shared storage again
        return False

    def _mark_down(self, uri: str, error: StorageError) -> None:
        first = uri not in self._down_until
        self._down_until[uri] = time.monotonic() + RETRY_SHARED_AFTER
        cause = error.storage_error if hasattr(error, "storage_error") else error
        log.warning(
            "rate-limit storage %s did not answer (%s: %s); limits are counted in this process's memory "
            "for the next %ss%s",
            _CREDENTIALS.sub(r"\1***@", uri),
            type(cause).__name__,
            (str(cause).splitlines() or [""])[0][:160],
            int(RETRY_SHARED_AFTER),
            "" if first else " (still down)",
        )

    def using_fallback(self, uri: str | None = None) -> bool:
        """Whether limits are counted in this process's memory now (the shared storage is down)."""
        uri = uri or current_app.config["RATELIMIT_STORAGE_URI"]
        return self._shared_down(uri)

    def reset(self) -> None:
        """Forget every count (tests; an operator after an incident)."""
        if self._memory is not None:
            self._memory.storage.reset()
        self._down_until.clear()
        for uri, strategy in self._strategies.items():
            try:
                strategy.storage.reset()
            except StorageError:
                log.warning(
                    "rate-limit storage %s did not answer; its counts were not reset", _CREDENTIALS.sub(r"\1***@", uri)
                )


def throttle(limit: str, scope: str, *identifiers: str) -> None:
    from portal.extensions import limiter

    limiter.hit(limit, scope, *identifiers)
