"""Buyer pages for returns: start one from the order, follow it, print the slip, cancel.

The form has one group of fields per item (``qty-<line>``, ``reason-<line>``,
``resolution-<line>``, ``exchange-<line>``); the service checks everything and names problems
by ``items.<n>.<field>``, which the page shows beside the item they are about.
"""

from __future__ import annotations

from flask import Response, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from sqlalchemy import select

from portal.actors import Actor
from portal.buyers.services import summarise
from portal.buyers.views import _customer_in_session, bp
from portal.documents import return_slip_pdf
from portal.errors import Conflict, NotFound, ValidationFailed
from portal.extensions import db
from portal.i18n import set_page_locale
from portal.merchants.models import Merchant
from portal.merchants.policy import effective_policy
from portal.orders.services import get_order
from portal.returns import policy as rules
from portal.returns import services as returns
from portal.returns.models import ReturnStatus


class ActionForm(FlaskForm):
    """CSRF only: the fields of the return form are per item and read by ``_lines_from``."""


def _buyer_order(slug: str, number: str):
    """The order if this browser speaks for its buyer; None (same answer) otherwise."""
    merchant = db.session.scalar(select(Merchant).where(Merchant.slug == slug))
    if merchant is None:
        return None
    customer_id = _customer_in_session(merchant.id)
    try:
        order = get_order(merchant.id, number)
    except NotFound:
        return None
    if customer_id is None or order.customer_id != customer_id:
        return None
    set_page_locale(order.locale, merchant.timezone)
    return order


def _ask_to_sign_in(slug: str):
    flash(_("Please confirm your order number and e-mail address to see this order."), "info")
    return redirect(url_for("buyers.lookup", slug=slug))


def _actor(order) -> Actor:
    return Actor(
        kind="buyer",
        id=order.customer_id,
        label=order.customer.email,
        merchant_id=order.merchant_id,
        ip=request.remote_addr,
    )


def _lines_from(form, eligibility) -> tuple[list[dict], list[str]]:
    """The items the buyer chose (quantity above 0), and the line id of each, in order."""
    lines, line_ids = [], []
    for entry in eligibility.items:
        if not entry.allowed:
            continue
        line_id = entry.item.line_id
        raw = (form.get(f"qty-{line_id}") or "0").strip()
        quantity = int(raw) if raw.isdigit() else -1
        if quantity == 0:
            continue
        line = {
            "item_id": line_id,
            "quantity": quantity,
            "reason": form.get(f"reason-{line_id}") or "",
            "resolution": form.get(f"resolution-{line_id}") or "refund",
        }
        if line["resolution"] == "exchange":
            line["exchange_sku"] = form.get(f"exchange-{line_id}") or None
        lines.append(line)
        line_ids.append(line_id)
    return lines, line_ids


def _errors_by_line(exc: ValidationFailed, line_ids: list[str]) -> tuple[dict, list[str]]:
    by_line: dict[str, dict[str, list[str]]] = {}
    general: list[str] = []
    for path, problems in exc.fields.items():
        parts = path.split(".")
        if len(parts) >= 3 and parts[0] == "items" and parts[1].isdigit() and int(parts[1]) < len(line_ids):
            field = {"item_id": "item", "exchange_sku": "exchange"}.get(parts[2], parts[2])
            by_line.setdefault(line_ids[int(parts[1])], {}).setdefault(field, []).extend(str(p) for p in problems)
        else:
            general.extend(str(p) for p in problems)
    return by_line, general


