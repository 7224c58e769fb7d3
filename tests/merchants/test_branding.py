"""A shop's branding as buyers meet it: the colour's contrast with white text (WCAG AA), the logo
through the safe photo pipeline, and the result on the buyer pages, in e-mails and on the PDFs,
for that shop only. The console page that sets it is in tests/console/test_branding_page.py."""

from __future__ import annotations

import io
import subprocess
from html import unescape
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import select

from portal.actors import Actor
from portal.audit.models import AuditEntry
from portal.buyers.access import order_link, send_orders_link
from portal.db import utcnow
from portal.documents import agreement_pdf, return_slip_pdf
from portal.errors import ValidationFailed
from portal.extensions import db
from portal.merchants import branding
from portal.merchants.branding import BrandingIn, LogoUpload, remove_logo, update_branding
from portal.notifications.models import OutboxMessage
from portal.orders.services import add_shipment, add_tracking_event
from portal.storage import get_storage

ADMIN = Actor(kind="user", id="usr_admin", label="admin@kodinkone.fi", role="merchant_admin")
TERMS_URL = "https://kodinkone.example/ehdot"
PRIVACY_URL = "https://kodinkone.example/tietosuoja"


# -- helpers ----------------------------------------------------------------------------------


def wcag_contrast_with_white(hex_colour: str) -> float:
    """Worked out here from WCAG 2.1's definition, apart from the code under test."""
    channels = [int(hex_colour.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    luminance = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    return (1.0 + 0.05) / (luminance + 0.05)


def jpeg_with_exif(size=(320, 80), colour=(11, 79, 138)) -> bytes:
    """A real JPEG carrying EXIF (a GPS position, the camera's make) and a comment."""
    image = Image.new("RGB", size, colour)
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    exif[0x8825] = {1: "N", 2: (60.0, 10.0, 0.0)}  # GPSInfo
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif, comment=b"made at home")
    data = out.getvalue()
    assert b"SecretCam" in data and b"made at home" in data
    return data


def png_logo(size=(400, 100)) -> bytes:
    image = Image.new("RGBA", size, (0, 0, 0, 0))
    image.paste((200, 30, 30, 255), (20, 20, 200, 80))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def stored_files(root) -> list:
    return sorted(p for p in root.rglob("*") if p.is_file())


def brand(merchant, *, logo: bytes | None = None, filename: str = "logo.jpg", **fields) -> bool:
    values = {
        "name": merchant.name,
        "support_email": merchant.support_email or "",
        "support_phone": merchant.support_phone or "",
        "brand_colour": merchant.brand_colour or "",
        "terms_url": merchant.terms_url or "",
        "privacy_url": merchant.privacy_url or "",
    }
    values.update(fields)
    upload = LogoUpload(io.BytesIO(logo), filename) if logo is not None else None
    return update_branding(merchant, BrandingIn(**values), logo=upload, actor=ADMIN)


def entries(action="branding.updated") -> list[AuditEntry]:
    db.session.expire_all()
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def page(client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return unescape(response.get_data(as_text=True))


def open_order(client, order) -> str:
    response = client.get(order_link(order).removeprefix("http://127.0.0.1:5000"), follow_redirects=True)
    assert response.status_code == 200
    return unescape(response.get_data(as_text=True))


@pytest.fixture
def uploads(app, tmp_path):
    root = tmp_path / "uploads"
    app.config["UPLOAD_ROOT"] = str(root)
    return root


@pytest.fixture
def shop(make_merchant, uploads):
    return make_merchant("kodinkone", name="Kodinkone Oy", support_email="apu@kodinkone.example")


@pytest.fixture
def other_shop(make_merchant):
    return make_merchant("pyorapaja", name="Pyöräpaja")


@pytest.fixture
def branded(shop):
    """Kodinkone with a logo, a dark green colour, a phone number and both legal links."""
    brand(
        shop,
        logo=jpeg_with_exif(),
        brand_colour="#1D6B35",
        support_phone="+358 9 123 4567",
        terms_url=TERMS_URL,
        privacy_url=PRIVACY_URL,
    )
    return shop


# -- the colour -------------------------------------------------------------------------------


def test_yellow_is_refused_for_white_text_and_the_message_gives_the_ratio(shop):
    expected = wcag_contrast_with_white("#FFFF00")
    assert expected == pytest.approx(1.07, abs=0.01)
    assert branding.contrast_with_white("#ffff00") == pytest.approx(expected, rel=1e-6)

    with pytest.raises(ValidationFailed) as refused:
        brand(shop, brand_colour="#FFFF00")

    [message] = refused.value.fields["brand_colour"]
    assert "1.07:1" in str(message) and "4.5:1" in str(message)
    db.session.refresh(shop)
    assert shop.brand_colour is None and shop.version == 1
    assert entries() == []


def test_apuri_blue_passes_and_is_kept(shop):
    expected = wcag_contrast_with_white("#0B4F8A")
    assert expected == pytest.approx(8.40, abs=0.01) and expected >= 4.5
    assert branding.contrast_with_white("#0b4f8a") == pytest.approx(expected, rel=1e-6)

    assert brand(shop, brand_colour="#0B4F8A") is True

    db.session.refresh(shop)
    assert shop.brand_colour == "#0b4f8a"


@pytest.mark.parametrize(("colour", "passes"), [("#767676", True), ("#777777", False)])
def test_the_line_lies_at_four_and_a_half_to_one(shop, colour, passes):
    assert (wcag_contrast_with_white(colour) >= 4.5) is passes
    _values, problems = branding.check(BrandingIn(name="Kodinkone Oy", brand_colour=colour))
    assert ("brand_colour" not in problems) is passes


@pytest.mark.parametrize("colour", ["blue", "#12345", "#1234567", "#GG0000", "#0b4f8a;}", "rgb(0,0,0)"])
def test_a_colour_that_is_not_six_hex_digits_is_refused(shop, colour):
    with pytest.raises(ValidationFailed) as refused:
        brand(shop, brand_colour=colour)
    assert "six hexadecimal digits" in str(refused.value.fields["brand_colour"][0])
    db.session.refresh(shop)
    assert shop.brand_colour is None


def test_legal_links_must_be_https_and_the_name_is_needed(shop):
    with pytest.raises(ValidationFailed) as refused:
        brand(
            shop,
            name="   ",
            terms_url="http://kodinkone.example/ehdot",
            privacy_url="javascript:alert(1)",
            support_email="not an address",
            support_phone="call us",
        )
    assert set(refused.value.fields) == {"name", "terms_url", "privacy_url", "support_email", "support_phone"}
    assert "https://" in str(refused.value.fields["terms_url"][0])
    db.session.refresh(shop)
    assert shop.name == "Kodinkone Oy" and shop.terms_url is None and shop.version == 1


def test_saving_the_same_values_changes_nothing(shop):
    assert brand(shop) is False
    db.session.refresh(shop)
    assert shop.version == 1 and entries() == []


# -- the logo ---------------------------------------------------------------------------------


def test_a_jpeg_logo_is_stored_re_encoded_without_its_exif(shop, uploads):
    original = jpeg_with_exif()

    brand(shop, logo=original, filename="logo-with-gps.jpg")

    db.session.refresh(shop)
    assert shop.logo_key and shop.logo_thumb_key and shop.version == 2
    for key in (shop.logo_key, shop.logo_thumb_key):
        stored = get_storage().open(key)
        assert stored != original and stored.startswith(b"\xff\xd8\xff")
        assert b"SecretCam" not in stored and b"made at home" not in stored and b"Exif" not in stored
        with Image.open(io.BytesIO(stored)) as image:
            assert image.format == "JPEG" and not image.getexif()
            assert image.size == (320, 80)
    assert len(stored_files(uploads)) == 2
    [entry] = entries()
    assert entry.before == {"logo": None} and entry.after == {"logo": "logo-with-gps.jpg"}


def test_a_png_logo_is_accepted_as_a_jpeg_on_white(shop):
    brand(shop, logo=png_logo(), filename="logo.png")

    db.session.refresh(shop)
    with Image.open(io.BytesIO(get_storage().open(shop.logo_thumb_key))) as image:
        assert image.format == "JPEG" and image.mode == "RGB"
        assert image.getpixel((5, 5)) == pytest.approx((255, 255, 255), abs=3)  # transparent → white


def test_a_text_file_named_png_is_refused_by_name_and_nothing_is_stored(shop, uploads):
    with pytest.raises(ValidationFailed) as refused:
        brand(shop, logo=b"just some notes, not a picture\n", filename="notes.png", brand_colour="#0B4F8A")

    [message] = refused.value.fields["logo"]
    assert str(message).startswith("notes.png: ") and "PNG, JPEG or WebP" in str(message)
    assert stored_files(uploads) == []
    db.session.refresh(shop)
    # The whole change is refused, the valid colour too.
    assert shop.logo_key is None and shop.brand_colour is None and shop.version == 1
    assert entries() == []


def test_a_new_logo_replaces_the_old_files_and_removing_it_deletes_them(shop, uploads):
    brand(shop, logo=jpeg_with_exif())
    db.session.refresh(shop)
    first = {shop.logo_key, shop.logo_thumb_key}

    brand(shop, logo=png_logo(), filename="new.png")
    db.session.refresh(shop)
    second = {shop.logo_key, shop.logo_thumb_key}
    assert first.isdisjoint(second)
    assert {str(p.relative_to(uploads)) for p in stored_files(uploads)} == second

    assert remove_logo(shop, actor=ADMIN) is True
    db.session.refresh(shop)
    assert shop.logo_key is None and shop.logo_thumb_key is None and shop.version == 4
    assert stored_files(uploads) == []
    assert entries()[-1].after == {"logo": None}
    assert remove_logo(shop, actor=ADMIN) is False  # nothing left: no version, no entry
    db.session.refresh(shop)
    assert shop.version == 4 and len(entries()) == 3


def test_every_change_is_audited_with_before_and_after(shop):
    brand(shop, name="Kodinkone", brand_colour="#0B4F8A", terms_url=TERMS_URL)

    [entry] = entries()
    assert entry.actor_id == ADMIN.id and entry.merchant_id == shop.id and entry.subject_id == shop.id
    assert entry.before == {"name": "Kodinkone Oy", "brand_colour": None, "terms_url": None}
    assert entry.after == {"name": "Kodinkone", "brand_colour": "#0b4f8a", "terms_url": TERMS_URL}


# -- buyer pages ------------------------------------------------------------------------------


def test_the_buyer_page_wears_the_logo_the_colour_and_the_legal_links(client, branded):
    html = page(client, "/s/kodinkone/")
    version = branded.version

    assert f'<img class="brand-logo" src="/s/kodinkone/logo?v={version}" alt="Kodinkone Oy">' in html
    assert f'<link rel="stylesheet" href="/s/kodinkone/brand.css?v={version}">' in html
    footer = html[html.index('<footer class="site-footer">') :]
    assert f'<a href="{TERMS_URL}">Terms of sale</a>' in footer
    assert f'<a href="{PRIVACY_URL}">Privacy policy</a>' in footer


def test_brand_css_holds_the_colour_and_is_kept_for_a_year_when_versioned(client, branded):
    response = client.get(f"/s/kodinkone/brand.css?v={branded.version}")

    assert response.status_code == 200 and response.mimetype == "text/css"
    assert "--shop-brand: #1d6b35;" in response.get_data(as_text=True)
    assert "max-age=31536000" in response.headers["Cache-Control"]
    assert "max-age" not in client.get("/s/kodinkone/brand.css?v=1").headers["Cache-Control"]  # an old version
    # The page's stylesheet reads it only for the header and the primary buttons.
    app_css = (Path(branding.__file__).parents[1] / "static" / "app.css").read_text(encoding="utf-8")
    assert ".site-header { background: var(--shop-brand, var(--brand)); }" in app_css


def test_the_logo_is_served_as_a_jpeg_browsers_do_not_sniff(client, branded):
    response = client.get(f"/s/kodinkone/logo?v={branded.version}")

    assert response.status_code == 200 and response.mimetype == "image/jpeg"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "max-age=31536000" in response.headers["Cache-Control"]
    assert response.data == get_storage().open(branded.logo_thumb_key)


def test_another_shops_pages_are_unaffected(client, branded, other_shop):
    html = page(client, "/s/pyorapaja/")

    assert "brand-logo" not in html and "brand.css" not in html
    assert "Terms of sale" not in html and "kodinkone.example" not in html
    assert '<a class="brand" href="/s/pyorapaja/">\n        Pyöräpaja\n      </a>' in html
    assert client.get("/s/pyorapaja/logo").status_code == 404
    assert client.get("/s/pyorapaja/brand.css").get_data(as_text=True) == ""
    assert client.get("/s/nosuchshop/brand.css").status_code == 404


def test_the_cached_order_page_renews_after_a_branding_change(client, shop, make_order):
    order = make_order(shop, "1001", locale="en")
    before = open_order(client, order)
    assert "brand-logo" not in before and "brand.css" not in before
    assert open_order(client, order) == before  # served from the page cache

    brand(shop, logo=jpeg_with_exif(), brand_colour="#1D6B35", terms_url=TERMS_URL)

    after = open_order(client, order)
    assert f'src="/s/kodinkone/logo?v={shop.version}"' in after
    assert f"/s/kodinkone/brand.css?v={shop.version}" in after
    assert "Terms of sale" in after


# -- e-mails ----------------------------------------------------------------------------------


def test_an_email_sent_after_the_change_carries_the_logo_the_colour_and_the_links(app, branded, make_order):
    make_order(branded, "1001", locale="en")

    send_orders_link("kodinkone", "aino@example.fi", client="test")

    [mail] = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "orders_link"))
    html = unescape(mail.html_body)
    logo_url = f"{app.config['PUBLIC_BASE_URL']}/s/kodinkone/logo?v={branded.version}"
    assert f'<img src="{logo_url}" alt="Kodinkone Oy"' in html
    assert "background:#1d6b35;color:#ffffff;padding:12px 18px" in html  # the button
    assert "#0b4f8a" not in html
    assert f'href="{TERMS_URL}"' in html and f'href="{PRIVACY_URL}"' in html


