"""PDF documents with WeasyPrint, rendered from templates/documents/ in the current language."""

from __future__ import annotations

import base64
import io
import re
import warnings
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from flask import render_template
from flask_babel import lazy_gettext as _l

CARRIER_DROP_OFF = {
    # Nothing here promises free return postage or a carrier-readable code: the QR code is for
    # the shop (it opens the return in the console), and who pays the postage is the shop's policy.
    "posti": _l("Take the parcel to a Posti outlet or parcel locker, with this slip inside."),
    "postnord": _l("Hand the parcel in at a PostNord service point or parcel box, with this slip inside."),
    "bring": _l("Drop the parcel at a Bring pick-up point or post-in-shop, with this slip inside."),
    "matkahuolto": _l("Take the parcel to a Matkahuolto service point or parcel point."),
    "dhl": _l("Hand the parcel in at a DHL Service Point or Packstation."),
    "gls": _l("Take the parcel to a GLS ParcelShop."),
    "dao": _l("Drop the parcel at a DAO parcel shop."),
    "budbee": _l("Book a Budbee pick-up or leave the parcel in a Budbee box."),
}
DEFAULT_DROP_OFF = _l(
    "Send the parcel with the carrier of your choice to the address above, with this slip inside. "
    "Keep the receipt until your return is settled."
)


def drop_off_instructions(carrier: str | None) -> str:
    return str(CARRIER_DROP_OFF.get((carrier or "").strip().lower(), DEFAULT_DROP_OFF))


# Pixels per QR module, and the quiet zone around the code in modules (the standard asks for 4).
QR_BOX_SIZE = 10
QR_BORDER = 4


def qr_code(text: str):
    """The QR code of ``text``: one black-and-white pixel grid, QR_BOX_SIZE pixels a module."""
    import qrcode

    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=QR_BOX_SIZE, border=QR_BORDER)
    code.add_data(text)
    code.make(fit=True)
    return code


def qr_data_uri(text: str) -> str:
    """A QR code as a 1-bit PNG data URI: whole pixels per module, so the slip's CSS can print it
    without smoothing (``image-rendering: pixelated``) and it stays sharp on any printer."""
    from qrcode.image.pil import PilImage

    buffer = io.BytesIO()
    qr_code(text).make_image(image_factory=PilImage).save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def _weasyprint_html():
    """WeasyPrint's HTML class. Without the system's HarfBuzz-Subset library (Debian:
    libharfbuzz-subset0) WeasyPrint 70 subsets fonts with fontTools and warns, once, at import,
    that future versions will need the library: a note for whoever upgrades, not an error here."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="HarfBuzz-Subset will be required", category=DeprecationWarning)
        from weasyprint import HTML
    return HTML


def render_pdf(template: str, **context) -> bytes:
    html = render_template(template, **context)
    return _weasyprint_html()(string=html).write_pdf()


def return_slip_url(ret) -> str:
    """What the slip's QR code holds: the return in the shop's console, to receive the parcel."""
    from portal.urls import external_url

    return external_url("console.return_detail", return_id=ret.id)


def return_slip_pdf(ret) -> bytes:
    """The buyer's return slip (A4): the items, how to send them, and an address label to cut out."""
    from portal.catalogue.services import variants_by_sku
    from portal.merchants.policy import effective_policy

    order = ret.order
    carrier = order.shipments[0].carrier if order.shipments else None
    # The day the buyer asked, in the shop's time zone (as the refund's due date is counted).
    requested_on = ret.created_at.astimezone(ZoneInfo(order.merchant.timezone)).date()
    exchanges = variants_by_sku(ret.merchant_id, {item.exchange_sku for item in ret.items if item.exchange_sku})
    return render_pdf(
        "documents/return_slip.html",
        ret=ret,
        requested_on=requested_on,
        order=order,
        merchant=order.merchant,
        return_address=effective_policy(order.merchant.policy)["returns"]["return_address"],
        carrier=carrier,
        drop_off=drop_off_instructions(carrier),
        exchange_names={sku: variant.name for sku, variant in exchanges.items()},
        qr=qr_data_uri(return_slip_url(ret)),
    )


def slip_filename(ret) -> str:
    """``return-<number>.pdf``, with anything but letters, digits, dots and dashes as a dash (order
    numbers are the shop's own: a "/" or a space would not survive being saved)."""
    return "return-" + (re.sub(r"[^\w.-]+", "-", ret.number).strip("-.") or "slip") + ".pdf"


def agreement_pdf(plan) -> bytes:
    """The instalment agreement (A4): the parties, the credit's terms, the schedule, the right of
    withdrawal and paying early, as accepted."""
    from portal.merchants.policy import effective_policy

    order = plan.order
    return render_pdf(
        "documents/instalment_agreement.html",
        plan=plan,
        order=order,
        merchant=order.merchant,
        customer=order.customer,
        accepted_on=plan.terms_accepted_at.astimezone(ZoneInfo(order.merchant.timezone)).date(),
        return_address=effective_policy(order.merchant.policy)["returns"]["return_address"],
    )


def agreement_filename(plan) -> str:
    return "agreement-" + (re.sub(r"[^\w.-]+", "-", plan.number).strip("-.") or "plan") + ".pdf"


@dataclass(frozen=True)
class Document:
    filename: str
    mimetype: str
    content: bytes


def render_attachment(spec: dict) -> Document | None:
    """An outbox attachment, rendered at sending time in the message's language."""
    from portal.extensions import db
    from portal.returns.models import ReturnRequest

    if spec.get("kind") == "return_slip":
        ret = db.session.get(ReturnRequest, spec.get("id"))
        if ret is None:
            return None
        return Document(slip_filename(ret), "application/pdf", return_slip_pdf(ret))
    if spec.get("kind") == "instalment_agreement":
        from portal.instalments.models import InstalmentPlan

        plan = db.session.get(InstalmentPlan, spec.get("id"))
        if plan is None:
            return None
        return Document(agreement_filename(plan), "application/pdf", agreement_pdf(plan))
    if spec.get("kind") == "claim_thumb":
        from portal.claims.models import ClaimPhoto
        from portal.storage import get_storage

        photo = db.session.get(ClaimPhoto, spec.get("id"))
        if photo is None:
            return None
        return Document(f"photo-{photo.position + 1}.jpg", "image/jpeg", get_storage().open(photo.thumb_key))
    return None
