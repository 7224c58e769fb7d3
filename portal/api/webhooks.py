"""Payment providers' webhooks (API.md): verified by the provider's signature, no API key.

The view only verifies and hands over; the ledger applies each event once
(``portal.payments.services.process_provider_event``).
"""

from __future__ import annotations

from flask import current_app, request
from flask_babel import lazy_gettext as _l

from portal.actors import Actor
from portal.api import bp
from portal.api.bodies import paths_with_nul
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


STRIPE_EVENT = NamedSchema(
    "StripeEvent",
    {
        "type": "object",
        "description": "A Stripe event object, as Stripe sends it (https://docs.stripe.com/api/events/object).",
        "required": ["id", "type"],
        "properties": {
            "id": {"type": "string", "examples": ["evt_1Q2w3E4r5T6y7U8i"]},
            "type": {"type": "string", "examples": ["refund.updated"]},
            "data": {"type": "object", "properties": {"object": {"type": "object"}}},
        },
    },
)
STRIPE_SIGNATURE = {
    "name": "Stripe-Signature",
    "in": "header",
    "required": True,
    "description": "Stripe's signature of the body with the endpoint's signing secret.",
    "schema": {
        "type": "string",
        "examples": ["t=1732000000,v1=5257a869e7ecebeda32affa62cdca3fa51cad7e77a0e56ff536d0ce8e108d8bd"],
    },
}


@bp.post("/webhooks/stripe")
@document(
    "Receive a Stripe event",
    tag="webhooks",
    description="Point a Stripe webhook endpoint here with the events refund.updated, refund.failed and "
    "charge.refunded, and set its signing secret as STRIPE_WEBHOOK_SECRET. The Stripe-Signature header "
    "is checked and may be at most five minutes old. Each event is applied once; a replay answers 200 "
    "with duplicate true. Other event types are acknowledged and ignored.",
    body=STRIPE_EVENT,
    json_body_errors=False,  # the signature is checked over the raw body, whatever it holds
    parameters=(STRIPE_SIGNATURE,),
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
    if paths_with_nul(event):  # no Stripe event holds one, and PostgreSQL could not keep it
        raise stripe_provider.MalformedEvent()
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
INBOUND_EMAIL = NamedSchema(
    "InboundEmail", {"type": "string", "description": "The whole message as received (RFC 822), headers and body."}
)


@bp.post("/inbound/email")
@document(
    "Receive a reply to a ticket e-mail",
    tag="webhooks",
    description="For the mail server (or an inbound-mail service): the raw message (RFC 822, "
    "`Content-Type: message/rfc822`, at most 2 MB) with the header `X-Inbound-Secret: <INBOUND_EMAIL_SECRET>`. "
    "The ticket is found by the token in the reply address `support+<token>@…` or the subject `[#<token>]`; "
    "the sender must be the ticket's buyer; the quoted earlier mail is cut off; the same Message-ID lands once.",
    body=INBOUND_EMAIL,
    body_media_type="message/rfc822",
    json_body_errors=False,  # read raw, whatever its Content-Type says
    security="inboundSecret",
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
        raise Unauthenticated(_l("Send the inbound e-mail secret in the header X-Inbound-Secret."))
    if (request.content_length or 0) > INBOUND_MAX_BYTES:
        raise TooLarge()
    raw = request.stream.read(INBOUND_MAX_BYTES + 1)
    if len(raw) > INBOUND_MAX_BYTES:
        raise TooLarge()
    result = receive(raw)
    return {"outcome": result.outcome, "ticket": result.ticket.number if result.ticket else None}
