"""A buyer whose parcel is late opens the order e-mail's link on a phone."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from flask_babel import force_locale, format_date, gettext

from portal.actors import Actor
from portal.buyers.access import order_link
from portal.orders.services import add_shipment, add_tracking_event

pytestmark = pytest.mark.browser

SYSTEM = Actor.system("tests")
PHONE_WIDTH = 390

# Elements that stick out to the right of the phone's screen, for the failure message.
OVERFLOWING = """(width) => [...document.querySelectorAll("body *")]
    .filter((el) => el.getBoundingClientRect().right > width + 0.5)
    .slice(0, 8)
    .map((el) => el.tagName.toLowerCase() + (el.className ? "." + String(el.className).split(" ").join(".") : "")
        + " (right edge " + Math.round(el.getBoundingClientRect().right) + "px)")"""


def expected_in(locale: str, text: str) -> str:
    """``text`` as the page shows it in ``locale``: translated when the catalogue has it."""
    with force_locale(locale):
        return gettext(text)


def long_date(locale: str, day: date) -> str:
    with force_locale(locale):
        return format_date(day, "long")


def test_late_order_shows_the_late_notice_and_the_items_on_a_phone(
    live_server, phone, artifacts, make_merchant, make_order
):
    from playwright.sync_api import expect

    shop = make_merchant("kodinkone", name="Kodinkone Oy", support_email="asiakaspalvelu@kodinkone.example")
    promised = date.today() - timedelta(days=3)
    order = make_order(
        shop,
        "100101",
        locale="fi",
        placed_at=(datetime.now(UTC) - timedelta(days=9)).isoformat(),
        promised_delivery_date=promised.isoformat(),
        items=[
            {
                "id": "L1",
                "sku": "FRIDGE-A-200",
                "name": "Jääkaappipakastin A200 NoFrost, 186 cm, ruostumaton teräs",
                "quantity": 1,
                "unit_price": 89900,
                "tax_rate": "25.5",
                "attributes": {"colour": "ruostumaton teräs"},
            },
            {
                "id": "L2",
                "sku": "SHELF-KIT-3",
                "name": "Lasihyllysarja",
                "quantity": 2,
                "unit_price": 2450,
                "tax_rate": "25.5",
            },
        ],
        payment={"provider": "simulated", "reference": "pay_late", "method": "card", "captured": 99700},
    )
    shipment = add_shipment(
        shop, "100101", {"carrier": "Posti", "tracking_number": "JJFI64512300012345678"}, actor=SYSTEM
    )
    add_tracking_event(
        shop,
        shipment.id,
        {
            "status": "in_transit",
            "occurred_at": (datetime.now(UTC) - timedelta(days=4)).isoformat(),
            "location": "Vantaa",
            "description": "Lähetys on lajiteltu terminaalissa",
        },
        actor=SYSTEM,
    )

    page = phone
    page.goto(order_link(order))

    expect(page).to_have_url(f"{live_server.url}/s/kodinkone/orders/100101")
    expect(page.locator("html")).to_have_attribute("lang", "fi")

    notice = page.locator(".notice-late")
    expect(notice).to_be_visible()
    heading = notice.get_by_role("heading", level=2)
    expect(heading).to_be_visible()
    expect(heading).to_have_text(expected_in("fi", "Your order is late"))
    expect(notice).to_contain_text(long_date("fi", promised))  # e.g. "20. marraskuuta 2026"
    # The notice is the first thing under the order's title, not below the fold.
    assert notice.bounding_box()["y"] < 844

    items = page.locator("table.items tbody tr")
    expect(items).to_have_count(2)
    expect(items.nth(0)).to_contain_text("Jääkaappipakastin A200 NoFrost")
    expect(items.nth(1)).to_contain_text("Lasihyllysarja")
    expect(items.nth(0)).to_be_visible()

    scroll_width, inner_width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    page.screenshot(path=str(artifacts / "late-order-phone.png"), full_page=True)
    # A phone browser zooms out to fit what is too wide, so innerWidth grows too: check both.
    assert inner_width == PHONE_WIDTH and scroll_width <= inner_width, (
        f"the page does not fit the phone's {PHONE_WIDTH}px (scrollWidth {scroll_width}px, "
        f"innerWidth {inner_width}px); too wide: {page.evaluate(OVERFLOWING, PHONE_WIDTH)}"
    )
