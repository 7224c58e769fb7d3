"""In a real browser on a phone: a buyer clicks "2 – Poor" in the delivery e-mail, the page records
it at once and says who gets in touch and by when, they add a comment; the shop's agent then reads
it on the console's Feedback page (chart, table and theme) and finds the follow-up ticket."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from portal.db import utcnow
from tests.browser.test_late_order_on_phone import OVERFLOWING, PHONE_WIDTH
from tests.console.conftest import PASSWORD
from tests.feedback.conftest import answers, deliver, follow_ups, mails, send, shipped_order, shop  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser

COMMENT = "The parcel was left outside in the rain and the box was crushed."


def _fits(page) -> None:
    scroll_width, inner_width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert inner_width == PHONE_WIDTH and scroll_width <= inner_width, page.evaluate(OVERFLOWING, PHONE_WIDTH)


def test_a_poor_score_from_the_email_on_a_phone_reaches_the_shop(
    app,
    live_server,
    phone,
    chromium,
    artifacts,
    shop,  # noqa: F811  (the fixture imported above)
    shipped_order,  # noqa: F811
    make_user,
):
    from playwright.sync_api import expect

    order = shipped_order(shop, "1042", locale="en", email="emma@example.com", name="Emma Lund")
    deliver(order, utcnow() - timedelta(days=1, hours=1))
    send()
    [mail] = mails()
    link = re.search(r"^2 – .*: (\S+)$", mail.text_body, re.MULTILINE).group(1)
    assert link.startswith(f"{live_server.url}/feedback/")

    page = phone
    page.goto(link)
    thanks = page.locator("#feedback-thanks")
    expect(thanks).to_be_visible()
    expect(thanks.locator("h1")).to_have_text("Thank you for telling us")
    expect(page.locator("#feedback-thanks-message")).to_contain_text("A person at Kodinkone Oy will contact you")
    expect(page.locator("#feedback-recorded")).to_have_text("Your answer: 2 out of 5 (Poor).")
    expect(page.locator("#feedback-question")).to_be_hidden()
    expect(page.locator("#score-2")).to_be_checked()
    _fits(page)
    page.screenshot(path=str(artifacts / "feedback-1-poor-phone.png"), full_page=True)
    assert [a.score for a in answers()] == [2] and len(follow_ups()) == 1

    # The comment, by keyboard: the box has its label, Send is a real button.
    page.get_by_label("Anything you want to add? (optional)").fill(COMMENT)
    page.get_by_role("button", name="Send").press("Enter")
    expect(page.locator(".flash")).to_have_text("Thank you: your comment was sent.")
    expect(page.locator("#comment")).to_have_value(COMMENT)
    _fits(page)
    assert answers()[0].comment == COMMENT
    [ticket] = follow_ups()
    assert COMMENT in ticket.messages[-1].body  # noted on the follow-up ticket

    # The shop's agent on a phone: the week's score, the theme and the follow-up ticket.
    make_user(email="agent@kodinkone.fi", password=PASSWORD, role="merchant_agent", merchant=shop)
    context = chromium.new_context(viewport={"width": PHONE_WIDTH, "height": 844}, is_mobile=True, has_touch=True)
    desk = context.new_page()
    try:
        desk.goto(f"{live_server.url}/staff/login")
        desk.get_by_label("E-mail").fill("agent@kodinkone.fi")
        desk.get_by_label("Password").fill(PASSWORD)
        desk.get_by_role("button", name="Sign in").click()
        desk.goto(f"{live_server.url}/console/feedback")
        expect(desk.locator("#figure-scores svg.feedback-chart")).to_be_visible()
        expect(desk.locator("#theme-damaged")).to_contain_text(COMMENT)
        desk.locator("#theme-damaged").get_by_role("link", name=f"Follow-up ticket {ticket.number}").click()
        expect(desk).to_have_url(re.compile(rf"/console/tickets/{ticket.id}$"))
        desk.go_back()
        _fits(desk)
        desk.screenshot(path=str(artifacts / "feedback-2-console-phone.png"), full_page=True)
    finally:
        context.close()
