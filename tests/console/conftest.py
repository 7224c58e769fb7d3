"""Console fixtures: two shops with staff, and signing in through the real form (CSRF on)."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from tests.conftest import csrf_from

PASSWORD = "correct horse battery"


@pytest.fixture
def shop_a(make_merchant):
    return make_merchant("kodinkone", name="Kodinkone Oy")


@pytest.fixture
def shop_b(make_merchant):
    return make_merchant("pyorapaja", name="Pyöräpaja")


@pytest.fixture
def agent_a(make_user, shop_a):
    return make_user(email="agent@kodinkone.fi", password=PASSWORD, role="merchant_agent", merchant=shop_a)


@pytest.fixture
def agent_b(make_user, shop_b):
    return make_user(email="agent@pyorapaja.fi", password=PASSWORD, role="merchant_agent", merchant=shop_b)


@pytest.fixture
def platform_admin(make_user):
    return make_user(email="admin@apuri.example", password=PASSWORD, role="platform_admin")


@pytest.fixture
def sign_in(client):
    """Sign in through the form: fetch it for its CSRF token, then post. Returns the response."""

    def post(email: str, password: str = PASSWORD, *, next: str | None = None, using=None):
        browser = using or client
        url = "/staff/login" + ("?" + urlencode({"next": next}) if next else "")
        token = csrf_from(browser.get(url).get_data(as_text=True))
        form = {"csrf_token": token, "email": email, "password": password}
        if next:
            form["next"] = next
        return browser.post("/staff/login", data=form)

    return post


@pytest.fixture
def sign_out(client):
    def post(using=None):
        browser = using or client
        token = csrf_from(browser.get("/console/orders").get_data(as_text=True))
        return browser.post("/staff/logout", data={"csrf_token": token})

    return post


@pytest.fixture
def rate_limits(app):
    """Sign-in rate limiting on, three attempts a minute per client, for one test."""
    from portal.extensions import limiter

    app.config.update(RATELIMIT_ENABLED=True, LOGIN_LIMIT_PER_CLIENT="3/minute")
    limiter.reset()
    yield
    limiter.reset()
