"""A buyer switches a paid fridge to six monthly instalments on a phone: chooses the plan, ticks
the terms, saves the test card and sees the plan with its schedule. The pages fit the phone,
the choices are easy to tap and the keyboard focus shows."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from portal.buyers.access import order_link
from portal.extensions import db
from portal.instalments.models import InstalmentPlan
from portal.merchants.services import update_policy
from portal.payments.models import Refund
from tests.browser.test_late_order_on_phone import OVERFLOWING, PHONE_WIDTH
from tests.instalments.conftest import FRIDGE, PAID, SHOP, TERMS
from tests.returns import conftest as returns_fixtures

pytestmark = pytest.mark.browser

delivered_order = returns_fixtures.delivered_order

SHOTS = Path("/tmp/shots")
OK_CARD = "4242 4242 4242 4242"

# Each element's box, for the failure message when a tap target is too small.
BOX = "(el) => { const r = el.getBoundingClientRect(); return [r.width, r.height]; }"


def _fits(page, width: int = PHONE_WIDTH) -> None:
    scroll_width, inner_width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert inner_width == width and scroll_width <= inner_width, page.evaluate(OVERFLOWING, width)


def _shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / name), full_page=True)


def test_buyer_switches_a_fridge_to_six_instalments_on_a_phone(
    app, live_server, phone, chromium, make_merchant, delivered_order
):
    from playwright.sync_api import expect

    shop = make_merchant("kodinkone", name="Kodinkone Oy")
    update_policy(shop, {"instalments": TERMS}, actor=SHOP)
    order = delivered_order(shop, "100400", days_ago=3, items=FRIDGE, locale="en")

    # Once on a desktop-width screen: the options page reads well there too.
    desktop = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="fi-FI")
    wide = desktop.new_page()
    wide.goto(order_link(order))
    wide.get_by_role("link", name="Pay in instalments").click()
    expect(wide.get_by_role("heading", name="Pay in instalments", level=1)).to_be_visible()
    _fits(wide, 1280)
    _shot(wide, "instalment-options-desktop.png")

    page = phone
    page.goto(order_link(order))
    page.locator("#plan-title").scroll_into_view_if_needed()
    expect(page.locator(".plan-card")).to_contain_text("Spread the cost")
    page.get_by_role("link", name="Pay in instalments").click()
    expect(page.get_by_role("heading", name="Pay in instalments", level=1)).to_be_visible()
    _shot(page, "instalment-options-phone.png")
    _fits(page)

    six = page.get_by_role("radio", name=re.compile(r"^6 months: €161\.26 a month"))
    expect(page.get_by_role("radio")).to_have_count(3)
    for months in (3, 6, 12):  # each choice is a whole row to tap, not just the small circle
        width, height = page.locator(f"label[for=months-{months}]").evaluate(BOX)
        assert height >= 44 and width >= 200, (months, width, height)
    terms = page.locator("#terms-6")
    expect(terms).to_contain_text("11.2%")
    expect(terms).to_contain_text("€969.08")

    # The keyboard focus shows on the choices and on the terms box.
    six.focus()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowUp")
    outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
    assert outline not in ("", "none"), outline
    page.get_by_text("12 months: €82.62 a month").click()  # tapping the words chooses the plan
    expect(page.locator("#months-12")).to_be_checked()
    six.check()
    page.get_by_label(re.compile("I have read the terms of the plan I chose")).check()
    page.get_by_role("button", name="Accept and continue").click()

    expect(page.get_by_role("heading", name="Save a card for your instalments")).to_be_visible()
    expect(page.locator("#chosen-title")).to_contain_text("6 months: €161.26 a month")
    _fits(page)
    page.get_by_label("Card number").fill(OK_CARD)
    _shot(page, "instalment-card-phone.png")
    page.get_by_role("button", name="Save the card and start the plan").click()

    expect(page.locator(".flash-success")).to_contain_text("Your instalment plan has started.")
    expect(page.locator(".plan-status")).to_have_text("Active")
    schedule = page.locator("#schedule-title + .table-scroll table tbody tr")
    expect(schedule).to_have_count(6)
    expect(schedule.first).to_contain_text("from your original payment")
    expect(page.get_by_role("link", name="Your agreement (PDF)")).to_be_visible()
    _fits(page)
    _shot(page, "instalment-plan-phone.png")

    plan = db.session.scalar(select(InstalmentPlan))
    assert (plan.status, plan.months, plan.card_label) == ("active", 6, "Visa •••• 4242")
    [refund] = db.session.scalars(select(Refund).where(Refund.order_id == order.id)).all()
    assert (refund.source, refund.amount, refund.status) == ("instalment_switch", PAID - 16276, "succeeded")

    page.get_by_role("link", name="Order 100400").click()  # back to the order: the plan, not the offer
    expect(page.locator(".plan-card")).to_contain_text("Paying in instalments")
    expect(page.get_by_role("link", name="See the plan")).to_be_visible()
    page.locator("#plan-title").scroll_into_view_if_needed()
    _fits(page)
    _shot(page, "instalment-order-phone.png")

    wide.goto(f"{live_server.url}/s/kodinkone/plans/{plan.id}")  # the same plan on the desktop screen
    expect(wide.locator(".plan-status")).to_have_text("Active")
    _fits(wide, 1280)
    _shot(wide, "instalment-plan-desktop.png")
    desktop.close()
