"""Read-only views of the audit trail for the console; nothing here writes.

One shop's entries, newest first, keyset-paginated, with every filter applied in SQL; the
filter choices the shop's own entries offer; the order, return, claim and ticket numbers an
entry page links to; and what changed in an entry, key by key.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, or_, select

from portal.audit.models import AuditEntry
from portal.claims.models import Claim
from portal.errors import ValidationFailed
from portal.extensions import db
from portal.orders.models import Order
from portal.pagination import decode_cursor, encode_cursor
from portal.returns.models import ReturnRequest
from portal.support.models import Ticket

PAGE_SIZE = 50
# The subjects that have a page of their own in the console, with the model holding their number.
NUMBERED_SUBJECTS = {"order": Order, "return": ReturnRequest, "claim": Claim, "ticket": Ticket}
VALUE_MAX = 80


@dataclass(frozen=True)
class AuditFilters:
    """What the list is narrowed to; empty values narrow nothing.

    ``date_from`` and ``date_to`` are days in ``timezone`` (the shop's), both included.
    """

    group: str = ""  # the action's prefix: "policy" matches policy.updated
    who: str = ""  # part of the actor's label, any case
    subject_type: str = ""
    subject: str = ""  # part of the subject's id, or of its order/return/claim/ticket number
    date_from: date | None = None
    date_to: date | None = None
    timezone: str = "UTC"


@dataclass(frozen=True)
class AuditPage:
    rows: list[AuditEntry]
    next_cursor: str | None


def list_entries(
    merchant_id: str, filters: AuditFilters, cursor: str | None = None, limit: int = PAGE_SIZE
) -> AuditPage:
    """One page of the shop's audit entries, newest first, in one query.

    A cursor from a previous page continues after its last row; one that is not ours raises
    ValidationFailed on ``cursor`` (the caller shows the first page with the message).
    """
    stmt = (
        select(AuditEntry)
        .where(AuditEntry.merchant_id == merchant_id, *_conditions(merchant_id, filters))
        .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
    )
    if cursor:
        position = decode_cursor(cursor)
        if position is None:
            raise ValidationFailed(
                fields={"cursor": [_l("This page link is damaged or out of date. Showing the newest entries.")]}
            )
        created_at, ident = position
        stmt = stmt.where(
            or_(AuditEntry.created_at < created_at, and_(AuditEntry.created_at == created_at, AuditEntry.id < ident))
        )
    rows = list(db.session.scalars(stmt.limit(limit + 1)))
    last = rows[limit - 1] if len(rows) > limit else None
    return AuditPage(rows[:limit], encode_cursor(last.created_at, last.id) if last is not None else None)


def _conditions(merchant_id: str, filters: AuditFilters) -> list:
    conditions = []
    if filters.group:
        conditions.append(AuditEntry.action.startswith(filters.group + ".", autoescape=True))
    if filters.who:
        conditions.append(AuditEntry.actor_label.icontains(filters.who, autoescape=True))
    if filters.subject_type:
        conditions.append(AuditEntry.subject_type == filters.subject_type)
    if filters.subject:
        # Staff know an order by its number, not its id: a number matches too.
        by_number = [
            and_(
                AuditEntry.subject_type == kind,
                AuditEntry.subject_id.in_(
                    select(model.id).where(
                        model.merchant_id == merchant_id, model.number.icontains(filters.subject, autoescape=True)
                    )
                ),
            )
            for kind, model in NUMBERED_SUBJECTS.items()
        ]
        conditions.append(or_(AuditEntry.subject_id.icontains(filters.subject, autoescape=True), *by_number))
    zone = ZoneInfo(filters.timezone)
    if filters.date_from:
        conditions.append(AuditEntry.created_at >= _start_of(filters.date_from, zone))
    if filters.date_to:
        conditions.append(AuditEntry.created_at < _start_of(filters.date_to + timedelta(days=1), zone))
    return conditions


def _start_of(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=zone)


def filter_choices(merchant_id: str) -> tuple[list[str], list[str]]:
    """The action groups and subject types present in the shop's entries, sorted: what the
    filters offer."""
    actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.merchant_id == merchant_id).distinct())
    subjects = db.session.scalars(
        select(AuditEntry.subject_type).where(AuditEntry.merchant_id == merchant_id).distinct()
    )
    return sorted({action.partition(".")[0] for action in actions}), sorted(set(subjects))


def subject_numbers(merchant_id: str, entries: list[AuditEntry]) -> dict[tuple[str, str], str]:
    """``(subject_type, subject_id) -> number`` for the entries' orders, returns, claims and
    tickets that belong to this shop (one query per kind present)."""
    numbers: dict[tuple[str, str], str] = {}
    for kind, model in NUMBERED_SUBJECTS.items():
        ids = {entry.subject_id for entry in entries if entry.subject_type == kind}
        if ids:
            found = db.session.execute(
                select(model.id, model.number).where(model.merchant_id == merchant_id, model.id.in_(ids))
            )
            numbers.update({(kind, ident): number for ident, number in found})
    return numbers


@dataclass(frozen=True)
class Change:
    key: str  # dotted path, e.g. "returns.window_days"
    before: str | None  # None: the key was not there
    after: str | None


def changes(before: dict | None, after: dict | None, prefix: str = "") -> list[Change]:
    """The keys whose values differ between ``before`` and ``after``, in the order they appear,
    with compact values. Objects on both sides are compared key by key (a policy's sections)."""
    old, new = before or {}, after or {}
    found: list[Change] = []
    for key in [*old, *(key for key in new if key not in old)]:
        was, now = old.get(key, _MISSING), new.get(key, _MISSING)
        if was == now:
            continue
        if isinstance(was, dict) and isinstance(now, dict):
            found += changes(was, now, f"{prefix}{key}.")
            continue
        found.append(
            Change(
                f"{prefix}{key}", None if was is _MISSING else _compact(was), None if now is _MISSING else _compact(now)
            )
        )
    return found


_MISSING = object()


def _compact(value: object) -> str:
    if value is None:
        return "—"
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
    return text if len(text) <= VALUE_MAX else text[: VALUE_MAX - 1] + "…"
