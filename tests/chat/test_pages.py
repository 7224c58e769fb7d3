"""The chat through its pages, with CSRF on and without JavaScript: the assistant offers a chat
(or says nobody is online and offers a ticket or a call back), the buyer waits and writes, an
agent takes the chat from the console's queue, answers, ends it, and the buyer rates it."""

from __future__ import annotations

import re

from sqlalchemy import select

from portal.buyers.access import order_link
from portal.chat import services as chat
from portal.chat.models import ChatSession
from portal.extensions import db
from portal.support.models import Ticket
from tests.chat.conftest import agent_actor
from tests.conftest import csrf_from


def _signed_in_buyer(client, order):
    client.get(order_link(order).removeprefix("http://127.0.0.1:5000"))


def _ask_for_a_person(client, order):
    _signed_in_buyer(client, order)
    client.post("/s/kodinkone/assistant", data={"q": "The fridge door does not close", "order": order.number})
    client.post("/s/kodinkone/assistant", data={"q": "I want to talk to a person"})
    return client.get("/s/kodinkone/assistant").get_data(as_text=True)


def _the_chat() -> ChatSession:
    db.session.expire_all()
    return db.session.scalars(select(ChatSession)).one()


def test_with_nobody_online_the_assistant_says_so_and_offers_a_ticket_or_a_call_back(client, order, anna):
    html = _ask_for_a_person(client, order)
    assert "Nobody from Kodinkone Oy is online to chat just now." in html
    assert 'href="/s/kodinkone/orders/100500/callback"' in html and "Ask for a call back" in html
    assert "Ask a person" in html  # the ticket, as before
    assert "Chat with a person" not in html


def test_a_chat_started_as_everyone_left_is_refused_with_the_reason(client, order, anna, online):
    online(anna)
    html = _ask_for_a_person(client, order)
    assert "Chat with a person" in html
    chat.set_presence(anna, "away", agent_actor(anna))
    response = client.post("/s/kodinkone/assistant/chat", data={"csrf_token": csrf_from(html)})
    assert response.status_code == 302 and response.headers["Location"].endswith("/s/kodinkone/assistant#person")
    page = client.get("/s/kodinkone/assistant").get_data(as_text=True)
    assert "Nobody from Kodinkone Oy is online to chat just now." in page
    assert db.session.scalars(select(ChatSession)).all() == []


def test_a_stranger_is_asked_to_find_their_order_first(client, shop, anna, online):
    online(anna)
    client.post("/s/kodinkone/assistant", data={"q": "I want to talk to a person"})
    html = client.get("/s/kodinkone/assistant").get_data(as_text=True)
    assert "Chat with a person" not in html
    response = client.post("/s/kodinkone/assistant/chat", data={"csrf_token": csrf_from(html)})
    assert response.headers["Location"].endswith("/s/kodinkone/")


def test_the_whole_chat_through_the_pages(app, client, order, anna, online, sign_in):
    online(anna)
    html = _ask_for_a_person(client, order)
    assert "Someone from Kodinkone Oy is online now" in html
    started = client.post("/s/kodinkone/assistant/chat", data={"csrf_token": csrf_from(html)})
    session = _the_chat()
    assert started.headers["Location"].endswith(f"/s/kodinkone/chat/{session.id}")

    page = client.get(f"/s/kodinkone/chat/{session.id}").get_data(as_text=True)
    assert "You are next in the queue." in page
    assert "We cannot estimate the wait yet" in page
    assert "The fridge door does not close" in page  # the assistant's conversation came along
    assert "Leave the queue" in page and 'aria-live="polite"' in page
    assert "<script src=" in page and "<script>" not in page  # CSP: only the static file
    token = csrf_from(page)
    sent = client.post(
        f"/s/kodinkone/chat/{session.id}/messages", data={"csrf_token": token, "message": "It hits the shelf."}
    )
    assert sent.status_code == 302
    answer = client.post(
        f"/s/kodinkone/chat/{session.id}/messages",
        data={"csrf_token": token, "message": "And it squeaks."},
        headers={"Accept": "application/json"},
    ).get_json()
    assert answer["ok"] and answer["message"]["who"] == "You" and answer["message"]["seq"] == 7
    refused = client.post(f"/s/kodinkone/chat/{session.id}/messages", data={"message": "No token"})
    assert refused.status_code == 400

    # The agent, in another browser: the queue with the buyer's story, then the chat.
    desk = app.test_client()
    sign_in(anna.email, using=desk)
    queue = desk.get("/console/chats").get_data(as_text=True)
    assert f'id="waiting-{session.id}"' in queue and "Aino Virtanen" in queue
    assert "100500" in queue  # the buyer's order, from the desk's customer view
    taken = desk.post(f"/console/chats/{session.id}/take", data={"csrf_token": csrf_from(queue)})
    assert taken.headers["Location"].endswith(f"/console/chats/{session.id}")
    room = desk.get(f"/console/chats/{session.id}").get_data(as_text=True)
    assert "It hits the shelf." in room and "You have this chat." in room
    desk_token = csrf_from(room)
    desk.post(
        f"/console/chats/{session.id}/messages",
        data={"csrf_token": desk_token, "message": "Move the lowest shelf one step up."},
    )
    desk.post(f"/console/chats/{session.id}/article", data={"csrf_token": desk_token, "article": "faulty-product"})
    desk.post(f"/console/chats/{session.id}/order", data={"csrf_token": desk_token, "order": "100500"})

    page = client.get(f"/s/kodinkone/chat/{session.id}").get_data(as_text=True)
    assert "Anna from Kodinkone Oy joined the chat." in page
    assert "Move the lowest shelf one step up." in page
    assert 'href="/s/kodinkone/help/faulty-product"' in page and 'href="/s/kodinkone/orders/100500"' in page
    assert "End chat" in page

    ended = desk.post(f"/console/chats/{session.id}/end", data={"csrf_token": desk_token, "outcome": "solved"})
    assert ended.status_code == 302
    ticket = db.session.get(Ticket, _the_chat().ticket_id)
    assert (ticket.source, ticket.status) == ("chat", "solved")
    assert f"is kept as ticket {ticket.number}, solved" in desk.get(ended.headers["Location"]).get_data(as_text=True)

    page = client.get(f"/s/kodinkone/chat/{session.id}").get_data(as_text=True)
    assert "Kodinkone Oy ended the chat." in page and "How did we do?" in page
    assert f"/s/kodinkone/tickets/{ticket.id}" in page
    rated = client.post(f"/s/kodinkone/chat/{session.id}/rating", data={"csrf_token": csrf_from(page), "rating": "5"})
    assert rated.status_code == 302
    db.session.expire_all()
    assert db.session.get(Ticket, ticket.id).csat_rating == 5
    assert "Your rating: 5 out of 5" in client.get(f"/s/kodinkone/chat/{session.id}").get_data(as_text=True)


