"""The return slip PDF, read back with pypdf: what a buyer prints and a shop scans.

Its text names the shop, the return address, the return number, every item with its quantity,
the carrier's drop-off instruction and the refund's due date; its one image is the QR code of
the return in the shop's console. In Finnish the same slip differs only by its language.
"""

from __future__ import annotations

import base64
import io
import re
from datetime import UTC, datetime, time, timedelta

import pytest
from flask_babel import force_locale, format_date
from PIL import Image
from pypdf import PdfReader

from portal import documents
from portal.db import utcnow
from portal.documents import drop_off_instructions, qr_code, qr_data_uri, return_slip_pdf, return_slip_url
from portal.merchants.services import update_policy
from portal.orders.services import add_shipment, add_tracking_event
from portal.returns.services import approve, request_return
from tests.returns.conftest import BUYER, SHOP, line

RETURN_ADDRESS = {
    "name": "Pohjolan Kodinkone / Palautukset",
    "street": "Varastotie 4",
    "postal_code": "01510",
    "city": "Vantaa",
    "country": "FI",
}


@pytest.fixture
def shop(make_merchant):
    shop = make_merchant("kodinkone", name="Pohjolan Kodinkone")
    update_policy(shop, {"returns": {"return_address": RETURN_ADDRESS}}, actor=SHOP)
    return shop


@pytest.fixture
def approved_return(shop, delivered_order, variants):
    """The fridge back for money, two trainers (size 42) exchanged for size 41; shipped by Posti."""
    variants(shop)
    order = delivered_order(shop, "1001")
    ret = request_return(
        order,
        {"items": [line("L1", 1, "changed_mind"), line("L2", 2, "wrong_size", "exchange", "SHOE-41")]},
        actor=BUYER,
    )
    return approve(shop.id, ret.id, actor=SHOP)


class Slip:
    """A rendered slip: its pages, its text (plain and laid out) and its images."""

    def __init__(self, pdf: bytes) -> None:
        assert pdf.startswith(b"%PDF-")
        self.reader = PdfReader(io.BytesIO(pdf))
        self.pages = self.reader.pages
        self.text = "\n".join(page.extract_text() for page in self.pages)
        self.layout = "\n".join(page.extract_text(extraction_mode="layout") for page in self.pages)
        self.flat = " ".join(self.text.split())  # wrapped lines joined again
        self.images = [image for page in self.pages for image in page.images]
        self.language = self.reader.trailer["/Root"].get("/Lang")

    def quantity_of(self, name: str) -> int:
        """The quantity on the item's row: the number right after its name in the table."""
        match = re.search(rf"^\s*{re.escape(name)}\s+(\d+)\s", self.layout, re.MULTILINE)
        assert match, f"no row for {name!r} in:\n{self.layout}"
        return int(match.group(1))


def render(ret, language: str = "en") -> Slip:
    with force_locale(language):
        return Slip(return_slip_pdf(ret))


def modules(image: Image.Image, size: int) -> list[list[bool]]:
    """Read a QR code image back into its grid of dark (True) and light modules."""
    grey = image.convert("L")
    step = grey.width / size
    assert abs(grey.height / size - step) < 1e-6, "the QR image is not square"
    return [
        [grey.getpixel((int((col + 0.5) * step), int((row + 0.5) * step))) < 128 for col in range(size)]
        for row in range(size)
    ]


def qr_grid_of(text: str) -> list[list[bool]]:
    return qr_code(text).get_matrix()


def test_the_slip_names_the_shop_the_address_the_return_and_its_items(approved_return):
    ret = approved_return

    slip = render(ret)

    assert len(slip.pages) == 1  # one A4 sheet
    assert slip.pages[0].mediabox.width == pytest.approx(595.28, abs=0.5)  # A4: 210 × 297 mm
    assert slip.pages[0].mediabox.height == pytest.approx(841.89, abs=0.5)
    assert slip.language == "en"
    assert "Pohjolan Kodinkone · Order 1001" in slip.text
    assert "Return number: 1001-R1" in slip.text
    for address_line in ("Pohjolan Kodinkone / Palautukset", "Varastotie 4", "01510 Vantaa", "Finland"):
        assert address_line in slip.text
    assert slip.quantity_of("Jääkaappi A200") == 1
    assert slip.quantity_of("Juoksukenkä") == 2
    assert "FRIDGE-A-200" in slip.text and "SHOE-42" in slip.text
    # The exchange names the variant asked for, not only its code.
    assert "Juoksukenkä 41 SHOE-41" in slip.text
    # Who sends it: the buyer's address from the order.
    assert "Aino Virtanen" in slip.text and "00100 Helsinki" in slip.text


