"""Payment providers' webhooks (API.md): verified by the provider's signature, no API key.

The view only verifies and hands over; the ledger applies each event once
(``portal.payments.services.process_provider_event``).
"""

from __future__ import annotations

from flask import current_app, request

from portal.actors import Actor
from portal.api import bp
from portal.api.openapi import NamedSchema, document
from portal.payments import services as ledger
from portal.payments.providers import stripe as stripe_provider

WEBHOOK_RECEIVED = NamedSchema(
    "WebhookReceived",
    {
        "type": "object",
        "required": ["received", "duplicate"],
        "properties": {
            "received": {"type": "boolean", "const": True},
            "duplicate": {
                "type": "boolean",
                "description": "True when this event had been applied already; nothing changed this time.",
            },
        },
    },
)


@bp.post("/webhooks/stripe")
@document(
    "Receive a Stripe event",
    tag="webhooks",
    description="Point a Stripe webhook endpoint here with the events refund.updated, refund.failed and "
    "charge.refunded, and set its signing secret as STRIPE_WEBHOOK_SECRET. The Stripe-Signature header "
    "is checked and may be at most five minutes old. Each event is applied once; a replay answers 200 "
    "with duplicate true. Other event types are acknowledged and ignored.",
    responses={200: ("The event was applied, or had been already.", WEBHOOK_RECEIVED)},
    errors={
        400: "The signature is missing, does not match the body or is too old; or the body is not an event. "
        "Nothing was changed.",
        500: "Webhooks are not set up (no signing secret): Stripe will send the event again later.",
    },
)
def stripe_webhook():
    event = stripe_provider.verify_event(
        request.get_data(), request.headers.get("Stripe-Signature"), current_app.config.get("STRIPE_WEBHOOK_SECRET")
    )
    applied = ledger.process_provider_event(
        "stripe",
        event["id"],
        event["type"],
        stripe_provider.refund_events(event),
        actor=Actor.system("webhook:stripe"),
    )
    return {"received": True, "duplicate": not applied}


INBOUND_RECEIVED = NamedSchema(
    "InboundEmailReceived",
    {
        "type": "object",
        "required": ["outcome"],
        "properties": {
            "outcome": {
                "type": "string",
                "enum": ["landed", "duplicate", "no_ticket", "wrong_sender", "empty"],
                "description": "landed on a ticket; a duplicate of a mail already landed; no ticket token; not "
                "from the ticket's buyer; nothing new in it.",
            },
            "ticket": {"type": ["string", "null"], "description": "The ticket's number."},
        },
    },
)
INBOUND_MAX_BYTES = 2 * 1024 * 1024


@bp.post("/inbound/email")
@document(
    "Receive a reply to a ticket e-mail",
    tag="webhooks",
    description="For the mail server (or an inbound-mail service): the raw message (RFC 822, "
    "`Content-Type: message/rfc822`, at most 2 MB) with the header `X-Inbound-Secret: <INBOUND_EMAIL_SECRET>`. "
    "The ticket is found by the token in the reply address `support+<token>@…` or the subject `[#<token>]`; "
    "the sender must be the ticket's buyer; the quoted earlier mail is cut off; the same Message-ID lands once.",
    responses={200: ("What became of the message.", INBOUND_RECEIVED)},
    errors={401: "The secret is missing or wrong.", 413: "The message is larger than 2 MB."},
)
def inbound_email():
    import hmac

    from portal.api.errors import TooLarge, Unauthenticated
    from portal.support.inbound import receive

    secret = current_app.config.get("INBOUND_EMAIL_SECRET") or ""
    given = request.headers.get("X-Inbound-Secret") or ""
    if not secret or not hmac.compare_digest(secret.encode(), given.encode()):
        raise Unauthenticated()
    if (request.content_length or 0) > INBOUND_MAX_BYTES:
        raise TooLarge()
    raw = request.stream.read(INBOUND_MAX_BYTES + 1)
    if len(raw) > INBOUND_MAX_BYTES:
        raise TooLarge()
    result = receive(raw)
    return {"outcome": result.outcome, "ticket": result.ticket.number if result.ticket else None}
