"""Drill: the database restarts under the app (every server connection is cut) and the app
recovers without being restarted; a request caught in the cut gets a clean error page and
leaves nothing half-written, and the buyer's next try works, moving the money once.

The restart is played with ``pg_terminate_backend`` from a separate admin connection: to the
app it looks exactly like a restart (every pooled connection is dead). The full restart under
load is bench/faults/db_restart.sh."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, event, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from portal.audit.models import AuditEntry
from portal.buyers import page_cache
from portal.extensions import db
from portal.jobs.models import FailedJob
from portal.orders.models import Order
from portal.payments import services as ledger
from portal.payments.models import Refund, SimulatedTransaction
from tests.faults.conftest import count, open_order, page, post_form, sign_in_staff

pytestmark = pytest.mark.postgres

CAPTURED = 94800  # order_document's payment


@contextmanager
def admin(database_url: str):
    """A connection of its own (not from the app's pool), to the server's ``postgres`` database."""
    engine = create_engine(
        make_url(database_url).set(database="postgres"), isolation_level="AUTOCOMMIT", poolclass=NullPool
    )
    try:
        with engine.connect() as connection:
            yield connection
    finally:
        engine.dispose()


def cut_connections(database_url: str, pid: int | None = None) -> int:
    """Terminate every server connection to the test database (or only ``pid``), waiting until
    each one is gone; returns how many were cut."""
    name = make_url(database_url).database
    with admin(database_url) as connection:
        return connection.execute(
            text(
                "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid, 5000)) FROM pg_stat_activity "
                "WHERE datname = :name AND pid <> pg_backend_pid() AND (CAST(:pid AS integer) IS NULL OR pid = :pid)"
            ),
            {"name": name, "pid": pid},
        ).scalar_one()


@pytest.fixture
def shop(make_merchant, make_user):
    merchant = make_merchant("kodinkone", name="Kodinkone Oy")
    make_user(email="agent@kodinkone.fi", role="merchant_agent", merchant=merchant)
    return merchant


@pytest.fixture
def error_pages(app):
    """Errors answered with the app's error page, as in production (tests propagate them)."""
    app.config["PROPAGATE_EXCEPTIONS"] = False


def test_after_a_restart_the_next_buyer_and_staff_pages_answer_without_restarting_the_app(
    app, client, shop, make_order, database_url, caplog
):
    # Each pooled connection is checked (a round trip) before a request uses it.
    assert db.engine.pool._pre_ping, "SQLALCHEMY_ENGINE_OPTIONS must set pool_pre_ping (config.py)"
    make_order(shop, "1001", locale="en")
    staff = app.test_client()
    assert open_order(client, db.session.scalars(select(Order)).one())
    assert sign_in_staff(staff, "agent@kodinkone.fi").status_code == 302
    assert staff.get("/console/orders/1001").status_code == 200
    db.session.remove()  # the test's own connection goes back to the pool too
    pooled = db.engine.pool.checkedin()
    assert pooled >= 1

    cut = cut_connections(database_url)
    assert cut >= pooled  # every connection the app holds is now dead

    page_cache.clear()  # the buyer's page must come from the database, not from memory
    buyer_page = client.get("/s/kodinkone/orders/1001")
    assert buyer_page.status_code == 200
    assert "Jääkaappi A200" in page(buyer_page)
    console_page = staff.get("/console/orders/1001")
    assert console_page.status_code == 200
    assert "Order 1001" in page(console_page)
    assert db.session.scalar(text("SELECT 1")) == 1  # and the app's own session works on
    assert "OperationalError" not in caplog.text  # no request met a dead connection


def test_a_request_cut_mid_transaction_gets_a_clean_error_and_changes_nothing(
    app, client, shop, make_order, database_url, error_pages
):
    """The buyer cancels an unsent order (a refund of the whole payment): the connection dies
    just before the commit, after the order, the refund row and the audit entry were written in
    the transaction. None of them stays; the buyer is told nothing changed; trying again
    cancels the order and refunds the payment once."""
    order = make_order(shop, "1001", locale="en")
    open_order(client, order)
    seen: list[str] = []
    cut: list[int] = []

    def remember(conn, cursor, statement, *args):
        seen.append(statement)

    def cut_before_commit(conn):
        if any(s.startswith("INSERT INTO refunds") for s in seen) and not cut:
            pid = conn.connection.dbapi_connection.info.backend_pid
            cut.append(cut_connections(database_url, pid))

    event.listen(db.engine, "before_cursor_execute", remember)
    event.listen(db.engine, "commit", cut_before_commit)
    try:
        response = post_form(client, "/s/kodinkone/orders/1001/cancel")
    finally:
        event.remove(db.engine, "before_cursor_execute", remember)
        event.remove(db.engine, "commit", cut_before_commit)

    assert cut == [1]
    assert response.status_code == 503  # the database went away: send it again, nothing was changed
    assert response.headers["Retry-After"] == "5"
    html = page(response)
    assert "Something went wrong" in html and "Nothing was changed. Please try again in a moment." in html
    assert "Traceback" not in html and "OperationalError" not in html
    db.session.expire_all()
    assert db.session.get(Order, order.id).cancelled_at is None
    assert count(Refund) == 0
    assert count(AuditEntry, AuditEntry.action.in_(("order.cancelled", "refund.requested"))) == 0
    assert count(FailedJob) == 0
    assert count(SimulatedTransaction) == 0  # no money moved

    # The buyer's page answers again at once, and trying again does what was asked, once.
    assert client.get("/s/kodinkone/orders/1001").status_code == 200
    again = post_form(client, "/s/kodinkone/orders/1001/cancel")
    assert again.status_code == 302
    followed = page(client.get(again.headers["Location"]))
    assert "Order 1001 is cancelled. Your money is on its way back." in followed
    db.session.expire_all()
    order = db.session.get(Order, order.id)
    assert order.cancelled_at is not None
    (refund,) = db.session.scalars(select(Refund)).all()
    assert (refund.status, refund.amount) == ("succeeded", CAPTURED)
    assert count(SimulatedTransaction) == 1
    summary = ledger.money_summary(order)
    assert (summary.refunded, summary.pending, summary.refundable) == (CAPTURED, 0, 0)


def test_a_page_whose_connection_dies_while_reading_is_an_error_page_and_the_next_one_works(
    app, client, shop, make_order, database_url, error_pages
):
    order = make_order(shop, "1001", locale="en")
    open_order(client, order)
    page_cache.clear()
    cut: list[int] = []

    def cut_first_query(conn, cursor, statement, *args):
        if not cut and statement.lstrip().upper().startswith("SELECT"):
            cut.append(cut_connections(database_url, conn.connection.dbapi_connection.info.backend_pid))

    event.listen(db.engine, "before_cursor_execute", cut_first_query)
    try:
        response = client.get("/s/kodinkone/orders/1001")
    finally:
        event.remove(db.engine, "before_cursor_execute", cut_first_query)
    assert cut == [1]
    assert response.status_code == 503
    assert "Nothing was changed. Please try again in a moment." in page(response)
    following = client.get("/s/kodinkone/orders/1001")
    assert following.status_code == 200 and "Jääkaappi A200" in page(following)
