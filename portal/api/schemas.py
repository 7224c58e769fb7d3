"""What the API answers, as pydantic models: serializers fill them, openapi.json describes them.

Request bodies are the domain's own schemas (portal.orders.schemas); these are the answers.
``extra="forbid"`` keeps a serializer from sending a field the published document does not name.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, StringConstraints, WithJsonSchema


def _rfc3339(value: datetime) -> str:
    """The time with its offset, as RFC 3339 allows it: whole minutes. Zones gave far-past times
    their local mean time (Helsinki before 1921: +01:39:49); such a time goes out in UTC instead."""
    offset = value.utcoffset()
    if offset is not None and (offset.seconds % 60 or offset.microseconds):
        value = value.astimezone(UTC)
    return value.isoformat()


# Times go out with their offset, in the shop's time zone: 2026-11-02T12:00:00+02:00.
Timestamp = Annotated[
    datetime,
    PlainSerializer(_rfc3339, return_type=str),
    WithJsonSchema({"type": "string", "format": "date-time", "examples": ["2026-11-23T10:15:00+02:00"]}),
]


class Out(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class MoneyOut(Out):
    """An amount in minor units (cents, öre, øre) with its currency."""

    amount: int
    currency: str = Field(examples=["EUR"])


class CustomerOut(Out):
    email: str
    name: str


class AddressOut(Out):
    name: str
    street: str
    postal_code: str
    city: str
    country: str


class ItemOut(Out):
    id: str = Field(description="The shop's own line id, as sent in the order body.")
    sku: str
    name: str
    quantity: int
    unit_price: MoneyOut
    tax_rate: str = Field(description="Percent, as a decimal string.", examples=["25.50"])
    attributes: dict[str, str]
    total: MoneyOut


class ShippingOut(Out):
    amount: MoneyOut
    address: AddressOut


class PaymentOut(Out):
    provider: str
    reference: str
    method: str
    captured: MoneyOut


class TrackingEventOut(Out):
    id: str
    shipment_id: str
    status: str = Field(description="Normalised carrier status (pending, in_transit, delivered …).")
    status_label: str
    occurred_at: Timestamp
    location: str | None
    description: str | None


class ShipmentOut(Out):
    id: str
    carrier: str
    tracking_number: str
    tracking_url: str | None = Field(description="The carrier's own tracking page, when the carrier is known.")
    estimated_delivery: date | None
    status: str
    status_label: str
    delivered_at: Timestamp | None
    created_at: Timestamp
    events: list[TrackingEventOut]


class RefundOut(Out):
    id: str
    amount: MoneyOut
    status: str = Field(description="pending, succeeded or failed.")
    source: str = Field(description="return, claim, manual or instalment_switch.")
    reason: str
    created_at: Timestamp
    updated_at: Timestamp


class MerchantRefundOut(RefundOut):
    """A refund as the shop sees it: with the provider's side of it."""

    order_number: str
    provider_reference: str | None = Field(description="The payment provider's id for the refund, once it has one.")
    failure_code: str | None = Field(description="The provider's code when the refund failed.", examples=[None])
    failure_reason: str | None = Field(description="The provider's reason when the refund failed.")
    requested_by: str = Field(description="Who asked for the refund: staff e-mail, API key name or Apuri.")


class RefundListOut(Out):
    refunds: list[MerchantRefundOut]
    next: str | None = Field(description="Cursor for the next page (?cursor=); null on the last page.")


class MoneySummaryOut(Out):
    """The order's money in one look."""

    paid: MoneyOut = Field(description="Captured from the buyer.")
    refunded: MoneyOut = Field(description="Refunds that have succeeded.")
    pending: MoneyOut = Field(description="Refunds on their way (the provider has not confirmed them yet).")
    failed: MoneyOut = Field(description="Refunds the provider refused; they can be sent again.")
    store_credit_issued: MoneyOut = Field(description="Store credit given for this order.")
    refundable: MoneyOut = Field(description="What can still be refunded: paid minus refunded and pending.")


