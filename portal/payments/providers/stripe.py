"""Stripe: refunds through the official library's ``StripeClient``, and Stripe's webhook events.

A refund is created on the order's PaymentIntent (or, for older integrations, its Charge) with
the ledger row's idempotency key, which the library also sends on its own network retries:
Stripe answers a repeated key with its first answer, so a timeout, a crash or reconcile never
refunds twice. Stripe's answers become the ledger's words:

- a refund object: succeeded → succeeded; pending / requires_action → pending; failed /
  canceled → failed with the reason;
- a refusal (``CardError``, ``InvalidRequestError``: already refunded, too much, unknown
  payment…) → failed with Stripe's code and a clear text: definitive, the amount is free again;
- no answer (connection, timeout, rate limit, Stripe's 5xx, an idempotency conflict) →
  ``ProviderUnavailable``: the outcome is unknown, the row stays pending and the same key is
  sent again later;
- the key refused (``AuthenticationError``, ``PermissionError``) → ``ProviderMisconfigured``.

A charge (the buyer pays e.g. the price difference of an exchange) goes, off-session, on the
card saved with the order's original payment: its PaymentIntent (or Charge) names the Stripe
customer and payment method; without them there is no card to charge (``no_saved_card``). A
new PaymentIntent is created and confirmed at once with the ledger row's key, and answered:

- succeeded → succeeded; processing → pending; requires_action / requires_payment_method /
  requires_confirmation → failed (the bank wants the buyer to confirm, which cannot be done
  off-session, unless Stripe's ``last_payment_error`` says why); canceled → failed;
- a refusal (``CardError``: declined, insufficient funds, authentication required…;
  ``InvalidRequestError``) → failed with Stripe's code (the ``decline_code`` when there is one)
  and a text for the buyer;
- no answer, or the key refused: as for refunds.

Stripe forgets an idempotency key after 24 hours, and a charge may stay pending longer
(processing, or reconcile asking again after an outage): before creating, the customer's
PaymentIntents are looked through for one carrying the key in its metadata, and an intent
found answers (in its current status) instead of a second one being made.

Events (``POST /api/v1/webhooks/stripe``) are verified with the signing secret and applied by
the ledger (``portal.payments.services.process_provider_event``).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import stripe
from flask_babel import lazy_gettext as _l

from portal.errors import DomainError
from portal.payments.providers import (
    CardSetup,
    ProviderCharge,
    ProviderMisconfigured,
    ProviderRefund,
    ProviderUnavailable,
)
from portal.payments.services import ProviderRefundEvent

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT_SECONDS = 10.0
DEFAULT_MAX_NETWORK_RETRIES = 2

# A Stripe refund's status → the ledger's.
_STATUSES = {
    "succeeded": "succeeded",
    "pending": "pending",
    "requires_action": "pending",
    "failed": "failed",
    "canceled": "failed",
}

# Stripe's refund failure reasons and error codes, said for the shop's staff.
FAILURE_MESSAGES = {
    "lost_or_stolen_card": _l("The card was reported lost or stolen, so the refund could not be paid to it."),
    "expired_or_canceled_card": _l("The card has expired or was cancelled."),
    "charge_for_pending_refund_disputed": _l("The buyer disputed the payment while the refund was on its way."),
    "insufficient_funds": _l("The shop's Stripe balance is too low for this refund."),
    "declined": _l("The card issuer declined the refund."),
    "card_declined": _l("The card issuer declined the refund."),
    "merchant_request": _l("The refund was cancelled in Stripe."),
    "canceled": _l("The refund was cancelled in Stripe."),
    "charge_already_refunded": _l("The payment has already been refunded in full."),
    "amount_too_large": _l("The amount is more than what is left to refund on the payment."),
    "charge_disputed": _l("The buyer has disputed the payment, so it cannot be refunded."),
    "resource_missing": _l("Stripe does not know this payment."),
    "payment_intent_unexpected_state": _l("The payment cannot be refunded in its current state."),
}

# A new PaymentIntent's status → the charge ledger's (any other status: pending).
_CHARGE_STATUSES = {
    "succeeded": "succeeded",
    "processing": "pending",
    "requires_action": "failed",
    "requires_payment_method": "failed",
    "requires_confirmation": "failed",
    "canceled": "failed",
}

# Why a charge of the buyer's card failed, said for the buyer. Stripe asks that a lost, stolen
# or fraud-suspected card be told to the buyer as a plain decline.
_DECLINED = _l("The card was declined.")
CHARGE_FAILURE_MESSAGES = {
    "card_declined": _DECLINED,
    "generic_decline": _DECLINED,
    "do_not_honor": _DECLINED,
    "lost_card": _DECLINED,
    "stolen_card": _DECLINED,
    "pickup_card": _DECLINED,
    "fraudulent": _DECLINED,
    "merchant_blacklist": _DECLINED,
    "insufficient_funds": _l("The card has insufficient funds."),
    "authentication_required": _l("The bank wants you to confirm the payment, which cannot be done here."),
    "expired_card": _l("The card has expired."),
    "card_velocity_exceeded": _l("The card's spending limit has been reached."),
    "processing_error": _l("The card could not be charged because of a processing error."),
    "no_saved_card": _l(
        "The card used for the order was not saved for later payments, so the difference cannot be charged "
        "automatically."
    ),
    "resource_missing": _l("The order's payment was not found at Stripe, so the difference cannot be charged."),
    "amount_too_small": _l("The amount is too small to be charged to a card."),
    "canceled": _l("The payment was cancelled."),
}

# The events that speak of refunds (``charge.refund.updated`` is the older name of ``refund.updated``).
REFUND_EVENTS = ("refund.updated", "refund.failed", "charge.refund.updated")
CHARGE_EVENTS = ("charge.refunded",)


class InvalidSignature(DomainError):
    code = "invalid_signature"
    status = 400
    default_message = _l(
        "The Stripe-Signature header is missing, does not match the body, or is more than five minutes old."
    )


class MalformedEvent(DomainError):
    code = "bad_request"
    status = 400
    default_message = _l("The body is not a Stripe event.")


def _failure_message(code: str | None, detail: str | None = None) -> str | None:
    message = FAILURE_MESSAGES.get(code or "")
    if message is not None:
        return str(message)
    if detail:
        return str(_l("Stripe refused the refund: %(detail)s", detail=detail))
    return code


def _charge_failure_message(*codes: str | None) -> str:
    for code in codes:
        message = CHARGE_FAILURE_MESSAGES.get(code or "")
        if message is not None:
            return str(message)
    return str(_l("The card could not be charged."))


def _id(value: Any) -> str | None:
    """An id, whether Stripe gave it as is or expanded into its object."""
    if isinstance(value, Mapping):
        value = value.get("id")
    return value if isinstance(value, str) and value else None


def _setting(config: Mapping[str, Any], name: str, default: float, convert: type) -> Any:
    value = config.get(name)
    if value is None or value == "":
        return convert(default)
    try:
        return convert(value)
    except (TypeError, ValueError):
        raise ProviderMisconfigured(
            _l("Stripe is not set up correctly: %(name)s is not a number.", name=name)
        ) from None


class StripeProvider:
    name = "stripe"

    def __init__(self, client: stripe.StripeClient, http_client: stripe.HTTPClient | None = None) -> None:
        self.client = client
        self._http_client = http_client

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> StripeProvider:
        api_key = config.get("STRIPE_SECRET_KEY")
        if not api_key:
            raise ProviderMisconfigured(_l("Stripe is not set up: STRIPE_SECRET_KEY is missing."))
        timeout = _setting(config, "STRIPE_TIMEOUT_SECONDS", DEFAULT_TIMEOUT_SECONDS, float)
        retries = _setting(config, "STRIPE_MAX_NETWORK_RETRIES", DEFAULT_MAX_NETWORK_RETRIES, int)
        http_client = stripe.RequestsClient(timeout=timeout)
        base = config.get("STRIPE_API_BASE")
        client = stripe.StripeClient(
            api_key,
            base_addresses={"api": base.rstrip("/")} if base else None,
            max_network_retries=retries,
            http_client=http_client,
        )
        return cls(client, http_client)

    def close(self) -> None:
        if self._http_client is not None:
            self._http_client.close()

    def refund(
        self, *, payment_reference: str, amount: int, currency: str, idempotency_key: str, metadata: dict[str, str]
    ) -> ProviderRefund:
        params: dict[str, Any] = {
            "amount": amount,
            # The key in the metadata tells a later event which attempt it speaks of.
            "metadata": {**metadata, "apuri_idempotency_key": idempotency_key},
        }
        params["charge" if payment_reference.startswith(("ch_", "py_")) else "payment_intent"] = payment_reference
        try:
            refund = self.client.v1.refunds.create(params=params, options={"idempotency_key": idempotency_key})
        except (stripe.CardError, stripe.InvalidRequestError) as exc:
            # A refusal: Stripe made no refund for this key and will answer it the same way again.
            code = exc.code or "invalid_request"
            log.info("stripe refused refund %s: %s (%s)", idempotency_key, code, exc.user_message)
            return ProviderRefund(
                reference=None,
                status="failed",
                failure_code=code[:64],
                failure_message=_failure_message(code, exc.user_message),
            )
        except (stripe.AuthenticationError, stripe.PermissionError) as exc:
            log.error("stripe refused the API key for refund %s: %s", idempotency_key, exc.user_message)
            raise ProviderMisconfigured(_l("Stripe refused the API key: check STRIPE_SECRET_KEY.")) from exc
        except stripe.StripeError as exc:
            # Connection, timeout, rate limit, Stripe's 5xx, an idempotency conflict: no answer
            # we can trust, so the refund may or may not exist. The same key asks again later.
            log.warning("stripe gave no answer for refund %s: %s", idempotency_key, exc.__class__.__name__)
            raise ProviderUnavailable() from exc
        return refund_answer(refund.to_dict())

    def charge(
        self,
        *,
        payment_reference: str,
        amount: int,
        currency: str,
        idempotency_key: str,
        metadata: dict[str, str],
        customer: str | None = None,
        payment_method: str | None = None,
        on_session: bool = False,
    ) -> ProviderCharge:
        try:
            if customer is None or payment_method is None:
                customer, payment_method = self._saved_card(payment_reference)
            if customer is None or payment_method is None:
                log.info("charge %s: payment %s has no saved card", idempotency_key, payment_reference)
                return ProviderCharge(
                    reference=None,
                    status="failed",
                    failure_code="no_saved_card",
                    failure_message=_charge_failure_message("no_saved_card"),
                )
            made = self._intent_with_key(customer, idempotency_key)
            if made is not None:  # asked before (Stripe may have forgotten the key): no second charge
                return charge_answer(made, on_session=on_session)
            intent = self.client.v1.payment_intents.create(
                params={
                    "amount": amount,
                    "currency": currency.lower(),
                    "customer": customer,
                    "payment_method": payment_method,
                    "off_session": not on_session,
                    "confirm": True,
                    # Nobody is there to follow a redirect: only methods that need none.
                    "automatic_payment_methods": {"enabled": True, "allow_redirects": "never"},
                    "metadata": {**metadata, "apuri_idempotency_key": idempotency_key},
                },
                options={"idempotency_key": idempotency_key},
            )
        except (stripe.CardError, stripe.InvalidRequestError) as exc:
            # A refusal: Stripe charged nothing for this key and will answer it the same way again.
            error = exc.error.to_dict() if exc.error is not None else {}
            decline_code = _text(error.get("decline_code"))
            code = decline_code or exc.code or "invalid_request"
            log.info("stripe refused charge %s: %s (%s)", idempotency_key, code, exc.user_message)
            return ProviderCharge(
                reference=_id(error.get("payment_intent")),  # the unpaid intent Stripe made, if any
                status="failed",
                failure_code=code[:64],
                failure_message=_charge_failure_message(decline_code, exc.code),
            )
        except (stripe.AuthenticationError, stripe.PermissionError) as exc:
            log.error("stripe refused the API key for charge %s: %s", idempotency_key, exc.user_message)
            raise ProviderMisconfigured(_l("Stripe refused the API key: check STRIPE_SECRET_KEY.")) from exc
        except stripe.StripeError as exc:
            # No answer we can trust: the charge may or may not exist. The same key asks again later.
            log.warning("stripe gave no answer for charge %s: %s", idempotency_key, exc.__class__.__name__)
            raise ProviderUnavailable(
                _l("The payment provider did not answer. The charge will be retried automatically.")
            ) from exc
        return charge_answer(intent.to_dict(), on_session=on_session)

    def charge_status(self, reference: str) -> ProviderCharge:
        """A PaymentIntent's status now (the buyer confirmed it on the page, or gave up)."""
        try:
            intent = self.client.v1.payment_intents.retrieve(reference)
        except stripe.InvalidRequestError:
            return ProviderCharge(
                reference=reference,
                status="failed",
                failure_code="resource_missing",
                failure_message=_charge_failure_message("resource_missing"),
            )
        except (stripe.AuthenticationError, stripe.PermissionError) as exc:
            raise ProviderMisconfigured(_l("Stripe refused the API key: check STRIPE_SECRET_KEY.")) from exc
        except stripe.StripeError as exc:
            raise ProviderUnavailable() from exc
        return charge_answer(intent.to_dict(), on_session=True)

    def begin_card_setup(
        self, *, idempotency_key: str, email: str, payment_reference: str, metadata: dict[str, str]
    ) -> CardSetup:
        """A SetupIntent for off-session use, on the customer of the original payment (or a new
        customer by the buyer's e-mail); its client secret lets the page collect the card."""
        try:
            customer = None
            if payment_reference:
                try:
                    customer, _method = self._saved_card(payment_reference)
                except stripe.InvalidRequestError:
                    customer = None
            if customer is None:
                made = self.client.v1.customers.create(
                    params={"email": email, "metadata": metadata},
                    options={"idempotency_key": f"{idempotency_key}-customer"},
                )
                customer = made.id
            intent = self.client.v1.setup_intents.create(
                params={
                    "customer": customer,
                    "usage": "off_session",
                    "automatic_payment_methods": {"enabled": True, "allow_redirects": "never"},
                    "metadata": {**metadata, "apuri_idempotency_key": idempotency_key},
                },
                options={"idempotency_key": idempotency_key},
            )
        except (stripe.AuthenticationError, stripe.PermissionError) as exc:
            raise ProviderMisconfigured(_l("Stripe refused the API key: check STRIPE_SECRET_KEY.")) from exc
        except stripe.StripeError as exc:
            log.warning("stripe gave no answer for setup %s: %s", idempotency_key, exc.__class__.__name__)
            raise ProviderUnavailable(_l("The payment provider did not answer. Please try again in a moment.")) from exc
        values = intent.to_dict()
        return CardSetup(
            reference=values.get("id"),
            status=str(values.get("status")),
            client_secret=values.get("client_secret"),
            customer=customer,
        )

    def finish_card_setup(self, *, reference: str, card_number: str | None = None) -> CardSetup:
        """The SetupIntent after the buyer confirmed it with Stripe.js: the card when it succeeded."""
        try:
            values = self.client.v1.setup_intents.retrieve(reference).to_dict()
            method = values.get("payment_method")
            label = ""
            if values.get("status") == "succeeded" and isinstance(method, str):
                card = (self.client.v1.payment_methods.retrieve(method).to_dict() or {}).get("card") or {}
                if card.get("last4"):
                    label = f"{str(card.get('brand') or 'card').title()} •••• {card['last4']}"
        except stripe.InvalidRequestError as exc:
            return CardSetup(reference=reference, status="failed", failure_code=exc.code or "invalid_request")
        except (stripe.AuthenticationError, stripe.PermissionError) as exc:
            raise ProviderMisconfigured(_l("Stripe refused the API key: check STRIPE_SECRET_KEY.")) from exc
        except stripe.StripeError as exc:
            raise ProviderUnavailable(_l("The payment provider did not answer. Please try again in a moment.")) from exc
        status = str(values.get("status"))
        error = values.get("last_setup_error") if isinstance(values.get("last_setup_error"), Mapping) else {}
        code = _text(error.get("decline_code")) or _text(error.get("code"))
        # A card refused while being saved leaves the SetupIntent waiting for another card
        # (requires_payment_method) with the reason in last_setup_error: the card failed.
        refused = status == "requires_payment_method" and code is not None
        return CardSetup(
            reference=values.get("id"),
            status="failed" if status == "canceled" or refused else status,
            client_secret=values.get("client_secret"),
            customer=_id(values.get("customer")),
            payment_method=_id(method) if status == "succeeded" else None,
            card_label=label,
            failure_code=code,
            failure_message=_charge_failure_message(code) if code else None,
        )

    def _saved_card(self, payment_reference: str) -> tuple[str | None, str | None]:
        """The Stripe customer and payment method of the order's original payment."""
        if payment_reference.startswith(("ch_", "py_")):
            payment = self.client.v1.charges.retrieve(payment_reference)
        else:
            payment = self.client.v1.payment_intents.retrieve(payment_reference)
        values = payment.to_dict()
        return _id(values.get("customer")), _id(values.get("payment_method"))

    def _intent_with_key(self, customer: str, idempotency_key: str, scan: int = 300) -> dict[str, Any] | None:
        """The customer's PaymentIntent made with this key, if any (newest first, the last ``scan``)."""
        page = self.client.v1.payment_intents.list(params={"customer": customer, "limit": 100})
        for seen, intent in enumerate(page.auto_paging_iter()):
            if seen >= scan:
                break
            values = intent.to_dict()
            if (values.get("metadata") or {}).get("apuri_idempotency_key") == idempotency_key:
                return values
        return None


