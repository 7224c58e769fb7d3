"""API v1: the shop's refunds (API.md: GET /api/v1/refunds?order={number})."""

from __future__ import annotations

from flask import request
from flask_babel import lazy_gettext as _l

from portal.api import bp, serializers
from portal.api.auth import current_merchant, merchant_required
from portal.api.openapi import CURSOR, document, query
from portal.api.schemas import RefundListOut
from portal.errors import ValidationFailed
from portal.orders.services import get_order
from portal.payments.models import RefundStatus
from portal.payments.queries import list_refunds

REFUND_LIST_LIMIT = 100
STATUSES = tuple(status.value for status in RefundStatus)


@bp.get("/refunds")
@document(
    "Refunds with their status",
    tag="payments",
    description="With `?order=<number>`: that order's refunds (404 for an unknown order). Without it: "
    "the shop's refunds, newest 100 first, and a `next` cursor for the page after (`?cursor=`). "
    "`?status=pending|succeeded|failed` narrows either list. A failed refund carries the provider's "
    "code and reason.",
    responses={200: ("Newest first.", RefundListOut)},
    errors={
        404: "No order with this number at this shop.",
        422: "An unknown status.",
    },
    parameters=(
        query("order", {"type": "string"}, "An order number: that order's refunds."),
        query("status", {"type": "string", "enum": list(STATUSES)}),
        CURSOR,
    ),
)
@merchant_required
def list_shop_refunds():
    merchant = current_merchant()
    status = request.args.get("status") or None
    if status is not None and status not in STATUSES:
        raise ValidationFailed(fields={"status": [_l("Use one of: %(list)s.", list=", ".join(STATUSES))]})
    number = request.args.get("order")
    order_id = get_order(merchant.id, number).id if number is not None else None
    page = list_refunds(
        merchant.id,
        status=status,
        order_id=order_id,
        cursor=request.args.get("cursor") or None,
        limit=REFUND_LIST_LIMIT,
    )
    return serializers.refund_list(page, merchant)
