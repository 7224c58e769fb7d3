"""A shop's branding where buyers see it: a tiny per-shop stylesheet and the logo, both public
and addressed with the shop's version (``?v=``), so browsers may keep them for a year and a
change shows at once; and the template helpers the pages, e-mails and PDFs use.

The CSP allows no inline styles, hence a stylesheet from a route rather than a ``style``
attribute. The rules of what a shop may set live in ``portal.merchants.branding``.
"""

from __future__ import annotations

from flask import Response, abort, has_request_context, request, url_for
from sqlalchemy import select

from portal.buyers.views import bp
from portal.extensions import db
from portal.merchants import branding
from portal.merchants.models import Merchant
from portal.urls import external_url

# A versioned address never changes what it holds; any other is checked again each time.
VERSIONED_CACHE = "public, max-age=31536000, immutable"
UNVERSIONED_CACHE = "public, no-cache"


def _merchant(slug: str) -> Merchant:
    merchant = db.session.scalar(select(Merchant).where(Merchant.slug == slug))
    if merchant is None:
        abort(404)
    return merchant


def _cacheable(response: Response, merchant: Merchant) -> Response:
    asked = request.args.get("v")
    response.headers["Cache-Control"] = VERSIONED_CACHE if asked == str(merchant.version) else UNVERSIONED_CACHE
    response.add_etag()
    return response.make_conditional(request)


@bp.get("/s/<slug>/brand.css")
def brand_css(slug: str):
    """The shop's colour for the header and the primary buttons (portal/static/app.css reads it)."""
    merchant = _merchant(slug)
    css = f":root {{ --shop-brand: {branding.colour_of(merchant)}; }}\n" if merchant.brand_colour else ""
    return _cacheable(Response(css, mimetype="text/css"), merchant)


@bp.get("/s/<slug>/logo")
def brand_logo(slug: str):
    """The shop's logo: a JPEG re-encoded on upload, public like the shop's pages."""
    merchant = _merchant(slug)
    data = branding.logo_bytes(merchant)
    if data is None:
        abort(404)
    response = Response(data, mimetype="image/jpeg")
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Disposition"] = 'inline; filename="logo.jpg"'
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    # Mail clients show it from their own origin.
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    return _cacheable(response, merchant)


# -- template helpers (buyer pages, e-mails, PDFs) --------------------------------------------


@bp.app_template_global()
def branded_shop(merchant) -> Merchant | None:
    """The shop whose branding this page wears: a buyer page's shop; None in the console
    (whose pages show a shop too, in Apuri's own colours) and where there is no shop."""
    if not merchant or not has_request_context() or request.blueprint != bp.name or not getattr(merchant, "slug", None):
        return None
    return merchant


@bp.app_template_global()
def brand_colour(merchant) -> str:
    """The shop's colour as ``#rrggbb`` (Apuri's when it has none); safe inside a style attribute."""
    return branding.colour_of(merchant or None)


@bp.app_template_global()
def brand_logo_url(merchant, external: bool = False) -> str | None:
    """The address of the shop's logo (absolute for e-mails), or None when it has none."""
    if not merchant or not getattr(merchant, "logo_thumb_key", None) or not merchant.slug:
        return None
    if external:
        return external_url("buyers.brand_logo", slug=merchant.slug, v=merchant.version)
    return url_for("buyers.brand_logo", slug=merchant.slug, v=merchant.version)


@bp.app_template_global()
def brand_logo_data_uri(merchant) -> str | None:
    """The shop's logo inside a PDF (WeasyPrint is given no files or URLs to fetch)."""
    if not merchant or not getattr(merchant, "logo_key", None):
        return None
    return branding.logo_data_uri(merchant)
