from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from portal.orders.schemas import Currency, MinorUnits, Strict, Text

Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class VariantIn(Strict):
    product: Code
    name: Text
    attributes: dict[str, Annotated[str, StringConstraints(max_length=100)]] = Field(default_factory=dict)
    price: MinorUnits
    currency: Currency
    stock: Annotated[int, Field(ge=0, le=10_000_000, strict=True)]
    category: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] | None = None
