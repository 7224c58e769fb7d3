"""Rate limits checked where the rule lives (buyer lookups, staff sign-in), channel-independent.

Built on ``limits`` (the engine of Flask-Limiter) without Flask-Limiter's per-request hooks:
no route here needs a decorator limit, and the order page should not pay for checking none.
Storage is memory by default and Redis with RATELIMIT_STORAGE_URI (or REDIS_URL), so several
app processes share one count. The HTML pages and the API share it too, so a limit cannot be
dodged by switching between them. RATELIMIT_ENABLED is read on every call.
"""

from __future__ import annotations

from flask import Flask, current_app
from limits import parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from portal.db import utcnow
from portal.errors import RateLimited


class Throttle:
    def __init__(self) -> None:
        self._strategies: dict[str, MovingWindowRateLimiter] = {}

    def init_app(self, app: Flask) -> None:
        uri = app.config["RATELIMIT_STORAGE_URI"]
        if uri not in self._strategies:
            self._strategies[uri] = MovingWindowRateLimiter(storage_from_string(uri))
        app.extensions["throttle"] = self

    @property
    def strategy(self) -> MovingWindowRateLimiter:
        return self._strategies[current_app.config["RATELIMIT_STORAGE_URI"]]

    def hit(self, limit: str, scope: str, *identifiers: str) -> None:
        """Count one attempt against ``limit`` (e.g. "10/hour") or raise RateLimited(retry_after)."""
        if not current_app.config.get("RATELIMIT_ENABLED", True):
            return
        item = parse(limit)
        if not self.strategy.hit(item, scope, *identifiers):
            reset_at, _remaining = self.strategy.get_window_stats(item, scope, *identifiers)
            raise RateLimited(retry_after=int(reset_at - utcnow().timestamp()) + 1)

    def reset(self) -> None:
        """Forget every count (tests; an operator after an incident)."""
        for strategy in self._strategies.values():
            strategy.storage.reset()


def throttle(limit: str, scope: str, *identifiers: str) -> None:
    from portal.extensions import limiter

    limiter.hit(limit, scope, *identifiers)
