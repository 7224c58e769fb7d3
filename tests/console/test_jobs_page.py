"""The platform admin's Background jobs page: a job that failed waits there, is run again once
(the money moves once), or is discarded with a reason; nobody else may see or touch it."""

from __future__ import annotations

from datetime import timedelta
from html import unescape

import pytest
from sqlalchemy import select

from portal.actors import Actor
from portal.audit.models import AuditEntry
from portal.db import utcnow
from portal.extensions import db
from portal.jobs import parking
from portal.jobs.models import FailedJob
from portal.payments import services as ledger
from portal.payments.models import Refund, SimulatedTransaction
from portal.payments.providers.simulated import SimulatedProvider
from tests.conftest import csrf_from

SHOP_SYSTEM = Actor(kind="api_key", id="key_1", label="Shop backend")


def provider_refunds() -> list[tuple[int, str]]:
    db.session.rollback()
    return list(db.session.execute(select(SimulatedTransaction.amount, SimulatedTransaction.status)).all())


def refund_status(refund: Refund) -> str:
    db.session.rollback()
    return db.session.get(Refund, refund.id).status


def the_job() -> FailedJob:
    db.session.rollback()
    [job] = db.session.scalars(select(FailedJob)).all()
    return job


@pytest.fixture
def crashed_refund(shop_a, make_order, monkeypatch):
    """A refund whose job crashed (the provider's library raised something unexpected)."""
    order = make_order(shop_a, "1001", locale="en")
    original = SimulatedProvider.refund

    def crash(self, **kwargs):
        raise RuntimeError("provider library crashed")

    monkeypatch.setattr(SimulatedProvider, "refund", crash)
    refund = ledger.request_refund(order, 2000, "manual", "Scratch on the door", SHOP_SYSTEM)
    monkeypatch.setattr(SimulatedProvider, "refund", original)
    return refund


def page(client, url="/console/jobs") -> str:
    response = client.get(url)
    assert response.status_code == 200
    return unescape(response.get_data(as_text=True))


def test_a_crashed_refund_waits_on_the_page_and_running_it_pays_once(client, sign_in, platform_admin, crashed_refund):
    assert refund_status(crashed_refund) == "pending"
    assert provider_refunds() == []
    job = the_job()
    assert (job.func, job.args, job.status) == (
        "portal.payments.services:execute_refund",
        [crashed_refund.id],
        "retrying",
    )

    sign_in(platform_admin.email)
    html = page(client)
    assert "Pay a refund" in html and "provider library crashed" in html
    assert "Will be tried again" in html and "Attempts" in html
    token = csrf_from(html)
    response = client.post(f"/console/jobs/{job.id}/run", data={"csrf_token": token}, follow_redirects=True)
    html = unescape(response.get_data(as_text=True))
    assert "The job ran and succeeded: Pay a refund." in html
    assert "No job waits" in html and "Recently settled jobs" in html
    assert refund_status(crashed_refund) == "succeeded"
    assert provider_refunds() == [(2000, "succeeded")]

    # Pressed again (a second tab): nothing runs twice.
    response = client.post(f"/console/jobs/{job.id}/run", data={"csrf_token": token}, follow_redirects=True)
    assert "This job is already settled; nothing was done." in unescape(response.get_data(as_text=True))
    # The scheduler finds nothing either.
    assert parking.retry_due(now=utcnow() + timedelta(days=1)) == 0
    assert provider_refunds() == [(2000, "succeeded")]
    audit = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "job.run")).all()
    assert [entry.after["status"] for entry in audit] == ["done"]
    assert audit[0].actor_id == platform_admin.id


def test_a_job_that_fails_again_stays_parked_with_the_new_error(
    client, sign_in, platform_admin, crashed_refund, monkeypatch
):
    def still_broken(self, **kwargs):
        raise RuntimeError("still broken")

    monkeypatch.setattr(SimulatedProvider, "refund", still_broken)
    sign_in(platform_admin.email)
    token = csrf_from(page(client))
    job = the_job()
    response = client.post(f"/console/jobs/{job.id}/run", data={"csrf_token": token}, follow_redirects=True)
    html = unescape(response.get_data(as_text=True))
    assert "The job failed again and stays parked: RuntimeError: still broken" in html
    assert "Parked" in html
    job = the_job()
    assert (job.status, job.attempts) == ("parked", 2)
    assert provider_refunds() == []
    assert refund_status(crashed_refund) == "pending"  # reconcile still owns it


def test_discarding_needs_a_reason_and_is_audited(client, sign_in, platform_admin, crashed_refund):
    sign_in(platform_admin.email)
    token = csrf_from(page(client))
    job = the_job()
    response = client.post(f"/console/jobs/{job.id}/discard", data={"csrf_token": token, "reason": "  "})
    assert response.status_code == 422
    html = unescape(response.get_data(as_text=True))
    assert "Say why this job must not run" in html and 'aria-invalid="true"' in html
    assert the_job().status == "retrying"

    response = client.post(
        f"/console/jobs/{job.id}/discard",
        data={"csrf_token": token, "reason": "Refunded by bank transfer instead"},
        follow_redirects=True,
    )
    html = unescape(response.get_data(as_text=True))
    assert "The job was discarded and will not run: Pay a refund." in html
    assert the_job().status == "discarded"
    assert parking.retry_due(now=utcnow() + timedelta(days=1)) == 0
    assert provider_refunds() == []
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "job.discarded")).one()
    assert entry.after["reason"] == "Refunded by bank transfer instead"


def test_only_platform_admins_see_or_touch_jobs(client, sign_in, agent_a, crashed_refund):
    sign_in(agent_a.email)
    assert client.get("/console/jobs").status_code == 403
    token = csrf_from(client.get("/console/orders").get_data(as_text=True))
    job = the_job()
    assert client.post(f"/console/jobs/{job.id}/run", data={"csrf_token": token}).status_code == 403
    assert client.post(f"/console/jobs/{job.id}/discard", data={"csrf_token": token, "reason": "x"}).status_code == 403
    assert the_job().status == "retrying"
    assert provider_refunds() == []


def test_an_unknown_job_is_not_found(client, sign_in, platform_admin):
    sign_in(platform_admin.email)
    token = csrf_from(page(client))
    assert client.post("/console/jobs/job_nope/run", data={"csrf_token": token}).status_code == 404


def test_the_page_is_in_the_admins_language(client, sign_in, platform_admin, crashed_refund):
    sign_in(platform_admin.email)
    html = page(client, "/console/jobs?lang=fi")
    assert "Taustatyöt" in html or "taustatyö" in html.lower()
