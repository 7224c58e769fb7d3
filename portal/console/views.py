"""The merchant console: orders of one shop, an order's full story, and the sent mail."""

from __future__ import annotations

from flask import Blueprint, flash, g, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from portal.accounts.models import Role
from portal.accounts.permissions import has_role, is_platform_staff, staff_required
from portal.accounts.services import actor_for
from portal.buyers.access import order_link
from portal.buyers.services import payment_method_label
from portal.console import services
from portal.console.forms import ManualRefundForm, OrderSearchForm, RefundFilterForm
from portal.errors import DomainError, Forbidden, NotFound, ValidationFailed
from portal.extensions import db
from portal.merchants.models import Merchant
from portal.money import Money
from portal.orders.services import get_order
from portal.payments import services as ledger
from portal.payments.models import Refund
from portal.storage import StorageUnavailable

bp = Blueprint("console", __name__, url_prefix="/console")

AUDIT_ACTIONS = {
    "order.created": _l("Order received from the shop"),
    "order.replaced": _l("Order updated by the shop"),
    "order.late_notified": _l("Buyer told the order is late"),
    "shipment.created": _l("Shipment added"),
    "tracking_event.created": _l("Tracking event from the carrier"),
    "policy.updated": _l("Policy changed"),
    "refund.requested": _l("Refund requested"),
    "refund.succeeded": _l("Refund paid back by the payment provider"),
    "refund.failed": _l("Refund failed at the payment provider"),
    "refund.retried": _l("Refund sent again"),
    "refund.pending": _l("Refund waiting for the payment provider"),
    "charge.requested": _l("Price difference charge requested"),
    "charge.succeeded": _l("Price difference charged to the buyer's card"),
    "charge.failed": _l("Price difference could not be charged"),
    "return.requested": _l("Return requested"),
    "return.approved": _l("Return approved"),
    "return.rejected": _l("Return rejected"),
    "return.cancelled": _l("Return cancelled"),
    "return.received": _l("Return received and settled"),
    "order.cancelled": _l("Order cancelled"),
    "variant.created": _l("Product variant added to the catalogue"),
    "variant.replaced": _l("Product variant updated in the catalogue"),
    "store_credit.issued": _l("Store credit issued"),
    "store_credit.redeemed": _l("Store credit spent"),
    "claim.opened": _l("Defect claim received from the buyer"),
    "claim.accepted": _l("Claim accepted"),
    "claim.countered": _l("Counter-offer sent to the buyer"),
    "claim.rejected": _l("Claim rejected and sent to customer support"),
    "claim.declined": _l("Buyer declined the counter-offer: claim sent to customer support"),
    "claim.resolved": _l("Claim marked as done"),
    "instalment_plan.terms_accepted": _l("Buyer accepted instalment terms"),
    "instalment_plan.started": _l("Instalment plan started"),
    "instalment_plan.cancelled": _l("Instalment plan left before it started"),
    "instalment_plan.card_changed": _l("Buyer changed the plan's card"),
    "instalment_plan.charge_succeeded": _l("Instalment charged"),
    "instalment_plan.charge_failed": _l("Instalment charge failed"),
    "ticket.opened": _l("Ticket opened"),
    "user.invited": _l("Staff member invited"),
    "user.invitation_withdrawn": _l("Staff invitation withdrawn"),
    "user.invitation_accepted": _l("Staff invitation accepted"),
    "user.role_changed": _l("Staff role changed"),
    "user.deactivated": _l("Staff account deactivated"),
    "user.reactivated": _l("Staff account reactivated"),
    "user.two_factor_enabled": _l("Two-step sign-in switched on"),
    "user.two_factor_disabled": _l("Two-step sign-in switched off"),
    "merchant.admin_two_factor_required": _l("Two-step sign-in required of admins"),
    "merchant.admin_two_factor_optional": _l("Two-step sign-in left to each admin"),
    "canned_reply.created": _l("Prepared reply added"),
    "canned_reply.updated": _l("Prepared reply changed"),
    "canned_reply.deleted": _l("Prepared reply deleted"),
    "user.shops_changed": _l("Shops served changed"),
    "ticket.replied": _l("Reply sent to the buyer"),
    "ticket.noted": _l("Internal note added"),
    "ticket.assigned": _l("Ticket assigned"),
    "ticket.status": _l("Ticket status changed"),
    "ticket.priority": _l("Ticket priority changed"),
    "ticket.breached": _l("Ticket missed its due time: sent to the team lead"),
}

ACTOR_KINDS = {
    "user": _l("Staff"),
    "api_key": _l("Shop's system (API)"),
    "buyer": _l("Buyer"),
    "system": _l("Apuri"),
}

