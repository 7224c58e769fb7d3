"""The event streams: every message once and in order, replayed from the database after a
reconnect (Last-Event-ID or ?after=), woken by the bus, and closed to whoever may not read."""

from __future__ import annotations

import json
import threading
import time

import pytest

from portal.buyers.access import order_link
from portal.chat import bus as chat_bus
from portal.chat import services as chat
from tests.chat.conftest import agent_actor, buyer_of


def parse(body: str) -> list[dict]:
    """The events of an SSE body: [{"id", "event", "data"}], comments and retry lines left out."""
    events = []
    for block in body.split("\n\n"):
        event = {}
        for line in block.split("\n"):
            if line.startswith(":") or not line:
                continue
            name, _, value = line.partition(": ")
            event[name] = value
        if "event" in event:
            event["data"] = json.loads(event["data"])
            events.append(event)
    return events


@pytest.fixture
def short_streams(app):
    app.config.update(CHAT_STREAM_SECONDS=0.3, CHAT_POLL_SECONDS=0.1)


@pytest.fixture
def talking(order, anna, online, start):
    """A chat going on: 5 carried-over messages and the queue event, taken (6), and two words (7, 8)."""
    online(anna)
    session = start(order)
    chat.take(session.id, anna, agent_actor(anna))
    chat.post_message(session.id, "Hello, Anna here.", agent_actor(anna))
    chat.post_message(session.id, "Hi! The door again.", buyer_of(order))
    return session


def _buyer(client, order):
    client.get(order_link(order).removeprefix("http://127.0.0.1:5000"))
    return client


def test_the_local_bus_wakes_only_its_channel_and_forgets_channels_nobody_listens_to():
    bus = chat_bus.LocalBus()
    with bus.subscribe("chat:a") as a, bus.subscribe("chat:b") as b:
        bus.publish("chat:a")
        assert a.wait(0.01) is True and b.wait(0.01) is False
        assert a.wait(0.01) is False  # each publish is heard once
        bus.publish("chat:unknown")  # nobody listens: nothing to do
        assert bus.listening() == 2
    assert bus.listening() == 0


def test_a_wait_returns_as_soon_as_something_is_published():
    bus = chat_bus.LocalBus()
    with bus.subscribe("chat:a") as subscription:
        threading.Timer(0.05, bus.publish, args=("chat:a",)).start()
        started = time.monotonic()
        assert subscription.wait(5) is True
        assert time.monotonic() - started < 1


def test_the_buyer_stream_replays_everything_after_the_last_event_id_once(
    app, client, order, anna, talking, short_streams
):
    _buyer(client, order)
    url = f"/s/kodinkone/chat/{talking.id}/events"
    first = parse(client.get(url).get_data(as_text=True))
    messages = [e for e in first if e["event"] == "message"]
    assert [int(e["id"]) for e in messages] == list(range(1, 9))
    assert [e["data"]["seq"] for e in messages] == list(range(1, 9))
    assert messages[6]["data"]["who"] == "Anna, Kodinkone Oy" and messages[7]["data"]["who"] == "You"
    assert messages[5]["data"]["text"] == "Anna from Kodinkone Oy joined the chat."

    # Messages written while the browser was away; it comes back with the last id it saw.
    chat.post_message(talking.id, "Did moving the shelf help?", agent_actor(anna))
    chat.post_message(talking.id, "Yes!", buyer_of(order))
    again = parse(client.get(url, headers={"Last-Event-ID": "8"}).get_data(as_text=True))
    assert [(int(e["id"]), e["data"]["text"]) for e in again if e["event"] == "message"] == [
        (9, "Did moving the shelf help?"),
        (10, "Yes!"),
    ]
    # ?after= (a page opening the stream) works the same; the header wins when both are sent.
    assert [int(e["id"]) for e in parse(client.get(url + "?after=9").get_data(as_text=True))] == [10]
    both = parse(client.get(url + "?after=2", headers={"Last-Event-ID": "9"}).get_data(as_text=True))
    assert [int(e["id"]) for e in both] == [10]


def test_a_stream_starts_with_its_retry_and_says_the_place_in_the_queue(
    app, client, order, anna, online, start, short_streams
):
    online(anna)
    session = start(order)
    _buyer(client, order)
    response = client.get(f"/s/kodinkone/chat/{session.id}/events")
    assert response.mimetype == "text/event-stream"
    assert "no-store" in response.headers["Cache-Control"]
    body = response.get_data(as_text=True)
    assert body.startswith("retry: 1000\n\n")
    queue = [e["data"] for e in parse(body) if e["event"] == "queue"]
    assert queue == [
        {
            "position": 1,
            "place": "You are next in the queue.",
            "estimate": "We cannot estimate the wait yet: there are no finished chats at this shop to go by.",
        }
    ]


