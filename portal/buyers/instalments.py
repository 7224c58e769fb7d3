"""Buyer pages for instalments: the offers with their whole cost, the card, the plan, paying.

With the simulated provider (the demo) the card is typed on our own form and Stripe's test
numbers behave as at Stripe. With Stripe the card page mounts Stripe.js on the plan's
SetupIntent (and an on-session payment's PaymentIntent when the bank asks for confirmation),
then comes back here and the server asks Stripe how it went: the browser is never believed.
"""

from __future__ import annotations

from flask import Response, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from portal.buyers.returns import ActionForm, _actor, _ask_to_sign_in, _buyer_order
from portal.buyers.views import _customer_in_session, bp
from portal.documents import agreement_filename, agreement_pdf
from portal.errors import Conflict, DomainError, NotFound, ValidationFailed
from portal.extensions import db
from portal.i18n import set_page_locale
from portal.instalments import services as instalments
from portal.instalments.models import InstalmentPlan, PlanStatus
from portal.merchants.models import Merchant
from portal.money import Money
from portal.payments.providers import ProviderUnavailable

STRIPE_CSP = (
    "default-src 'self'; img-src 'self' data: https://*.stripe.com; style-src 'self' 'unsafe-inline'; "
    "script-src 'self' https://js.stripe.com; frame-src https://js.stripe.com https://hooks.stripe.com; "
    "connect-src 'self' https://api.stripe.com; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)


@bp.app_context_processor
def _plan_labels() -> dict:
    return {
        "plan_status_label": instalments.status_label,
        "instalment_status_label": instalments.instalment_status_label,
    }


def _buyer_plan(slug: str, plan_id: str) -> InstalmentPlan | None:
    """The plan if this browser speaks for its buyer; None (the same answer) otherwise."""
    merchant = db.session.scalar(select(Merchant).where(Merchant.slug == slug))
    if merchant is None:
        return None
    customer_id = _customer_in_session(merchant.id)
    plan = db.session.get(InstalmentPlan, plan_id)
    if customer_id is None or plan is None or plan.merchant_id != merchant.id or plan.customer_id != customer_id:
        return None
    set_page_locale(plan.order.locale, merchant.timezone)
    return plan


def _plan_url(plan: InstalmentPlan) -> str:
    return url_for("buyers.plan_page", slug=plan.order.merchant.slug, plan_id=plan.id)


@bp.route("/s/<slug>/orders/<number>/instalments", methods=["GET", "POST"])
def instalment_options(slug: str, number: str):
    g.private_page = True
    order = _buyer_order(slug, number)
    if order is None:
        return _ask_to_sign_in(slug)
    found = instalments.options(order)
    if found.plan is not None and found.plan.status != PlanStatus.AWAITING_CARD.value:
        return redirect(_plan_url(found.plan))
    form = ActionForm()
    errors: dict[str, list[str]] = {}
    general: list[str] = []
    status = 200
    chosen = request.form.get("months", type=int) if request.method == "POST" else None
    if request.method == "POST":
        if not form.validate_on_submit():
            general.append(_("The form had expired. Please choose again."))
            status = 400
        else:
            document = {"months": chosen or 0, "accept_terms": request.form.get("accept_terms") == "yes"}
            try:
                plan = instalments.start_plan(order, document, _actor(order))
            except ValidationFailed as exc:
                errors = {k: [str(p) for p in v] for k, v in exc.fields.items()}
                status = 422
            except Conflict as exc:
                general.append(str(exc))
                status = 409
            else:
                return redirect(url_for("buyers.plan_card", slug=slug, plan_id=plan.id))
            found = instalments.options(order)
    if chosen is None and found.offers:
        chosen = found.offers[len(found.offers) // 2].months
    return render_template(
        "instalments/options.html",
        order=order,
        merchant=order.merchant,
        options=found,
        chosen=chosen,
        form=form,
        errors=errors,
        general_errors=general,
    ), status


@bp.route("/s/<slug>/plans/<plan_id>/card", methods=["GET", "POST"])
def plan_card(slug: str, plan_id: str):
    g.private_page = True
    plan = _buyer_plan(slug, plan_id)
    if plan is None:
        return _ask_to_sign_in(slug)
    if plan.status != PlanStatus.AWAITING_CARD.value:
        return redirect(_plan_url(plan))
    form = ActionForm()
    errors: dict[str, list[str]] = {}
    general: list[str] = []
    status = 200
    order = plan.order
    try:
        plan = instalments.prepare_card(plan)
    except ProviderUnavailable as exc:
        general.append(str(exc))
        status = 503
    if request.method == "POST" and status == 200:
        if not form.validate_on_submit():
            general.append(_("The form had expired. Please enter the card again."))
            status = 400
        else:
            try:
                plan = instalments.save_card(plan, _actor(order), card_number=request.form.get("card_number") or "")
            except ValidationFailed as exc:
                errors = {k: [str(p) for p in v] for k, v in exc.fields.items()}
                status = 422
            except (Conflict, ProviderUnavailable) as exc:
                general.append(str(exc))
                status = 409 if isinstance(exc, Conflict) else 503
            else:
                return _started(plan)
        plan = db.session.get(InstalmentPlan, plan_id)
    page = render_template(
        "instalments/card.html",
        plan=plan,
        order=plan.order,
        merchant=plan.order.merchant,
        form=form,
        errors=errors,
        general_errors=general,
        stripe_key=current_app.config.get("STRIPE_PUBLISHABLE_KEY") if plan.provider == "stripe" else None,
    )
    response = Response(page, status=status)
    if plan.provider == "stripe":
        response.headers["Content-Security-Policy"] = STRIPE_CSP
    return response


@bp.get("/s/<slug>/plans/<plan_id>/card/done")
def plan_card_done(slug: str, plan_id: str):
    """Stripe.js comes back here once the buyer confirmed the SetupIntent: Stripe is asked."""
    g.private_page = True
    plan = _buyer_plan(slug, plan_id)
    if plan is None:
        return _ask_to_sign_in(slug)
    try:
        plan = instalments.save_card(plan, _actor(plan.order))
    except (ValidationFailed, Conflict, ProviderUnavailable) as exc:
        problems = [str(p) for v in getattr(exc, "fields", {}).values() for p in v] or [str(exc)]
        flash(" ".join(problems), "error")
        return redirect(url_for("buyers.plan_card", slug=slug, plan_id=plan_id))
    return _started(plan)


def _started(plan: InstalmentPlan):
    first = plan.instalments[0]
    back = plan.credit - first.amount
    flash(
        _(
            "Your instalment plan has started. %(amount)s is on its way back to your original payment; "
            "the agreement is in your e-mail.",
            amount=Money(back, plan.currency),
        ),
        "success",
    )
    return redirect(_plan_url(plan))


@bp.post("/s/<slug>/plans/<plan_id>/cancel")
def plan_cancel(slug: str, plan_id: str):
    plan = _buyer_plan(slug, plan_id)
    if plan is None:
        return _ask_to_sign_in(slug)
    if ActionForm().validate_on_submit():
        instalments.cancel_pending(plan, _actor(plan.order))
        if plan.status == PlanStatus.CANCELLED.value:
            flash(_("You did not switch to instalments. Your order stays paid in full."), "info")
    return redirect(url_for("buyers.order", slug=slug, number=plan.order.number))


@bp.get("/s/<slug>/plans/<plan_id>")
def plan_page(slug: str, plan_id: str):
    g.private_page = True
    plan = _buyer_plan(slug, plan_id)
    if plan is None:
        return _ask_to_sign_in(slug)
    if plan.status == PlanStatus.AWAITING_CARD.value:
        return redirect(url_for("buyers.plan_card", slug=slug, plan_id=plan.id))
    pending = instalments.pending_payment(plan)
    page = render_template(
        "instalments/plan.html",
        plan=plan,
        order=plan.order,
        merchant=plan.order.merchant,
        payoff=instalments.payoff_quote(plan),
        pending=pending,
        form=ActionForm(),
        errors={},
        stripe_key=current_app.config.get("STRIPE_PUBLISHABLE_KEY") if pending is not None else None,
    )
    response = Response(page)
    if pending is not None and plan.provider == "stripe":
        response.headers["Content-Security-Policy"] = STRIPE_CSP
    return response


@bp.get("/s/<slug>/plans/<plan_id>/agreement.pdf")
def plan_agreement(slug: str, plan_id: str):
    g.private_page = True
    plan = _buyer_plan(slug, plan_id)
    if plan is None or plan.status == PlanStatus.AWAITING_CARD.value:
        return _ask_to_sign_in(slug)
    return Response(
        agreement_pdf(plan),
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{agreement_filename(plan)}"'},
    )


@bp.post("/s/<slug>/plans/<plan_id>/pay")
def plan_pay(slug: str, plan_id: str):
    """Pay the overdue instalments now (``what=arrears``) or the whole rest (``what=payoff``)."""
    plan = _buyer_plan(slug, plan_id)
    if plan is None:
        return _ask_to_sign_in(slug)
    if not ActionForm().validate_on_submit():
        flash(_("The form had expired. Please try again."), "error")
        return redirect(_plan_url(plan))
    actor = _actor(plan.order)
    card = (request.form.get("card_number") or "").strip() or None
    try:
        if request.form.get("what") == "payoff":
            charge = instalments.pay_off(plan, actor, card_number=card)
        else:
            charge = instalments.pay_overdue(plan, actor, card_number=card)
    except ValidationFailed as exc:
        flash(" ".join(str(p) for v in exc.fields.values() for p in v) or str(exc), "error")
        return redirect(_plan_url(plan))
    except (Conflict, NotFound, ProviderUnavailable) as exc:
        flash(str(exc), "error")
        return redirect(_plan_url(plan))
    _say_outcome(charge, plan)
    return redirect(_plan_url(plan))


@bp.get("/s/<slug>/plans/<plan_id>/payment/done")
def plan_payment_done(slug: str, plan_id: str):
    """Stripe.js comes back here after the bank's confirmation: Stripe is asked how it went."""
    plan = _buyer_plan(slug, plan_id)
    if plan is None:
        return _ask_to_sign_in(slug)
    try:
        charge = instalments.refresh_payment(plan)
    except DomainError as exc:
        flash(str(exc), "error")
        return redirect(_plan_url(plan))
    if charge is not None:
        _say_outcome(charge, plan)
    return redirect(_plan_url(plan))


def _say_outcome(charge, plan: InstalmentPlan) -> None:
    """The payment's outcome for the buyer; when it settled the plan, the flash says so."""
    if charge is None:
        return
    currency = plan.currency
    if charge.status == "succeeded":
        db.session.refresh(plan)
        if plan.status == PlanStatus.PAID_OFF.value:
            flash(
                _(
                    "Thank you: %(amount)s is paid. Your instalment plan is paid off and nothing more will be charged.",
                    amount=Money(charge.amount, currency),
                ),
                "success",
            )
        else:
            flash(_("Thank you: %(amount)s is paid.", amount=Money(charge.amount, currency)), "success")
    elif charge.status == "failed":
        flash(
            _("The payment did not go through: %(reason)s", reason=instalments.failure_text(charge.failure_code)),
            "error",
        )
    elif not charge.client_secret:
        flash(_("The payment is being processed. This page shows it once it is through."), "info")
