"""API v1 views (API.md): parse the request, call a service, serialize the answer.

Rules live in the services; errors they raise become the API's error answers in
portal.api.errors; what goes out is described by portal.api.schemas and openapi.json.
"""

from __future__ import annotations

from flask import current_app, g, request, url_for
from flask_babel import lazy_gettext as _l
from pydantic import ValidationError

from portal.api import bp, serializers
from portal.api.auth import buyer_required, current_actor, current_buyer, current_merchant, merchant_required
from portal.api.bodies import check_times, json_body
from portal.api.openapi import POLICY, POLICY_PATCH, build, document
from portal.api.schemas import (
    BuyerLinkOut,
    BuyerOrderListOut,
    BuyerOrderOut,
    BuyerSessionOut,
    OrderOut,
    ShipmentOut,
    TrackingEventOut,
)
from portal.buyers import access
from portal.buyers.services import summarise
from portal.errors import NotFound
from portal.extensions import db
from portal.merchants import services as merchants
from portal.merchants.models import Merchant
from portal.orders import services as orders
from portal.orders.schemas import BuyerSessionIn, OrderIn, ShipmentIn, TrackingEventIn
from portal.validation import validation_failed


@bp.url_value_preprocessor
def _refuse_nul_in_ids(_endpoint, values):
    # No id or number holds a NUL character, and PostgreSQL cannot even compare one.
    if values and any("\x00" in str(value) for value in values.values()):
        raise NotFound()


@bp.before_request
def _private_answers():
    # Orders, tokens and policies are private; only the published document may be cached.
    g.private_page = request.endpoint != "api.openapi_document"


@bp.after_request
def _vary_by_language(response):
    # Messages and labels follow Accept-Language, so caches must keep the languages apart.
    response.vary.add("Accept-Language")
    return response


# -- merchant: orders ------------------------------------------------------------------------


def _order_answer(number: str) -> dict:
    merchant = current_merchant()
    order = orders.get_order(merchant.id, number)
    return serializers.order(summarise(order, with_other_orders=False), merchant)


@bp.put("/orders/<number>")
@document(
    "Create or replace an order",
    tag="orders",
    description="Idempotent: sending the same body again changes nothing. Replacing keeps the "
    "order's shipments, tracking and refunds.",
    body=OrderIn,
    responses={200: ("The order was replaced.", OrderOut), 201: ("The order was created.", OrderOut)},
)
@merchant_required
def put_order(number: str):
    document = json_body()
    check_times(document, "placed_at")
    order, created = orders.upsert_order(current_merchant(), number, document, actor=current_actor())
    number = order.number
    if created:
        return _order_answer(number), 201, {"Location": url_for(".get_order", number=number)}
    return _order_answer(number), 200


@bp.get("/orders/<number>")
@document(
    "An order with items, payment, shipments, returns, claims, refunds and plan",
    tag="orders",
    responses={200: ("The order.", OrderOut)},
)
@merchant_required
def get_order(number: str):
    return _order_answer(number)


@bp.post("/orders/<number>/buyer-link")
@document(
    "The order's sign-in-free link for the buyer",
    tag="orders",
    description="For the shop's order e-mail: the link opens the order without signing in.",
    responses={200: ("The link.", BuyerLinkOut)},
)
@merchant_required
def buyer_link(number: str):
    order = orders.get_order(current_merchant().id, number)
    return BuyerLinkOut(url=access.order_link(order)).model_dump(mode="json")


@bp.post("/orders/<number>/shipments")
@document(
    "Add a shipment to an order",
    tag="orders",
    description="The buyer is told by e-mail, in their language, how to follow it.",
    body=ShipmentIn,
    responses={201: ("The shipment, with its id for tracking events.", ShipmentOut)},
)
@merchant_required
def add_shipment(number: str):
    merchant = current_merchant()
    shipment = orders.add_shipment(merchant, number, json_body(), actor=current_actor())
    return serializers.shipment(shipment, merchant), 201


