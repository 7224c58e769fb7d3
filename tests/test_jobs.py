"""Jobs run inline by default and on RQ workers when REDIS_URL is set."""

from __future__ import annotations

import os

import pytest

from portal import jobs

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
calls: list[tuple] = []


def record_call(value: str) -> None:
    """A job: proves it ran, and ran inside an app context (it can use the database)."""
    from portal.extensions import db

    db.session.execute(db.text("SELECT 1"))
    calls.append(("ran", value))


def redis_available() -> bool:
    try:
        from redis import Redis

        return bool(Redis.from_url(REDIS_URL, socket_connect_timeout=0.5).ping())
    except Exception:
        return False


def test_without_redis_a_job_runs_at_once(app):
    calls.clear()
    jobs.enqueue(record_call, "inline")
    assert calls == [("ran", "inline")]


def test_an_inline_job_that_fails_does_not_fail_its_caller(app, caplog):
    def broken():
        raise RuntimeError("boom")

    jobs.enqueue(broken)
    assert "inline job broken failed" in caplog.text


@pytest.mark.skipif(not redis_available(), reason=f"needs Redis at {REDIS_URL}")
def test_with_redis_a_job_waits_for_a_worker_and_runs_in_an_app_context(app):
    from redis import Redis
    from rq import SimpleWorker

    app.config.update(REDIS_URL=REDIS_URL, JOBS_INLINE=False)
    queue = jobs.queue()
    queue.empty()
    calls.clear()
    jobs.enqueue(record_call, "queued")
    assert calls == []
    assert queue.count == 1
    SimpleWorker([queue], connection=Redis.from_url(REDIS_URL)).work(burst=True)
    assert calls == [("ran", "queued")]
    assert queue.count == 0
