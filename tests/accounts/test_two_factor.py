"""Two-step sign-in (TOTP, RFC 6238): setting it up needs a valid code from the new key; then the
sign-in asks for a code after the password. A wrong, reused or too old code is refused; a code
from the step before or after is taken. A shop can require it of its admins: an admin without it
is sent to the set-up and opens nothing else in the console until it is on."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from html import unescape

import pytest
from sqlalchemy import select

from portal.accounts import services, totp
from portal.accounts.models import User
from portal.audit.models import AuditEntry
from portal.db import utcnow
from portal.extensions import db
from tests.conftest import csrf_from

PASSWORD = "correct horse battery"
SETUP = "/staff/two-factor"
CODE = "/staff/login/code"


@pytest.fixture(autouse=True)
def clock(monkeypatch):
    """The codes' clock stands still in the middle of a 30-second step: no test straddles a change."""
    real = utcnow()
    now = real - timedelta(seconds=real.timestamp() % 30 - 15)
    monkeypatch.setattr(totp, "utcnow", lambda: now)
    return now


@pytest.fixture
def shop(make_merchant):
    return make_merchant("kodinkone", name="Kodinkone Oy", locale="en")


@pytest.fixture
def admin(make_user, shop):
    return make_user(email="admin@kodinkone.fi", password=PASSWORD, role="merchant_admin", merchant=shop)


@pytest.fixture
def other_admin(make_user, shop):
    return make_user(email="toinen@kodinkone.fi", password=PASSWORD, role="merchant_admin", merchant=shop)


@pytest.fixture
def agent(make_user, shop):
    return make_user(email="agent@kodinkone.fi", password=PASSWORD, role="merchant_agent", merchant=shop)


def text(response) -> str:
    return unescape(response.get_data(as_text=True))


def flashes(html: str) -> str:
    return " ".join(re.findall(r'<p class="flash[^"]*">([^<]*)</p>', html))


def sign_in(browser, email: str, password: str = PASSWORD, next: str | None = None):
    token = csrf_from(browser.get("/staff/login").get_data(as_text=True))
    form = {"csrf_token": token, "email": email, "password": password}
    if next:
        form["next"] = next
    return browser.post("/staff/login", data=form)


def send_code(browser, code: str):
    token = csrf_from(browser.get(CODE).get_data(as_text=True))
    return browser.post(CODE, data={"csrf_token": token, "code": code})


def setup_action(browser, action: str, code: str | None = None, *, token_from: str = SETUP):
    token = csrf_from(browser.get(token_from).get_data(as_text=True))
    form = {"csrf_token": token, "action": action}
    if code is not None:
        form["code"] = code
    return browser.post(SETUP, data=form)


def fresh(user: User) -> User:
    db.session.expire_all()
    return db.session.get(User, user.id)


def code_now(user: User, seconds: int = 0) -> str:
    return totp.code_at(fresh(user).totp_secret, totp.utcnow() + timedelta(seconds=seconds))


def switch_on(user: User) -> None:
    """Two-step sign-in on for ``user`` through the services, without a browser."""
    services.start_two_factor(user)
    services.enable_two_factor(user, code_now(user, -30), actor=services.actor_for(user))


# -- the code rules --------------------------------------------------------------------------


def test_the_codes_are_rfc_6238s():
    # RFC 6238, appendix B: SHA-1 with the ASCII key "12345678901234567890", last 6 of 8 digits.
    import base64
    from datetime import UTC, datetime

    secret = base64.b32encode(b"12345678901234567890").decode()
    assert totp.code_at(secret, datetime.fromtimestamp(59, UTC)) == "287082"
    assert totp.code_at(secret, datetime.fromtimestamp(1111111109, UTC)) == "081804"
    assert totp.code_at(secret, datetime.fromtimestamp(2000000000, UTC)) == "279037"


def test_one_step_either_side_is_taken_and_two_are_not(clock):
    secret = totp.new_secret()
    now = clock
    step = int(now.timestamp()) // 30
    for seconds, expected in [(-60, None), (-30, step - 1), (0, step), (30, step + 1), (60, None)]:
        code = totp.code_at(secret, now + timedelta(seconds=seconds))
        assert totp.matching_step(secret, code, at=now) == expected, seconds
    assert totp.matching_step(secret, totp.code_at(secret, now), at=now, after=step) is None
    assert totp.matching_step(secret, "12 34", at=now) is None
    assert totp.matching_step(secret, "abcdef", at=now) is None


# -- setting it up ---------------------------------------------------------------------------