def test_the_second_agent_to_take_a_chat_is_told_who_has_it(app, client, order, anna, ville, online, start, sign_in):
    online(anna, ville)
    session = start(order)
    chat.take(session.id, anna, agent_actor(anna))
    sign_in(ville.email)
    queue = client.get("/console/chats?shop=kodinkone").get_data(as_text=True)
    late = client.post(f"/console/chats/{session.id}/take?shop=kodinkone", data={"csrf_token": csrf_from(queue)})
    assert late.headers["Location"].endswith("/console/chats?shop=kodinkone")
    assert "Anna Laine took this chat already." in client.get(late.headers["Location"]).get_data(as_text=True)
    room = client.get(f"/console/chats/{session.id}?shop=kodinkone").get_data(as_text=True)
    assert "Anna Laine has this chat: you can read along." in room
    assert 'id="chat-form"' not in room
    refused = client.post(
        f"/console/chats/{session.id}/messages?shop=kodinkone",
        data={"csrf_token": csrf_from(room), "message": "Hi"},
    )
    assert refused.status_code == 403


def test_staff_of_another_shop_never_see_the_chat(client, order, other_shop, anna, make_agent, online, start, sign_in):
    online(anna)
    session = start(order)
    make_agent("olli@pyorapaja.fi", other_shop)
    sign_in("olli@pyorapaja.fi")
    assert session.id not in client.get("/console/chats").get_data(as_text=True)
    assert client.get(f"/console/chats/{session.id}").status_code == 404
    token = csrf_from(client.get("/console/chats").get_data(as_text=True))
    assert client.post(f"/console/chats/{session.id}/take", data={"csrf_token": token}).status_code == 404
    assert _the_chat().status == "waiting"


def test_another_buyer_is_sent_to_find_their_order(client, order, second_order, anna, online, start):
    online(anna)
    session = start(order)
    _signed_in_buyer(client, second_order)
    response = client.get(f"/s/kodinkone/chat/{session.id}")
    assert response.status_code == 302 and "/s/kodinkone/" in response.headers["Location"]
    token = csrf_from(client.get("/s/kodinkone/help/faulty-product").get_data(as_text=True))
    assert client.post(f"/s/kodinkone/chat/{session.id}/end", data={"csrf_token": token}).status_code == 302
    assert _the_chat().status == "waiting"


def test_online_and_away_from_the_console(client, shop, anna, sign_in):
    sign_in(anna.email)
    page = client.get("/console/chats").get_data(as_text=True)
    assert re.search(r'id="presence-state">Away<', page)
    client.post("/console/chats/presence", data={"csrf_token": csrf_from(page), "status": "online", "capacity": "2"})
    page = client.get("/console/chats").get_data(as_text=True)
    assert re.search(r'id="presence-state">Online<', page)
    assert "you take at most 2 at once" in page
    assert [u.id for u in chat.online_agents(shop.id)] == [anna.id]


def test_the_buyer_leaving_the_queue_is_told_nothing_was_passed_on(client, order, anna, online):
    online(anna)
    html = _ask_for_a_person(client, order)
    client.post("/s/kodinkone/assistant/chat", data={"csrf_token": csrf_from(html)})
    session = _the_chat()
    page = client.get(f"/s/kodinkone/chat/{session.id}").get_data(as_text=True)
    client.post(f"/s/kodinkone/chat/{session.id}/end", data={"csrf_token": csrf_from(page)})
    page = client.get(f"/s/kodinkone/chat/{session.id}").get_data(as_text=True)
    assert "You left the queue before a person took the chat" in page
    assert _the_chat().status == "abandoned"
