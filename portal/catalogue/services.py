"""Catalogue variants: kept by the shop through the API, read for exchanges."""

from __future__ import annotations

from sqlalchemy import select

from portal.actors import Actor
from portal.audit import services as audit
from portal.catalogue.models import Variant
from portal.catalogue.schemas import VariantIn
from portal.db import unit_of_work, utcnow
from portal.errors import NotFound
from portal.extensions import db
from portal.merchants.models import Merchant
from portal.validation import parse


def upsert_variant(merchant: Merchant, sku: str, document: object, *, actor: Actor) -> tuple[Variant, bool]:
    """Create or replace the variant ``sku`` (idempotent); stock is set, not added."""
    data = parse(VariantIn, document)
    sku = sku.strip()
    with unit_of_work():
        variant = db.session.scalar(
            select(Variant).where(Variant.merchant_id == merchant.id, Variant.sku == sku).with_for_update()
        )
        created = variant is None
        if created:
            variant = Variant(merchant_id=merchant.id, sku=sku)
            db.session.add(variant)
        variant.product = data.product
        variant.name = data.name
        variant.attributes = dict(data.attributes)
        variant.price = data.price
        variant.currency = data.currency
        variant.stock = data.stock
        variant.category = data.category or None
        variant.updated_at = utcnow()
        db.session.flush()
        audit.record(
            actor,
            "variant.created" if created else "variant.replaced",
            "variant",
            variant.id,
            merchant_id=merchant.id,
            after={"sku": sku, "stock": data.stock, "price": data.price},
        )
    return variant, created


def get_variant(merchant_id: str, sku: str) -> Variant:
    variant = db.session.scalar(select(Variant).where(Variant.merchant_id == merchant_id, Variant.sku == sku))
    if variant is None:
        raise NotFound()
    return variant


def variants_by_sku(merchant_id: str, skus: set[str]) -> dict[str, Variant]:
    if not skus:
        return {}
    rows = db.session.scalars(select(Variant).where(Variant.merchant_id == merchant_id, Variant.sku.in_(skus)))
    return {v.sku: v for v in rows}


def families(merchant_id: str, skus: set[str]) -> tuple[dict[str, Variant], dict[str, list[Variant]]]:
    """In one query: the variants of these SKUs, and every variant of their products by product."""
    if not skus:
        return {}, {}
    products = select(Variant.product).where(Variant.merchant_id == merchant_id, Variant.sku.in_(skus))
    rows = db.session.scalars(
        select(Variant)
        .where(Variant.merchant_id == merchant_id, Variant.product.in_(products.scalar_subquery()))
        .order_by(Variant.product, Variant.price, Variant.sku)
    )
    by_sku: dict[str, Variant] = {}
    by_product: dict[str, list[Variant]] = {}
    for variant in rows:
        by_product.setdefault(variant.product, []).append(variant)
        if variant.sku in skus:
            by_sku[variant.sku] = variant
    return by_sku, by_product


def siblings(merchant_id: str, products: set[str]) -> dict[str, list[Variant]]:
    """Every variant of these products, by product, in a stable order."""
    if not products:
        return {}
    rows = db.session.scalars(
        select(Variant)
        .where(Variant.merchant_id == merchant_id, Variant.product.in_(products))
        .order_by(Variant.product, Variant.price, Variant.sku)
    )
    result: dict[str, list[Variant]] = {}
    for variant in rows:
        result.setdefault(variant.product, []).append(variant)
    return result
