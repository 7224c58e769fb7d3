"""Console pages for instalment plans: the list with each plan's status and arrears, and one
plan with its schedule and charges. The rules live in ``portal.instalments``; staff only read
here (a plan changes by the buyer's card and the scheduled charges)."""

from __future__ import annotations

from flask import render_template, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.accounts.permissions import staff_required
from portal.console.views import _choose_shop, _shop, _shop_args, bp
from portal.extensions import db
from portal.i18n import set_page_locale
from portal.instalments import services as instalments
from portal.instalments.models import PlanStatus
from portal.pagination import decode_cursor
from portal.payments.models import Charge

STATUS_CHOICES = [
    ("", _l("All but cancelled")),
    (PlanStatus.IN_ARREARS.value, _l("In arrears")),
    (PlanStatus.ACTIVE.value, _l("Active")),
    (PlanStatus.PAID_OFF.value, _l("Paid off")),
    (PlanStatus.AWAITING_CARD.value, _l("Waiting for a card")),
    (PlanStatus.CANCELLED.value, _l("Cancelled")),
]


@bp.app_context_processor
def _labels() -> dict:
    return {
        "plan_status_label": instalments.status_label,
        "instalment_status_label": instalments.instalment_status_label,
    }


@bp.get("/plans", endpoint="plans")
@staff_required()
def plan_list():
    """The shop's instalment plans, newest first; arrears on top of the page as a count."""
    merchant = _shop()
    if merchant is None:
        return _choose_shop()
    set_page_locale(None, merchant.timezone)
    status = request.args.get("status") or ""
    if status not in {value for value, _label in STATUS_CHOICES}:
        status = ""
    cursor = request.args.get("cursor") or None
    if cursor and decode_cursor(cursor) is None:
        cursor = None
    page = instalments.list_plans(merchant.id, status=status, cursor=cursor)
    in_arrears = instalments.list_plans(merchant.id, status=PlanStatus.IN_ARREARS.value, limit=100).plans
    return render_template(
        "console/plans.html",
        merchant=merchant,
        plans=page.plans,
        next_cursor=page.next_cursor,
        cursor=cursor,
        status=status,
        statuses=STATUS_CHOICES,
        filters={"status": status or None, **_shop_args()},
        arrears_count=len(in_arrears),
        arrears_total=sum(p.arrears for p in in_arrears),
    )


@bp.get("/plans/<plan_id>", endpoint="plan_detail")
@staff_required()
def plan_detail(plan_id: str):
    merchant = _shop()
    if merchant is None:
        return _choose_shop()
    set_page_locale(None, merchant.timezone)
    plan = instalments.get_plan(plan_id, merchant_id=merchant.id)
    charges = list(
        db.session.scalars(select(Charge).where(Charge.source_id == plan.id).order_by(Charge.created_at.desc()))
    )
    return render_template("console/plan.html", merchant=merchant, plan=plan, order=plan.order, charges=charges)