class BuyerMoneyOut(Out):
    """The order's money as its buyer sees it."""

    paid: MoneyOut
    refunded: MoneyOut = Field(description="Returned to the buyer's payment.")
    pending: MoneyOut = Field(description="On its way back to the buyer's payment.")
    store_credit_issued: MoneyOut = Field(description="Given as store credit for this order.")


# -- store credit ---------------------------------------------------------------------------


class StoreCreditMovementOut(Out):
    id: str
    amount: MoneyOut = Field(description="Positive when credit was issued, negative when it was redeemed.")
    kind: str = Field(description="issued or redeemed.")
    source: str = Field(description="return, manual or api.")
    reason: str
    order_number: str | None
    created_at: Timestamp


class StoreCreditOut(Out):
    """A customer's store credit at this shop."""

    email: str
    balances: list[MoneyOut] = Field(description="What the customer can spend, by currency.")
    movements: list[StoreCreditMovementOut] = Field(description="The newest 100 movements, newest first.")


class StoreCreditRedemptionOut(Out):
    movement: StoreCreditMovementOut
    balance: MoneyOut = Field(description="What is left in this currency after the redemption.")


class StoreCreditRedeemIn(BaseModel):
    """Spend the customer's store credit (the shop's checkout used it)."""

    model_config = ConfigDict(extra="forbid")

    amount: Annotated[int, Field(ge=1, le=2_000_000_000, strict=True)] = Field(
        description="Minor units to take from the balance."
    )
    currency: Literal["EUR", "SEK", "DKK", "NOK", "ISK"] | None = Field(
        default=None, description="Defaults to the order's currency with order_number, else the shop's."
    )
    reason: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] = ""
    order_number: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)] | None = None
    idempotency_key: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)] | None = (
        Field(
            default=None,
            description="Sending the same key again answers 200 with the first redemption and spends nothing "
            "more. The Idempotency-Key header works as well.",
        )
    )


# -- returns --------------------------------------------------------------------------------


class ReturnItemOut(Out):
    item_id: str = Field(description="The order line's id, as sent in the order body.")
    sku: str
    name: str
    quantity: int
    unit_price: MoneyOut = Field(description="What was paid for one, as on the order.")
    reason: str = Field(description="A reason code: the standard ones or the shop's own.")
    reason_label: str
    resolution: str = Field(description="refund, store_credit or exchange.")
    resolution_label: str
    exchange_sku: str | None = Field(description="The variant asked for in exchange (its stock is reserved).")
    exchange_price: MoneyOut | None = Field(description="The exchange variant's price for one.")
    condition: str | None = Field(description="accepted or damaged, once received.")
    restocking_fee: MoneyOut = Field(description="Taken from this item's money for damage, once received.")


class ReturnSettlementOut(Out):
    """What receiving the return paid out (all zero until then)."""

    refund: MoneyOut = Field(description="Back to the original payment (with delivery when the whole order went back).")
    store_credit: MoneyOut = Field(description="Store credit for the items, before the bonus.")
    store_credit_bonus: MoneyOut = Field(description="The shop's bonus on top of the store credit.")
    restocking_fees: MoneyOut
    refund_id: str | None = Field(description="The refund in GET /api/v1/refunds.")
    refund_status: str | None = Field(description="pending, succeeded or failed.")
    exchange_order: str | None = Field(description="The number of the order that sends the exchanged variants.")


class ReturnDifferenceOut(Out):
    """An exchange for a dearer variant: the price difference the buyer pays."""

    due: MoneyOut
    status: str | None = Field(
        description="null (nothing to pay), pending (being charged: the shop cannot decide yet), paid, "
        "failed (the return was withdrawn) or refunded (rejected or withdrawn after paying)."
    )