def test_setting_up_shows_the_key_and_needs_a_valid_code(client, admin):
    sign_in(client, "admin@kodinkone.fi")
    first = client.get(SETUP)
    assert first.status_code == 200
    assert "Set up two-step sign-in" in text(first)
    assert first.headers["Cache-Control"] == "private, no-store"

    assert setup_action(client, "start").status_code == 302
    html = text(client.get(SETUP))
    secret = fresh(admin).totp_secret
    assert len(secret) == 32
    assert totp.grouped(secret) in html
    assert f"otpauth://totp/Apuri:admin%40kodinkone.fi?secret={secret}&issuer=Apuri" in html
    assert '<img src="/staff/two-factor/qr.png"' in html
    qr = client.get("/staff/two-factor/qr.png")
    assert qr.status_code == 200 and qr.mimetype == "image/png" and qr.data.startswith(b"\x89PNG")
    assert qr.headers["Cache-Control"] == "private, no-store"

    wrong = setup_action(client, "enable", "000000" if code_now(admin) != "000000" else "111111")
    assert wrong.status_code == 401
    assert "That code is not right." in text(wrong)
    assert not fresh(admin).two_factor_on

    right = setup_action(client, "enable", code_now(admin))
    assert right.status_code == 302
    assert "Two-step sign-in is on." in flashes(text(client.get(SETUP)))
    user = fresh(admin)
    assert user.two_factor_on and user.totp_secret == secret
    assert client.get("/staff/two-factor/qr.png").status_code == 404  # the key is not shown again
    assert secret not in text(client.get(SETUP))
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "user.two_factor_enabled"))


def test_switching_it_off_needs_a_current_code(client, admin):
    switch_on(admin)
    sign_in(client, "admin@kodinkone.fi")
    send_code(client, code_now(admin))
    refused = setup_action(client, "disable", "")
    assert refused.status_code == 422
    assert fresh(admin).two_factor_on
    done = setup_action(client, "disable", code_now(admin, 30))
    assert done.status_code == 302
    user = fresh(admin)
    assert not user.two_factor_on and user.totp_secret is None
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "user.two_factor_disabled"))


# -- signing in with it ----------------------------------------------------------------------


def test_sign_in_asks_for_the_code_after_the_password(client, admin):
    switch_on(admin)
    response = sign_in(client, "admin@kodinkone.fi", next="/console/orders?q=1")
    assert response.status_code == 302
    assert response.headers["Location"] == CODE
    assert client.get("/console/orders").status_code == 302  # not signed in yet
    page = client.get(CODE)
    assert page.status_code == 200
    assert 'autocomplete="one-time-code"' in text(page)
    assert fresh(admin).last_login_at is None

    done = send_code(client, code_now(admin))
    assert done.status_code == 302
    assert done.headers["Location"] == "/console/orders?q=1"
    assert client.get("/console/orders").status_code == 200
    assert fresh(admin).last_login_at is not None
    with client.session_transaction() as session:
        assert "sign_in_pending" not in session


def test_a_wrong_code_is_refused(client, admin):
    switch_on(admin)
    sign_in(client, "admin@kodinkone.fi")
    right = code_now(admin)
    wrong = send_code(client, "123456" if right != "123456" else "654321")
    assert wrong.status_code == 401
    assert "That code is not right." in text(wrong)
    assert client.get("/console/orders").status_code == 302
    assert send_code(client, right).status_code == 302  # a right one still works


@pytest.mark.parametrize("seconds", [-30, 30])
def test_a_code_from_the_step_before_or_after_is_taken(client, admin, seconds):
    switch_on(admin)
    fresh(admin).totp_last_step = None  # the set-up's own code is not in the way
    db.session.commit()
    sign_in(client, "admin@kodinkone.fi")
    assert send_code(client, code_now(admin, seconds)).status_code == 302
    assert client.get("/console/orders").status_code == 200


def test_a_code_two_steps_away_is_refused(client, admin):
    switch_on(admin)
    sign_in(client, "admin@kodinkone.fi")
    assert send_code(client, code_now(admin, 90)).status_code == 401


def test_a_code_is_taken_only_once(app, admin):
    switch_on(admin)
    code = code_now(admin, 30)
    first = app.test_client()
    sign_in(first, "admin@kodinkone.fi")
    assert send_code(first, code).status_code == 302
    second = app.test_client()
    sign_in(second, "admin@kodinkone.fi")
    assert send_code(second, code).status_code == 401


def test_the_code_step_lasts_five_minutes(client, admin):
    switch_on(admin)
    sign_in(client, "admin@kodinkone.fi")
    with client.session_transaction() as session:
        session["sign_in_pending"] = {**session["sign_in_pending"], "at": int(time.time()) - 5 * 60 - 1}
    response = client.get(CODE)
    assert response.status_code == 302
    assert response.headers["Location"] == "/staff/login"
    assert "Signing in took too long" in text(client.get("/staff/login"))
    assert client.get("/console/orders").status_code == 302


