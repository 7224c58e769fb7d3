"""PDF documents with WeasyPrint, rendered from templates/documents/ in the current language."""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass

from flask import render_template
from flask_babel import lazy_gettext as _l

CARRIER_DROP_OFF = {
    "posti": _l(
        "Take the parcel to any Posti outlet or parcel locker. Show the QR code or give the return "
        "number; the return is free of charge for you."
    ),
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


def qr_data_uri(text: str) -> str:
    """A QR code as an SVG data URI (no raster, sharp at any print size)."""
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


def render_pdf(template: str, **context) -> bytes:
    from weasyprint import HTML

    html = render_template(template, **context)
    return HTML(string=html).write_pdf()


def return_slip_pdf(ret) -> bytes:
    from portal.merchants.policy import effective_policy
    from portal.urls import external_url

    order = ret.order
    carrier = order.shipments[0].carrier if order.shipments else None
    return render_pdf(
        "documents/return_slip.html",
        ret=ret,
        order=order,
        merchant=order.merchant,
        return_address=effective_policy(order.merchant.policy)["returns"]["return_address"],
        carrier=carrier,
        drop_off=drop_off_instructions(carrier),
        qr=qr_data_uri(external_url("console.return_detail", return_id=ret.id)),
    )


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
        return Document(f"return-{ret.number}.pdf", "application/pdf", return_slip_pdf(ret))
    return None
