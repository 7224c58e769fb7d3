"""Drill: Redis is down (REDIS_URL points at a closed port, jobs are meant for RQ workers).

The buyer's action is served and its jobs are kept in ``failed_jobs`` (origin "queue"); the
scheduler's ``retry_due`` later runs each one once (itself while Redis is still down, or back
on the queue when it answers again), so the refund is paid exactly once. The rate limiter keeps
limiting in the process's memory, the buyer lookup and staff sign-in answer, and /readyz says
503 naming redis while /healthz stays 200."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal import throttle as throttle_module
from portal.extensions import db, limiter
from portal.jobs import parking
from portal.jobs.models import FailedJob
from portal.orders.models import Order
from portal.payments import services as ledger
from portal.payments.models import Refund, SimulatedTransaction
from portal.throttle import throttle
from tests.faults.conftest import (
    REDIS_DOWN,
    REDIS_URL,
    count,
    needs_redis,
    open_order,
    page,
    post_form,
    sign_in_staff,
)

CAPTURED = 94800
REFUND_JOB = "portal.payments.services:execute_refund"


@pytest.fixture
def redis_down(app):
    """Production's wiring (jobs for RQ workers, limits counted in Redis) with Redis down."""
    app.config.update(
        REDIS_URL=REDIS_DOWN,
        JOBS_INLINE=False,
        RATELIMIT_STORAGE_URI=REDIS_DOWN,
        RATELIMIT_ENABLED=True,
    )
    limiter.reset()
    yield
    limiter.reset()


@pytest.fixture
def order(make_merchant, make_order):
    return make_order(make_merchant("kodinkone", name="Kodinkone Oy"), "1001", locale="en")


def _cancel_while_redis_is_down(client, order) -> Refund:
    """The buyer cancels the unsent order: the page answers as usual, the refund waits."""
    open_order(client, order)
    response = post_form(client, "/s/kodinkone/orders/1001/cancel")
    assert response.status_code == 302
    followed = client.get(response.headers["Location"])
    assert followed.status_code == 200
    assert "Order 1001 is cancelled. Your money is on its way back." in page(followed)

    db.session.expire_all()
    (refund,) = db.session.scalars(select(Refund)).all()
    assert (refund.status, refund.amount) == ("pending", CAPTURED)
    assert count(SimulatedTransaction) == 0  # nothing sent to the provider yet
    jobs = db.session.scalars(select(FailedJob)).all()
    assert [(j.func, j.args, j.origin, j.status, j.attempts) for j in jobs] == [
        (REFUND_JOB, [refund.id], "queue", "retrying", 0)
    ]
    assert "ConnectionError" in jobs[0].last_error
    summary = ledger.money_summary(db.session.get(Order, order.id))
    assert (summary.refunded, summary.pending, summary.refundable) == (0, CAPTURED, 0)
    return refund


def _paid_once(refund: Refund) -> None:
    db.session.expire_all()
    refund = db.session.get(Refund, refund.id)
    assert refund.status == "succeeded"
    assert count(SimulatedTransaction, SimulatedTransaction.idempotency_key == refund.idempotency_key) == 1
    assert count(SimulatedTransaction) == 1
    summary = ledger.money_summary(refund.order)
    assert (summary.refunded, summary.pending, summary.refundable) == (CAPTURED, 0, 0)


def test_a_buyer_cancels_while_redis_is_down_and_the_scheduler_pays_the_refund_once(
    app, client, order, redis_down, caplog
):
    caplog.set_level(logging.WARNING)
    refund = _cancel_while_redis_is_down(client, order)
    assert "could not queue portal.payments.services:execute_refund (ConnectionError)" in caplog.text

    # The scheduler's next minute: Redis still down, so it runs the job itself.
    assert parking.retry_due() == 1
    _paid_once(refund)
    (job,) = db.session.scalars(select(FailedJob)).all()
    assert (job.status, job.resolved_by) == ("done", "scheduler")
    # Later minutes find nothing left to do; the provider is not asked again.
    assert parking.retry_due() == 0
    ledger.reconcile(older_than=timedelta(0))
    _paid_once(refund)
    assert client.get("/s/kodinkone/orders/1001").status_code == 200


