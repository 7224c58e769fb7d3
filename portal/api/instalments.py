"""API v1: instalment plans (API.md). The buyer sees the plans on offer with every cost and
accepts one; the card is saved on the portal's page (or, with Stripe, by the shop's own page
with the SetupIntent's client secret) and the plan starts. The shop lists its plans.
The rules are portal.instalments.services'; here only the HTTP."""

from __future__ import annotations

from flask import request, url_for
from flask_babel import lazy_gettext as _l

from portal.api import bp, serializers
from portal.api.auth import buyer_required, current_actor, current_buyer, current_merchant, merchant_required
from portal.api.bodies import json_body, optional_json_body
from portal.api.openapi import CURSOR, document, query
from portal.api.schemas import InstalmentOptionsOut, PlanCreatedOut, PlanListOut, PlanOut
from portal.buyers import access
from portal.errors import ValidationFailed
from portal.extensions import db
from portal.instalments import services as instalments
from portal.instalments.models import PlanStatus
from portal.instalments.services import CardIn, PlanIn
from portal.merchants.models import Merchant
from portal.pagination import decode_cursor
from portal.urls import external_url
from portal.validation import parse

LIST_STATUSES = tuple(status.value for status in PlanStatus)


def _buyer_merchant() -> Merchant:
    return db.session.get(Merchant, current_buyer().merchant_id)


def _buyer_plan(plan_id: str):
    identity = current_buyer()
    return instalments.get_plan(plan_id, merchant_id=identity.merchant_id, customer_id=identity.customer_id)


def _next_step(plan) -> dict:
    if plan.status != PlanStatus.AWAITING_CARD.value:
        return {"action": "none", "url": None, "provider": plan.provider, "client_secret": None}
    return {
        "action": "save_card",
        "url": external_url("buyers.plan_card", slug=plan.order.merchant.slug, plan_id=plan.id),
        "provider": plan.provider,
        "client_secret": plan.setup_secret,
    }


@bp.get("/buyer/orders/<number>/instalment-options")
@document(
    "The instalment plans on offer for an order",
    tag="buyers",
    description="Each plan with every cost before anything is accepted: the monthly instalment, the due dates, "
    "the nominal rate, the fees, the APR (EU formula), the total payable and a representative example. "
    "The first instalment is due today and kept from the original payment; the rest of that payment is "
    "refunded when the plan starts. `allowed` false with the `reason` when the order does not qualify.",
    responses={200: ("The plans on offer, or why none.", InstalmentOptionsOut)},
)
@buyer_required
def instalment_options(number: str):
    order = access.buyer_order(current_buyer(), number)
    return serializers.instalment_options(instalments.options(order))


@bp.post("/buyer/orders/<number>/instalment-plan")
@document(
    "Accept an instalment plan",
    tag="buyers",
    description="`accept_terms` must be true: the buyer has seen the plan's terms (instalment-options). The plan "
    "waits for a card (`next.action` save_card: open `next.url`, or confirm the Stripe SetupIntent with "
    "`next.client_secret` and then POST …/card); no money moves before that. Choosing again replaces a plan "
    "still waiting for its card.",
    body=PlanIn,
    responses={201: ("The plan, and what the buyer must do next.", PlanCreatedOut)},
    errors={
        409: "instalments_not_available: the order does not qualify (the message says why).",
        422: "accept_terms not true, or months not one of the plans offered.",
    },
    headers={201: {"Location": {"description": "The plan's URL.", "schema": {"type": "string"}}}},
)
@buyer_required
def create_plan(number: str):
    order = access.buyer_order(current_buyer(), number)
    plan = instalments.start_plan(order, json_body(), current_actor())
    plan = instalments.prepare_card(plan)
    location = url_for(".buyer_plan", plan_id=plan.id)
    return serializers.plan_created(plan, _buyer_merchant(), _next_step(plan)), 201, {"Location": location}


@bp.get("/buyer/instalment-plans/<plan_id>")
@document("One of the buyer's instalment plans", tag="buyers", responses={200: ("The plan.", PlanOut)})
@buyer_required
def buyer_plan(plan_id: str):
    return serializers.plan(_buyer_plan(plan_id), _buyer_merchant())


@bp.post("/buyer/instalment-plans/<plan_id>/card")
@document(
    "Finish saving the card; the plan starts",
    tag="buyers",
    description="With Stripe: after the buyer confirmed the SetupIntent (`next.client_secret`) with Stripe.js; "
    "Stripe is asked how it went. With the simulated provider: `card_number` (Stripe's test numbers behave "
    "as at Stripe). Starting refunds the original payment down to the first instalment, once; a repeat "
    "answers the started plan.",
    body=CardIn,
    body_required=False,
    responses={200: ("The plan, started.", PlanOut)},
    errors={
        409: "card_not_saved: the bank's step is not finished; plan_cancelled: choose a plan again; "
        "instalments_not_available: the order changed.",
        422: "card: the card was refused or its number is not valid.",
    },
)
@buyer_required
def save_plan_card(plan_id: str):
    plan = _buyer_plan(plan_id)
    body = parse(CardIn, optional_json_body())
    plan = instalments.save_card(plan, current_actor(), card_number=body.card_number)
    return serializers.plan(plan, _buyer_merchant())


# -- merchant -------------------------------------------------------------------------------


@bp.get("/instalment-plans")
@document(
    "The shop's instalment plans",
    tag="orders",
    description="Newest first, 25 a page with a `next` cursor (`?cursor=`). `?status=` one of "
    "awaiting_card, active, in_arrears, paid_off, cancelled (without it: all but cancelled).",
    responses={200: ("The plans.", PlanListOut)},
    errors={422: "An unknown status, or a page link that is not valid."},
    parameters=(query("status", {"type": "string", "enum": list(LIST_STATUSES)}), CURSOR),
)
@merchant_required
def list_plans():
    merchant = current_merchant()
    status = (request.args.get("status") or "").strip()
    if status and status not in LIST_STATUSES:
        raise ValidationFailed(fields={"status": [_l("Use one of: %(list)s.", list=", ".join(LIST_STATUSES))]})
    cursor = (request.args.get("cursor") or "").strip() or None
    if cursor is not None and decode_cursor(cursor) is None:
        raise ValidationFailed(fields={"cursor": [_l("This page link is not valid. Start again from the first page.")]})
    page = instalments.list_plans(merchant.id, status=status, cursor=cursor)
    return serializers.plan_list(page.plans, page.next_cursor, merchant)


@bp.get("/instalment-plans/<plan_id>")
@document("One instalment plan", tag="orders", responses={200: ("The plan.", PlanOut)})
@merchant_required
def merchant_plan(plan_id: str):
    merchant = current_merchant()
    return serializers.plan(instalments.get_plan(plan_id, merchant_id=merchant.id), merchant)