@bp.route("/s/<slug>/orders/<number>/return", methods=["GET", "POST"])
def start_return(slug: str, number: str):
    g.private_page = True
    order = _buyer_order(slug, number)
    if order is None:
        return _ask_to_sign_in(slug)
    form = ActionForm()
    summary = summarise(order, with_other_orders=False)
    eligibility = summary.return_options
    policy = effective_policy(order.merchant.policy)["returns"]
    errors: dict = {}
    general: list[str] = []
    status = 200
    if request.method == "POST":
        if not form.validate_on_submit():
            general.append(_("The form had expired. Please check your choices and send it again."))
            status = 400
        else:
            lines, line_ids = _lines_from(request.form, eligibility)
            if not lines:
                general.append(_("Choose at least one item to return (a quantity above 0)."))
                status = 422
            else:
                comment = (request.form.get("comment") or "").strip()
                try:
                    ret = returns.request_return(order, {"items": lines, "comment": comment}, actor=_actor(order))
                except ValidationFailed as exc:
                    errors, general = _errors_by_line(exc, line_ids)
                    if not errors and not general:
                        general.append(str(exc))
                    status = 422
                except Conflict as exc:
                    general.append(str(exc))
                    status = 409
                else:
                    if ret.difference_status == "failed":
                        flash(_("The price difference could not be charged, so the return was not sent."), "warning")
                    elif ret.status == ReturnStatus.APPROVED.value:
                        flash(
                            _("Return %(number)s is approved. Print the slip and send the items.", number=ret.number),
                            "success",
                        )
                    else:
                        flash(_("We received your return request %(number)s.", number=ret.number), "success")
                    return redirect(url_for("buyers.return_page", slug=slug, return_id=ret.id))
        # What the buyer already chose stays on the page.
        summary = summarise(order, with_other_orders=False)
        eligibility = summary.return_options
    return render_template(
        "returns/start.html",
        order=order,
        merchant=order.merchant,
        summary=summary,
        eligibility=eligibility,
        reasons=[(code, rules.reason_label(code, policy)) for code in rules.reason_codes(policy)],
        bonus_pct=policy["store_credit_bonus_pct"],
        form=form,
        values=request.form if request.method == "POST" else {},
        errors=errors,
        general_errors=general,
    ), status


def _buyer_return(slug: str, return_id: str):
    merchant = db.session.scalar(select(Merchant).where(Merchant.slug == slug))
    customer_id = _customer_in_session(merchant.id) if merchant else None
    if customer_id is None:
        return None
    try:
        ret = returns.buyer_return(merchant.id, customer_id, return_id)
    except NotFound:
        return None
    set_page_locale(ret.order.locale, merchant.timezone)
    return ret


@bp.get("/s/<slug>/returns/<return_id>")
def return_page(slug: str, return_id: str):
    g.private_page = True
    ret = _buyer_return(slug, return_id)
    if ret is None:
        return _ask_to_sign_in(slug)
    refund = None
    if ret.refund_id:
        from portal.payments.models import Refund

        refund = db.session.get(Refund, ret.refund_id)
    return render_template(
        "returns/status.html", ret=ret, order=ret.order, merchant=ret.order.merchant, refund=refund, form=ActionForm()
    )


SLIP_STATUSES = (
    ReturnStatus.APPROVED.value,
    ReturnStatus.RECEIVED.value,
    ReturnStatus.REFUNDED.value,
    ReturnStatus.EXCHANGED.value,
)


@bp.get("/s/<slug>/returns/<return_id>/slip.pdf")
def return_slip(slug: str, return_id: str):
    g.private_page = True
    ret = _buyer_return(slug, return_id)
    if ret is None:
        return _ask_to_sign_in(slug)
    if ret.status not in SLIP_STATUSES:
        flash(_("The return slip is ready once the shop has approved your return."), "info")
        return redirect(url_for("buyers.return_page", slug=slug, return_id=ret.id))
    response = Response(return_slip_pdf(ret), mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="return-{ret.number}.pdf"'
    return response


@bp.post("/s/<slug>/returns/<return_id>/cancel")
def cancel_return(slug: str, return_id: str):
    ret = _buyer_return(slug, return_id)
    if ret is None:
        return _ask_to_sign_in(slug)
    if not ActionForm().validate_on_submit():
        flash(_("The form had expired. Please try again."), "warning")
        return redirect(url_for("buyers.return_page", slug=slug, return_id=ret.id))
    try:
        returns.cancel(ret.merchant_id, ret.id, customer_id=ret.customer_id, actor=_actor(ret.order))
    except Conflict as exc:
        flash(str(exc), "warning")
    else:
        flash(_("Return %(number)s is cancelled. You keep the items.", number=ret.number), "success")
    return redirect(url_for("buyers.return_page", slug=slug, return_id=ret.id))


@bp.route("/s/<slug>/orders/<number>/cancel", methods=["GET", "POST"])
def cancel_order(slug: str, number: str):
    g.private_page = True
    order = _buyer_order(slug, number)
    if order is None:
        return _ask_to_sign_in(slug)
    form = ActionForm()
    summary = summarise(order, with_other_orders=False)
    if request.method == "POST":
        if not form.validate_on_submit():
            flash(_("The form had expired. Please try again."), "warning")
        else:
            try:
                returns.cancel_order(order, actor=_actor(order))
            except Conflict as exc:
                flash(str(exc), "warning")
            else:
                flash(
                    _("Order %(number)s is cancelled. Your money is on its way back.", number=order.number), "success"
                )
                return redirect(url_for("buyers.order", slug=slug, number=number))
    return render_template(
        "returns/cancel_order.html", order=order, merchant=order.merchant, summary=summary, form=form
    )
