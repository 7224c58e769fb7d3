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
        self, *, payment_reference: str, amount: int, currency: str, idempotency_key: str, metadata: dict[str, str]
    ) -> ProviderCharge:
        """Charge the card of the original payment ``payment_reference`` (off-session)."""
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