MAIL_STATUSES = {
    "queued": _l("Waiting to be sent"),
    "sent": _l("Sent"),
    "failed": _l("Failed, will be retried"),
    "held": _l("Kept here (no mail server set up)"),
}

MAIL_KINDS = {
    "orders_link": _l("Link to all orders"),
    "callback_confirmed": _l("Callback confirmed"),
    "callback_missed": _l("Callback not answered"),
    "feedback_request": _l("Feedback question"),
    "staff_invite": _l("Staff invitation"),
    "shipment_added": _l("Order shipped"),
    "order_delivered": _l("Order delivered"),
    "order_late": _l("Order late"),
    "instalment_agreement": _l("Instalment agreement"),
    "instalment_reminder": _l("Instalment reminder"),
    "instalment_failed": _l("Instalment not paid"),
    "instalment_paid_off": _l("Instalment plan paid off"),
    "ticket_received": _l("Ticket received"),
    "ticket_reply": _l("Reply to a ticket"),
    "ticket_survey": _l("Satisfaction question"),
    "ticket_due_soon": _l("Ticket due soon"),
}

REFUND_STATUSES = {
    "pending": _l("Pending"),
    "succeeded": _l("Refunded"),
    "failed": _l("Failed"),
}

REFUND_SOURCES = {
    "return": _l("Return"),
    "claim": _l("Claim"),
    "manual": _l("Manual"),
    "instalment_switch": _l("Switch to instalments"),
}

# The stored HTML of an e-mail, shown in a sandboxed frame: no scripts, no forms, no
# same-origin rights, only the inline styles e-mails are made of.
MAIL_HTML_CSP = "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data: https:; frame-ancestors 'self'"


def _label(table: dict, code: str | None) -> str:
    return str(table.get(code, code or ""))


@bp.app_template_global()
def console_label(kind: str, code: str | None) -> str:
    """A readable name for a stored code (audit action, mail status …), the code if unknown."""
    tables = {
        "audit": AUDIT_ACTIONS,
        "actor": ACTOR_KINDS,
        "mail_status": MAIL_STATUSES,
        "mail_kind": MAIL_KINDS,
        "refund_status": REFUND_STATUSES,
        "refund_source": REFUND_SOURCES,
    }
    return _label(tables[kind], code)


@bp.context_processor
def console_context() -> dict:
    shop = g.get("console_shop")
    platform = current_user.is_authenticated and is_platform_staff(current_user)
    return {
        "console_shop": shop,
        "platform_staff": platform,
        # Platform staff carry their chosen shop from link to link; merchant staff have one.
        "shop_args": {"shop": shop.slug} if platform and shop else {},
    }


@bp.errorhandler(NotFound)
def not_found(_exc):
    return render_template(
        "error.html",
        status=404,
        title=_("Not found"),
        message=_("There is nothing with this number or address in this shop. Check it, or search the orders."),
        action_url=url_for(".orders", **_shop_args()),
        action_label=_("Back to orders"),
    ), 404


@bp.errorhandler(StorageUnavailable)
def storage_unavailable(_exc):
    return render_template(
        "error.html",
        status=503,
        title=_("Please try again"),
        message=_(
            "The file could not be stored just now (the storage is full or does not answer), so nothing was changed. Please try again in a little while."
        ),
        action_url=request.url,
        action_label=_("Back"),
    ), 503


@bp.errorhandler(Forbidden)
def forbidden(exc):
    said = exc.message if getattr(exc, "message", None) is not Forbidden.default_message else None
    return render_template(
        "error.html",
        status=403,
        title=_("No access"),
        message=str(said) if said else _("Your account is not linked to a shop. Ask an admin to check it."),
        action_url=url_for("accounts.login"),
        action_label=_("Sign in"),
    ), 403


def _shop_args() -> dict:
    shop = g.get("console_shop")
    return {"shop": shop.slug} if shop is not None and is_platform_staff(current_user) else {}


def _shop() -> Merchant | None:
    """The shop this request works on (see services.shop_for); kept on g for the templates."""
    g.console_shop = services.shop_for(current_user, request.args.get("shop"))
    return g.console_shop


def _choose_shop():
    """Platform staff belong to no shop: they pick the one to work on."""
    args = {k: v for k, v in request.args.items() if k not in ("shop", "cursor")}
    return render_template(
        "console/choose_shop.html",
        shops=services.shops(current_user),
        serving=current_user.role == Role.SUPPORT_AGENT,
        endpoint=request.endpoint,
        view_args={**(request.view_args or {}), **args},
    )


