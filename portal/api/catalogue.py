"""API v1: the shop's catalogue variants (sizes, colours with live stock): what exchanges offer."""

from __future__ import annotations

from flask import url_for

from portal.api import bp, serializers
from portal.api.auth import current_actor, current_merchant, merchant_required
from portal.api.bodies import json_body
from portal.api.openapi import document
from portal.api.schemas import VariantOut
from portal.catalogue import services as catalogue
from portal.catalogue.schemas import VariantIn


@bp.put("/catalogue/variants/<sku>")
@document(
    "Create or replace a catalogue variant",
    tag="orders",
    description="Idempotent: the variant `sku` of `product` with its price and stock on hand. Stock is set, "
    "not added: send what is on the shelf. Variants of one product are what a buyer may exchange an item "
    "for: an exchange request holds its variant (`reserved`, kept when the shop sends new stock), a "
    "rejected or cancelled one releases it, settling ships it (stock and reservation both drop), and items "
    "received in good condition go back on the stock of their SKU. `available` = stock − reserved.",
    body=VariantIn,
    responses={200: ("The variant was replaced.", VariantOut), 201: ("The variant was created.", VariantOut)},
)
@merchant_required
def put_variant(sku: str):
    merchant = current_merchant()
    variant, created = catalogue.upsert_variant(merchant, sku, json_body(), actor=current_actor())
    answer = serializers.variant(variant, merchant)
    if created:
        return answer, 201, {"Location": url_for(".get_variant", sku=variant.sku)}
    return answer, 200


@bp.get("/catalogue/variants/<sku>")
@document("A catalogue variant with its live stock", tag="orders", responses={200: ("The variant.", VariantOut)})
@merchant_required
def get_variant(sku: str):
    merchant = current_merchant()
    return serializers.variant(catalogue.get_variant(merchant.id, sku), merchant)
