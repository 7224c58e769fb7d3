"""Inbound e-mail: a buyer's reply to a ticket e-mail lands on the ticket.

Every ticket e-mail carries the ticket's reply token twice: in the reply-to address
(``support+<token>@…``) and in the subject (``[#<token>]``), so a reply is matched whichever the
mail client keeps. The sender must be the ticket's buyer; the quoted earlier mail is cut off; a
Message-ID seen before lands nothing new (mail systems deliver twice).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses

from sqlalchemy import select

from portal.actors import Actor
from portal.extensions import db
from portal.orders.models import Customer
from portal.support.models import Ticket, TicketMessage

log = logging.getLogger(__name__)

_ADDRESS_TOKEN = re.compile(r"\+([0-9a-f]{16})@", re.IGNORECASE)
_SUBJECT_TOKEN = re.compile(r"\[#([0-9a-f]{16})\]", re.IGNORECASE)
# Where a client starts quoting the mail being answered.
_QUOTE_HEADERS = re.compile(
    r"^(On .+ wrote:|.+ kirjoitti:|Den .+ skrev .+:|.+ skrev:|Am .+ schrieb .+:|-----Original Message-----|"
    r"From: .+|Lähettäjä: .+|Från: .+|Fra: .+)\s*$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Inbound:
    """What became of one e-mail: the ticket and message it landed on, or why not."""

    outcome: str  # landed | duplicate | no_ticket | wrong_sender | empty
    ticket: Ticket | None = None
    message: TicketMessage | None = None


def _header(message: EmailMessage, name: str) -> str:
    """A header's text; one the e-mail library cannot parse (``Message-ID: <``, ``To: a@[x``)
    counts as absent rather than failing the whole mail."""
    try:
        return str(message.get(name, "") or "")
    except Exception:
        log.info("inbound mail: unreadable %s header ignored", name)
        return ""


def _headers(message: EmailMessage, name: str) -> list[str]:
    try:
        return [str(value) for value in message.get_all(name, [])]
    except Exception:
        log.info("inbound mail: unreadable %s header ignored", name)
        return []


def _addresses(message: EmailMessage, name: str) -> list[str]:
    try:
        return [address for _name, address in getaddresses(_headers(message, name))]
    except Exception:
        return []


def _token(message: EmailMessage) -> str | None:
    for header in ("To", "Cc", "Delivered-To", "X-Original-To"):
        for address in _addresses(message, header):
            found = _ADDRESS_TOKEN.search(address + "@")
            if found:
                return found.group(1).lower()
    found = _SUBJECT_TOKEN.search(_header(message, "Subject"))
    return found.group(1).lower() if found else None


def _text(message: EmailMessage) -> str:
    try:
        part = message.get_body(preferencelist=("plain", "html"))
    except Exception:
        return ""
    if part is None:
        return ""
    try:
        content = part.get_content()
    except (LookupError, UnicodeError, AttributeError, ValueError):  # an unknown or lying charset
        content = (part.get_payload(decode=True) or b"").decode("utf-8", errors="replace")
    if part.get_content_type() == "text/html":
        content = re.sub(r"<[^>]+>", " ", content)
    return content


def new_text(body: str) -> str:
    """The buyer's new words: up to the quoted earlier mail, without quote lines or a signature."""
    kept = []
    for line in body.replace("\r\n", "\n").split("\n"):
        stripped = line.strip()
        if _QUOTE_HEADERS.match(stripped) or stripped == "--":  # "-- " starts a signature
            break
        if stripped.startswith(">"):
            continue
        kept.append(line.rstrip())
    return "\n".join(kept).strip()


def receive(raw: bytes) -> Inbound:
    """Land one raw RFC 822 message on its ticket (see the module's notes)."""
    from portal.support.services import buyer_message

    message = BytesParser(policy=policy.default).parsebytes(raw)
    token = _token(message)
    ticket = db.session.scalar(select(Ticket).where(Ticket.reply_token == token)) if token else None
    if ticket is None:
        log.info("inbound mail without a known ticket token (%s)", _header(message, "Message-ID"))
        return Inbound("no_ticket")
    message_id = _header(message, "Message-ID").strip()[:300] or None
    if message_id and db.session.scalar(select(TicketMessage.id).where(TicketMessage.email_message_id == message_id)):
        return Inbound("duplicate", ticket)
    customer = db.session.get(Customer, ticket.customer_id)
    senders = [address.lower() for address in _addresses(message, "From")]
    if customer.email.lower() not in senders:
        log.warning("inbound mail for ticket %s from %s, not its buyer", ticket.number, senders)
        return Inbound("wrong_sender", ticket)
    text = new_text(_text(message))
    if not text:
        return Inbound("empty", ticket)
    actor = Actor(kind="buyer", id=customer.id, label=customer.email, merchant_id=ticket.merchant_id)
    landed = buyer_message(
        ticket, {"message": text[:8000]}, actor, via="email", email_message_id=message_id, photos=_photos(message)
    )
    return Inbound("landed", ticket, landed)


def _photos(message: EmailMessage) -> list:
    """The attached images, through the same checks as uploads (``portal.photos``): re-encoded,
    at most the per-message count; an image refused (too large, damaged, not an image) is left out."""
    from portal.photos import PhotoLimits, PhotoRefused, accept_photo, check_claim_total

    limits = PhotoLimits.current()
    photos: list = []
    for part in message.iter_attachments():
        if part.get_content_maintype() != "image" or len(photos) >= limits.max_files:
            continue
        try:
            data = part.get_payload(decode=True) or b""
            photo = accept_photo(data, filename=part.get_filename() or "photo")
            check_claim_total([p.original_size for p in photos] + [photo.original_size])
        except PhotoRefused as refusal:
            log.info(
                "inbound mail %s: attachment %s refused (%s)",
                _header(message, "Message-ID"),
                part.get_filename(),
                refusal.code,
            )
            continue
        photos.append(photo)
    return photos
