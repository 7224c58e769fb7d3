"""Fixtures: a fresh app per test on a schema built by the migrations; factories as callables.

The suite runs on SQLite by default and on PostgreSQL with
DATABASE_URL=postgresql+psycopg:///test. Tests marked ``postgres`` skip (saying why) without it.
"""

from __future__ import annotations

import os
import re
import tempfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import event

os.environ.setdefault("APURI_INSTANCE_DIR", tempfile.mkdtemp(prefix="apuri-test-instance-"))

from portal import create_app  # noqa: E402
from portal.actors import Actor  # noqa: E402
from portal.extensions import db  # noqa: E402

DATABASE_URL = os.environ.get("DATABASE_URL", "")
ON_POSTGRES = DATABASE_URL.startswith("postgresql")


def pytest_configure(config):
    config.addinivalue_line("markers", "postgres: needs PostgreSQL (locks, concurrency)")
    config.addinivalue_line("markers", "browser: drives headless Chromium with Playwright")
    from portal.translations_build import compile_translations

    compile_translations()


def pytest_collection_modifyitems(config, items):
    if ON_POSTGRES:
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL: run with DATABASE_URL=postgresql+psycopg:///test")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


def _worker_database(url: str, worker: str) -> str:
    """With pytest-xdist each worker gets its own PostgreSQL database beside ``url``'s
    (``test`` → ``test_gw0``), made once on the same server; they never drop each other's tables."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    base = make_url(url)
    name = f"{base.database}_{worker}"
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            exists = conn.execute(db.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first()
            if exists is None:
                conn.execute(db.text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    if ON_POSTGRES:
        worker = os.environ.get("PYTEST_XDIST_WORKER")
        return _worker_database(DATABASE_URL, worker) if worker else DATABASE_URL
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"


@pytest.fixture(scope="session")
def _schema(database_url):
    """Build the schema once with the migrations (so they are tested too)."""
    from flask_migrate import downgrade, upgrade

    app = create_app("testing", SQLALCHEMY_DATABASE_URI=database_url)
    with app.app_context():
        if ON_POSTGRES:
            db.session.execute(db.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            db.session.commit()
        upgrade()
        db.session.remove()
        db.engine.dispose()
    yield
    if ON_POSTGRES:
        with app.app_context():
            downgrade(revision="base")
            db.session.remove()
            db.engine.dispose()


class FreshContextClient(FlaskClient):
    """Each request gets its own app context (own ``g`` and database session), as in
    production, even though the test itself holds one open to call services."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture
def app(_schema, database_url):
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=database_url)
    app.test_client_class = FreshContextClient
    from portal.buyers import page_cache
    from portal.extensions import limiter

    with app.app_context():
        page_cache.clear()
        limiter.reset()
        yield app
        db.session.remove()
        tables = [t.name for t in reversed(db.metadata.sorted_tables)]
        with db.engine.begin() as conn:
            if ON_POSTGRES:
                conn.execute(db.text("TRUNCATE " + ", ".join(tables) + " CASCADE"))
            else:
                for table in tables:
                    conn.execute(db.text(f'DELETE FROM "{table}"'))
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_from(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1)


@pytest.fixture
def get_csrf(client):
    def get(url: str) -> str:
        return csrf_from(client.get(url).get_data(as_text=True))

    return get


@pytest.fixture
def actor():
    return Actor.system("tests")


@pytest.fixture
def make_merchant(app):
    from portal.merchants.services import create_merchant

    counter = {"n": 0}

    def make(slug: str | None = None, **kwargs):
        counter["n"] += 1
        kwargs.setdefault("name", f"Shop {counter['n']}")
        kwargs.setdefault("support_email", "help@shop.example.com")
        return create_merchant(slug or f"shop{counter['n']}", actor=Actor.system("tests"), **kwargs)

    return make


def order_document(**overrides) -> dict:
    """A valid order body as in API.md, with overrides."""
    document = {
        "placed_at": "2026-11-02T12:00:00+02:00",
        "currency": "EUR",
        "locale": "fi",
        "customer": {"email": "aino@example.fi", "name": "Aino Virtanen"},
        "items": [
            {
                "id": "L1",
                "sku": "FRIDGE-A-200",
                "name": "Jääkaappi A200",
                "quantity": 1,
                "unit_price": 89900,
                "tax_rate": "25.5",
                "attributes": {"colour": "white"},
            }
        ],
        "shipping": {
            "amount": 4900,
            "address": {
                "name": "Aino Virtanen",
                "street": "Kauppakatu 1",
                "postal_code": "00100",
                "city": "Helsinki",
                "country": "FI",
            },
        },
        "payment": {"provider": "simulated", "reference": "pay_123", "method": "card", "captured": 94800},
        "promised_delivery_date": "2026-11-06",
    }
    document.update(overrides)
    return document


@pytest.fixture
def make_order(app):
    from portal.orders.services import upsert_order

    counter = {"n": 1000}

    def make(merchant, number: str | None = None, **overrides):
        counter["n"] += 1
        order, _created = upsert_order(
            merchant, number or str(counter["n"]), order_document(**overrides), actor=Actor.system("tests")
        )
        return order

    return make


@pytest.fixture
def make_user(app):
    from portal.accounts.services import create_user

    def make(
        email="staff@example.com", password="correct horse battery", role="merchant_admin", merchant=None, serves=()
    ):
        """A staff user; a support agent given ``merchant`` (or ``serves``) serves those shops."""
        from portal.accounts.services import set_served_shops

        agent = role == "support_agent"
        user = create_user(
            email=email,
            password=password,
            role=role,
            merchant_slug=merchant.slug if merchant and not agent else None,
            actor=Actor.system("tests"),
        )
        shops = [*([merchant] if merchant and agent else []), *serves]
        if shops:
            set_served_shops(user, {shop.id for shop in shops}, Actor.system("tests"))
        return user

    return make


@pytest.fixture
def count_queries(app):
    """Counts SQL statements run inside the ``with`` block: ``with count_queries() as n: ...; n()``."""
    from contextlib import contextmanager

    @contextmanager
    def counting():
        statements: list[str] = []

        def before(conn, cursor, statement, *args):
            statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", before)
        try:

            def counter() -> int:
                return len(statements)

            counter.statements = statements
            yield counter
        finally:
            event.remove(db.engine, "before_cursor_execute", before)

    return counting


def days_from_today(n: int) -> str:
    return (date.today() + timedelta(days=n)).isoformat()


def now_iso(delta_hours: float = 0) -> str:
    return (datetime.now(UTC) + timedelta(hours=delta_hours)).isoformat()


__all__ = ["Path", "csrf_from", "order_document", "days_from_today", "now_iso"]
