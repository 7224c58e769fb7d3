"""A merchant admin lengthens the return window in the console; the buyer's order page (already
viewed, so cached) shows the new last day at once."""

from __future__ import annotations

from datetime import timedelta

import pytest

from portal.buyers.access import order_link
from portal.orders.services import delivered_on
from tests.browser.test_late_order_on_phone import long_date
from tests.returns import conftest as returns_fixtures

pytestmark = pytest.mark.browser

delivered_order = returns_fixtures.delivered_order
ADMIN = ("admin@kodinkone.example", "correct horse battery")


def test_an_admin_lengthens_the_return_window_and_the_buyer_sees_it(
    live_server, chromium, phone, artifacts, make_merchant, make_user, delivered_order
):
    from playwright.sync_api import expect

    shop = make_merchant("kodinkone", name="Kodinkone Oy")
    make_user(email=ADMIN[0], password=ADMIN[1], role="merchant_admin", merchant=shop)
    order = delivered_order(shop, "100900", locale="en", days_ago=2)
    day = delivered_on(order)

    phone.goto(order_link(order))
    notice = phone.get_by_text("You can return or exchange items until")
    expect(notice).to_contain_text(long_date("en", day + timedelta(days=14)))

    desk = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    console = desk.new_page()
    try:
        console.goto(f"{live_server.url}/staff/login?lang=en")
        console.fill("input[name=email]", ADMIN[0])
        console.fill("input[name=password]", ADMIN[1])
        console.click("button[type=submit]")
        console.wait_for_url(lambda url: "/staff/login" not in url)
        console.goto(f"{live_server.url}/console/policy")
        console.get_by_label("Return window (days from delivery)").fill("30")
        console.get_by_role("button", name="Save the policy").click()
        expect(console.locator("body")).to_contain_text("Policy saved.")
        console.screenshot(path=str(artifacts / "policy-journey-1-console.png"), full_page=True)
    finally:
        desk.close()

    phone.reload()
    expect(phone.get_by_text("You can return or exchange items until")).to_contain_text(
        long_date("en", day + timedelta(days=30))
    )
    phone.screenshot(path=str(artifacts / "policy-journey-2-order.png"), full_page=True)
