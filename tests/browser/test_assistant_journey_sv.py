"""A Swedish buyer whose parcel is late asks the assistant on a phone and gets the answer from the
order's own tracking, with where it came from; then the help centre's article it cites."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from portal.actors import Actor
from portal.buyers.access import order_link
from portal.db import utcnow
from portal.orders.services import add_shipment, add_tracking_event
from tests.browser.test_late_order_on_phone import OVERFLOWING, PHONE_WIDTH, expected_in

pytestmark = pytest.mark.browser

SYSTEM = Actor.system("tests")


def test_a_swedish_buyer_asks_about_a_late_parcel_and_gets_the_tracking_answer(
    live_server, phone, artifacts, make_merchant, make_order
):
    from playwright.sync_api import expect

    shop = make_merchant("fjallhem", name="Fjällhem")
    order = make_order(
        shop,
        "FH-7001",
        locale="sv",
        customer={"email": "sara@example.se", "name": "Sara Svensson"},
        promised_delivery_date=(date.today() - timedelta(days=3)).isoformat(),
    )
    shipment = add_shipment(shop, order.number, {"carrier": "PostNord", "tracking_number": "PN123SE"}, actor=SYSTEM)
    add_tracking_event(
        shop,
        shipment.id,
        {"status": "in_transit", "occurred_at": (utcnow() - timedelta(hours=6)).isoformat(), "location": "Malmö"},
        actor=SYSTEM,
    )

    page = phone
    page.goto(order_link(order))
    expect(page.locator("html")).to_have_attribute("lang", "sv")
    panel = page.locator(".assistant-panel")
    expect(panel.locator("h2")).to_have_text(expected_in("sv", "Ask the assistant"))
    panel.get_by_role("textbox").fill("Var är mitt paket? Det är försenat")
    panel.get_by_role("button").click()

    expect(page).to_have_url(re.compile(r"/s/fjallhem/assistant#latest$"))
    answer = page.locator("#latest")
    expect(answer).to_contain_text("PostNord")
    expect(answer).to_contain_text("PN123SE")
    expect(answer).to_contain_text(expected_in("sv", "On its way"))
    expect(answer).to_contain_text("Malmö")
    sources = answer.locator(".assistant-sources")
    expect(sources).to_contain_text(expected_in("sv", "Source:"))
    expect(sources.get_by_role("link").first).to_have_attribute("href", "/s/fjallhem/orders/FH-7001")
    scroll_width, inner_width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert inner_width == PHONE_WIDTH and scroll_width <= inner_width, page.evaluate(OVERFLOWING, PHONE_WIDTH)
    page.screenshot(path=str(artifacts / "assistant-sv-1-answer.png"), full_page=True)

    # The cited article, in Swedish.
    sources.get_by_role("link").nth(1).click()
    expect(page).to_have_url(re.compile(r"/s/fjallhem/help/"))
    expect(page.locator("h1")).not_to_be_empty()
    expect(page.locator("#helpful-title")).to_have_text(expected_in("sv", "Was this helpful?"))
    page.screenshot(path=str(artifacts / "assistant-sv-2-article.png"), full_page=True)
