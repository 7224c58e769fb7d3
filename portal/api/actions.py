"""What a buyer may do with an order now, each with the reason in plain words when not.

Pure: takes the order summary, touches no database. Returns, claims and instalments are
answered "not yet" until their capabilities arrive; each will replace its entry with its own
eligibility rule (e.g. the return window closed on a date). When the HTML order page needs the
same answers, this belongs beside ``portal.buyers.services.summarise``.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from portal.buyers.services import OrderSummary


@dataclass(frozen=True)
class Action:
    allowed: bool
    reason: str | None = None


def buyer_actions(summary: OrderSummary) -> dict[str, Action]:
    shipped = bool(summary.order.shipments)
    return {
        "track": Action(True) if shipped else Action(False, str(_l("The order has not been shipped yet."))),
        "contact_shop": Action(True),
        "return": Action(False, str(_l("Returns are not available in this portal yet."))),
        "claim": Action(False, str(_l("Reporting a defect is not available in this portal yet."))),
        "instalments": Action(False, str(_l("Paying in instalments is not available in this portal yet."))),
    }