class ReturnOut(Out):
    """A return: what goes back, why, what the buyer wants instead, and how it was settled."""

    id: str
    number: str = Field(description="What the buyer writes on the parcel.", examples=["1001-R1"])
    order: str = Field(description="The order's number.")
    status: str = Field(description="requested, approved, received, refunded, exchanged, rejected or cancelled.")
    status_label: str
    items: list[ReturnItemOut]
    comment: str = Field(description="The buyer's own words.")
    within_window: bool = Field(description="Asked within the return window.")
    whole_order: bool = Field(description="The whole order went back within the window: delivery is refunded too.")
    shipping_refund: MoneyOut
    refund_due_on: date = Field(description="The law's last day for the money (14 days from the request).")
    auto_approved: bool = Field(description="Approved by the shop's auto_approve_max rule.")
    message: str = Field(description="The shop's message with its decision.")
    difference: ReturnDifferenceOut
    settlement: ReturnSettlementOut
    created_at: Timestamp
    approved_at: Timestamp | None
    rejected_at: Timestamp | None
    received_at: Timestamp | None
    settled_at: Timestamp | None
    slip_url: str | None = Field(
        description="The printable return slip (PDF, with a buyer token), once the return is approved; null before."
    )


class ReturnListOut(Out):
    returns: list[ReturnOut]
    next: str | None = Field(description="Cursor for the next page (?cursor=); null on the last page.")


class ExchangeOptionOut(Out):
    sku: str
    name: str
    attributes: dict[str, str]
    price: MoneyOut
    stock: int
    difference: MoneyOut = Field(description="Paid back per unit because this variant costs less (never negative).")
    to_pay: MoneyOut = Field(
        description="Paid by the buyer per unit because this variant costs more: charged to the card of the "
        "original payment when the return is asked for."
    )


class ReturnableItemOut(Out):
    item_id: str
    returnable_quantity: int = Field(description="How many of this line can still be returned.")
    allowed: bool
    reason: str | None = Field(description="Why not, in plain words; null when allowed.")
    exchange_options: list[ExchangeOptionOut] = Field(
        description="Other variants of the product in stock that cost no more than was paid."
    )


class CodeLabelOut(Out):
    code: str
    label: str = Field(description="In the request's language.")


class ReturnOptionsOut(Out):
    """What the buyer may return now, for building a return form."""

    allowed: bool
    reason: str | None = Field(description="Why nothing can be returned, in plain words; null when allowed.")
    window_closes_on: date | None = Field(description="The last day to ask for a return; null before delivery.")
    items: list[ReturnableItemOut]
    reasons: list[CodeLabelOut] = Field(description="The shop's return reasons, standard and its own.")
    resolutions: list[CodeLabelOut] = Field(description="refund, store_credit and exchange.")


# -- claims ---------------------------------------------------------------------------------


class ClaimItemOut(Out):
    item_id: str = Field(description="The order line's id, as sent in the order body.")
    sku: str
    name: str
    unit_price: MoneyOut = Field(description="What was paid for one, as on the order.")


class ClaimOfferOut(Out):
    """One step of the negotiation."""

    by: str = Field(description="buyer (the proposal) or merchant (a counter-offer or the rejection).")
    amount: MoneyOut = Field(description="The money back proposed; 0 for a replacement, a repair or a rejection.")
    message: str
    status: str = Field(
        description="open (waiting for an answer), accepted, declined, superseded (a newer offer replaced it) "
        "or rejection (the shop's no, with its message)."
    )
    created_at: Timestamp
    decided_at: Timestamp | None


class ClaimPhotoOut(Out):
    """A photo as Apuri re-encoded it: a JPEG without metadata, and its thumbnail."""

    id: str
    url: str = Field(description="The photo (image/jpeg), with the same credentials as the claim.")
    thumbnail_url: str = Field(description="A small version (image/jpeg), for lists.")
    width: int
    height: int


class ClaimFulfilmentOut(Out):
    carrier: str | None
    tracking_number: str | None
    tracking_url: str | None
    note: str