def test_an_unbranded_shops_email_keeps_apuris_blue(app, shop, make_order):
    make_order(shop, "1001", locale="en")

    send_orders_link("kodinkone", "aino@example.fi", client="test")

    [mail] = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "orders_link"))
    assert "background:#0b4f8a;color:#ffffff;padding:12px 18px" in mail.html_body
    assert "<img" not in mail.html_body and "Terms of sale" not in mail.html_body


# -- PDFs -------------------------------------------------------------------------------------


def delivered(shop, make_order, number="1001", **overrides):
    order = make_order(shop, number, locale="en", **overrides)
    shipment = add_shipment(shop, number, {"carrier": "Posti", "tracking_number": "JJFI1"}, actor=ADMIN)
    add_tracking_event(shop, shipment.id, {"status": "delivered", "occurred_at": utcnow().isoformat()}, actor=ADMIN)
    return order


def pdf_images(pdf: bytes, tmp_path) -> list[tuple[int, int]]:
    """(width, height) of each image in the PDF, as pdfimages (poppler) lists them."""
    path = tmp_path / "document.pdf"
    path.write_bytes(pdf)
    listing = subprocess.run(["pdfimages", "-list", str(path)], capture_output=True, text=True, check=True)
    rows = listing.stdout.splitlines()[2:]
    return [(int(row.split()[3]), int(row.split()[4])) for row in rows]


