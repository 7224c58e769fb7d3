"""A buyer photographs a scratch on a phone and proposes 200 €; the shop accepts in one click;
the buyer sees the money back."""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageDraw
from sqlalchemy import select

from portal.buyers.access import order_link
from portal.claims.models import Claim
from portal.extensions import db
from portal.payments.models import Refund
from tests.browser.test_late_order_on_phone import OVERFLOWING, PHONE_WIDTH
from tests.returns import conftest as returns_fixtures

pytestmark = pytest.mark.browser

delivered_order = returns_fixtures.delivered_order


def _fits(page) -> None:
    scroll_width, inner_width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert inner_width == PHONE_WIDTH and scroll_width <= inner_width, page.evaluate(OVERFLOWING, PHONE_WIDTH)


def test_buyer_claims_a_scratch_on_a_phone_and_the_shop_accepts_in_one_click(
    app, live_server, phone, chromium, artifacts, make_merchant, make_user, delivered_order, tmp_path
):
    from playwright.sync_api import expect

    app.config["UPLOAD_ROOT"] = str(tmp_path / "uploads")
    shop = make_merchant("kodinkone", name="Kodinkone Oy")
    make_user(email="admin@kodinkone.fi", password="correct horse battery", role="merchant_admin", merchant=shop)
    items = [{"id": "L1", "sku": "FRIDGE-A-200", "name": "Jääkaappi A200", "quantity": 1, "unit_price": 89900}]
    order = delivered_order(shop, "100300", locale="en", items=items)
    picture = tmp_path / "scratch.jpg"
    image = Image.new("RGB", (800, 600), (200, 203, 207))
    ImageDraw.Draw(image).line([(200, 350), (600, 300)], fill=(60, 60, 60), width=6)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG")
    picture.write_bytes(buffer.getvalue())

    page = phone
    page.goto(order_link(order))
    page.locator("#claims-title").scroll_into_view_if_needed()
    page.get_by_role("link", name="Report a defect", exact=True).click()
    _fits(page)
    page.get_by_label("What is wrong?").fill("A 10 cm scratch on the door, noticed after installing it.")
    page.get_by_label("A price reduction").check()
    page.get_by_label("Another amount").fill("200")
    page.set_input_files("#photos", str(picture))
    page.screenshot(path=str(artifacts / "claim-form-phone.png"), full_page=True)
    page.get_by_role("button", name="Send the claim").click()

    claim = db.session.scalar(select(Claim))
    expect(page.locator("body")).to_contain_text(claim.number)
    expect(page.locator(".claim-status")).to_contain_text("Waiting for the shop's answer")
    _fits(page)

    staff = chromium.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    console = staff.new_page()
    console.goto(f"{live_server.url}/staff/login?lang=en")
    console.fill("input[name=email]", "admin@kodinkone.fi")
    console.fill("input[name=password]", "correct horse battery")
    console.click("button[type=submit]")
    console.goto(f"{live_server.url}/console/claims")
    console.get_by_role("link", name=claim.number).first.click()
    expect(console.locator("img").first).to_be_visible()  # the buyer's photo
    console.get_by_role("button", name="Accept €200.00").click()  # one click, no dialog
    console.screenshot(path=str(artifacts / "console-claim-phone.png"), full_page=True)
    _fits(console)
    staff.close()

    page.reload()
    expect(page.locator(".next-step").first).to_contain_text("Your money has been returned to your payment.")
    page.screenshot(path=str(artifacts / "claim-accepted-phone.png"), full_page=True)
    refunds = db.session.scalars(select(Refund).where(Refund.order_id == order.id)).all()
    assert [(r.amount, r.source, r.status) for r in refunds] == [(20000, "claim", "succeeded")]
