from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import new_id, utcnow
from portal.extensions import db


class Variant(db.Model):
    """One sellable variant (a size, a colour) of a product, with its live stock.

    Variants of the same ``product`` are what a buyer may exchange an item for.
    """

    __tablename__ = "variants"
    __table_args__ = (
        UniqueConstraint("merchant_id", "sku"),
        Index("ix_variants_product", "merchant_id", "product"),
    )

    id: Mapped[str] = mapped_column(String(24), primary_key=True, default=lambda: new_id("var"))
    merchant_id: Mapped[str] = mapped_column(ForeignKey("merchants.id"))
    sku: Mapped[str] = mapped_column(String(100))
    product: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(300))
    attributes: Mapped[dict] = mapped_column(JSON, default=dict)
    price: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3))
    # On hand, as the shop reports it; ``reserved`` is held for exchanges not yet sent.
    stock: Mapped[int] = mapped_column(default=0)
    reserved: Mapped[int] = mapped_column(default=0)
    category: Mapped[str | None] = mapped_column(String(100))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def available(self) -> int:
        """What a buyer can still get: on hand less what is held for exchanges."""
        return max(0, self.stock - self.reserved)