class ClaimOut(Out):
    """A defect claim: what is wrong with which item, what the buyer wants, and the negotiation."""

    id: str
    number: str = Field(examples=["1001-C1"])
    order: str = Field(description="The order's number.")
    item: ClaimItemOut
    status: str = Field(
        description="open (the shop's turn), countered (the buyer's turn), accepted, resolved, "
        "escalated (with support) or withdrawn."
    )
    status_label: str
    remedy: str = Field(description="price_reduction, replacement, repair or cancel.")
    remedy_label: str
    description: str = Field(description="The buyer's own words about the defect.")
    noticed_on: date | None = Field(description="When the buyer noticed the defect, if they said.")
    answer_due_at: Timestamp = Field(description="The shop's answer is due by then (the shop's SLA).")
    auto_accepted: bool = Field(description="Accepted at once by the shop's auto-accept rule.")
    agreed_amount: MoneyOut = Field(
        description="The money back agreed (0 until accepted, and for a replacement or repair)."
    )
    refund_id: str | None = Field(description="The refund in GET /api/v1/refunds.")
    refund_status: str | None = Field(description="pending, succeeded or failed.")
    offers: list[ClaimOfferOut] = Field(description="Oldest first.")
    photos: list[ClaimPhotoOut]
    created_at: Timestamp
    accepted_at: Timestamp | None
    escalated_at: Timestamp | None
    resolved_at: Timestamp | None
    fulfilment: ClaimFulfilmentOut | None = Field(
        description="How a replacement or repair ended: the replacement's carrier and tracking, the shop's note."
    )


class ClaimListOut(Out):
    claims: list[ClaimOut]
    next: str | None = Field(description="Cursor for the next page (?cursor=); null on the last page.")


class ClaimSuggestionOut(Out):
    percent: int
    amount: MoneyOut


class ClaimableItemOut(Out):
    item_id: str
    allowed: bool
    reason: str | None = Field(description="Why not, in plain words; null when allowed.")
    max_amount: MoneyOut = Field(description="The most this item can still get back (price reduction or cancel).")
    suggestions: list[ClaimSuggestionOut] = Field(description="10, 20 and 30 % of the item's price, where they fit.")


class ClaimOptionsOut(Out):
    """What the buyer may claim now, and their rights, for building a claim form."""

    allowed: bool
    reason: str | None = Field(description="Why no defect can be reported now, in plain words; null when allowed.")
    delivered_on: date | None
    claim_until: date | None = Field(description="The end of the shop's claim period.")
    presumption_until: date | None = Field(
        description="Until then a defect is presumed to have been there at delivery."
    )
    items: list[ClaimableItemOut]
    remedies: list[CodeLabelOut]


# -- catalogue ------------------------------------------------------------------------------


class VariantOut(Out):
    """A sellable variant (size, colour) with its live stock; variants of one product are exchange options."""

    sku: str
    product: str
    name: str
    attributes: dict[str, str]
    price: MoneyOut
    stock: int = Field(description="On hand, as the shop last reported it, plus returns received since.")
    reserved: int = Field(description="Held for exchanges not yet sent.")
    available: int = Field(description="What buyers can still get: stock − reserved.")
    category: str | None
    updated_at: Timestamp


class PlanFeesOut(Out):
    setup_fee: MoneyOut = Field(description="Charged with the first instalment.")
    monthly_fee: MoneyOut
    total: MoneyOut


class InstalmentOut(Out):
    number: int
    due_date: date
    principal: MoneyOut
    interest: MoneyOut
    fee: MoneyOut
    amount: MoneyOut
    status: str = Field(
        description="scheduled, charging, paid, failed (unpaid: pay on the plan's page) or settled_early."
    )
    paid: MoneyOut = Field(description="What was paid for it (less than `amount` when settled early).")
    paid_at: Timestamp | None
    failure: str | None = Field(description="Why its charge failed, in plain words.")


