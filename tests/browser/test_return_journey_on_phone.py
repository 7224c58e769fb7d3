"""A buyer on a phone returns one pair of shoes for a refund; the shop receives it; the money is back."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.buyers.access import order_link
from portal.extensions import db
from portal.payments.models import Refund
from portal.returns.models import ReturnRequest
from tests.browser.test_late_order_on_phone import OVERFLOWING, PHONE_WIDTH
from tests.returns import conftest as returns_fixtures

pytestmark = pytest.mark.browser

# The returns tests' fixtures: a delivered order, and a catalogue of shoe sizes.
delivered_order = returns_fixtures.delivered_order
variants = returns_fixtures.variants


def _fits(page) -> None:
    scroll_width, inner_width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert inner_width == PHONE_WIDTH and scroll_width <= inner_width, page.evaluate(OVERFLOWING, PHONE_WIDTH)


def test_buyer_returns_an_item_on_a_phone_and_sees_the_money_back(
    live_server, phone, chromium, artifacts, make_merchant, make_user, delivered_order, variants
):
    from playwright.sync_api import expect

    shop = make_merchant("kodinkone", name="Kodinkone Oy")
    variants(shop)
    make_user(email="admin@kodinkone.fi", password="correct horse battery", role="merchant_admin", merchant=shop)
    order = delivered_order(shop, "100200", locale="en")

    # The buyer: from the order e-mail's link to the return form.
    page = phone
    page.goto(order_link(order))
    page.get_by_role("link", name="Return or exchange items").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Return or exchange items")
    _fits(page)
    shoes = page.locator("#item-L2")
    shoes.get_by_label("How many to return").select_option("1")
    shoes.get_by_label("Why are you returning it?").select_option("wrong_size")
    shoes.get_by_label("Money back to my original payment").check()
    page.screenshot(path=str(artifacts / "return-form-phone.png"), full_page=True)
    page.get_by_role("button", name="Send return request").click()

    ret = db.session.scalar(select(ReturnRequest))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Return {ret.number}")
    expect(page.locator(".next-step")).to_contain_text("Please do not send the items before that.")
    _fits(page)
    page.screenshot(path=str(artifacts / "return-requested-phone.png"), full_page=True)

    # The shop, in its console on a phone too: approve, then receive and settle.
    staff = chromium.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    console = staff.new_page()
    console.goto(f"{live_server.url}/staff/login?lang=en")
    console.fill("input[name=email]", "admin@kodinkone.fi")
    console.fill("input[name=password]", "correct horse battery")
    console.click("button[type=submit]")
    console.goto(f"{live_server.url}/console/returns")
    console.get_by_role("link", name=ret.number).click()
    console.get_by_role("button", name="Approve").click()
    console.get_by_role("button", name="Receive and settle").click()
    expect(console.locator("body")).to_contain_text("€50.00")
    console.screenshot(path=str(artifacts / "console-return-phone.png"), full_page=True)
    _fits(console)
    staff.close()

    # The buyer reloads: settled, the money back on the payment, shown on the order page too.
    page.reload()
    expect(page.locator(".status-card")).to_contain_text("Settled: money back")
    expect(page.locator(".next-step")).to_contain_text("Your money has been returned to your payment.")
    page.get_by_role("link", name="Order 100200").first.click()
    expect(page.locator(".money-summary")).to_contain_text("€50.00")
    page.screenshot(path=str(artifacts / "return-settled-order-phone.png"), full_page=True)
    refunds = db.session.scalars(select(Refund).where(Refund.order_id == order.id)).all()
    assert [(r.amount, r.status, r.source) for r in refunds] == [(5000, "succeeded", "return")]
