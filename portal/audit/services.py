from __future__ import annotations

from portal.actors import Actor
from portal.audit.models import AuditEntry
from portal.extensions import db


def record(
    actor: Actor,
    action: str,
    subject_type: str,
    subject_id: str,
    *,
    merchant_id: str | None,
    before: dict | None = None,
    after: dict | None = None,
) -> AuditEntry:
    """Add an audit entry to the current transaction (the caller's unit of work commits it)."""
    entry = AuditEntry(
        merchant_id=merchant_id,
        actor_type=actor.kind,
        actor_id=actor.id,
        actor_label=actor.label[:254],
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        before=before,
        after=after,
        ip=actor.ip,
    )
    db.session.add(entry)
    # A return, claim, refund, plan or ticket event also goes to the shop's webhooks, in this
    # same transaction (portal.integrations.webhooks).
    from portal.integrations.webhooks import EVENTS, event_from_audit

    if action in EVENTS:
        event_from_audit(entry)
    return entry
