"""Pure rules about defect claims: who may claim, until when, how much, and when the shop's
rule accepts at once. No database: the services pass in the facts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from flask_babel import lazy_gettext as _l

from portal.returns.policy import percent_of

REMEDY_LABELS = {
    "price_reduction": _l("A price reduction"),
    "replacement": _l("A replacement"),
    "repair": _l("A repair"),
    "cancel": _l("Cancelling the purchase (money back)"),
}

STATUS_LABELS = {
    "open": _l("Waiting for the shop's answer"),
    "countered": _l("The shop made an offer: your answer is needed"),
    "accepted": _l("Agreed"),
    "resolved": _l("Resolved"),
    "escalated": _l("With customer support"),
    "withdrawn": _l("Withdrawn"),
}

# The presumption period: a defect that shows within it is presumed to have been there at
# delivery (the seller must prove otherwise). EU 2019/771 gives at least one year; Sweden two.
PRESUMPTION_YEARS = {"FI": 1, "DK": 1, "SE": 2, "NO": 1, "IS": 1}
NOTICE_MONTHS = 2  # a notice within two months of finding the defect is always in time
SUGGESTED_PERCENTS = (10, 20, 30)


def remedy_label(code: str) -> str:
    return str(REMEDY_LABELS.get(code, code))


def status_label(code: str) -> str:
    return str(STATUS_LABELS.get(code, code))


def presumption_years(country: str | None) -> int:
    return PRESUMPTION_YEARS.get((country or "").upper(), 1)


@dataclass(frozen=True)
class ClaimRights:
    """What the buyer is told before claiming, in plain words (the facts; templates say them)."""

    delivered_on: date | None
    claim_until: date | None  # the shop's claim period from delivery
    presumption_until: date | None
    presumption_years: int
    notice_months: int = NOTICE_MONTHS


def rights(delivered_on: date | None, country: str | None, period_months: int) -> ClaimRights:
    years = presumption_years(country)
    if delivered_on is None:
        return ClaimRights(None, None, None, years)
    return ClaimRights(
        delivered_on=delivered_on,
        claim_until=delivered_on + timedelta(days=round(30.44 * period_months)),
        presumption_until=delivered_on + timedelta(days=365 * years),
        presumption_years=years,
    )


def item_room(line_total: int, returned_value: int, agreed_before: int) -> int:
    """What one item can still get back through a claim: its price, less what its returns and
    earlier claims took (the ledger's order-wide guard applies on top)."""
    return max(0, line_total - returned_value - agreed_before)


def suggested_amounts(unit_price: int, room: int) -> list[tuple[int, int]]:
    """The 10 / 20 / 30 % steps of the item's price that fit in ``room``: [(percent, amount)]."""
    return [(pct, percent_of(unit_price, pct)) for pct in SUGGESTED_PERCENTS if 0 < percent_of(unit_price, pct) <= room]


def auto_accepts(amount: int, unit_price: int, claims_policy: dict) -> bool:
    """The shop's rule: proposals at most X % of the item's price, or at most Y, are accepted at once."""
    if amount <= 0:
        return False
    pct = Decimal(str(claims_policy.get("auto_accept_max_pct") or "0"))
    max_amount = int(claims_policy.get("auto_accept_max_amount") or 0)
    by_pct = pct > 0 and amount <= percent_of(unit_price, pct)
    by_amount = max_amount > 0 and amount <= max_amount
    return by_pct or by_amount