@bp.get("/")
@staff_required()
def home():
    return redirect(url_for(".today", shop=request.args.get("shop") or None))


@bp.get("/orders")
@staff_required()
def orders():
    merchant = _shop()
    if merchant is None:
        return _choose_shop()
    form = OrderSearchForm(request.args)
    query = (form.q.data or "") if form.validate() else ""
    cursor = request.args.get("cursor") or None
    quiet = request.args.get("view") == "quiet"
    page = services.order_rows(merchant, query=query, cursor=cursor, quiet=quiet)
    return render_template(
        "console/orders.html",
        merchant=merchant,
        form=form,
        query=query,
        cursor=cursor,
        quiet=quiet,
        page=page,
    )


@bp.get("/orders/<number>")
@staff_required()
def order(number: str):
    merchant = _shop()
    if merchant is None:
        return _choose_shop()
    return _order_page(merchant, number, ManualRefundForm(formdata=None))


def _order_page(merchant: Merchant, number: str, refund_form: ManualRefundForm, status: int = 200):
    view = services.order_for_staff(merchant, number)
    return render_template(
        "console/order.html",
        merchant=merchant,
        order=view.order,
        summary=view.summary,
        audit=view.audit,
        buyer_link=order_link(view.order),
        payment_method_label=payment_method_label,
        refund_form=refund_form,
        may_refund=has_role(current_user.role, Role.MERCHANT_ADMIN),
    ), status


@bp.post("/orders/<number>/refunds")
@staff_required(Role.MERCHANT_ADMIN)
def manual_refund(number: str):
    """A refund the shop's admin decides: checked against what remains, then sent to the provider."""
    merchant = _shop()
    if merchant is None:
        raise NotFound()
    order = get_order(merchant.id, number)  # NotFound for another shop's number too
    form = ManualRefundForm()
    form.currency = order.currency
    if not form.validate():
        return _order_page(merchant, number, form, 422)
    try:
        refund = ledger.request_refund(
            order,
            form.minor_units,
            "manual",
            form.reason.data.strip(),
            actor_for(current_user, request.remote_addr),
        )
    except ValidationFailed as exc:
        form.amount.errors = [str(m) for m in exc.fields.get("amount", [])] or [str(exc.message)]
        return _order_page(merchant, number, form, 422)
    except DomainError as exc:  # e.g. nothing was paid on this order
        form.amount.errors = [str(exc.message)]
        return _order_page(merchant, number, form, 409)
    flash(_refund_news(refund), "success" if refund.status != "failed" else "warning")
    return redirect(url_for(".order", number=number, **_shop_args()) + "#payment-title")


def _refund_news(refund: Refund) -> str:
    """What happens next, by what the provider answered (the call runs right after the commit)."""
    db.session.refresh(refund)
    amount = Money(refund.amount, refund.currency)
    if refund.status == "succeeded":
        return _(
            "The payment provider accepted the refund of %(amount)s. The buyer sees it on their order "
            "page now and on their bank statement usually within a few banking days.",
            amount=amount,
        )
    if refund.status == "failed":
        return _(
            "The payment provider refused the refund of %(amount)s: %(reason)s You can send it again "
            "from the refund list.",
            amount=amount,
            reason=refund.failure_reason or "",
        )
    return _(
        "The refund of %(amount)s is recorded and waits for the payment provider's answer. "
        "Its status shows here when the answer arrives; nothing more is needed from you.",
        amount=amount,
    )


@bp.get("/refunds")
@staff_required()
def refunds():
    merchant = _shop()
    if merchant is None:
        return _choose_shop()
    form = RefundFilterForm(request.args)
    status = (form.status.data or "") if form.validate() else ""
    cursor = request.args.get("cursor") or None
    return render_template(
        "console/refunds.html",
        merchant=merchant,
        form=form,
        status=status,
        cursor=cursor,
        page=services.refund_rows(merchant, status=status or None, cursor=cursor),
        may_retry=has_role(current_user.role, Role.MERCHANT_AGENT),
    )


@bp.post("/refunds/<refund_id>/retry")
@staff_required(Role.MERCHANT_AGENT)
def retry_refund(refund_id: str):
    """Send a failed refund again: a new attempt, checked again against what remains."""
    merchant = _shop()
    if merchant is None:
        raise NotFound()
    try:
        refund = ledger.retry_refund(
            refund_id, merchant_id=merchant.id, actor=actor_for(current_user, request.remote_addr)
        )
    except NotFound:
        raise
    except DomainError as exc:
        flash(str(exc.message), "warning")
    else:
        flash(_refund_news(refund), "success" if refund.status != "failed" else "warning")
    status = request.form.get("status") or None
    return redirect(url_for(".refunds", status=status if status in services.REFUND_FILTERS else None, **_shop_args()))