class PlanOut(Out):
    """An instalment plan: the terms as accepted, the schedule and where it stands."""

    id: str
    number: str
    order_number: str
    status: str = Field(description="awaiting_card, active, in_arrears, paid_off or cancelled.")
    status_label: str
    credit: MoneyOut = Field(description="The amount of credit: what was paid for the order.")
    months: int
    nominal_rate: str = Field(description="Percent a year, fixed.", examples=["9.90"])
    apr: str = Field(description="The annual percentage rate of charge (EU formula), percent.", examples=["12.5"])
    fees: PlanFeesOut
    total_interest: MoneyOut
    total_payable: MoneyOut
    card: str | None = Field(description="The saved card, e.g. 'Visa •••• 4242'.")
    started_on: date | None
    withdrawal_until: date | None = Field(description="The last day to withdraw from the credit (14 days).")
    paid: MoneyOut
    left: MoneyOut
    arrears: MoneyOut = Field(description="Instalments whose charge failed and which are not paid yet.")
    next_instalment: InstalmentOut | None
    instalments: list[InstalmentOut]
    created_at: Timestamp


class ScheduledOut(Out):
    number: int
    due_date: date
    amount: MoneyOut


class InstalmentOptionOut(Out):
    """One plan on offer, with every cost, before anything is accepted."""

    months: int
    instalment: MoneyOut = Field(description="The regular monthly instalment.")
    first_instalment: MoneyOut = Field(description="Due today: kept from the original payment.")
    first_due_date: date
    nominal_rate: str = Field(examples=["9.90"])
    fees: PlanFeesOut
    total_interest: MoneyOut
    apr: str = Field(examples=["12.5"])
    interest_free: bool = Field(description="True only when the APR is 0 %.")
    credit: MoneyOut
    total_cost: MoneyOut = Field(description="Interest and fees together.")
    total_payable: MoneyOut
    refund_now: MoneyOut = Field(description="What goes back to the original payment when the plan starts.")
    schedule: list[ScheduledOut]
    representative_example: str


class InstalmentOptionsOut(Out):
    allowed: bool
    reason: str | None = Field(description="Why not, in plain words; null when allowed.")
    window_closes_on: date | None
    plans: list[InstalmentOptionOut]


class NextStepOut(Out):
    action: str = Field(description="save_card: the buyer saves a card for the monthly charges; none: nothing.")
    url: str | None = Field(description="The portal page where the buyer does it.")
    provider: str
    client_secret: str | None = Field(description="Stripe: the SetupIntent's client secret for Stripe.js.")


class PlanCreatedOut(Out):
    plan: PlanOut
    next: NextStepOut


class PlanListOut(Out):
    plans: list[PlanOut]
    next: str | None = Field(description="A cursor for the next page, or null.")


class TicketMessageOut(Out):
    id: str
    author: str = Field(description="buyer, shop or system.")
    author_name: str
    body: str
    via: str = Field(description="portal, email or api.")
    created_at: Timestamp


class TicketOut(Out):
    """A support ticket as its buyer sees it: the public conversation, never internal notes."""

    id: str
    number: str
    subject: str
    status: str = Field(description="new, open, waiting_on_buyer, solved or closed.")
    status_label: str
    order_number: str | None
    answer_due_at: Timestamp = Field(description="When an answer is due by the shop's SLA.")
    first_responded_at: Timestamp | None
    rating: int | None = Field(description="The buyer's satisfaction answer (1–5), once given.")
    messages: list[TicketMessageOut]
    created_at: Timestamp


class FeedbackOut(Out):
    about: dict[str, str]
    rating: int
    follow_up: bool = Field(description="True when a poor rating opened a follow-up for the team lead.")


