"""A buyer on a phone asks the assistant for a person and is handed to an agent in the console
(another browser): the agent goes online, sees the chat arrive in the queue without reloading,
takes it, and both sides' messages arrive within a second through the event streams; the agent
shares an article and ends the chat as solved, and the buyer rates it 5."""

from __future__ import annotations

import re
import time

import pytest
from sqlalchemy import select

from portal.buyers.access import order_link
from portal.chat.models import ChatSession
from portal.extensions import db
from portal.support.models import Ticket
from tests.browser.test_late_order_on_phone import OVERFLOWING, PHONE_WIDTH

pytestmark = pytest.mark.browser

SLUG = "kodinkone"
AGENT = ("anna@kodinkone.fi", "correct horse battery")
SCREENSHOTS = "/tmp/chat_{}.png"


def _fits(page) -> None:
    scroll_width, inner_width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert inner_width == PHONE_WIDTH and scroll_width <= inner_width, page.evaluate(OVERFLOWING, PHONE_WIDTH)


def _fresh_chat() -> ChatSession:
    db.session.expire_all()
    chat = db.session.scalars(select(ChatSession)).one()
    db.session.commit()  # ends the read, so that SQLite never keeps the server waiting
    return chat


def _arrives_within_a_second(page, selector: str, text: str) -> float:
    """Waits for ``text`` in ``selector``; returns how long it took."""
    from playwright.sync_api import expect

    started = time.monotonic()
    expect(page.locator(selector)).to_contain_text(text, timeout=5_000)
    took = time.monotonic() - started
    assert took < 1.0, f"{text!r} took {took:.2f} s"
    return took


