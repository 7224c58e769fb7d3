"""Drill: a real RQ worker (``flask --app wsgi jobs worker``, its own process) is SIGKILLed while
it waits for Stripe's answer to a refund that Stripe has already made. The ledger row stays
pending; ``flask payments reconcile`` asks Stripe again with the same idempotency key, Stripe
answers with the refund it made, and the row succeeds, once. Reconcile again changes nothing.

Stripe is the tests' fake Stripe API (tests/payments/stripe_fake.py) driven by the real
``stripe`` library; the worker reaches it through the STRIPE_* settings, all read from the
environment (config.py)."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from portal.actors import Actor
from portal.audit.models import AuditEntry
from portal.extensions import db
from portal.payments import services as ledger
from portal.payments.models import Refund
from tests.faults.conftest import REDIS_URL, count, needs_redis
from tests.payments.stripe_fake import FakeStripe, close_providers, use_fake_stripe

pytestmark = [pytest.mark.postgres, needs_redis]

ROOT = Path(__file__).resolve().parents[2]
FLASK = ROOT / ".venv" / "bin" / "flask"
CAPTURED = 94800
AMOUNT = 20000
STAFF = Actor(kind="user", id="usr_1", label="admin@shop.example")


def children(pid: int) -> list[int]:
    """The processes ``pid`` started, and theirs (from /proc: RQ's work horse runs in a process
    group of its own, so killing the worker's group does not reach it)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == pid:
            child = int(stat.parent.name)
            found += [child, *children(child)]
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def wait_for(condition, timeout: float, what: str, process: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if process is not None and process.poll() is not None:
            raise AssertionError(f"the worker ended (exit {process.returncode}) before {what}")
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


@pytest.fixture
def fake_stripe(app):
    # The answer to the first refund comes only after 60 s: the worker is killed long before.
    with FakeStripe(delay=60) as server:
        use_fake_stripe(app, server, STRIPE_TIMEOUT_SECONDS=5, STRIPE_MAX_NETWORK_RETRIES=0)
        yield server
        close_providers(app)


def test_a_worker_killed_waiting_for_stripe_leaves_the_refund_pending_and_reconcile_finishes_it_once(
    app, runner, database_url, make_merchant, make_order, fake_stripe, own_redis, tmp_path
):
    from portal import jobs

    order = make_order(
        make_merchant("kodinkone"),
        "1001",
        payment={"provider": "stripe", "reference": "pi_123", "method": "card", "captured": CAPTURED},
    )
    app.config.update(REDIS_URL=REDIS_URL, JOBS_INLINE=False)
    fake_stripe.fail_next("slow")  # Stripe makes the refund, then its answer is slow to come
    refund_id = ledger.request_refund(order, AMOUNT, "manual", "Scratch on the door", STAFF).id
    assert jobs.queue().count == 1  # waiting for a worker
    db.session.remove()

    log = (tmp_path / "worker.log").open("w+")
    worker = subprocess.Popen(
        [str(FLASK), "--app", "wsgi", "jobs", "worker"],
        cwd=ROOT,
        env={
            **os.environ,
            "DATABASE_URL": database_url,
            "REDIS_URL": REDIS_URL,
            "STRIPE_SECRET_KEY": "sk_test_x",
            "STRIPE_WEBHOOK_SECRET": "whsec_test_secret",
            "STRIPE_API_BASE": fake_stripe.url,
            "STRIPE_TIMEOUT_SECONDS": "120",  # it would wait for the answer far longer than it lives
            "STRIPE_MAX_NETWORK_RETRIES": "0",
            "LOG_LEVEL": "WARNING",
        },
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for(lambda: fake_stripe.refund_requests(), 45, "the worker's refund request", worker)
        wait_for(lambda: fake_stripe.refunds, 5, "Stripe to make the refund")
        time.sleep(0.2)  # well inside the wait for Stripe's answer
        assert worker.poll() is None
        horses = children(worker.pid)
        assert horses, "the worker runs the job in a work horse process"
        # The container is killed (OOM, a lost node): the worker and the work horse that waits
        # for Stripe, with no goodbye.
        for pid in [*horses, worker.pid]:
            os.kill(pid, signal.SIGKILL)
        assert worker.wait(timeout=10) == -signal.SIGKILL
        wait_for(lambda: not any(alive(pid) for pid in horses), 10, "the work horse to die")
    finally:
        if worker.poll() is None:
            for pid in [*children(worker.pid), worker.pid]:
                os.kill(pid, signal.SIGKILL)
            worker.wait()
        log.seek(0)
        output = log.read()
        log.close()
    assert "Traceback" not in output, output

    # Stripe refunded, the ledger never heard: the row is pending, the amount held.
    (made,) = fake_stripe.refunds.values()
    assert made["amount"] == AMOUNT
    db.session.expire_all()
    row = db.session.get(Refund, refund_id)
    assert (row.status, row.provider_reference) == ("pending", None)
    summary = ledger.money_summary(row.order)
    assert (summary.refunded, summary.pending, summary.refundable) == (0, AMOUNT, CAPTURED - AMOUNT)

    result = runner.invoke(args=["payments", "reconcile", "--older-than-minutes", "0"])
    assert result.exit_code == 0, result.output
    assert "Refunds finished: 1" in result.output
    db.session.expire_all()
    row = db.session.get(Refund, refund_id)
    assert (row.status, row.provider_reference) == ("succeeded", made["id"])
    sent = fake_stripe.refund_requests()
    assert len(sent) == 2  # the worker's, and reconcile's with the same key
    assert {r.idempotency_key for r in sent} == {f"{refund_id}-1"}
    assert len(fake_stripe.refunds) == 1  # one refund at Stripe
    summary = ledger.money_summary(row.order)
    assert (summary.refunded, summary.pending, summary.refundable) == (AMOUNT, 0, CAPTURED - AMOUNT)
    assert count(AuditEntry, AuditEntry.subject_id == refund_id, AuditEntry.action == "refund.succeeded") == 1

    # Reconcile again: nothing left to finish, nothing sent to Stripe.
    again = runner.invoke(args=["payments", "reconcile", "--older-than-minutes", "0"])
    assert "Refunds finished: 0" in again.output
    assert len(fake_stripe.refund_requests()) == 2
    db.session.expire_all()
    assert [(r.status, r.amount) for r in db.session.scalars(select(Refund))] == [("succeeded", AMOUNT)]
