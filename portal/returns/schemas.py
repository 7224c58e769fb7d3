from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from portal.orders.schemas import Strict


class ReturnItemIn(Strict):
    item_id: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
    quantity: Annotated[int, Field(ge=1, le=10000, strict=True)]
    # Empty is checked by the service, with the same message as an unknown reason.
    reason: Annotated[str, StringConstraints(strip_whitespace=True, max_length=40)]
    resolution: Literal["refund", "store_credit", "exchange"]
    exchange_sku: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] | None = None


class ReturnIn(Strict):
    items: Annotated[list[ReturnItemIn], Field(min_length=1, max_length=100)]
    comment: Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)] = ""


class DecisionIn(Strict):
    message: Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)] = ""


class RejectIn(Strict):
    message: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]


class ReceivedItemIn(Strict):
    item_id: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
    condition: Literal["accepted", "damaged"] = "accepted"
    restocking_fee: bool = False


class ReceiveIn(Strict):
    """Per item how it arrived; items not listed arrived as accepted."""

    items: Annotated[list[ReceivedItemIn], Field(max_length=100)] = Field(default_factory=list)
