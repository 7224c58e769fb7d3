"""Fault drills (issue 10): the database restarted, Redis down, a worker killed mid-refund, the
disk full on upload. Each drill checks what the buyer (or the staff) sees and the money in the
ledger. Drills that need PostgreSQL are marked ``postgres``; those that need a real Redis skip,
saying so, when it does not answer."""

from __future__ import annotations

import os
import re
from html import unescape

import pytest
from sqlalchemy import func, select

from portal.buyers.access import order_link
from portal.extensions import db
from tests.conftest import csrf_from
from tests.returns.conftest import delivered_order  # noqa: F401  (a fixture: an order delivered days ago)

# Nothing listens on port 1: connecting is refused at once, as when Redis is down.
REDIS_DOWN = "redis://:not-the-password@127.0.0.1:1/0"
PASSWORD = "correct horse battery"


def _pick_redis_url() -> str | None:
    """A Redis database of the drills' own: FAULTS_REDIS_URL, else the first of 12, 11, … that
    is empty and that no client has selected (other workers and benches on this machine use
    some, and the drills' RQ worker would take their jobs, or they ours). None without Redis."""
    if os.environ.get("FAULTS_REDIS_URL"):
        return os.environ["FAULTS_REDIS_URL"]
    try:
        from redis import Redis

        server = Redis.from_url("redis://127.0.0.1:6379/0", socket_connect_timeout=0.5, socket_timeout=2)
        try:
            busy = {int(client.get("db", 0)) for client in server.client_list()}
            worker = int(re.sub(r"\D", "", os.environ.get("PYTEST_XDIST_WORKER", "")) or 0)
            for number in range(12 - worker % 12, 0, -1):
                if number in busy:
                    continue
                server.execute_command("SELECT", number)
                if server.dbsize() == 0:
                    return f"redis://127.0.0.1:6379/{number}"
        finally:
            server.close()
    except Exception:
        return None
    return None


REDIS_URL = _pick_redis_url()
needs_redis = pytest.mark.skipif(
    REDIS_URL is None, reason="needs Redis at 127.0.0.1:6379 with a free database (or FAULTS_REDIS_URL)"
)


@pytest.fixture
def own_redis():
    """A connection to the drills' Redis database, emptied afterwards (it was empty before)."""
    from redis import Redis

    connection = Redis.from_url(REDIS_URL)
    if connection.dbsize():
        pytest.skip(f"the Redis database {REDIS_URL} is in use by something else now")
    try:
        yield connection
    finally:
        connection.flushdb()
        connection.close()


def page(response) -> str:
    return unescape(response.get_data(as_text=True))


def open_order(client, order) -> str:
    """The buyer opens the order's own link (as in the order e-mail): signed in, on the order page."""
    response = client.get(order_link(order).removeprefix("http://127.0.0.1:5000"), follow_redirects=True)
    assert response.status_code == 200, response.status_code
    return page(response)


def post_form(client, url: str, data: dict | None = None, *, form_url: str | None = None, **kwargs):
    token = csrf_from(client.get(form_url or url).get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, **(data or {})}, **kwargs)


def sign_in_staff(client, email: str, password: str = PASSWORD):
    return post_form(client, "/staff/login", {"email": email, "password": password})


def count(model, *where) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def visible(html: str) -> str:
    """The page's words, without tags (so a sentence split by markup still reads whole)."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