class OrderOut(Out):
    """An order as the shop sees it."""

    id: str
    number: str
    placed_at: Timestamp
    currency: str
    locale: str
    customer: CustomerOut
    items: list[ItemOut]
    shipping: ShippingOut
    payment: PaymentOut | None
    total: MoneyOut
    refunded: MoneyOut = Field(description="Refunds that have succeeded.")
    money: MoneySummaryOut
    promised_delivery_date: date | None
    status: str = Field(description="paid, late, or the furthest tracking status of the shipments.")
    delivery_status: str | None
    delivered_at: Timestamp | None
    late: bool
    shipments: list[ShipmentOut]
    refunds: list[MerchantRefundOut]
    returns: list[ReturnOut] = Field(description="The order's returns, oldest first.")
    claims: list[ClaimOut] = Field(description="The order's claims, oldest first.")
    plan: PlanOut | None = Field(description="The instalment plan, when the buyer has one.")
    created_at: Timestamp
    updated_at: Timestamp


class BuyerLinkOut(Out):
    url: str = Field(description="Opens the order without signing in; put it in the shop's order e-mail.")


# -- buyers ---------------------------------------------------------------------------------


class BuyerSessionOut(Out):
    token: str = Field(description="Send as Authorization: Bearer <token> to the buyer endpoints.")
    expires_at: Timestamp


class ActionOut(Out):
    allowed: bool
    reason: str | None = Field(description="Why not, in plain words in the request's language; null when allowed.")


class BuyerActionsOut(Out):
    """What the buyer may do with the order now."""

    track: ActionOut
    contact_shop: ActionOut
    return_: ActionOut = Field(alias="return")
    cancel: ActionOut = Field(description="Cancel the whole order before it is sent, where the shop allows it.")
    claim: ActionOut = Field(description="Report a defect of a delivered item (see `claim_options`).")
    instalments: ActionOut


class ShopOut(Out):
    slug: str
    name: str
    support_email: str | None
    support_phone: str | None


class BuyerPaymentOut(Out):
    method: str
    method_label: str
    captured: MoneyOut


class TimelineEntryOut(Out):
    at: Timestamp
    status: str
    label: str
    location: str | None
    description: str | None
    carrier: str | None


class BuyerOrderOut(Out):
    """An order as its buyer sees it, with what they may do next."""

    number: str
    placed_at: Timestamp
    currency: str
    locale: str
    shop: ShopOut
    customer: CustomerOut
    items: list[ItemOut]
    shipping: ShippingOut
    payment: BuyerPaymentOut | None
    total: MoneyOut
    refunded: MoneyOut
    money: BuyerMoneyOut
    store_credit: list[MoneyOut] = Field(description="The buyer's store credit at this shop, by currency.")
    refund_state: str | None = Field(description="null, partly_refunded or refunded.")
    promised_delivery_date: date | None
    status: str
    status_label: str
    next_step: str = Field(description="What happens next, in plain words.")
    late: bool
    delivered_at: Timestamp | None
    shipments: list[ShipmentOut]
    timeline: list[TimelineEntryOut]
    refunds: list[RefundOut]
    returns: list[ReturnOut] = Field(description="The order's returns, oldest first.")
    return_options: ReturnOptionsOut
    claims: list[ClaimOut] = Field(description="The order's claims, oldest first.")
    claim_options: ClaimOptionsOut
    plan: PlanOut | None = Field(description="The order's instalment plan (live or paid off), if any.")
    actions: BuyerActionsOut


class BuyerOrderSummaryOut(Out):
    number: str
    placed_at: Timestamp
    status: str
    status_label: str
    late: bool
    total: MoneyOut
    promised_delivery_date: date | None
    delivered_at: Timestamp | None


class BuyerOrderListOut(Out):
    orders: list[BuyerOrderSummaryOut]


# -- errors ---------------------------------------------------------------------------------


class ErrorDetailOut(Out):
    code: str = Field(examples=["validation_failed"])
    message: str = Field(description="Human text in the request's language (Accept-Language).")
    fields: dict[str, list[str]] = Field(
        description="Problems by dotted field path, e.g. items.0.quantity.", examples=[{}]
    )


class ErrorOut(Out):
    error: ErrorDetailOut
