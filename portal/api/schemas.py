"""What the API answers, as pydantic models: serializers fill them, openapi.json describes them.

Request bodies are the domain's own schemas (portal.orders.schemas); these are the answers.
``extra="forbid"`` keeps a serializer from sending a field the published document does not name.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, WithJsonSchema

# Times go out with their offset, in the shop's time zone: 2026-11-02T12:00:00+02:00.
Timestamp = Annotated[
    datetime,
    PlainSerializer(lambda value: value.isoformat(), return_type=str),
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
    promised_delivery_date: date | None
    status: str = Field(description="paid, late, or the furthest tracking status of the shipments.")
    delivery_status: str | None
    delivered_at: Timestamp | None
    late: bool
    shipments: list[ShipmentOut]
    refunds: list[RefundOut]
    returns: list[dict[str, Any]]
    claims: list[dict[str, Any]]
    plan: dict[str, Any] | None = Field(description="The instalment plan, when the buyer has one.")
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
    claim: ActionOut
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
    returns: list[dict[str, Any]]
    claims: list[dict[str, Any]]
    plan: dict[str, Any] | None
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