def test_the_slip_tells_how_to_send_it_with_the_orders_carrier_and_when_the_money_is_due(approved_return):
    ret = approved_return
    assert ret.order.shipments[0].carrier == "Posti"

    slip = render(ret)

    assert "Posti: Take the parcel to a Posti outlet or parcel locker, with this slip inside." in slip.flat
    assert drop_off_instructions("Posti") == drop_off_instructions("posti") != drop_off_instructions(None)
    with force_locale("en"):
        due = format_date(ret.refund_due_on, "long")
    assert f"The refund is due by {due} at the latest." in slip.flat
    assert "write the return number 1001-R1 on it" in slip.flat


def test_the_slips_one_image_is_the_qr_code_of_the_return_in_the_console(app, approved_return):
    ret = approved_return
    path = app.url_map.bind("localhost").build("console.return_detail", {"return_id": ret.id})
    console_url = app.config["PUBLIC_BASE_URL"].rstrip("/") + path
    assert path.startswith("/console/") and ret.id in path
    assert return_slip_url(ret) == console_url

    slip = render(ret)

    (qr,) = slip.images
    expected = qr_grid_of(console_url)
    assert modules(qr.image, len(expected)) == expected
    assert modules(qr.image, len(expected)) != qr_grid_of(console_url.replace(ret.id, "ret_someone_else"))


def test_the_qr_code_gets_the_console_address_of_the_return(approved_return, monkeypatch):
    seen: list[str] = []
    real = documents.qr_data_uri

    def spy(text: str) -> str:
        seen.append(text)
        return real(text)

    monkeypatch.setattr(documents, "qr_data_uri", spy)

    render(approved_return)

    assert seen == [return_slip_url(approved_return)]
    assert seen[0].endswith(f"/console/returns/{approved_return.id}")


def test_qr_data_uri_is_a_png_of_exactly_that_text():
    text = "http://127.0.0.1:5000/console/returns/ret_0123456789abcdef"

    uri = qr_data_uri(text)

    assert uri.startswith("data:image/png;base64,")
    image = Image.open(io.BytesIO(base64.b64decode(uri.removeprefix("data:image/png;base64,"))))
    assert image.format == "PNG" and image.mode == "1"  # black and white, nothing to smooth
    expected = qr_grid_of(text)
    assert image.width == image.height == len(expected) * documents.QR_BOX_SIZE
    assert modules(image, len(expected)) == expected
    # The quiet zone the standard asks for: four light modules on every side.
    grid = modules(image, len(expected))
    for ring in range(documents.QR_BORDER):
        assert not any(grid[ring]) and not any(grid[-1 - ring])
        assert not any(row[ring] or row[-1 - ring] for row in grid)


def test_in_finnish_the_slip_differs_only_by_language(approved_return):
    ret = approved_return

    english = render(ret, "en")
    finnish = render(ret, "fi")

    assert finnish.language == "fi"
    assert finnish.text != english.text
    # The same data on both.
    for data in (
        "Pohjolan Kodinkone",
        "1001-R1",
        "Pohjolan Kodinkone / Palautukset",
        "Varastotie 4",
        "01510 Vantaa",
        "FRIDGE-A-200",
        "SHOE-42",
        "Juoksukenkä 41",
        "SHOE-41",
        "Aino Virtanen",
        "Kauppakatu 1",
        "00100 Helsinki",
    ):
        assert data in english.text and data in finnish.text, data
    assert finnish.quantity_of("Jääkaappi A200") == 1
    assert finnish.quantity_of("Juoksukenkä") == 2
    # In the reader's words: the country, the dates, the carrier's instruction.
    assert "Suomi" in finnish.text and "Finland" not in finnish.text
    with force_locale("fi"):
        due_fi = format_date(ret.refund_due_on, "long")
        posti_fi = drop_off_instructions("Posti")
    assert due_fi in finnish.flat and due_fi not in english.flat
    assert posti_fi in finnish.flat
    # The same layout: one page, one QR code with the same content.
    assert len(finnish.pages) == len(english.pages) == 1
    (qr_en,) = english.images
    (qr_fi,) = finnish.images
    assert qr_fi.image.tobytes() == qr_en.image.tobytes()