def pdf_text(pdf: bytes) -> str:
    return " ".join("\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).split())


def test_the_return_slip_carries_the_logo_and_the_shops_contact_details(branded, make_order, tmp_path):
    from portal.returns.services import approve, request_return

    order = delivered(branded, make_order)
    ret = request_return(
        order,
        {"items": [{"item_id": "L1", "quantity": 1, "reason": "changed_mind", "resolution": "refund"}]},
        actor=Actor(kind="buyer", id=order.customer_id, label="aino@example.fi"),
    )
    ret = approve(branded.id, ret.id, actor=ADMIN)

    pdf = return_slip_pdf(ret)

    assert len(PdfReader(io.BytesIO(pdf)).pages) == 1
    assert (320, 80) in pdf_images(pdf, tmp_path)  # the logo, beside the QR code
    assert len(pdf_images(pdf, tmp_path)) == 2
    text = pdf_text(pdf)
    assert "Kodinkone Oy · Order 1001" in text
    assert "apu@kodinkone.example · +358 9 123 4567" in text


def test_the_return_slip_of_another_shop_has_only_its_qr_code(other_shop, make_order, tmp_path, branded):
    from portal.returns.services import approve, request_return

    order = delivered(other_shop, make_order, "2001")
    ret = request_return(
        order,
        {"items": [{"item_id": "L1", "quantity": 1, "reason": "changed_mind", "resolution": "refund"}]},
        actor=Actor(kind="buyer", id=order.customer_id, label="aino@example.fi"),
    )
    ret = approve(other_shop.id, ret.id, actor=ADMIN)

    assert len(pdf_images(return_slip_pdf(ret), tmp_path)) == 1


def test_the_instalment_agreement_carries_the_logo_and_the_creditors_contact_details(branded, make_order, tmp_path):
    from portal.instalments import services as plans
    from portal.merchants.services import update_policy
    from tests.instalments.conftest import TERMS

    update_policy(branded, {"instalments": TERMS}, actor=ADMIN)
    order = delivered(branded, make_order)
    buyer = Actor(kind="buyer", id=order.customer_id, label="aino@example.fi")
    plan = plans.start_plan(order, {"months": 3, "accept_terms": True}, buyer)
    plan = plans.save_card(plan, buyer, card_number="4242 4242 4242 4242")

    pdf = agreement_pdf(plan)

    assert pdf_images(pdf, tmp_path) == [(320, 80)]
    text = pdf_text(pdf)
    assert "Kodinkone Oy" in text and "apu@kodinkone.example" in text and "+358 9 123 4567" in text
