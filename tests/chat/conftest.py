"""Chat fixtures: a shop with its own agent and a support agent serving it, a buyer's order,
and helpers to put agents online and talk as the buyer."""

from __future__ import annotations

import pytest

from portal.accounts.services import actor_for
from portal.actors import Actor
from portal.extensions import db
from tests.console.conftest import PASSWORD, sign_in  # noqa: F401

SLUG = "kodinkone"
TURNS = [
    {"who": "buyer", "text": "The fridge door does not close"},
    {"who": "assistant", "kind": "unsure", "text": "I am not sure I understood.", "person": True},
    {"who": "buyer", "text": "I want to talk to a person"},
    {"who": "assistant", "kind": "handover_offer", "text": "Of course.", "person": True},
]


@pytest.fixture
def shop(make_merchant):
    return make_merchant(SLUG, name="Kodinkone Oy")


@pytest.fixture
def other_shop(make_merchant):
    return make_merchant("pyorapaja", name="Pyöräpaja")


@pytest.fixture
def make_agent(make_user):
    def make(email: str, shop=None, *, name: str = "", role: str = "merchant_agent", serves=()):
        user = make_user(email=email, password=PASSWORD, role=role, merchant=shop, serves=serves)
        if name:
            user.name = name
            db.session.commit()
        return user

    return make


@pytest.fixture
def anna(make_agent, shop):
    return make_agent("anna@kodinkone.fi", shop, name="Anna Laine")


@pytest.fixture
def ville(make_agent, shop):
    """Apuri's support agent who serves the shop."""
    return make_agent("ville@apuri.example", shop, name="Ville Tuki", role="support_agent")


@pytest.fixture
def order(make_order, shop):
    return make_order(shop, "100500", locale="en", customer={"email": "aino@example.fi", "name": "Aino Virtanen"})


@pytest.fixture
def second_order(make_order, shop):
    return make_order(shop, "100501", locale="en", customer={"email": "bertil@example.se", "name": "Bertil Berg"})


def buyer_of(order) -> Actor:
    return Actor(kind="buyer", id=order.customer_id, label=order.customer.email, merchant_id=order.merchant_id)


def agent_actor(user) -> Actor:
    return actor_for(user, "127.0.0.1")


@pytest.fixture
def online():
    from portal.chat import services as chat

    def put(*users, capacity: int | None = None):
        for user in users:
            chat.set_presence(user, "online", agent_actor(user), capacity=capacity)

    return put


@pytest.fixture
def start(online):
    from portal.chat import services as chat

    def begin(order, turns=TURNS, **kwargs):
        return chat.start_chat(order.merchant, order.customer, list(turns), buyer_of(order), order=order, **kwargs)

    return begin


@pytest.fixture
def live_server(app):
    """The test's app served by werkzeug in threads (as tests/browser does)."""
    import threading

    from werkzeug.serving import make_server

    from tests.browser.conftest import LiveServer

    server = make_server("127.0.0.1", 0, app, threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    app.config["PUBLIC_BASE_URL"] = url
    thread = threading.Thread(target=server.serve_forever, name="chat-live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(url)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
