"""Background work: inline by default, RQ workers when REDIS_URL is set; no job is ever lost.

A job is a plain module-level function taking plain (JSON) values; ``enqueue`` runs it now
(embedded mode, after the commit that asked for it) or puts it on the RQ queue. RQ workers run
each job inside an application context (see ``flask jobs worker``).

A job that fails is retried and then parked for a person (``portal.jobs.parking``):
- inline: the failure is written to ``failed_jobs`` and the scheduler tries it again after
  1 min, 5 min, 30 min, 2 h and 6 h; then it is parked;
- on a worker: RQ retries it after 10 s, 30 s, 2 min, 10 min and 30 min; the last failure parks it;
- Redis unreachable when queueing: the job is written to ``failed_jobs`` at once, and the
  scheduler queues it again (or runs it itself) on its next minute. The page that asked is served.
Parked jobs wait on the console's Jobs page (platform admins): run again, or discard with a reason.
Every job is idempotent (refund and charge keys, the outbox, delivery rows), so running one
again never moves money twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from flask import current_app

log = logging.getLogger(__name__)

# RQ's own retries on a worker (seconds); after the last one the job is parked.
WORKER_RETRY_DELAYS = (10, 30, 120, 600, 1800)


def runs_inline() -> bool:
    """True when jobs run in the process that asks for them (the embedded default)."""
    return bool(current_app.config.get("JOBS_INLINE", True) or not current_app.config.get("REDIS_URL"))


def job_path(func: Callable[..., Any]) -> str:
    return f"{func.__module__}:{func.__qualname__}"


def enqueue(func: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
    from portal.jobs import parking

    path = job_path(func)
    if runs_inline():
        try:
            func(*args, **kwargs)
        except Exception as exc:  # a failed inline job must not fail the request that caused it
            log.exception("inline job %s failed; kept for a retry", path)
            parking.record_failure(path, args, kwargs, origin="inline", error=exc)
        return
    try:
        put_on_queue(path, args, kwargs)
    except Exception as exc:  # Redis down or unreachable: keep the job, serve the page
        log.warning("could not queue %s (%s); kept for the scheduler", path, type(exc).__name__)
        parking.record_failure(path, args, kwargs, origin="queue", error=exc, attempted=False)


def put_on_queue(path: str, args: tuple | list, kwargs: dict) -> None:
    queue().enqueue("portal.jobs.run_in_app", path, tuple(args), dict(kwargs), retry=_retry())


_connections: dict[str, Any] = {}


def queue():
    """The RQ queue on a Redis client shared by the process (its pool keeps the connections
    open; redis-py makes new ones in a forked child). A new client per job cost ~5 ms."""
    from redis import Redis
    from rq import Queue

    url = current_app.config["REDIS_URL"]
    connection = _connections.get(url)
    if connection is None:
        connection = _connections[url] = Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)
    return Queue("apuri", connection=connection)


def _retry():
    from rq import Retry

    return Retry(max=len(WORKER_RETRY_DELAYS), interval=list(WORKER_RETRY_DELAYS))


def resolve(path: str) -> Callable[..., Any]:
    """The function a job path names (``module:qualname``)."""
    import importlib

    module_name, _, qualname = path.partition(":")
    func: Any = importlib.import_module(module_name)
    for part in qualname.split("."):
        func = getattr(func, part)
    return func


_worker_app = None


def run_in_app(path: str, args: tuple, kwargs: dict) -> Any:
    """Entry point of every RQ job: resolve the function and run it in an app context; its last
    failed attempt parks it for a person."""
    global _worker_app
    from flask import has_app_context

    if has_app_context():
        return _run_on_worker(path, args, kwargs)
    if _worker_app is None:
        from portal import create_app

        _worker_app = create_app()
    with _worker_app.app_context():
        return _run_on_worker(path, args, kwargs)


def _run_on_worker(path: str, args: tuple, kwargs: dict) -> Any:
    try:
        return resolve(path)(*args, **kwargs)
    except Exception as exc:
        from rq import get_current_job

        job = get_current_job()
        if job is None or not job.retries_left:  # RQ will not try again: a person must
            from portal.jobs import parking

            parking.park(path, args, kwargs, origin="worker", error=exc, attempts=len(WORKER_RETRY_DELAYS) + 1)
        raise