def charge_answer(intent: Mapping[str, Any], *, on_session: bool = False) -> ProviderCharge:
    """A Stripe PaymentIntent made for a charge as the charge ledger's answer.

    On-session, an intent waiting for the bank's confirmation is pending: the buyer's page
    finishes it with the client secret (Stripe.js), then the ledger asks for its status again.
    """
    if on_session and intent.get("status") == "requires_action":
        return ProviderCharge(reference=intent.get("id"), status="pending", client_secret=intent.get("client_secret"))
    status = _CHARGE_STATUSES.get(str(intent.get("status")), "pending")
    if status != "failed":
        return ProviderCharge(reference=intent.get("id"), status=status)
    error = intent.get("last_payment_error")
    error = error if isinstance(error, Mapping) else {}
    decline_code, error_code = _text(error.get("decline_code")), _text(error.get("code"))
    # Without a reason: a canceled intent was cancelled at Stripe (e.g. by the shop's staff); the
    # others wait for the buyer, which off-session means authentication the bank wants.
    fallback = "canceled" if intent.get("status") == "canceled" else "authentication_required"
    code = decline_code or error_code or fallback
    return ProviderCharge(
        reference=intent.get("id"),
        status="failed",
        failure_code=code[:64],
        failure_message=_charge_failure_message(decline_code, error_code, code),
    )