def test_a_buyer_chats_with_an_agent_from_the_assistant_and_rates_the_chat(
    app, live_server, phone, chromium, make_merchant, make_user, make_order
):
    from playwright.sync_api import expect

    shop = make_merchant(SLUG, name="Kodinkone Oy")
    agent = make_user(email=AGENT[0], password=AGENT[1], role="merchant_agent", merchant=shop)
    agent.name = "Anna Laine"
    db.session.commit()
    order = make_order(shop, "100700", locale="en", customer={"email": "aino@example.fi", "name": "Aino Virtanen"})
    link = order_link(order)
    db.session.commit()

    desk = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB", timezone_id="Europe/Helsinki")
    desk.set_default_timeout(10_000)
    console = desk.new_page()
    try:
        # The agent signs in and goes online.
        console.goto(f"{live_server.url}/staff/login?lang=en")
        console.fill("input[name=email]", AGENT[0])
        console.fill("input[name=password]", AGENT[1])
        console.click("button[type=submit]")
        console.wait_for_url(lambda url: "/staff/login" not in url)
        console.goto(f"{live_server.url}/console/chats")
        expect(console.locator("#presence-state")).to_have_text("Away")
        console.get_by_role("button", name="Online", exact=True).click()
        expect(console.locator("#presence-state")).to_have_text("Online")
        expect(console.locator("#chat-waiting-count")).to_have_text("0")

        # The buyer, on a phone, asks the assistant for a person.
        page = phone
        page.goto(link)
        panel = page.locator(".assistant-panel")
        panel.get_by_role("textbox").fill("The fridge door does not close")
        panel.get_by_role("button").click()
        expect(page).to_have_url(re.compile(rf"/s/{SLUG}/assistant#latest$"))
        page.get_by_label("Your question").fill("I want to talk to a person")
        page.get_by_role("button", name="Ask", exact=True).click()
        offer = page.locator("#person")
        expect(offer).to_contain_text("Someone from Kodinkone Oy is online now")
        page.get_by_role("button", name="Chat with a person").click()

        expect(page).to_have_url(re.compile(rf"/s/{SLUG}/chat/cht_\w+$"))
        expect(page.locator("#chat-queue-place")).to_have_text("You are next in the queue.")
        expect(page.locator("#chat-queue-estimate")).to_contain_text("We cannot estimate the wait yet")
        expect(page.locator("#chat-messages")).to_contain_text("The fridge door does not close")
        _fits(page)
        page.screenshot(path=SCREENSHOTS.format("1_queue"), full_page=True)

        # The agent's queue shows the buyer without a reload, with their story beside the chat.
        chat = _fresh_chat()
        waiting = console.locator(f"#waiting-{chat.id}")
        expect(waiting).to_contain_text("Aino Virtanen", timeout=3_000)
        expect(waiting).to_contain_text("100700")
        expect(console.locator("#chat-waiting-count")).to_have_text("1")
        console.screenshot(path=SCREENSHOTS.format("2_desk_queue"), full_page=True)
        waiting.get_by_role("button", name="Take the chat").click()
        expect(console).to_have_url(re.compile(rf"/console/chats/{chat.id}$"))
        expect(console.locator("#chat-state")).to_contain_text("You have this chat.")

        # The buyer learns at once who took it; then both write, each line there within a second.
        _arrives_within_a_second(page, "#chat-messages", "Anna from Kodinkone Oy joined the chat.")
        expect(page.locator("#chat-queue")).to_be_hidden()
        expect(page.locator("#chat-status")).to_have_text("Chatting with a person")
        expect(page.get_by_role("button", name="End chat")).to_be_visible()  # no longer "Leave the queue"
        page.get_by_label("Your message").fill("It hits the lowest shelf.")
        page.get_by_label("Your message").press("Enter")
        expect(page.locator("#chat-messages")).to_contain_text("It hits the lowest shelf.")
        expect(page.get_by_label("Your message")).to_have_value("")
        _arrives_within_a_second(console, "#chat-messages", "It hits the lowest shelf.")

        console.get_by_label("Message", exact=True).fill("Move that shelf one step up; then the door closes.")
        console.get_by_role("button", name="Send", exact=True).click()
        _arrives_within_a_second(page, "#chat-messages", "Move that shelf one step up; then the door closes.")
        console.select_option("#chat-article", "faulty-product")
        console.get_by_role("button", name="Send the article").click()
        article = page.locator(".chat-message-agent a[href='/s/kodinkone/help/faulty-product']")
        expect(article).to_be_visible(timeout=2_000)
        last = page.locator(".chat-message").last
        expect(last).to_contain_text("Help centre article")
        # Each message once, in order, even though a posted message also comes back on the stream.
        seqs = page.eval_on_selector_all("#chat-messages li", "items => items.map((i) => Number(i.dataset.seq))")
        assert seqs == list(range(1, len(seqs) + 1)), seqs
        page.get_by_label("Your message").fill("It closes now. Thank you!")
        page.get_by_role("button", name="Send", exact=True).click()
        _arrives_within_a_second(console, "#chat-messages", "It closes now. Thank you!")
        page.locator("#chat-messages").scroll_into_view_if_needed()
        _fits(page)
        page.screenshot(path=SCREENSHOTS.format("3_chatting"), full_page=True)
        console.screenshot(path=SCREENSHOTS.format("4_desk_chat"), full_page=True)

        # The agent ends the chat as solved: the buyer's page turns to the rating by itself.
        console.get_by_role("button", name="End as solved").click()
        expect(console.locator("body")).to_contain_text("The chat ended and is kept as ticket")
        expect(page.locator("#chat-rating")).to_be_visible(timeout=5_000)
        expect(page.locator("#chat-messages")).to_contain_text("Kodinkone Oy ended the chat.")
        page.get_by_text("Very good").click()
        page.get_by_role("button", name="Send the rating").click()
        expect(page.locator("#chat-rated")).to_contain_text("Your rating: 5 out of 5")
        _fits(page)
        page.screenshot(path=SCREENSHOTS.format("5_rated"), full_page=True)
    finally:
        desk.close()

    chat = _fresh_chat()
    assert (chat.status, chat.ended_by) == ("ended", "agent")
    ticket = db.session.get(Ticket, chat.ticket_id)
    assert (ticket.source, ticket.status, ticket.csat_rating) == ("chat", "solved", 5)
    bodies = [m.body for m in ticket.public_messages]
    assert "It hits the lowest shelf." in bodies and "It closes now. Thank you!" in bodies
    db.session.commit()
