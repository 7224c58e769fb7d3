"""Pure rules about returns: who may return what, until when, and what the money comes to.

No database here: the services pass in the order, the shop's policy, what was already
returned and the catalogue's variants, and get plain answers with reasons in plain words.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from portal.merchants.policy import STANDARD_REASONS

# The law (EU 2011/83, KSL 6:14): 14 days to withdraw from delivery, the money within 14 days
# of the notice.
LEGAL_WINDOW_DAYS = 14
REFUND_DUE_DAYS = 14
# The console warns this many days before a refund's legal due date.
DUE_SOON_DAYS = 3

REASON_LABELS = {
    "changed_mind": _l("I changed my mind"),
    "wrong_size": _l("Wrong size or fit"),
    "defective": _l("It is faulty or broken"),
    "wrong_item": _l("I received the wrong item"),
    "damaged_in_transit": _l("It was damaged in delivery"),
    "not_as_described": _l("It is not as described"),
    "other": _l("Another reason"),
}
# Reasons that say something is wrong with the goods: they point to a defect claim too.
FAULT_REASONS = ("defective", "wrong_item", "damaged_in_transit", "not_as_described")

RESOLUTION_LABELS = {
    "refund": _l("Money back to my original payment"),
    "store_credit": _l("Store credit"),
    "exchange": _l("Exchange for another size or colour"),
}

STATUS_LABELS = {
    "requested": _l("Requested, waiting for the shop"),
    "approved": _l("Approved: send the items back"),
    "received": _l("Received by the shop"),
    "refunded": _l("Settled: money back"),
    "exchanged": _l("Settled: exchange on its way"),
    "rejected": _l("Not accepted"),
    "cancelled": _l("Cancelled"),
}


# The state in a neutral word, for messages read by buyers and staff alike.
STATUS_WORDS = {
    "requested": _l("requested"),
    "approved": _l("approved"),
    "received": _l("received"),
    "refunded": _l("settled"),
    "exchanged": _l("settled"),
    "rejected": _l("rejected"),
    "cancelled": _l("cancelled"),
}


def status_word(status: str) -> str:
    return str(STATUS_WORDS.get(status, status))


def status_label(status: str) -> str:
    return str(STATUS_LABELS.get(status, status))


def resolution_label(code: str) -> str:
    return str(RESOLUTION_LABELS.get(code, code))


def reason_codes(returns_policy: dict) -> list[str]:
    return list(STANDARD_REASONS[:-1]) + [r["code"] for r in returns_policy.get("reasons") or []] + ["other"]


def reason_label(code: str, returns_policy: dict | None = None, language: str | None = None) -> str:
    """The reason in the reader's language: the standard ones translated, the shop's own from its labels."""
    if code in REASON_LABELS:
        return str(REASON_LABELS[code])
    language = language or str(get_locale() or "en")
    for reason in (returns_policy or {}).get("reasons") or []:
        if reason["code"] == code:
            labels = reason.get("labels") or {}
            return labels.get(language) or labels.get("en") or next(iter(labels.values()), code)
    return code


@dataclass(frozen=True)
class ExchangeOption:
    sku: str
    name: str
    attributes: dict
    price: int
    stock: int
    # Per unit: what goes back to the buyer when the new variant costs less, or what they pay
    # when it costs more (one of the two is 0).
    difference: int
    to_pay: int = 0


@dataclass
class ItemEligibility:
    item: Any  # OrderItem
    ordered: int
    already_returned: int
    allowed: bool
    reason: str | None = None
    exchange_options: list[ExchangeOption] = field(default_factory=list)

    @property
    def left(self) -> int:
        return max(0, self.ordered - self.already_returned)


@dataclass
class Eligibility:
    allowed: bool
    reason: str | None
    delivered_on: date | None
    window_closes_on: date | None
    within_window: bool
    # The order has not been delivered: cancelling is the way out, where the shop allows it.
    cancel_instead: bool
    # Outside the window but within the claim period: a defect claim is still possible.
    claim_instead: bool
    items: list[ItemEligibility]

    def item(self, line_id: str) -> ItemEligibility | None:
        return next((e for e in self.items if e.item.line_id == line_id), None)


def window_closes_on(delivered_on: date, window_days: int) -> date:
    return delivered_on + timedelta(days=max(window_days, LEGAL_WINDOW_DAYS))


def _non_returnable(item: Any, category: str | None, returns_policy: dict) -> bool:
    if item.sku in (returns_policy.get("non_returnable_skus") or []):
        return True
    categories = {c.lower() for c in returns_policy.get("non_returnable_categories") or []}
    return bool(category and category.lower() in categories)


def eligibility(
    order: Any,
    policy: dict,
    *,
    today: date,
    delivered_on: date | None,
    returned: dict[str, int],
    categories: dict[str, str | None],
    exchange_variants: dict[str, list[Any]],
) -> Eligibility:
    """What the buyer may return from ``order`` today, item by item, with the reason when not.

    ``returned``: quantities already held by other returns, by order item id.
    ``categories``: the catalogue's category of each item's SKU.
    ``exchange_variants``: the other variants of each item's product, by item SKU.
    """
    returns_policy, claims_policy = policy["returns"], policy["claims"]
    cancel = bool(returns_policy.get("allow_cancel")) and not order.shipments and order.cancelled_at is None
    items = [
        ItemEligibility(item=i, ordered=i.quantity, already_returned=returned.get(i.id, 0), allowed=False)
        for i in order.items
    ]

    def refuse(reason, *, cancel_instead=False, claim_instead=False, closes=None) -> Eligibility:
        for entry in items:
            entry.reason = str(reason)
        return Eligibility(
            allowed=False,
            reason=str(reason),
            delivered_on=delivered_on,
            window_closes_on=closes,
            within_window=False,
            cancel_instead=cancel_instead,
            claim_instead=claim_instead,
            items=items,
        )

    if order.cancelled_at is not None:
        return refuse(_l("The order was cancelled."))
    if delivered_on is None:
        if cancel:
            return refuse(
                _l("The order has not been delivered yet. You can cancel it instead, before it is sent."),
                cancel_instead=True,
            )
        return refuse(_l("You can return items once the order has been delivered."))
    closes = window_closes_on(delivered_on, returns_policy["window_days"])
    if today > closes:
        claim_until = delivered_on + timedelta(days=round(30.44 * int(claims_policy.get("period_months") or 24)))
        if today <= claim_until:
            return refuse(
                _l(
                    "The return window closed on %(date)s. If something is wrong with an item, you can "
                    "still report a defect.",
                    date=_date(closes),
                ),
                claim_instead=True,
                closes=closes,
            )
        return refuse(_l("The return window closed on %(date)s.", date=_date(closes)), closes=closes)

    any_allowed = False
    for entry in items:
        item = entry.item
        if _non_returnable(item, categories.get(item.sku), returns_policy):
            entry.reason = str(_l("The shop does not take this item back."))
            continue
        if entry.left <= 0:
            entry.reason = str(_l("Already returned."))
            continue
        entry.allowed = True
        any_allowed = True
        for variant in exchange_variants.get(item.sku, []):
            if variant.sku == item.sku or variant.available <= 0:
                continue
            entry.exchange_options.append(
                ExchangeOption(
                    sku=variant.sku,
                    name=variant.name,
                    attributes=dict(variant.attributes or {}),
                    price=variant.price,
                    stock=variant.available,
                    difference=max(0, item.unit_price - variant.price),
                    to_pay=max(0, variant.price - item.unit_price),
                )
            )
    return Eligibility(
        allowed=any_allowed,
        reason=None if any_allowed else str(_l("Nothing in this order can be returned any more.")),
        delivered_on=delivered_on,
        window_closes_on=closes,
        within_window=True,
        cancel_instead=False,
        claim_instead=False,
        items=items,
    )


def _date(value: date) -> str:
    from flask_babel import format_date

    return format_date(value, "long")


def percent_of(amount: int, pct: str | Decimal) -> int:
    """``pct`` percent of ``amount`` minor units, rounded half up to a whole minor unit."""
    return int((Decimal(amount) * Decimal(str(pct)) / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def refund_due_on(notice: date) -> date:
    return notice + timedelta(days=REFUND_DUE_DAYS)


def due_state(due_on: date, today: date) -> str | None:
    """``overdue`` after the due date, ``due_soon`` within DUE_SOON_DAYS of it, else None."""
    if today > due_on:
        return "overdue"
    if (due_on - today).days <= DUE_SOON_DAYS:
        return "due_soon"
    return None


@dataclass(frozen=True)
class Settlement:
    """What receiving a return pays out: one arithmetic for the settlement and its preview."""

    refund: int  # to the original payment, capped at what is left of it
    capped: bool  # the refund was cut to what is left of the payment
    shipping: int
    store_credit: int
    bonus: int
    fees: int
    conditions: list[str]  # per item: accepted | damaged
    item_fees: list[int]  # per item: the restocking fee taken
    exchanges: list[Any]


def settle(
    items: list[Any],
    *,
    conditions: dict[str, tuple[str, bool]],
    fee_pct: str,
    bonus_pct: str,
    shipping_refund: int,
    refundable: int,
) -> Settlement:
    """Settle ``items`` (return items) arrived in ``conditions`` (by order line id: condition and
    whether to take the restocking fee; missing lines arrived accepted).

    Refund items and store-credit items give their value less the fee on damaged ones;
    exchanges give back what the new variant costs less; the delivery goes back on a whole
    withdrawal; the refund never exceeds what is left of the payment.
    """
    refund = credit = fees = 0
    states, item_fees, exchanges = [], [], []
    for item in items:
        condition, take_fee = conditions.get(item.order_item.line_id, ("accepted", False))
        fee = (
            percent_of(item.value, fee_pct)
            if condition == "damaged" and take_fee and item.resolution != "exchange"
            else 0
        )
        states.append(condition)
        item_fees.append(fee)
        fees += fee
        if item.resolution == "refund":
            refund += item.value - fee
        elif item.resolution == "store_credit":
            credit += item.value - fee
        else:
            exchanges.append(item)
            refund += max(0, item.unit_price - (item.exchange_unit_price or 0)) * item.quantity
    refund += shipping_refund
    return Settlement(
        refund=min(refund, refundable),
        capped=refund > refundable,
        shipping=shipping_refund,
        store_credit=credit,
        bonus=percent_of(credit, bonus_pct) if credit else 0,
        fees=fees,
        conditions=states,
        item_fees=item_fees,
        exchanges=exchanges,
    )