def test_the_code_step_cannot_be_reached_without_the_password(client, admin):
    switch_on(admin)
    response = client.get(CODE)
    assert response.status_code == 302 and response.headers["Location"] == "/staff/login"


def test_a_user_deactivated_between_the_steps_is_not_signed_in(client, admin, other_admin):
    switch_on(admin)
    sign_in(client, "admin@kodinkone.fi")
    token = csrf_from(client.get(CODE).get_data(as_text=True))
    services.set_active(admin.merchant_id, admin.id, False, actor=services.actor_for(other_admin))
    response = client.post(CODE, data={"csrf_token": token, "code": code_now(admin, 30)})
    assert response.status_code == 302 and response.headers["Location"] == "/staff/login"
    assert client.get("/console/orders").status_code == 302


def test_the_code_step_is_rate_limited(app, admin):
    from portal.extensions import limiter

    switch_on(admin)
    browser = app.test_client()
    sign_in(browser, "admin@kodinkone.fi")
    app.config.update(RATELIMIT_ENABLED=True, LOGIN_LIMIT_PER_CLIENT="3/minute")
    limiter.reset()
    wrong = "123456" if code_now(admin, 30) != "123456" else "654321"
    assert [send_code(browser, wrong).status_code for _ in range(3)] == [401, 401, 401]
    blocked = send_code(browser, code_now(admin, 30))  # even the right code
    assert blocked.status_code == 429
    assert int(blocked.headers["Retry-After"]) > 0
    assert "Too many sign-in attempts" in text(blocked)
    assert browser.get("/console/orders").status_code == 302


def test_without_two_step_sign_in_the_password_is_enough(client, agent):
    response = sign_in(client, "agent@kodinkone.fi")
    assert response.headers["Location"] == "/console/"
    assert client.get("/console/orders").status_code == 200


# -- required for the shop's admins ----------------------------------------------------------


def require_for_admins(browser, admin: User):
    """The admin (with two-step sign-in on, signed in on ``browser``) requires it of all admins."""
    token = csrf_from(browser.get("/console/staff").get_data(as_text=True))
    return browser.post("/console/staff/two-factor-rule", data={"csrf_token": token, "required": "1"})


def test_an_admin_with_it_on_requires_it_of_the_shops_admins(app, admin, other_admin, agent):
    switch_on(admin)
    browser = app.test_client()
    sign_in(browser, "admin@kodinkone.fi")
    send_code(browser, code_now(admin))
    response = require_for_admins(browser, admin)
    assert response.status_code == 302
    html = text(browser.get("/console/staff"))
    assert "The shop's admins now need two-step sign-in to open the console." in flashes(html)
    assert "Leave it to each admin" in html
    db.session.expire_all()
    assert admin.merchant.require_admin_2fa
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "merchant.admin_two_factor_required"))

    # An admin without it is sent to the set-up, and the console stays closed until it is on.
    other = app.test_client()
    signed_in = sign_in(other, "toinen@kodinkone.fi", next="/console/orders")
    assert signed_in.headers["Location"] == SETUP
    for url in ("/console/", "/console/orders", "/console/staff", "/console/dev/mail"):
        blocked = other.get(url)
        assert blocked.status_code == 302 and blocked.headers["Location"] == SETUP, url
    assert "Set it up now to open the console." in text(other.get(SETUP))
    setup_action(other, "start")
    done = setup_action(other, "enable", code_now(other_admin))
    assert done.headers["Location"] == "/console/"
    assert other.get("/console/orders").status_code == 200

    # Agents are not asked.
    agent_browser = app.test_client()
    assert sign_in(agent_browser, "agent@kodinkone.fi").headers["Location"] == "/console/"
    assert agent_browser.get("/console/orders").status_code == 200


def test_an_admin_of_a_shop_that_requires_it_cannot_switch_it_off(client, admin):
    switch_on(admin)
    services.set_admin_two_factor_rule(admin.merchant_id, True, by=admin, actor=services.actor_for(admin))
    sign_in(client, "admin@kodinkone.fi")
    send_code(client, code_now(admin, 30))
    html = text(client.get(SETUP))
    assert "it stays on for you" in html
    assert 'value="disable"' not in html
    refused = setup_action(client, "disable", code_now(admin), token_from="/console/orders")
    assert refused.status_code == 409
    assert fresh(admin).two_factor_on


def test_an_admin_already_signed_in_is_stopped_once_it_becomes_required(app, admin, other_admin):
    browser = app.test_client()
    sign_in(browser, "toinen@kodinkone.fi")
    assert browser.get("/console/orders").status_code == 200
    switch_on(admin)
    services.set_admin_two_factor_rule(admin.merchant_id, True, by=admin, actor=services.actor_for(admin))
    blocked = browser.get("/console/orders")
    assert blocked.status_code == 302 and blocked.headers["Location"] == SETUP
