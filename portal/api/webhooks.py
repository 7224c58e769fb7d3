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
