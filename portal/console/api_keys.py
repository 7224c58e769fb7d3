"""The console's API keys: the shop's keys, a new one (its secret shown once), and revoking one.

Only the shop's admins (and platform admins) manage keys: a key acts for the whole shop in the
API. The secret is made and hashed by ``portal.merchants.services``; it is shown on the page
answering the POST that created it (201, never in a URL or cookie) and never again. The routes
join the console blueprint (``views.py`` imports this module).
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from portal.accounts.models import Role
from portal.accounts.permissions import staff_required
from portal.accounts.services import actor_for
from portal.console.views import _choose_shop, _shop, _shop_args, bp
from portal.errors import NotFound
from portal.extensions import db
from portal.i18n import set_page_locale
from portal.merchants.models import ApiKey, Merchant
from portal.merchants.services import create_api_key, revoke_api_key

NAME_MAX = 100


class ApiKeyForm(FlaskForm):
    name = StringField(
        _l("Name"),
        filters=[lambda text: text.strip() if isinstance(text, str) else text],
        validators=[
            DataRequired(message=_l("Give the key a name, e.g. the system that uses it.")),
            Length(max=NAME_MAX, message=_l("Keep the name to 100 characters or fewer.")),
        ],
        description=_l("Where the key is used, e.g. “Web shop backend”. Shown in the audit log."),
        render_kw={"maxlength": NAME_MAX},
    )


def shop_keys(merchant_id: str) -> list[ApiKey]:
    """The shop's API keys, live ones first, then newest first."""
    return list(
        db.session.scalars(
            select(ApiKey)
            .where(ApiKey.merchant_id == merchant_id)
            .order_by(ApiKey.revoked_at.is_not(None), ApiKey.created_at.desc(), ApiKey.id.desc())
        )
    )


@bp.get("/api-keys", endpoint="api_keys")
@staff_required(Role.MERCHANT_ADMIN)
def api_key_list():
    merchant = _shop()
    if merchant is None:
        return _choose_shop()
    return _list_page(merchant, ApiKeyForm(formdata=None))


@bp.post("/api-keys", endpoint="api_key_create")
@staff_required(Role.MERCHANT_ADMIN)
def api_key_create():
    """Make a key; the answer (201) is the list with the secret in a box, the one time it is shown."""
    merchant = _shop()
    if merchant is None:
        raise NotFound()
    form = ApiKeyForm()
    if not form.validate():
        return _list_page(merchant, form, status=422)
    key, secret = create_api_key(merchant, name=form.name.data, actor=actor_for(current_user, request.remote_addr))
    return _list_page(merchant, ApiKeyForm(formdata=None), created=key, secret=secret, status=201)


@bp.post("/api-keys/<key_id>/revoke", endpoint="api_key_revoke")
@staff_required(Role.MERCHANT_ADMIN)
def api_key_revoke(key_id: str):
    """Revoke a key at once (a second time changes nothing); another shop's key is not found."""
    merchant = _shop()
    if merchant is None:
        raise NotFound()
    key = revoke_api_key(merchant, key_id, actor=actor_for(current_user, request.remote_addr))
    flash(_("API key “%(name)s” revoked. Requests sent with it are refused from now on.", name=key.name), "success")
    return redirect(url_for(".api_keys", **_shop_args()) + f"#key-{key.id}")


def _list_page(
    merchant: Merchant,
    form: ApiKeyForm,
    *,
    created: ApiKey | None = None,
    secret: str | None = None,
    status: int = 200,
):
    set_page_locale(None, merchant.timezone)  # times in the shop's time zone
    return render_template(
        "console/api_keys.html",
        merchant=merchant,
        keys=shop_keys(merchant.id),
        form=form,
        created=created,
        secret=secret,
        name_max=NAME_MAX,
    ), status
