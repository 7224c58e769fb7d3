"""The shop rejects a buyer's claim; Apuri's support agent finds the escalation on the desk and
answers; the buyer reads the answer on a phone; support solves the ticket, and the buyer rates
the help 5 from the survey e-mail's link."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from portal.buyers.access import order_link
from portal.claims import services as claims
from portal.extensions import db
from portal.notifications.models import OutboxMessage
from portal.support.models import Ticket
from tests.browser.test_late_order_on_phone import OVERFLOWING, PHONE_WIDTH
from tests.claims import conftest as claims_fixtures
from tests.claims.conftest import BUYER, SHOP, claim_body

pytestmark = pytest.mark.browser

delivered_order = claims_fixtures.delivered_order
photo = claims_fixtures.photo

SLUG = "kodinkone"
AGENT = ("tuki@apuri.example", "correct horse battery")
FRIDGE = [{"id": "L1", "sku": "FRIDGE-A-200", "name": "Jääkaappi A200", "quantity": 1, "unit_price": 89900}]
ANSWER = "We looked at your photos with the shop. A technician calls you this week to repair the door."


def _fits(page) -> None:
    scroll_width, inner_width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert inner_width == PHONE_WIDTH and scroll_width <= inner_width, page.evaluate(OVERFLOWING, PHONE_WIDTH)


def _fresh(model, key):
    """The row as the live server left it (its requests run in their own sessions)."""
    db.session.expire_all()
    row = db.session.get(model, key)
    db.session.commit()  # ends the read, so that SQLite never keeps the server waiting
    return row


def _mails(kind: str) -> list[OutboxMessage]:
    db.session.expire_all()
    mails = list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind)))
    db.session.commit()
    return mails


def test_support_answers_a_rejected_claim_and_the_buyer_reads_it_on_a_phone_and_rates_it(
    app, live_server, phone, chromium, artifacts, make_merchant, make_user, delivered_order, photo
):
    from playwright.sync_api import expect

    shop = make_merchant(SLUG, name="Kodinkone Oy")
    make_user(email=AGENT[0], password=AGENT[1], role="support_agent", merchant=shop)  # Apuri's staff serving it
    # Delivered ten days ago: the delivery's own feedback question is out of date by now, so the
    # one question the buyer gets this week is about the ticket.
    order = delivered_order(shop, "100400", locale="en", items=FRIDGE, days_ago=10)
    claim = claims.open_claim(order, claim_body(amount=20000), photos=[photo], actor=BUYER)
    claims.reject(shop.id, claim.id, {"message": "The scratch was made when installing it."}, actor=SHOP)
    ticket = db.session.scalars(select(Ticket).where(Ticket.about_type == "claim", Ticket.about_id == claim.id)).one()
    assert (ticket.source, ticket.status, ticket.order_id) == ("escalation", "new", order.id)

    # The support agent, at a desk: the escalation waits in its queue for the chosen shop.
    desk = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB", timezone_id="Europe/Helsinki")
    desk.set_default_timeout(10_000)
    console = desk.new_page()
    try:
        console.goto(f"{live_server.url}/staff/login?lang=en")
        console.fill("input[name=email]", AGENT[0])
        console.fill("input[name=password]", AGENT[1])
        console.click("button[type=submit]")
        console.wait_for_url(lambda url: "/staff/login" not in url)  # signed in before going on
        console.goto(f"{live_server.url}/console/tickets?view=escalations&shop={SLUG}")
        row = console.locator(f"#ticket-{ticket.id}")
        expect(row).to_contain_text(claim.number)  # the subject names the claim
        expect(row.locator(".ticket-flag-escalation")).to_have_text("Escalation")
        expect(row.locator(".ticket-priority")).to_have_text("High")
        console.screenshot(path=str(artifacts / "support-journey-1-escalations.png"), full_page=True)

        row.get_by_role("link", name=ticket.number).click()
        expect(console).to_have_url(re.compile(rf"/console/tickets/{ticket.id}\?shop={SLUG}$"))
        summary = console.locator(".ticket-message-note").first
        expect(summary).to_contain_text("The scratch was made when installing it.")  # the desk's summary
        expect(summary).to_contain_text("not sent to the buyer")

        # What the ticket is about: the claim, which support may decide now that the shop said no.
        console.locator("#ticket-buyer-title").locator("xpath=..").get_by_role("link", name=claim.number).click()
        expect(console.locator("#claim-support-title")).to_have_text("Decide as support")
        console.screenshot(path=str(artifacts / "support-journey-2-claim.png"), full_page=True)
        console.go_back()

        console.get_by_label("Message", exact=True).fill(ANSWER)
        console.get_by_role("button", name="Send to the buyer").click()
        expect(console.locator("body")).to_contain_text(f"Reply sent to {order.customer.email} by e-mail.")
        expect(console.locator(".ticket-status").first).to_have_text("Waiting for the buyer")
        console.screenshot(path=str(artifacts / "support-journey-3-desk-reply.png"), full_page=True)
        answered = _fresh(Ticket, ticket.id)
        assert answered.status == "waiting_on_buyer" and answered.first_responded_at is not None
        assert [m.recipient for m in _mails("ticket_reply")] == [order.customer.email]

        # The buyer, on a phone, through the order's link: the ticket is on the order page.
        page = phone
        page.goto(order_link(order))
        listed = page.locator(".buyer-tickets-list li")
        expect(listed).to_have_count(1)
        expect(listed).to_contain_text(f"Ticket {ticket.number}: {ticket.subject}")
        expect(listed.locator(".buyer-ticket-status")).to_have_text("Waiting for your reply")
        listed.scroll_into_view_if_needed()
        _fits(page)
        page.screenshot(path=str(artifacts / "support-journey-4-order-phone.png"), full_page=True)
        listed.get_by_role("link").click()
        expect(page).to_have_url(re.compile(rf"/s/{SLUG}/tickets/{ticket.id}$"))
        messages = page.locator(".buyer-ticket-message")
        expect(messages).to_have_count(1)  # the desk's internal summary is not shown to the buyer
        expect(messages.first.locator(".buyer-ticket-message-body")).to_have_text(ANSWER)
        expect(messages.first).to_contain_text("Kodinkone Oy")
        expect(page.locator("body")).not_to_contain_text("The scratch was made when installing it.")
        expect(page.locator(".buyer-ticket-status")).to_have_text("Waiting for your reply")
        _fits(page)
        page.screenshot(path=str(artifacts / "support-journey-5-ticket-phone.png"), full_page=True)

        # Support solves the ticket: the survey e-mail is written.
        console.reload()
        console.select_option("#ticket-status", "solved")
        console.get_by_role("button", name="Save status and priority").click()
        expect(console.locator("body")).to_contain_text(f"Ticket {ticket.number} saved. Status: Solved.")
        console.screenshot(path=str(artifacts / "support-journey-6-solved.png"), full_page=True)
    finally:
        desk.close()
    assert _fresh(Ticket, ticket.id).status == "solved"
    # The satisfaction question goes out with the feedback job (one request a week per buyer).
    from portal.feedback.services import send_due_feedback

    assert send_due_feedback().sent == 1
    [survey] = _mails("feedback_request")
    assert survey.recipient == order.customer.email and _mails("ticket_survey") == []

    # The buyer clicks "5 – Very good" in the e-mail: the page records it and says thank you.
    link = re.search(r"^5 – .*: (\S+)$", survey.text_body, re.MULTILINE)
    assert link, survey.text_body
    assert link.group(1).startswith(f"{live_server.url}/feedback/") and link.group(1).endswith("/5")
    page.goto(link.group(1))
    thanks = page.locator("#feedback-thanks")
    expect(thanks).to_be_visible()
    expect(thanks.locator("h1")).to_have_text("Thank you!")
    expect(page.locator("#feedback-question")).to_be_hidden()
    _fits(page)
    page.screenshot(path=str(artifacts / "support-journey-7-survey-phone.png"), full_page=True)
    rated = _fresh(Ticket, ticket.id)
    assert rated.csat_rating == 5 and rated.csat_at is not None

    page.reload()  # the answer stays on the page: opening the link again records nothing new
    expect(page.locator("#feedback-recorded")).to_have_text("Your answer: 5 out of 5 (Very good).")
    assert _fresh(Ticket, ticket.id).csat_rating == 5