def refund_answer(refund: Mapping[str, Any]) -> ProviderRefund:
    """A Stripe refund object as the ledger's answer."""
    status = _STATUSES.get(str(refund.get("status")), "pending")
    code = None
    if status == "failed":
        code = str(refund.get("failure_reason") or refund.get("status") or "failed")[:64]
    return ProviderRefund(
        reference=refund.get("id"),
        status=status,
        failure_code=code,
        failure_message=_failure_message(code) if code else None,
    )


# -- webhooks --------------------------------------------------------------------------------


def verify_event(payload: bytes, signature: str | None, secret: str | None) -> dict[str, Any]:
    """The event in a webhook body, once its signature (and its age, at most 300 s) is checked."""
    if not secret:
        raise ProviderMisconfigured(_l("Stripe webhooks are not set up: STRIPE_WEBHOOK_SECRET is missing."))
    try:
        event = stripe.Webhook.construct_event(payload, signature, secret)
    except stripe.SignatureVerificationError:
        raise InvalidSignature() from None
    except (ValueError, TypeError, AttributeError):  # signed, but not a JSON object
        raise MalformedEvent() from None
    values = event.to_dict()
    event_id, event_type = values.get("id"), values.get("type")
    if not (isinstance(event_id, str) and 0 < len(event_id) <= 100 and isinstance(event_type, str) and event_type):
        raise MalformedEvent()
    return values


