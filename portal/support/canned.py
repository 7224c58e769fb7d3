"""A shop's prepared (canned) replies: written once in one language, offered on every ticket in it.

When a reply is used on a ticket, ``services.fill_canned`` puts the buyer's first name and the
order number in place of ``{name}`` and ``{order}``. Any other ``{...}`` would reach the buyer
as typed, so a reply is refused while it has one (a typo such as ``{nmae}`` is the usual case).
Every change is audited; each operation is one unit of work.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from flask import current_app
from flask_babel import format_number
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.actors import Actor
from portal.audit import services as audit
from portal.db import lock_one, unit_of_work
from portal.errors import NotFound, ValidationFailed
from portal.extensions import db
from portal.merchants.models import Merchant
from portal.support.models import CannedReply

TITLE_MAX = 120  # the column's length
BODY_MAX = 5000
# What fill_canned fills in; keep the two in step.
PLACEHOLDERS = ("name", "order")
_PLACEHOLDER = re.compile(r"\{[^{}]*\}")


@dataclass(frozen=True)
class CannedReplyIn:
    """A prepared reply as typed, cleaned: surrounding spaces off, line ends as ``\\n``."""

    locale: str
    title: str
    body: str

    @classmethod
    def of(cls, data: Mapping[str, object]) -> CannedReplyIn:
        def text(name: str) -> str:
            value = data.get(name)
            return value if isinstance(value, str) else ""

        body = text("body").replace("\r\n", "\n").replace("\r", "\n")
        return cls(locale=text("locale").strip(), title=text("title").strip(), body=body.strip())

    def audited(self) -> dict:
        return {"locale": self.locale, "title": self.title, "body": self.body}


def languages() -> list[str]:
    """The languages a prepared reply can be written in: those of the portal."""
    return list(current_app.config["LANGUAGES"])


def list_for(merchant_id: str, locale: str | None = None) -> list[CannedReply]:
    """The shop's prepared replies by language, then title; only one language's when ``locale`` is given."""
    query = select(CannedReply).where(CannedReply.merchant_id == merchant_id)
    if locale:
        query = query.where(CannedReply.locale == locale)
    return list(db.session.scalars(query.order_by(CannedReply.locale, CannedReply.title)))


def get(merchant_id: str, reply_id: str) -> CannedReply:
    """One of the shop's prepared replies; NotFound for an unknown id and for another shop's."""
    reply = db.session.scalar(
        select(CannedReply).where(CannedReply.id == reply_id, CannedReply.merchant_id == merchant_id)
    )
    if reply is None:
        raise NotFound()
    return reply


def create(merchant: Merchant, data: Mapping[str, object], actor: Actor) -> CannedReply:
    """A new prepared reply for the shop (``data``: locale, title, body), or ValidationFailed."""
    draft = _validated(merchant.id, data)
    with unit_of_work():
        reply = CannedReply(merchant_id=merchant.id, **draft.audited())
        db.session.add(reply)
        db.session.flush()
        audit.record(
            actor, "canned_reply.created", "canned_reply", reply.id, merchant_id=merchant.id, after=draft.audited()
        )
    return reply


def update(reply: CannedReply, data: Mapping[str, object], actor: Actor) -> CannedReply:
    """Change a prepared reply's language, title or body; the audit keeps what changed.

    Saving it unchanged changes nothing and records nothing."""
    draft = _validated(reply.merchant_id, data, reply_id=reply.id)
    with unit_of_work():
        locked = lock_one(CannedReply, reply.id, merchant_id=reply.merchant_id)
        if locked is None:  # deleted meanwhile
            raise NotFound()
        before = {key: getattr(locked, key) for key in draft.audited()}
        changed = {key: value for key, value in draft.audited().items() if before[key] != value}
        if changed:
            for key, value in changed.items():
                setattr(locked, key, value)
            audit.record(
                actor,
                "canned_reply.updated",
                "canned_reply",
                locked.id,
                merchant_id=locked.merchant_id,
                before={key: before[key] for key in changed},
                after=changed,
            )
    return locked


def delete(reply: CannedReply, actor: Actor) -> None:
    """Remove a prepared reply; the audit keeps its last text. Deleting it twice is no error."""
    with unit_of_work():
        locked = lock_one(CannedReply, reply.id, merchant_id=reply.merchant_id)
        if locked is None:
            return
        audit.record(
            actor,
            "canned_reply.deleted",
            "canned_reply",
            locked.id,
            merchant_id=locked.merchant_id,
            before={"locale": locked.locale, "title": locked.title, "body": locked.body},
        )
        db.session.delete(locked)


def unknown_placeholders(body: str) -> list[str]:
    """The ``{...}`` in ``body`` that are not filled in when the reply is used, in order, once each."""
    known = {"{" + name + "}" for name in PLACEHOLDERS}
    return list(dict.fromkeys(found for found in _PLACEHOLDER.findall(body) if found not in known))


def _validated(merchant_id: str, data: Mapping[str, object], *, reply_id: str | None = None) -> CannedReplyIn:
    """The cleaned reply, or ValidationFailed naming every field that needs attention."""
    draft = CannedReplyIn.of(data)
    problems: dict[str, list] = {}
    if draft.locale not in languages():
        problems["locale"] = [_l("Choose the language the reply is written in.")]
    if not draft.title:
        problems["title"] = [_l("Give the reply a title: staff choose it by its title on the ticket page.")]
    elif len(draft.title) > TITLE_MAX:
        problems["title"] = [_l("The title can be at most %(max)s characters long.", max=TITLE_MAX)]
    elif "locale" not in problems and _title_taken(merchant_id, draft, reply_id):
        problems["title"] = [_l("Another prepared reply in this language has this title. Give this one its own.")]
    if not draft.body:
        problems["body"] = [_l("Write the text of the reply.")]
    elif len(draft.body) > BODY_MAX:
        problems["body"] = [_l("The text can be at most %(max)s characters long.", max=format_number(BODY_MAX))]
    else:
        unknown = unknown_placeholders(draft.body)
        if unknown:
            problems["body"] = [
                _l(
                    "%(unknown)s cannot be filled in. Use only {name} (the buyer's first name) "
                    "and {order} (the order number), spelled exactly so.",
                    unknown=", ".join(unknown),
                )
            ]
    if problems:
        raise ValidationFailed(fields=problems)
    return draft


def _title_taken(merchant_id: str, draft: CannedReplyIn, reply_id: str | None) -> bool:
    """Does another of the shop's replies in this language have this title (in any letter case)?

    Compared here, not in SQL: SQLite's lower() knows no letters beyond ASCII (Ä, Ø, Þ)."""
    titles = db.session.scalars(
        select(CannedReply.title).where(
            CannedReply.merchant_id == merchant_id,
            CannedReply.locale == draft.locale,
            CannedReply.id != (reply_id or ""),
        )
    )
    wanted = draft.title.casefold()
    return any(title.casefold() == wanted for title in titles)
