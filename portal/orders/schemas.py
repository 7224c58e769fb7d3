"""The order document as shops send it (API.md "Order body for PUT"), validated by pydantic.

One schema serves the API, the CSV/JSON-lines import and the demo seed.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from flask_babel import lazy_gettext as _l
from pydantic import AwareDatetime, BaseModel, ConfigDict, EmailStr, Field, StringConstraints, field_validator

from portal.money import CURRENCIES
from portal.orders.models import TrackingStatus
from portal.validation import DomainMessage

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
OptionalText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=300)]
# As long as the columns that hold them.
Name = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
Locale = Literal["fi", "sv", "da", "nb", "is", "en"]
Currency = Literal["EUR", "SEK", "DKK", "NOK", "ISK"]
# Up to 2 000 000 000 minor units (the columns are 32-bit integers; €20 million is plenty).
MinorUnits = Annotated[int, Field(ge=0, le=2_000_000_000, strict=True)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CustomerIn(Strict):
    email: Annotated[EmailStr, StringConstraints(max_length=254)]
    name: Name = ""


class ItemIn(Strict):
    id: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
    sku: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    name: Text
    quantity: Annotated[int, Field(ge=1, le=10000, strict=True)]
    unit_price: MinorUnits
    tax_rate: Annotated[Decimal, Field(ge=0, le=100, max_digits=5, decimal_places=2)] = Decimal("0")
    attributes: dict[str, str] = Field(default_factory=dict)
    category: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] | None = None


class AddressIn(Strict):
    name: Name = ""
    street: OptionalText = ""
    postal_code: Annotated[str, StringConstraints(strip_whitespace=True, max_length=20)] = ""
    city: Annotated[str, StringConstraints(strip_whitespace=True, max_length=120)] = ""
    country: Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^[A-Za-z]{2}$")]


class ShippingIn(Strict):
    amount: MinorUnits = 0
    address: AddressIn


class PaymentIn(Strict):
    provider: Literal["simulated", "stripe"] = "simulated"
    reference: Name = ""
    method: Annotated[str, StringConstraints(strip_whitespace=True, max_length=32)] = "card"
    captured: MinorUnits


class OrderIn(Strict):
    placed_at: AwareDatetime
    currency: Currency
    locale: Locale = "en"
    customer: CustomerIn
    items: Annotated[list[ItemIn], Field(min_length=1, max_length=500)]
    shipping: ShippingIn
    payment: PaymentIn
    promised_delivery_date: date | None = None

    @field_validator("items")
    @classmethod
    def _unique_item_ids(cls, items: list[ItemIn]) -> list[ItemIn]:
        ids = [item.id for item in items]
        if len(ids) != len(set(ids)):
            raise DomainMessage(_l("Each item needs its own id."))
        return items


class ShipmentIn(Strict):
    carrier: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
    tracking_number: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    estimated_delivery: date | None = None


class TrackingEventIn(Strict):
    status: Literal[tuple(s.value for s in TrackingStatus)]  # type: ignore[valid-type]
    occurred_at: AwareDatetime
    location: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None = None
    description: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] | None = None


class BuyerSessionIn(Strict):
    merchant: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
    order_number: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
    email: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=254)]


__all__ = [
    "CURRENCIES",
    "OrderIn",
    "ShipmentIn",
    "TrackingEventIn",
    "BuyerSessionIn",
    "datetime",
]