def test_a_waiting_stream_is_woken_by_a_new_message_at_once(app, live_server, order, anna, talking):
    """Through a real server (threads, as in production): the stream waits on the bus, and a
    message written elsewhere arrives well before the stream's own re-read would find it."""
    import requests

    app.config.update(CHAT_STREAM_SECONDS=5, CHAT_POLL_SECONDS=30)  # only the bus can wake it in time
    browser = requests.Session()
    browser.get(order_link(order), timeout=5)
    got: list[tuple[float, str]] = []
    connected = threading.Event()
    url = f"{live_server.url}/s/kodinkone/chat/{talking.id}/events"

    def read():
        with browser.get(url, headers={"Last-Event-ID": "8"}, stream=True, timeout=10) as response:
            for line in response.iter_lines(chunk_size=1, decode_unicode=True):
                if line.startswith("retry:"):
                    connected.set()
                if line.startswith("data:"):
                    got.append((time.monotonic(), line))
                    return

    reader = threading.Thread(target=read)
    reader.start()
    assert connected.wait(5)
    time.sleep(0.2)  # the stream has read the database and waits
    sent = time.monotonic()
    chat.post_message(talking.id, "Are you still there?", agent_actor(anna))
    reader.join(timeout=10)
    assert got, "the message did not arrive"
    arrived, line = got[0]
    assert arrived - sent < 1.0
    assert '"seq":9' in line and "Are you still there?" in line


def test_the_stream_of_an_ended_chat_sends_the_end_then_answers_204(app, client, order, anna, talking, short_streams):
    chat.end_chat(talking.id, agent_actor(anna), solved=True)
    _buyer(client, order)
    url = f"/s/kodinkone/chat/{talking.id}/events"
    events = parse(client.get(url, headers={"Last-Event-ID": "8"}).get_data(as_text=True))
    assert [e["event"] for e in events] == ["message", "closed"]
    assert events[0]["data"]["event"] == "ended" and events[0]["data"]["text"] == "Kodinkone Oy ended the chat."
    assert client.get(url, headers={"Last-Event-ID": "9"}).status_code == 204  # EventSource stops here


def test_only_the_buyer_or_the_chat_token_opens_the_buyer_stream(
    app, client, order, second_order, talking, short_streams
):
    url = f"/s/kodinkone/chat/{talking.id}/events"
    assert client.get(url).status_code == 404  # nobody's browser
    _buyer(client, second_order)
    assert client.get(url).status_code == 404  # another buyer of the shop
    from portal.buyers.chat import chat_token

    with app.test_request_context():
        token = chat_token(talking)
    assert client.get(f"{url}?token={token}").status_code == 200
    assert client.get(f"{url}?token={token}x").status_code == 404
    assert client.get(f"/s/pyorapaja/chat/{talking.id}/events?token={token}").status_code == 404


def test_the_agent_stream_is_for_staff_of_the_shop(
    app, client, order, other_shop, make_agent, talking, sign_in, short_streams
):
    url = f"/console/chats/{talking.id}/events"
    assert client.get(url).status_code == 302  # to the sign-in page
    make_agent("olli@pyorapaja.fi", other_shop)
    sign_in("olli@pyorapaja.fi")
    assert client.get(url).status_code == 404


def test_the_agent_stream_names_the_buyer_and_links_the_console_order(
    app, client, order, anna, talking, sign_in, short_streams
):
    chat.attach_order(talking.id, order.number, agent_actor(anna))
    sign_in(anna.email)
    events = parse(client.get(f"/console/chats/{talking.id}/events?after=7").get_data(as_text=True))
    assert [(e["data"]["who"], e["data"]["text"]) for e in events] == [
        ("Aino Virtanen", "Hi! The door again."),
        ("Anna", "Order 100500"),
    ]
    assert events[1]["data"]["link"] == "/console/orders/100500"


def _redis_url_or_skip() -> str:
    from tests.chat.test_multiprocess import REDIS_URL, _redis_or_skip

    _redis_or_skip()
    return REDIS_URL


def test_the_redis_bus_wakes_a_stream_of_another_process():
    import uuid

    url = _redis_url_or_skip()
    prefix = f"apuri-test-{uuid.uuid4().hex[:8]}:chat:"
    here, there = chat_bus.RedisBus(url, prefix), chat_bus.RedisBus(url, prefix)  # as two app processes
    try:
        with there.subscribe("chat:x") as subscription:
            assert there.connected.is_set()
            started = time.monotonic()
            here.publish("chat:x")
            assert subscription.wait(2) is True
            assert time.monotonic() - started < 1
            here.publish("chat:y")  # another chat: this stream sleeps on
            assert subscription.wait(0.3) is False
    finally:
        here.close()
        there.close()


def test_with_redis_away_a_publish_still_wakes_this_processes_streams():
    bus = chat_bus.RedisBus(f"redis://127.0.0.1:{_closed_port()}/9", "apuri-test-away:chat:")
    try:
        with bus.subscribe("chat:x") as subscription:
            assert not bus.connected.is_set()
            bus.publish("chat:x")  # Redis refuses: logged, and the local streams still hear it
            assert subscription.wait(0.5) is True
    finally:
        bus.close()


def _closed_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
