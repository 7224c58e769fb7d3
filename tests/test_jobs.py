"""Jobs run inline by default and on RQ workers when REDIS_URL is set; a job that fails is
retried with backoff and then parked for a person, never lost."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal import jobs
from portal.db import utcnow
from portal.extensions import db
from portal.jobs import parking
from portal.jobs.models import FailedJob

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
CLOSED_REDIS = "redis://127.0.0.1:1/0"  # nothing listens there: Redis "down"
calls: list[tuple] = []
failures_left = {"count": 0}


def record_call(value: str) -> None:
    """A job: proves it ran, and ran inside an app context (it can use the database)."""
    db.session.execute(db.text("SELECT 1"))
    calls.append(("ran", value))


def flaky(value: str) -> None:
    """A job that fails ``failures_left`` more times, then succeeds."""
    if failures_left["count"] > 0:
        failures_left["count"] -= 1
        raise RuntimeError(f"flaky failure, {failures_left['count']} left")
    calls.append(("flaky", value))


def redis_available() -> bool:
    try:
        from redis import Redis

        return bool(Redis.from_url(REDIS_URL, socket_connect_timeout=0.5).ping())
    except Exception:
        return False


needs_redis = pytest.mark.skipif(not redis_available(), reason=f"needs Redis at {REDIS_URL}")


@pytest.fixture(autouse=True)
def _clean():
    calls.clear()
    failures_left["count"] = 0


def kept() -> list[FailedJob]:
    db.session.rollback()
    return list(db.session.scalars(select(FailedJob).order_by(FailedJob.created_at)))


def test_without_redis_a_job_runs_at_once(app):
    jobs.enqueue(record_call, "inline")
    assert calls == [("ran", "inline")]
    assert kept() == []


def test_an_inline_job_that_fails_is_kept_for_a_retry_and_does_not_fail_its_caller(app, caplog):
    failures_left["count"] = 1
    before = utcnow()
    jobs.enqueue(flaky, "order 100")  # does not raise
    assert "kept for a retry" in caplog.text
    [job] = kept()
    assert (job.func, job.args, job.origin, job.status, job.attempts) == (
        "tests.test_jobs:flaky",
        ["order 100"],
        "inline",
        "retrying",
        1,
    )
    assert "flaky failure" in job.last_error
    assert before + timedelta(seconds=59) <= job.next_attempt_at <= utcnow() + timedelta(seconds=61)


def test_the_scheduler_retries_a_failed_job_when_its_time_comes(app):
    failures_left["count"] = 1
    jobs.enqueue(flaky, "x")
    [job] = kept()
    assert parking.retry_due() == 0  # not yet: its next attempt is a minute away
    assert calls == []
    assert parking.retry_due(now=utcnow() + timedelta(minutes=2)) == 1
    assert calls == [("flaky", "x")]
    [job] = kept()
    assert (job.status, job.resolved_by) == ("done", "scheduler")
    assert parking.retry_due(now=utcnow() + timedelta(days=1)) == 0  # done stays done


def test_a_job_that_keeps_failing_is_parked_after_its_last_attempt(app):
    failures_left["count"] = 100
    jobs.enqueue(flaky, "y")
    now = utcnow()
    delays = []
    for _ in range(parking.MAX_ATTEMPTS - 1):
        [job] = kept()
        assert job.status == "retrying"
        delays.append(job.next_attempt_at - now)
        now = job.next_attempt_at
        assert parking.retry_due(now=now) == 1
    [job] = kept()
    assert job.status == "parked" and job.attempts == parking.MAX_ATTEMPTS
    assert job.next_attempt_at is None
    # the backoff: 1 min, 5 min, 30 min, 2 h, 6 h (measured from each attempt)
    assert [round(d.total_seconds() / 60) for d in delays] == [1, 5, 30, 120, 360]
    assert parking.retry_due(now=now + timedelta(days=30)) == 0  # parked: only a person runs it
    assert calls == []


def test_a_job_whose_function_is_gone_is_parked_with_the_reason(app):
    parking.record_failure("portal.nowhere:nothing", ["a"], {}, origin="inline", error="first")
    for day in range(1, parking.MAX_ATTEMPTS + 1):
        parking.retry_due(now=utcnow() + timedelta(days=day))
    [job] = kept()
    assert job.status == "parked"
    assert "ModuleNotFoundError" in job.last_error


def test_with_redis_down_a_job_is_kept_and_the_scheduler_runs_it(app, caplog):
    app.config.update(REDIS_URL=CLOSED_REDIS, JOBS_INLINE=False)
    jobs.enqueue(record_call, "while redis is down")  # no exception for the caller
    assert calls == []
    [job] = kept()
    assert (job.origin, job.status, job.attempts) == ("queue", "retrying", 0)
    assert job.next_attempt_at <= utcnow()
    assert "kept for the scheduler" in caplog.text
    # Redis still down at the next minute: the scheduler runs the job itself.
    assert parking.retry_due() == 1
    assert calls == [("ran", "while redis is down")]
    assert kept()[0].status == "done"


@needs_redis
def test_with_redis_back_a_kept_job_goes_back_on_the_queue(app):
    app.config.update(REDIS_URL=CLOSED_REDIS, JOBS_INLINE=False)
    jobs.enqueue(record_call, "queued later")
    app.config.update(REDIS_URL=REDIS_URL)
    queue = jobs.queue()
    queue.empty()
    assert parking.retry_due() == 1
    assert calls == []  # not run here: a worker runs it
    assert queue.count == 1
    [job] = kept()
    assert (job.status, job.resolved_by) == ("done", "queue")
    queue.empty()


@needs_redis
def test_with_redis_a_job_waits_for_a_worker_and_runs_in_an_app_context(app):
    from redis import Redis
    from rq import SimpleWorker

    app.config.update(REDIS_URL=REDIS_URL, JOBS_INLINE=False)
    queue = jobs.queue()
    queue.empty()
    jobs.enqueue(record_call, "queued")
    assert calls == []
    assert queue.count == 1
    SimpleWorker([queue], connection=Redis.from_url(REDIS_URL)).work(burst=True)
    assert calls == [("ran", "queued")]
    assert queue.count == 0


@needs_redis
def test_a_worker_job_out_of_retries_is_parked_for_a_person(app, monkeypatch):
    from redis import Redis
    from rq import SimpleWorker

    app.config.update(REDIS_URL=REDIS_URL, JOBS_INLINE=False)
    monkeypatch.setattr(jobs, "_retry", lambda: None)  # RQ's retries spent: this is the last attempt
    queue = jobs.queue()
    queue.empty()
    failures_left["count"] = 1
    jobs.enqueue(flaky, "on a worker")
    SimpleWorker([queue], connection=Redis.from_url(REDIS_URL)).work(burst=True)
    [job] = kept()
    assert (job.func, job.origin, job.status) == ("tests.test_jobs:flaky", "worker", "parked")
    assert "flaky failure" in job.last_error
    queue.empty()


def test_a_failed_job_is_kept_even_when_it_is_enqueued_inside_a_transaction(app):
    from portal.db import unit_of_work

    failures_left["count"] = 1
    with unit_of_work():
        jobs.enqueue(flaky, "inside")
    [job] = kept()
    assert job.status == "retrying"


def test_parked_jobs_are_counted_in_metrics(app, client):
    parking.park("tests.test_jobs:flaky", ["m"], {}, origin="worker", error="boom", attempts=6)
    text = client.get("/metrics").get_data(as_text=True)
    assert "apuri_jobs_parked 1" in text
    assert 'apuri_jobs_waiting{status="retrying"} 0' in text
