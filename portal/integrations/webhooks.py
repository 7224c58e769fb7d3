"""Outbound webhooks: return, claim, refund, instalment plan and ticket events, signed, retried.

An event is born with the audit entry of the change that caused it, in the same transaction
(``audit.record`` calls ``event_from_audit``): a rolled-back change sends nothing, a committed one
is never lost. Each endpoint that wants the event gets a delivery row; after the commit the
delivery is attempted at once, and ``deliver_due`` (every minute in the scheduler; ``flask
webhooks deliver``) retries what failed with growing waits (1 min, 5 min, 30 min, 2 h, 6 h,
12 h, 24 h), then marks it failed. A re-send from the console tries once more.

The request (README, "Webhooks"):
    POST <url>
    Content-Type: application/json
    Apuri-Event: return.approved
    Apuri-Delivery: whd_…            (the same on every retry of this delivery)
    Apuri-Signature: t=1764760000,v1=<hex HMAC-SHA256 of "<t>.<body>" with the endpoint's secret>

    {"id": "evt_…", "type": "return.approved", "created_at": "…Z", "shop": "kodinkone",
     "data": {"object": "return", "id": "ret_…", "changes": {…}}}
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.request
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from portal.actors import Actor
from portal.db import current_unit_of_work, new_id, unit_of_work, utcnow
from portal.errors import NotFound, ValidationFailed
from portal.extensions import db
from portal.integrations.models import WebhookDelivery, WebhookEndpoint

log = logging.getLogger(__name__)

# The audit actions that are webhook events, and the event's name for the shop.
EVENTS: dict[str, str] = {
    "return.requested": "return.requested",
    "return.approved": "return.approved",
    "return.rejected": "return.rejected",
    "return.received": "return.received",
    "return.cancelled": "return.cancelled",
    "claim.opened": "claim.opened",
    "claim.accepted": "claim.accepted",
    "claim.countered": "claim.countered",
    "claim.declined": "claim.declined",
    "claim.rejected": "claim.rejected",
    "claim.resolved": "claim.resolved",
    "refund.requested": "refund.requested",
    "refund.succeeded": "refund.succeeded",
    "refund.failed": "refund.failed",
    "instalment_plan.started": "plan.started",
    "instalment_plan.cancelled": "plan.cancelled",
    "instalment_plan.charge_succeeded": "plan.charge_succeeded",
    "instalment_plan.charge_failed": "plan.charge_failed",
    "ticket.opened": "ticket.opened",
    "ticket.replied": "ticket.replied",
    "ticket.status": "ticket.status_changed",
}
EVENT_TYPES = tuple(dict.fromkeys(EVENTS.values()))
OBJECTS = {"instalment_plan": "plan"}

BACKOFF = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=6),
    timedelta(hours=12),
    timedelta(hours=24),
)
MAX_ATTEMPTS = len(BACKOFF) + 1
TIMEOUT_SECONDS = 5
LEASE = timedelta(minutes=2)  # a runner holds a due delivery this long while it sends it


# -- signing ------------------------------------------------------------------------------------


def signature_header(secret: str, body: bytes, timestamp: int) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


# -- endpoints ------------------------------------------------------------------------------------


def _check_url(url: str) -> str:
    url = (url or "").strip()
    parts = urlsplit(url)
    insecure_ok = current_app.config.get("WEBHOOK_ALLOW_HTTP", False)
    if parts.scheme not in ("https", "http") or not parts.hostname or len(url) > 500:
        raise ValidationFailed(fields={"url": [_l("Enter the full address, starting with https://.")]})
    if parts.scheme == "http" and not insecure_ok:
        raise ValidationFailed(fields={"url": [_l("Use an https:// address: events carry your buyers' data.")]})
    return url


def _check_events(events: list[str]) -> list[str]:
    chosen = [e for e in dict.fromkeys(events or []) if e]
    if not chosen:
        raise ValidationFailed(fields={"events": [_l("Choose at least one event.")]})
    unknown = [e for e in chosen if e != "*" and e not in EVENT_TYPES]
    if unknown:
        raise ValidationFailed(fields={"events": [_l("Choose events from the list.")]})
    return ["*"] if "*" in chosen else chosen


def create_endpoint(merchant, url: str, events: list[str], actor: Actor, description: str = "") -> WebhookEndpoint:
    from portal.audit import services as audit

    problems: dict[str, list] = {}
    checked = {}
    for name, check, value in (("url", _check_url, url), ("events", _check_events, events)):
        try:
            checked[name] = check(value)
        except ValidationFailed as exc:  # every field's problem at once
            problems.update(exc.fields)
    if problems:
        raise ValidationFailed(fields=problems)
    url, events = checked["url"], checked["events"]
    with unit_of_work():
        endpoint = WebhookEndpoint(merchant_id=merchant.id, url=url, events=events, description=description[:200])
        db.session.add(endpoint)
        db.session.flush()
        audit.record(
            actor,
            "webhook.created",
            "webhook",
            endpoint.id,
            merchant_id=merchant.id,
            after={"url": url, "events": events},
        )
    return endpoint


def endpoints(merchant_id: str) -> list[WebhookEndpoint]:
    return list(
        db.session.scalars(
            select(WebhookEndpoint)
            .where(WebhookEndpoint.merchant_id == merchant_id)
            .order_by(WebhookEndpoint.created_at)
        )
    )


def get_endpoint(merchant_id: str, endpoint_id: str) -> WebhookEndpoint:
    endpoint = db.session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None or endpoint.merchant_id != merchant_id:
        raise NotFound()
    return endpoint


def set_active(endpoint: WebhookEndpoint, active: bool, actor: Actor) -> WebhookEndpoint:
    from portal.audit import services as audit

    with unit_of_work():
        endpoint.active = active
        audit.record(
            actor,
            "webhook.enabled" if active else "webhook.disabled",
            "webhook",
            endpoint.id,
            merchant_id=endpoint.merchant_id,
        )
    return endpoint


def delete_endpoint(endpoint: WebhookEndpoint, actor: Actor) -> None:
    from portal.audit import services as audit

    with unit_of_work():
        db.session.execute(WebhookDelivery.__table__.delete().where(WebhookDelivery.endpoint_id == endpoint.id))
        db.session.delete(endpoint)
        audit.record(
            actor,
            "webhook.deleted",
            "webhook",
            endpoint.id,
            merchant_id=endpoint.merchant_id,
            after={"url": endpoint.url},
        )


def deliveries(endpoint: WebhookEndpoint, limit: int = 50) -> list[WebhookDelivery]:
    return list(
        db.session.scalars(
            select(WebhookDelivery)
            .where(WebhookDelivery.endpoint_id == endpoint.id)
            .order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.id.desc())
            .limit(limit)
        )
    )


# -- events --------------------------------------------------------------------------------------


def event_from_audit(entry) -> None:
    """Called by ``audit.record`` in the change's transaction: one delivery per endpoint that wants it."""
    event_type = EVENTS.get(entry.action)
    if event_type is None or not entry.merchant_id:
        return
    wanting = [e for e in endpoints(entry.merchant_id) if e.wants(event_type)]
    if not wanting:
        return
    from portal.merchants.models import Merchant

    shop = db.session.get(Merchant, entry.merchant_id)
    event_id = new_id("evt")
    now = utcnow()
    body = {
        "id": event_id,
        "type": event_type,
        "created_at": now.isoformat().replace("+00:00", "Z"),
        "shop": shop.slug if shop else None,
        "data": {
            "object": OBJECTS.get(entry.subject_type, entry.subject_type),
            "id": entry.subject_id,
            "changes": entry.after or {},
        },
    }
    payload = json.dumps(body, ensure_ascii=False, separators=(",", ":"), default=str)
    ids = []
    for endpoint in wanting:
        delivery = WebhookDelivery(
            endpoint_id=endpoint.id,
            merchant_id=entry.merchant_id,
            event_id=event_id,
            event_type=event_type,
            payload=payload,
            next_attempt_at=now,
            created_at=now,
        )
        db.session.add(delivery)
        db.session.flush()
        ids.append(delivery.id)
    _send_soon(ids)