@needs_redis
def test_when_redis_answers_again_the_kept_job_goes_back_on_the_queue_and_runs_once(
    app, client, order, redis_down, own_redis
):
    from rq import SimpleWorker

    from portal import jobs

    refund = _cancel_while_redis_is_down(client, order)
    app.config["REDIS_URL"] = REDIS_URL  # Redis is back
    assert parking.retry_due() == 1
    (job,) = db.session.scalars(select(FailedJob)).all()
    assert (job.status, job.resolved_by) == ("done", "queue")
    assert jobs.queue().count == 1
    assert count(SimulatedTransaction) == 0  # queued, not yet run
    SimpleWorker([jobs.queue()], connection=own_redis).work(burst=True)
    _paid_once(refund)
    assert parking.retry_due() == 0
    SimpleWorker([jobs.queue()], connection=own_redis).work(burst=True)
    _paid_once(refund)


def _lookup(app, address: str):
    browser = app.test_client()
    browser.environ_base["REMOTE_ADDR"] = address
    return post_form(browser, "/lookup", {"merchant": "kodinkone", "number": "1001", "email": "aino@example.fi"})


def test_the_buyer_lookup_is_served_and_still_limited_when_redis_is_down(app, order, redis_down, caplog):
    app.config.update(LOOKUP_LIMIT_PER_ORDER="3/hour", LOOKUP_LIMIT_PER_CLIENT="20/hour")
    caplog.set_level(logging.WARNING, logger="portal.throttle")
    answers = [_lookup(app, f"10.0.0.{n}") for n in range(1, 5)]
    assert [a.status_code for a in answers[:3]] == [302, 302, 302]
    assert answers[0].headers["Location"].endswith("/s/kodinkone/orders/1001")
    assert answers[3].status_code == 429  # the limit holds, counted in this process's memory
    assert "Too many attempts" in page(answers[3])
    assert int(answers[3].headers["Retry-After"]) > 0
    warnings = [r for r in caplog.records if r.name == "portal.throttle"]
    assert len(warnings) == 1  # said once, not on every request
    assert warnings[0].levelno == logging.WARNING
    message = warnings[0].getMessage()
    assert "rate-limit storage redis://***@127.0.0.1:1/0 did not answer" in message
    assert "in this process's memory" in message
    assert "not-the-password" not in caplog.text
    assert limiter.using_fallback()


def test_staff_sign_in_answers_when_redis_is_down(app, make_merchant, make_user, redis_down):
    shop = make_merchant("kodinkone")
    make_user(email="agent@kodinkone.fi", role="merchant_agent", merchant=shop)
    staff = app.test_client()
    assert sign_in_staff(staff, "agent@kodinkone.fi").status_code == 302
    assert staff.get("/console/orders").status_code == 200


def test_the_shared_count_is_asked_again_once_redis_is_back(app, monkeypatch):
    """While the shared storage fails, counts go to memory; after RETRY_SHARED_AFTER the shared
    storage is asked again and counts there."""
    from limits import parse
    from limits.errors import StorageError

    app.config.update(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://")
    limiter.reset()
    shared = limiter.strategy
    real_hit = shared.hit

    def down(*args, **kwargs):
        raise StorageError(ConnectionError("Connection refused"))

    monkeypatch.setattr(shared, "hit", down)
    monkeypatch.setattr(throttle_module, "RETRY_SHARED_AFTER", 3600)
    throttle("5/hour", "drill", "a")
    assert limiter.using_fallback()
    monkeypatch.setattr(shared, "hit", real_hit)  # Redis is back...
    throttle("5/hour", "drill", "a")
    assert shared.get_window_stats(parse("5/hour"), "drill", "a").remaining == 5  # ...but not asked yet
    monkeypatch.setattr(throttle_module, "RETRY_SHARED_AFTER", 0)
    limiter._down_until["memory://"] = 0  # the wait is over
    throttle("5/hour", "drill", "a")
    assert not limiter.using_fallback()
    assert shared.get_window_stats(parse("5/hour"), "drill", "a").remaining == 4
    limiter.reset()


def test_readyz_names_redis_while_healthz_stays_up(client, redis_down):
    health = client.get("/healthz")
    assert health.status_code == 200 and health.get_json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 503
    body = ready.get_json()
    assert body["status"] == "unavailable"
    assert body["checks"] == {"database": "ok", "redis": "error", "storage": "ok"}
    assert list(body["errors"]) == ["redis"]
    assert body["errors"]["redis"].startswith("ConnectionError")
    assert "not-the-password" not in ready.get_data(as_text=True)