@bp.post("/shipments/<shipment_id>/events")
@document(
    "Add a tracking event to a shipment",
    tag="orders",
    description="The shipment and the order follow the event; delivery is announced to the buyer once.",
    body=TrackingEventIn,
    responses={201: ("The event.", TrackingEventOut)},
)
@merchant_required
def add_tracking_event(shipment_id: str):
    merchant = current_merchant()
    document = json_body()
    check_times(document, "occurred_at")
    event = orders.add_tracking_event(merchant, shipment_id, document, actor=current_actor())
    return serializers.tracking_event(event, merchant), 201


# -- merchant: policy ------------------------------------------------------------------------


@bp.get("/policy")
@document("The shop's policy document", tag="policy", responses={200: ("The whole document.", POLICY)})
@merchant_required
def get_policy():
    return merchants.get_policy(current_merchant())


@bp.patch("/policy")
@document(
    "Change settings of the shop's policy",
    tag="policy",
    description="Merges the given settings into the document, validates them (422 names the "
    "field and the reason, e.g. a rate above the legal cap) and audits the change.",
    body=POLICY_PATCH,
    responses={200: ("The whole document after the change.", POLICY)},
)
@merchant_required
def patch_policy():
    return merchants.update_policy(current_merchant(), json_body(), actor=current_actor())


# -- buyers ----------------------------------------------------------------------------------


@bp.post("/buyer/sessions")
@document(
    "Sign a buyer in with shop, order number and e-mail",
    tag="buyers",
    description="A wrong number, a wrong e-mail and an unknown shop all get the same 404. "
    "Rate limited per client and per order.",
    body=BuyerSessionIn,
    responses={201: ("A buyer token.", BuyerSessionOut)},
    errors={
        404: "No order with that number and e-mail at that shop.",
        429: "Too many attempts; try again after Retry-After seconds.",
    },
    headers={429: {"Retry-After": {"description": "Seconds to wait.", "schema": {"type": "integer"}}}},
)
def create_buyer_session():
    try:
        session_in = BuyerSessionIn.model_validate(json_body())
    except ValidationError as exc:
        raise validation_failed(exc) from None
    try:
        order = access.find_order(
            session_in.merchant, session_in.order_number, session_in.email, client=request.remote_addr or ""
        )
    except NotFound:
        raise NotFound(_l("We could not find an order with that number and e-mail address at this shop.")) from None
    token, expires_at = access.issue_token(access.BuyerIdentity(order.customer_id, order.merchant_id))
    return BuyerSessionOut(token=token, expires_at=expires_at).model_dump(mode="json"), 201


@bp.get("/buyer/orders")
@document("The buyer's orders at this shop", tag="buyers", responses={200: ("Newest first.", BuyerOrderListOut)})
@buyer_required
def buyer_orders():
    identity = current_buyer()
    merchant = db.session.get(Merchant, identity.merchant_id)
    return serializers.buyer_order_list(
        access.orders_with_items_of(identity), merchant, today=orders.merchant_today(merchant)
    )


@bp.get("/buyer/orders/<number>")
@document(
    "One of the buyer's orders, with tracking, refunds and what the buyer may do now",
    tag="buyers",
    description="`actions` says for each thing the buyer might do whether it is allowed now "
    "and, when not, why, in plain words in the request's language.",
    responses={200: ("The order.", BuyerOrderOut)},
)
@buyer_required
def buyer_order(number: str):
    order = access.buyer_order(current_buyer(), number)
    return serializers.buyer_order(summarise(order, with_other_orders=False))


# -- the document ----------------------------------------------------------------------------


@bp.get("/openapi.json")
@document("This API as an OpenAPI 3.1 document", tag="meta", responses={200: ("The document.", None)})
def openapi_document():
    if "apuri.openapi" not in current_app.extensions:
        current_app.extensions["apuri.openapi"] = build(current_app)
    return current_app.extensions["apuri.openapi"]


# The refunds and store-credit endpoints live in their own modules on the same blueprint.
from portal.api import refunds, store_credit  # noqa: E402,F401
