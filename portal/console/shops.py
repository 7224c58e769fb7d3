"""The platform admin's shops page: every shop with its order count, and a form to create one
(``merchants.services.create_merchant``, as ``flask merchants create`` does).

The routes join the console blueprint (``views.py`` imports this module).
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select

from portal.accounts.models import Role
from portal.accounts.permissions import staff_required
from portal.accounts.services import actor_for
from portal.console.views import bp
from portal.errors import Conflict, ValidationFailed
from portal.extensions import db
from portal.merchants.models import Merchant
from portal.merchants.services import LOCALES, create_merchant
from portal.money import CURRENCIES
from portal.orders.models import Order

COUNTRIES = ("FI", "SE", "DK", "NO", "IS")
TIMEZONES = ("Europe/Helsinki", "Europe/Stockholm", "Europe/Copenhagen", "Europe/Oslo", "Atlantic/Reykjavik")
FIELDS = ("slug", "name", "currency", "locale", "country", "timezone")
NAME_MAX = 200  # the column's length
DEFAULTS = {
    "slug": "",
    "name": "",
    "currency": "EUR",
    "locale": "fi",
    "country": "FI",
    "timezone": "Europe/Helsinki",
}


def shops_with_order_counts() -> list[tuple[Merchant, int]]:
    """Every shop by name, with how many orders it has, in one query."""
    rows = db.session.execute(
        select(Merchant, func.count(Order.id))
        .outerjoin(Order, Order.merchant_id == Merchant.id)
        .group_by(Merchant.id)
        .order_by(func.lower(Merchant.name), Merchant.slug)
    )
    return [(merchant, count) for merchant, count in rows]


def _page(*, values: dict | None = None, errors: dict | None = None, status: int = 200):
    return render_template(
        "console/shops.html",
        shops=shops_with_order_counts(),
        values=values or DEFAULTS,
        errors=errors or {},
        currencies=CURRENCIES,
        locales=LOCALES,
        countries=COUNTRIES,
        timezones=TIMEZONES,
    ), status


def _choice_problems(values: dict) -> dict[str, list]:
    """What ``create_merchant`` leaves to its callers: a known country and time zone, a name
    that fits its column."""
    problems: dict[str, list] = {}
    if len(values["name"]) > NAME_MAX:
        problems["name"] = [_l("Keep the name to %(max)s characters or fewer.", max=NAME_MAX)]
    if values["country"] not in COUNTRIES:
        problems["country"] = [_l("Choose one of the countries in the list.")]
    if values["timezone"] not in TIMEZONES:
        problems["timezone"] = [_l("Choose one of the time zones in the list.")]
    return problems


@bp.get("/shops", endpoint="shops")
@staff_required(Role.PLATFORM_ADMIN)
def shop_list():
    return _page()


@bp.post("/shops", endpoint="shop_create")
@staff_required(Role.PLATFORM_ADMIN)
def shop_create():
    values = {name: request.form.get(name, "").strip() for name in FIELDS}
    problems = _choice_problems(values)
    if problems:
        return _page(values=values, errors=problems, status=422)
    try:
        merchant = create_merchant(
            values["slug"],
            name=values["name"],
            currency=values["currency"],
            locale=values["locale"],
            country=values["country"],
            timezone=values["timezone"],
            actor=actor_for(current_user, request.remote_addr),
        )
    except ValidationFailed as exc:
        return _page(values=values, errors=exc.fields, status=422)
    except Conflict as exc:  # the address is taken
        return _page(values=values, errors={"slug": [exc.message]}, status=409)
    flash(
        _("Shop “%(name)s” created. Its buyers' pages are at /s/%(slug)s/.", name=merchant.name, slug=merchant.slug),
        "success",
    )
    return redirect(url_for(".shops") + f"#shop-{merchant.slug}", 303)
