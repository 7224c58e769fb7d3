"""The console's webhooks (merchant admins): the shop's endpoints with their signing secrets, the
events each wants, and each endpoint's delivery log with a re-send button. The rules live in
``portal.integrations.webhooks``."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.accounts.models import Role
from portal.accounts.permissions import staff_required
from portal.accounts.services import actor_for
from portal.console.views import _choose_shop, _shop, _shop_args, bp
from portal.errors import NotFound, ValidationFailed
from portal.integrations import webhooks


def _page(merchant, *, errors=None, values=None, status=200):
    endpoints = webhooks.endpoints(merchant.id)
    return render_template(
        "console/webhooks.html",
        merchant=merchant,
        endpoints=[(e, webhooks.deliveries(e, limit=20)) for e in endpoints],
        event_types=webhooks.EVENT_TYPES,
        errors=errors or {},
        values=values or {"events": []},
    ), status


@bp.get("/webhooks", endpoint="webhooks")
@staff_required(Role.MERCHANT_ADMIN)
def webhook_list():
    merchant = _shop()
    if merchant is None:
        return _choose_shop()
    return _page(merchant)


@bp.post("/webhooks", endpoint="webhook_create")
@staff_required(Role.MERCHANT_ADMIN)
def webhook_create():
    merchant = _shop()
    if merchant is None:
        raise NotFound()
    values = {
        "url": request.form.get("url", ""),
        "events": request.form.getlist("events"),
        "description": request.form.get("description", ""),
    }
    try:
        endpoint = webhooks.create_endpoint(
            merchant,
            values["url"],
            values["events"],
            actor_for(current_user, request.remote_addr),
            description=values["description"],
        )
    except ValidationFailed as exc:
        errors = {name: [str(m) for m in problems] for name, problems in exc.fields.items()}
        return _page(merchant, errors=errors, values=values, status=422)
    flash(_("Webhook added. Events go to %(url)s, signed with the secret shown below.", url=endpoint.url), "success")
    return redirect(url_for(".webhooks", **_shop_args()) + f"#endpoint-{endpoint.id}")


@bp.post("/webhooks/<endpoint_id>/active", endpoint="webhook_active")
@staff_required(Role.MERCHANT_ADMIN)
def webhook_active(endpoint_id: str):
    merchant = _shop()
    if merchant is None:
        raise NotFound()
    endpoint = webhooks.get_endpoint(merchant.id, endpoint_id)
    active = request.form.get("active") == "1"
    webhooks.set_active(endpoint, active, actor_for(current_user, request.remote_addr))
    flash(_("Webhook switched on.") if active else _("Webhook paused: no events are sent to it."), "success")
    return redirect(url_for(".webhooks", **_shop_args()) + f"#endpoint-{endpoint.id}")


@bp.post("/webhooks/<endpoint_id>/delete", endpoint="webhook_delete")
@staff_required(Role.MERCHANT_ADMIN)
def webhook_delete(endpoint_id: str):
    merchant = _shop()
    if merchant is None:
        raise NotFound()
    endpoint = webhooks.get_endpoint(merchant.id, endpoint_id)
    webhooks.delete_endpoint(endpoint, actor_for(current_user, request.remote_addr))
    flash(_("Webhook deleted, with its delivery log."), "success")
    return redirect(url_for(".webhooks", **_shop_args()))


@bp.post("/webhooks/deliveries/<delivery_id>/resend", endpoint="webhook_resend")
@staff_required(Role.MERCHANT_ADMIN)
def webhook_resend(delivery_id: str):
    merchant = _shop()
    if merchant is None:
        raise NotFound()
    delivery = webhooks.resend(merchant.id, delivery_id, actor_for(current_user, request.remote_addr))
    if delivery.status == "succeeded":
        flash(_("Sent again: the server answered %(code)s.", code=delivery.last_status_code), "success")
    else:
        flash(_("Sent again, but it did not go through: %(error)s", error=delivery.last_error or "—"), "warning")
    return redirect(url_for(".webhooks", **_shop_args()) + f"#endpoint-{delivery.endpoint_id}")