def test_without_a_return_address_the_slip_points_to_the_shop(make_merchant, delivered_order):
    shop = make_merchant("kotiko", name="Kotiko Oy")
    order = delivered_order(shop, "2001")
    ret = approve(shop.id, request_return(order, {"items": [line("L2", 1)]}, actor=BUYER).id, actor=SHOP)

    slip = render(ret)

    assert "Kotiko Oy" in slip.text
    assert "The return address is on the shop's website or in your order confirmation." in slip.flat
    assert slip.quantity_of("Juoksukenkä") == 1
    assert "Jääkaappi A200" not in slip.text  # only what is returned


def test_an_unknown_carrier_gets_the_general_instruction(shop, delivered_order):
    order = delivered_order(shop, "1002", shipped=False)
    shipment = add_shipment(shop, "1002", {"carrier": "Kuriiri Oy", "tracking_number": "K1"}, actor=SHOP)
    delivered_at = (utcnow() - timedelta(days=1)).isoformat()
    add_tracking_event(shop, shipment.id, {"status": "delivered", "occurred_at": delivered_at}, actor=SHOP)
    ret = request_return(order, {"items": [line("L1", 1, "changed_mind")]}, actor=BUYER)

    slip = render(ret)

    assert f"Kuriiri Oy: {drop_off_instructions(None)}" in slip.flat
    assert "Posti" not in slip.text


def test_a_long_return_keeps_the_address_label_whole(shop, delivered_order):
    items = [
        {
            "id": f"L{n}",
            "sku": f"SPARE-{n:02}",
            "name": f"Varaosa {n:02} – suodatin ja tiiviste",
            "quantity": 1,
            "unit_price": 1990,
            "tax_rate": "25.5",
        }
        for n in range(1, 19)
    ]
    payment = {"provider": "simulated", "reference": "pay_3", "method": "card", "captured": 18 * 1990 + 4900}
    order = delivered_order(shop, "1003", items=items, payment=payment)
    ret = request_return(order, {"items": [line(f"L{n}", 1, "changed_mind") for n in range(1, 19)]}, actor=BUYER)

    slip = render(ret)

    assert len(slip.pages) >= 2
    for n in range(1, 19):
        assert slip.quantity_of(f"Varaosa {n:02} – suodatin ja tiiviste") == 1
    # The label is printed whole on one page, the address and the return number together.
    (label_page,) = [p for p in slip.pages if "Varastotie 4" in p.extract_text()]
    label = label_page.extract_text()
    assert "01510 Vantaa" in label and "1003-R1" in label and "Aino Virtanen" in label


def test_the_request_date_is_the_shops_day(make_merchant, delivered_order):
    shop = make_merchant("fjallhem", name="Fjällhem", timezone="Europe/Stockholm", locale="sv", currency="EUR")
    order = delivered_order(shop, "3001", days_ago=3)
    yesterday = utcnow().date() - timedelta(days=1)
    late_evening = datetime.combine(yesterday, time(22, 30), tzinfo=UTC)  # 23:30 in Stockholm, 00:30 in Helsinki
    ret = request_return(order, {"items": [line("L2", 1)]}, actor=BUYER, now=late_evening)

    slip = render(ret)

    with force_locale("en"):
        assert f"Requested {format_date(yesterday, 'long')}" in slip.flat


def test_the_slips_file_name_is_safe_to_save():
    class Ret:
        number = "1001-R1"

    assert documents.slip_filename(Ret) == "return-1001-R1.pdf"
    Ret.number = "WEB/2026 0042-R2"
    assert documents.slip_filename(Ret) == "return-WEB-2026-0042-R2.pdf"
    Ret.number = "Tilaus-Ä1-R1"
    assert documents.slip_filename(Ret) == "return-Tilaus-Ä1-R1.pdf"
