"""What a buyer may do with an order now, each with the reason in plain words when not.

Takes the order summary. Returns and cancelling follow the order's return eligibility
(``summary.return_options``), claims the order's claim options (``portal.claims.services.options``,
given by the caller), instalments ``summary.instalment_options`` (read on first use). When the HTML order page needs the same answers, this belongs
beside ``portal.buyers.services.summarise``.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from portal.buyers.services import OrderSummary
from portal.claims.services import ClaimOptions
from portal.merchants.policy import effective_policy


@dataclass(frozen=True)
class Action:
    allowed: bool
    reason: str | None = None


def _return(summary: OrderSummary) -> Action:
    options = summary.return_options
    if options is None:
        return Action(False, str(_l("Returns are not available in this portal yet.")))
    if options.allowed:
        return Action(True)
    return Action(False, options.reason)


def _cancel(summary: OrderSummary) -> Action:
    """The same rule as ``portal.returns.services.cancel_order``, with its words."""
    order = summary.order
    options = summary.return_options
    if options is not None and options.cancel_instead:
        return Action(True)
    if order.cancelled_at is not None:
        return Action(False, str(_l("The order was cancelled.")))
    if order.shipments:
        return Action(
            False,
            str(
                _l(
                    "The order has already been sent, so it can no longer be cancelled. You can return it once it arrives."
                )
            ),
        )
    if not effective_policy(order.merchant.policy)["returns"]["allow_cancel"]:
        return Action(False, str(_l("This shop does not take cancellations here. Please contact the shop.")))
    return Action(True)


def _claim(options: ClaimOptions | None) -> Action:
    if options is None:
        return Action(False, str(_l("Reporting a defect is not available in this portal yet.")))
    if options.allowed:
        return Action(True)
    return Action(False, options.reason)


def _instalments(summary: OrderSummary) -> Action:
    options = getattr(summary, "instalment_options", None)
    if options is None:
        return Action(False, str(_l("Paying in instalments is not available in this portal yet.")))
    return Action(True) if options.allowed else Action(False, options.reason)


def buyer_actions(summary: OrderSummary, *, claim_options: ClaimOptions | None = None) -> dict[str, Action]:
    shipped = bool(summary.order.shipments)
    return {
        "track": Action(True) if shipped else Action(False, str(_l("The order has not been shipped yet."))),
        "contact_shop": Action(True),
        "return": _return(summary),
        "cancel": _cancel(summary),
        "claim": _claim(claim_options if claim_options is not None else getattr(summary, "claim_options", None)),
        "instalments": _instalments(summary),
    }