def _send_soon(ids: list[str]) -> None:
    """With RQ workers, each delivery is a job at once after the commit; embedded (inline jobs),
    the scheduler's next minute sends it, so that no buyer's request waits for a shop's server."""
    from portal.jobs import enqueue, runs_inline

    uow = current_unit_of_work()
    if uow is not None and not runs_inline():
        uow.after_commit(lambda: [enqueue(deliver, delivery_id) for delivery_id in ids])


# -- delivering -----------------------------------------------------------------------------------


def _claim(delivery_id: str, now: datetime) -> bool:
    """Take a due delivery for this runner (a lease): two runners never send it at the same time."""
    result = db.session.execute(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.id == delivery_id,
            WebhookDelivery.status == "pending",
            WebhookDelivery.next_attempt_at <= now,
        )
        .values(next_attempt_at=now + LEASE)
    )
    db.session.commit()
    return result.rowcount == 1


def deliver(delivery_id: str, *, now: datetime | None = None) -> str | None:
    """Send one pending, due delivery once; record the answer. Returns the new status."""
    now = now or utcnow()
    if not _claim(delivery_id, now):
        return None
    delivery = db.session.get(WebhookDelivery, delivery_id)
    endpoint = db.session.get(WebhookEndpoint, delivery.endpoint_id)
    body = delivery.payload.encode()
    code, error = None, None
    if endpoint is None or not endpoint.active:
        error = "endpoint disabled"
    else:
        request = urllib.request.Request(
            endpoint.url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "User-Agent": "Apuri-Webhooks/1",
                "Apuri-Event": delivery.event_type,
                "Apuri-Delivery": delivery.id,
                "Apuri-Signature": signature_header(endpoint.secret, body, int(time.time())),
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310 - checked URL
                code = response.status
        except urllib.error.HTTPError as exc:
            code, error = exc.code, f"HTTP {exc.code}"
            exc.close()
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            error = str(getattr(exc, "reason", exc))[:500]
    delivery = db.session.get(WebhookDelivery, delivery_id)
    delivery.attempts += 1
    delivery.last_attempt_at = utcnow()
    delivery.last_status_code = code
    if code is not None and 200 <= code < 300:
        delivery.status, delivery.delivered_at, delivery.last_error = "succeeded", utcnow(), None
        delivery.next_attempt_at = None
    else:
        delivery.last_error = (error or f"HTTP {code}")[:500]
        if delivery.attempts >= MAX_ATTEMPTS:
            delivery.status, delivery.next_attempt_at = "failed", None
        else:
            delivery.next_attempt_at = now + BACKOFF[delivery.attempts - 1]
    db.session.commit()
    return delivery.status


def deliver_due(now: datetime | None = None, limit: int = 100) -> int:
    """Send every delivery whose time has come (the scheduler's job); returns how many were tried."""
    now = now or utcnow()
    due = list(
        db.session.scalars(
            select(WebhookDelivery.id)
            .where(WebhookDelivery.status == "pending", WebhookDelivery.next_attempt_at <= now)
            .order_by(WebhookDelivery.next_attempt_at)
            .limit(limit)
        )
    )
    db.session.commit()
    return sum(1 for delivery_id in due if deliver(delivery_id, now=now) is not None)


def resend(merchant_id: str, delivery_id: str, actor: Actor) -> WebhookDelivery:
    """The console's re-send: the same delivery (same body, id and event id) is tried again now."""
    from portal.audit import services as audit

    with unit_of_work() as uow:
        delivery = db.session.get(WebhookDelivery, delivery_id)
        if delivery is None or delivery.merchant_id != merchant_id:
            raise NotFound()
        delivery.status = "pending"
        delivery.next_attempt_at = utcnow()
        if delivery.attempts >= MAX_ATTEMPTS:
            delivery.attempts = MAX_ATTEMPTS - 1  # one more try; a failure marks it failed again
        audit.record(actor, "webhook.resent", "webhook_delivery", delivery.id, merchant_id=merchant_id)
        from portal.jobs import enqueue

        # Staff pressed the button and wait for the answer: tried now (a job when workers run).
        uow.after_commit(lambda: enqueue(deliver, delivery.id))
    db.session.expire_all()
    return db.session.get(WebhookDelivery, delivery_id)
