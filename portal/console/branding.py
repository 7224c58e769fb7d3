"""The console's branding page (merchant admins): the shop's logo, brand colour, display name,
contact details and legal links, as buyers see them on the buyer pages, in e-mails and on the
PDFs. The rules live in ``portal.merchants.branding``."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.accounts.models import Role
from portal.accounts.permissions import staff_required
from portal.accounts.services import actor_for
from portal.console.views import _choose_shop, _shop, _shop_args, bp
from portal.errors import NotFound, ValidationFailed
from portal.merchants import branding

_FIELDS = ("name", "brand_colour", "support_email", "support_phone", "terms_url", "privacy_url")


def _values(merchant) -> dict[str, str]:
    return {field: getattr(merchant, field) or "" for field in _FIELDS}


def _page(merchant, *, values=None, errors=None, status=200):
    colour = branding.parse_colour(merchant.brand_colour or "")
    return render_template(
        "console/branding.html",
        merchant=merchant,
        values=values or _values(merchant),
        errors=errors or {},
        contrast=branding.format_ratio(branding.contrast_with_white(colour)) if colour else None,
        default_colour=branding.DEFAULT_COLOUR.upper(),
        minimum_contrast=branding.format_ratio(branding.MIN_CONTRAST),
    ), status


@bp.route("/branding", methods=["GET", "POST"], endpoint="branding")
@staff_required(Role.MERCHANT_ADMIN)
def branding_page():
    merchant = _shop()
    if merchant is None:
        if request.method == "POST":
            raise NotFound()
        return _choose_shop()
    if request.method == "GET":
        return _page(merchant)
    changes = branding.BrandingIn(**{field: request.form.get(field, "") for field in _FIELDS})
    upload = request.files.get("logo")
    # A file input left empty still sends one part, without a name.
    logo = branding.LogoUpload(upload.stream, upload.filename) if upload and upload.filename else None
    try:
        changed = branding.update_branding(
            merchant, changes, logo=logo, actor=actor_for(current_user, request.remote_addr)
        )
    except ValidationFailed as exc:
        flash(_("Nothing was saved: check the fields marked below."), "warning")
        errors = {field: [str(problem) for problem in problems] for field, problems in exc.fields.items()}
        values = {field: request.form.get(field, "") for field in _FIELDS}
        return _page(merchant, values=values, errors=errors, status=422)
    flash(_("Branding saved. Buyers see it from now on.") if changed else _("Nothing changed."), "success")
    return redirect(url_for(".branding", **_shop_args()))


@bp.post("/branding/logo/remove", endpoint="branding_logo_remove")
@staff_required(Role.MERCHANT_ADMIN)
def branding_logo_remove():
    merchant = _shop()
    if merchant is None:
        raise NotFound()
    removed = branding.remove_logo(merchant, actor=actor_for(current_user, request.remote_addr))
    flash(_("Logo removed: buyers see the shop's name instead.") if removed else _("Nothing changed."), "success")
    return redirect(url_for(".branding", **_shop_args()))
