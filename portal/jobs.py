"""Background work: inline by default, RQ workers when REDIS_URL is set.

A job is a plain module-level function taking plain values; ``enqueue`` runs it now (embedded
mode, after the commit that asked for it) or puts it on the RQ queue. RQ workers run each job
inside an application context (see ``flask jobs worker``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from flask import current_app

log = logging.getLogger(__name__)


def runs_inline() -> bool:
    """True when jobs run in the process that asks for them (the embedded default)."""
    return bool(current_app.config.get("JOBS_INLINE", True) or not current_app.config.get("REDIS_URL"))


def enqueue(func: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
    if runs_inline():
        try:
            func(*args, **kwargs)
        except Exception:  # a failed inline job must not fail the request that caused it
            log.exception("inline job %s failed", getattr(func, "__name__", func))
        return
    queue().enqueue(
        "portal.jobs.run_in_app",
        f"{func.__module__}:{func.__qualname__}",
        args,
        kwargs,
        retry=_retry(),
    )


def queue():
    from redis import Redis
    from rq import Queue

    return Queue("apuri", connection=Redis.from_url(current_app.config["REDIS_URL"]))


def _retry():
    from rq import Retry

    return Retry(max=5, interval=[10, 30, 120, 600, 1800])


_worker_app = None


def run_in_app(path: str, args: tuple, kwargs: dict) -> Any:
    """Entry point of every RQ job: resolve the function and run it in an app context."""
    import importlib

    global _worker_app
    from flask import has_app_context

    module_name, _, qualname = path.partition(":")
    func = importlib.import_module(module_name)
    for part in qualname.split("."):
        func = getattr(func, part)
    if has_app_context():
        return func(*args, **kwargs)
    if _worker_app is None:
        from portal import create_app

        _worker_app = create_app()
    with _worker_app.app_context():
        return func(*args, **kwargs)
