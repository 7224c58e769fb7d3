"""Buyer pages: find an order, open the order's link, follow the order. No sign-up."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from sqlalchemy import select

from portal.buyers import access, page_cache
from portal.buyers.forms import LookupForm, OrdersLinkForm
from portal.buyers.services import payment_method_label, summarise
from portal.db import utcnow
from portal.errors import NotFound, RateLimited
from portal.extensions import db
from portal.i18n import select_locale, set_page_locale
from portal.merchants.models import Merchant
from portal.orders.models import Order
from portal.orders.services import get_order

bp = Blueprint("buyers", __name__)

_SESSION_KEY = "buyer"


def _remember_buyer(order: Order) -> None:
    """The browser now speaks for this customer at this shop (and no other customer there)."""
    buyers = dict(session.get(_SESSION_KEY) or {})
    buyers[order.merchant_id] = order.customer_id
    session[_SESSION_KEY] = buyers
    session.permanent = True


def _remember_customer(merchant_id: str, customer_id: str) -> None:
    buyers = dict(session.get(_SESSION_KEY) or {})
    buyers[merchant_id] = customer_id
    session[_SESSION_KEY] = buyers
    session.permanent = True


def _customer_in_session(merchant_id: str) -> str | None:
    return (session.get(_SESSION_KEY) or {}).get(merchant_id)


def _client() -> str:
    return request.remote_addr or "unknown"


@bp.get("/")
def home():
    return redirect(url_for(".lookup"))


@bp.route("/lookup", methods=["GET", "POST"])
@bp.route("/s/<slug>/", methods=["GET", "POST"])
def lookup(slug: str | None = None):
    merchants = db.session.execute(select(Merchant.slug, Merchant.name).order_by(Merchant.name)).all()
    form = LookupForm()
    form.merchant.choices = [("", _("Choose the shop"))] + [(m.slug, m.name) for m in merchants]
    # On a shop's own page (/s/<slug>/) the page carries the shop's name.
    shop = db.session.scalar(select(Merchant).where(Merchant.slug == slug)) if slug else None
    if request.method == "GET":
        form.merchant.data = slug or request.args.get("shop") or ""
    status = 200
    if form.validate_on_submit():
        try:
            order = access.find_order(form.merchant.data, form.number.data, form.email.data, client=_client())
        except RateLimited as exc:
            flash(str(exc.message), "warning")
            page = render_template(
                "buyers/lookup.html", form=form, link_form=_link_form(merchants, slug), merchant=shop
            )
            response = current_app.make_response((page, 429))
            response.headers["Retry-After"] = str(exc.retry_after)
            return response
        except NotFound:
            flash(
                _(
                    "We could not find an order with that number and e-mail address at this shop. "
                    "Check both against your order confirmation and try again."
                ),
                "warning",
            )
            status = 404
        else:
            _remember_buyer(order)
            return redirect(url_for(".order", slug=order.merchant.slug, number=order.number))
    elif request.method == "POST":
        status = 422
    return render_template(
        "buyers/lookup.html", form=form, link_form=_link_form(merchants, slug), merchant=shop
    ), status


def _link_form(merchants, slug: str | None, formdata=None) -> OrdersLinkForm:
    form = OrdersLinkForm(formdata=formdata, prefix="link")
    form.merchant.choices = [("", _("Choose the shop"))] + [(m.slug, m.name) for m in merchants]
    if formdata is None:
        form.merchant.data = slug or request.args.get("shop") or ""
    return form


@bp.post("/orders-link")
def request_orders_link():
    """A link to all my orders at a shop, by e-mail. The same answer whether or not we know the address."""
    merchants = db.session.execute(select(Merchant.slug, Merchant.name).order_by(Merchant.name)).all()
    link_form = _link_form(merchants, None, formdata=request.form)
    shop_slug = request.form.get("link-merchant") or None
    shop = db.session.scalar(select(Merchant).where(Merchant.slug == shop_slug)) if shop_slug else None
    if not link_form.validate_on_submit():
        form = LookupForm(formdata=None)
        form.merchant.choices = [("", _("Choose the shop"))] + [(m.slug, m.name) for m in merchants]
        form.merchant.data = shop_slug or ""
        return render_template("buyers/lookup.html", form=form, link_form=link_form, merchant=shop), 422
    try:
        access.send_orders_link(link_form.merchant.data, link_form.email.data, client=_client())
    except RateLimited as exc:
        flash(str(exc.message), "warning")
    else:
        flash(
            _(
                "If %(email)s has orders at this shop, a link to all of them is on its way. "
                "It works for %(hours)s hours; check the spam folder too.",
                email=link_form.email.data.strip().lower(),
                hours=current_app.config.get("ORDERS_LINK_MAX_AGE_HOURS", 24),
            ),
            "success",
        )
    return redirect(url_for(".lookup", slug=shop.slug) if shop else url_for(".lookup"))


@bp.get("/s/<slug>/m/<token>")
def open_orders_link(slug: str, token: str):
    """The link from "all my orders" e-mail: this browser speaks for the buyer at the shop."""
    try:
        customer = access.customer_from_orders_link(slug, token)
    except NotFound:
        return render_template(
            "error.html",
            status=404,
            title=_("This link does not work"),
            message=_("The link may be incomplete or too old. Ask for a new one on the shop's order page."),
            action_url=url_for(".lookup", slug=slug),
            action_label=_("Find my order"),
        ), 404
    _remember_customer(customer.merchant_id, customer.id)
    return redirect(url_for(".orders", slug=slug))


@bp.get("/o/<token>")
def open_link(token: str):
    """The order's own link from the shop's e-mail: no sign-in, straight to the order."""
    try:
        order = access.order_from_link(token)
    except NotFound:
        return render_template(
            "error.html",
            status=404,
            title=_("This link does not work"),
            message=_(
                "The link may be incomplete or too old. Find your order with its number and your e-mail address instead."
            ),
            action_url=url_for(".lookup"),
            action_label=_("Find my order"),
        ), 404
    _remember_buyer(order)
    return redirect(url_for(".order", slug=order.merchant.slug, number=order.number))


@bp.get("/s/<slug>/orders/<number>")
def order(slug: str, number: str):
    g.private_page = True
    row = page_cache.order_head(slug, number)
    if row is None or _customer_in_session(row.merchant_id) != row.customer_id:
        # Never reveal whether the order exists: the same answer for missing and not-yours.
        flash(_("Please confirm your order number and e-mail address to see this order."), "info")
        return redirect(url_for(".lookup", slug=slug))
    set_page_locale(row.locale, row.timezone)
    language = select_locale()  # the same choice Babel makes, without parsing a Locale
    cacheable = not session.get("_flashes")
    key = None
    if cacheable:
        today = utcnow().astimezone(ZoneInfo(row.timezone)).date()
        # tz is the shop's; the shop's version changes with its policy (return window, instalments…)
        key = (row.id, row.version, row.customer_version, row.merchant_version, language, today)
        page = page_cache.pages().get(key)
        if page is not None:
            return page
    order = get_order(row.merchant_id, number)
    summary = summarise(order)
    page = render_template(
        "buyers/order.html",
        summary=summary,
        order=order,
        merchant=order.merchant,
        payment_method_label=payment_method_label,
    )
    if key is not None:
        page_cache.pages().put(key, page)
    return page


@bp.get("/s/<slug>/orders")
def orders(slug: str):
    g.private_page = True
    merchant = db.session.scalar(select(Merchant).where(Merchant.slug == slug))
    customer_id = _customer_in_session(merchant.id) if merchant else None
    if customer_id is None:
        flash(_("Please confirm your order number and e-mail address to see your orders."), "info")
        return redirect(url_for(".lookup", slug=slug))
    identity = access.BuyerIdentity(customer_id=customer_id, merchant_id=merchant.id)
    buyer_orders = access.orders_of(identity)
    if buyer_orders:
        set_page_locale(buyer_orders[0].locale, merchant.timezone)
    return render_template("buyers/orders.html", merchant=merchant, orders=buyer_orders)


@bp.route("/s/<slug>/signout", methods=["GET", "POST"])
def signout(slug: str):
    merchant = db.session.scalar(select(Merchant).where(Merchant.slug == slug))
    if merchant is None:
        abort(404)
    if request.method == "POST":
        buyers = dict(session.get(_SESSION_KEY) or {})
        buyers.pop(merchant.id, None)
        session[_SESSION_KEY] = buyers
        flash(_("You have left your orders at %(shop)s on this device.", shop=merchant.name), "success")
        return redirect(url_for(".lookup", slug=slug))
    return render_template("buyers/signout.html", merchant=merchant)
