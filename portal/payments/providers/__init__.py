"""Payment providers: one interface, chosen per payment (``order.payment.provider``).

A provider call happens after the commit that decided it, never inside a transaction, and
always carries the refund row's idempotency key: repeating a call (a timeout, a crash,
reconcile) returns the first answer instead of moving money again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from flask_babel import lazy_gettext as _l

from portal.errors import DomainError


@dataclass(frozen=True)
class ProviderRefund:
    """The provider's answer about one refund."""

    reference: str | None
    status: str  # succeeded | pending | failed
    failure_code: str | None = None
    failure_message: str | None = None


@dataclass(frozen=True)
class ProviderCharge:
    """The provider's answer about one charge of the buyer's card."""

    reference: str | None
    status: str  # succeeded | pending | failed
    failure_code: str | None = None
    failure_message: str | None = None
    # On-session only: the bank wants the buyer to confirm; the page finishes it with this.
    client_secret: str | None = None


@dataclass(frozen=True)
class CardSetup:
    """A card being saved for later payments (Stripe: a SetupIntent) and, once saved, the card."""

    reference: str | None
    status: str  # requires_payment_method | requires_action | processing | succeeded | failed
    client_secret: str | None = None
    customer: str | None = None
    payment_method: str | None = None
    card_label: str = ""
    failure_code: str | None = None
    failure_message: str | None = None


class ProviderUnavailable(DomainError):
    """No answer (timeout, network, provider down): the outcome is unknown, so the row stays
    pending and the same attempt is sent again later with the same key."""

    code = "provider_unavailable"
    status = 503
    default_message = _l("The payment provider did not answer. The refund will be retried automatically.")


class ProviderMisconfigured(DomainError):
    code = "provider_misconfigured"
    status = 500
    default_message = _l("Payments are not set up correctly. The shop has been told.")


class PaymentProvider(Protocol):
    name: str

    def refund(
        self, *, payment_reference: str, amount: int, currency: str, idempotency_key: str, metadata: dict[str, str]
    ) -> ProviderRefund: ...

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
        """Charge a card: the one saved as ``customer``/``payment_method`` when given, else the card
        of the original payment ``payment_reference``; off-session unless the buyer is paying
        on a page (``on_session``: a bank's confirmation then answers pending + client_secret)."""
        ...

    def charge_status(self, reference: str) -> ProviderCharge:
        """Where a charge made earlier stands now (an on-session one the buyer has confirmed)."""
        ...

    def begin_card_setup(
        self, *, idempotency_key: str, email: str, payment_reference: str, metadata: dict[str, str]
    ) -> CardSetup:
        """Start saving a card for off-session payments (Stripe: a SetupIntent for the customer)."""
        ...

    def finish_card_setup(self, *, reference: str, card_number: str | None = None) -> CardSetup:
        """The set-up as it stands after the buyer's turn, with the saved card when it succeeded."""
        ...


def get_provider(name: str) -> PaymentProvider:
    from flask import current_app

    factories = current_app.extensions.setdefault("apuri.payment_providers", {})
    if name not in factories:
        if name == "simulated":
            from portal.payments.providers.simulated import SimulatedProvider

            factories[name] = SimulatedProvider()
        elif name == "stripe":
            from portal.payments.providers.stripe import StripeProvider

            factories[name] = StripeProvider.from_config(current_app.config)
        else:
            raise ProviderMisconfigured()
    return factories[name]