@bp.get("/dev/mail")
@staff_required()
def mail():
    merchant = _shop()
    messages = services.outbox(current_user, merchant)
    return render_template(
        "console/mail.html",
        merchant=merchant,
        messages=messages,
        shop_names=services.shop_names({m.merchant_id for m in messages}) if merchant is None else {},
        page_size=services.OUTBOX_PAGE_SIZE,
    )


@bp.get("/dev/mail/<message_id>")
@staff_required()
def mail_message(message_id: str):
    merchant = _shop()
    message = services.outbox_message(current_user, message_id)
    return render_template("console/mail_message.html", merchant=merchant, message=message)


@bp.get("/dev/mail/<message_id>/html")
@staff_required()
def mail_html(message_id: str):
    """The e-mail's HTML as the buyer's mail program shows it, for the frame on the detail page."""
    message = services.outbox_message(current_user, message_id)
    response = make_response(message.html_body)
    response.mimetype = "text/html"
    response.headers["Content-Security-Policy"] = MAIL_HTML_CSP
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response


@bp.route("/policy", methods=["GET", "POST"])
@staff_required()
def policy():
    """The shop's policy document: every capability's settings; admins change them."""
    from flask import flash

    from portal.accounts.models import Role
    from portal.accounts.permissions import has_role
    from portal.accounts.services import actor_for
    from portal.errors import ValidationFailed
    from portal.merchants import policy as rules
    from portal.merchants.services import get_policy, update_policy

    merchant = _shop()
    if merchant is None:
        return _choose_shop()
    may_edit = has_role(current_user.role, Role.MERCHANT_ADMIN)
    current = get_policy(merchant)
    values = {
        f"{s}.{f}": rules.form_value(kind, current[s][f])
        for s, fields in rules.CONSOLE_FIELDS.items()
        for f, (kind, _l_, _h) in fields.items()
    }
    errors: dict[str, list] = {}
    status = 200
    if request.method == "POST":
        if not may_edit:
            return render_template(
                "error.html",
                status=403,
                title=_("No access"),
                message=_("Only the shop's admins can change the policy."),
                action_url=url_for(".policy", **_shop_args()),
                action_label=_("Back"),
            ), 403
        patch = rules.patch_from_form(request.form, current)
        try:
            update_policy(merchant, patch, actor=actor_for(current_user, request.remote_addr))
        except ValidationFailed as exc:
            errors, status = exc.fields, 422
            values.update({k: request.form.get(k, "") for k in values})
            values.update({k: ("on" if k in request.form else "") for k, v in values.items() if k.endswith(".enabled")})
            flash(_("Nothing was saved: check the fields marked below."), "warning")
        else:
            flash(
                _("Policy saved. Buyers see the new terms from now on.") if patch else _("Nothing changed."), "success"
            )
            return redirect(url_for(".policy", **_shop_args()))
    return render_template(
        "console/policy.html",
        merchant=merchant,
        sections=rules.CONSOLE_SECTIONS,
        fields=rules.CONSOLE_FIELDS,
        values=values,
        errors=errors,
        may_edit=may_edit,
    ), status


# The returns and claims pages join this blueprint (they import ``bp`` and the helpers above).
from portal.console import agents as _agents  # noqa: E402, F401
from portal.console import api_keys as _api_keys  # noqa: E402, F401
from portal.console import audit_log as _audit_log  # noqa: E402, F401
from portal.console import branding as _branding  # noqa: E402, F401
from portal.console import callbacks as _callbacks  # noqa: E402, F401
from portal.console import canned as _canned  # noqa: E402, F401
from portal.console import chat as _chat  # noqa: E402, F401
from portal.console import claims as _claims  # noqa: E402, F401
from portal.console import feedback as _feedback  # noqa: E402, F401
from portal.console import help as _help  # noqa: E402, F401
from portal.console import imports as _imports  # noqa: E402, F401
from portal.console import insights as _insights  # noqa: E402, F401
from portal.console import jobs as _jobs  # noqa: E402, F401
from portal.console import plans as _plans  # noqa: E402, F401
from portal.console import returns as _returns  # noqa: E402, F401
from portal.console import shops as _shops  # noqa: E402, F401
from portal.console import staff as _staff  # noqa: E402, F401
from portal.console import support as _support  # noqa: E402, F401
from portal.console import webhooks as _webhooks  # noqa: E402, F401