def _refunds_in(event: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    data = event.get("data")
    obj = data.get("object") if isinstance(data, Mapping) else None
    if not isinstance(obj, Mapping):
        return []
    if event["type"] in REFUND_EVENTS:
        return [obj]
    if event["type"] in CHARGE_EVENTS:
        refunds = obj.get("refunds")  # a list object, when the account's API version includes it
        if isinstance(refunds, Mapping):
            refunds = refunds.get("data")
        return [r for r in refunds if isinstance(r, Mapping)] if isinstance(refunds, list) else []
    return []


def refund_events(event: Mapping[str, Any]) -> list[ProviderRefundEvent]:
    """What a verified event says about refunds, for the ledger (none for other event types)."""
    events = []
    for refund in _refunds_in(event):
        if refund.get("object", "refund") != "refund" or not isinstance(refund.get("id"), str):
            continue
        answer = refund_answer(refund)
        metadata = refund.get("metadata")
        metadata = metadata if isinstance(metadata, Mapping) else {}
        events.append(
            ProviderRefundEvent(
                status=answer.status,
                reference=answer.reference,
                refund_id=_text(metadata.get("apuri_refund_id")),
                idempotency_key=_text(metadata.get("apuri_idempotency_key")),
                failure_code=answer.failure_code,
                failure_message=answer.failure_message,
            )
        )
    return events


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
