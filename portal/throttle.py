"""Rate limits checked inside services (buyer lookups, staff sign-in), channel-independent.

The limiter's storage (memory by default, Redis with RATELIMIT_STORAGE_URI) is shared by the
HTML pages and the API, so a limit cannot be dodged by switching between them.
RATELIMIT_ENABLED is read on every call, so tests and operators can switch it at run time.
"""

from __future__ import annotations

from flask import current_app
from limits import parse

from portal.db import utcnow
from portal.errors import RateLimited
from portal.extensions import limiter


def throttle(limit: str, scope: str, *identifiers: str) -> None:
    """Count one attempt against ``limit`` (e.g. "10/hour") or raise RateLimited(retry_after)."""
    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return
    item = parse(limit)
    strategy = limiter.limiter
    if not strategy.hit(item, scope, *identifiers):
        reset_at, _remaining = strategy.get_window_stats(item, scope, *identifiers)
        raise RateLimited(retry_after=int(reset_at - utcnow().timestamp()) + 1)
