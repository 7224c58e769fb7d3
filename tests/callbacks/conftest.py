"""Callback fixtures: a shop in Helsinki and one in Stockholm, their buyers and staff, a frozen
"now" for the service tests, and the helpers the pages need (sign-in through the real forms)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from html import unescape
from urllib.parse import urlencode

import pytest
from sqlalchemy import select

from portal.actors import Actor
from portal.callbacks import services as callbacks
from portal.extensions import db
from portal.notifications.models import OutboxMessage
from tests.conftest import csrf_from
from tests.notifications.conftest import mail_server  # noqa: F401  (a real SMTP server on loopback)

PASSWORD = "correct horse battery"

# Monday 7 December 2026, 08:00 UTC: 10:00 in Helsinki, 09:00 in Stockholm.
MONDAY = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)


@pytest.fixture
def helsinki(make_merchant):
    return make_merchant("kodinkone", name="Kodinkone Oy", country="FI", timezone="Europe/Helsinki")


@pytest.fixture
def stockholm(make_merchant):
    return make_merchant(
        "fjallhem", name="Fjällhem AB", country="SE", timezone="Europe/Stockholm", locale="sv", currency="SEK"
    )


@pytest.fixture
def order_fi(helsinki, make_order):
    return make_order(helsinki, "1001")  # Aino Virtanen, in Finnish


@pytest.fixture
def order_sv(stockholm, make_order):
    return make_order(
        stockholm,
        "2001",
        locale="sv",
        currency="SEK",
        customer={"email": "sven@example.se", "name": "Sven Svensson"},
    )


@pytest.fixture
def agent_fi(make_user, helsinki):
    return make_user(email="agent@kodinkone.fi", password=PASSWORD, role="merchant_agent", merchant=helsinki)


@pytest.fixture
def agent_sv(make_user, stockholm):
    return make_user(email="agent@fjallhem.se", password=PASSWORD, role="merchant_agent", merchant=stockholm)


def buyer(order) -> Actor:
    return Actor(kind="buyer", id=order.customer_id, label=order.customer.email, merchant_id=order.merchant_id)


def staff(user) -> Actor:
    return Actor(kind="user", id=user.id, label=user.email, merchant_id=user.merchant_id)


def ask(order, *, slot=None, now=MONDAY, phone="040 123 4567", topic="delivery", note="", index=0):
    """A callback asked for through the service; by default the ``index``-th slot open at ``now``."""
    if slot is None:
        slot = callbacks.open_slots(order.merchant, now=now)[index].value
    return callbacks.request_callback(
        order, {"phone": phone, "topic": topic, "slot": slot, "note": note}, buyer(order), now=now
    )


def mails(kind: str) -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind)))


def page_text(response) -> str:
    return unescape(response.get_data(as_text=True))


def slot_options(html: str) -> list[str]:
    """The slot values a page offers, in order."""
    return re.findall(r'<option value="(\d{4}-\d\d-\d\dT\d\d:\d\dZ)"', html)


@pytest.fixture
def sign_in(client):
    """Staff sign in through the form (fetched for its CSRF token)."""

    def post(email: str, password: str = PASSWORD, *, using=None):
        browser = using or client
        token = csrf_from(browser.get("/staff/login").get_data(as_text=True))
        return browser.post("/staff/login", data={"csrf_token": token, "email": email, "password": password})

    return post


def open_order(client, order) -> None:
    """The buyer opens the order's own link: this browser now speaks for them at the shop."""
    from portal.buyers.access import order_link

    response = client.get(order_link(order).removeprefix("http://127.0.0.1:5000"))
    assert response.status_code == 302


def post_form(client, url: str, data: dict, *, token_from: str | None = None):
    token = csrf_from(client.get(token_from or url).get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, **data})


def query(**args) -> str:
    return "?" + urlencode(args)
