"""Staff sign in with e-mail and password, and signing out ends every session of theirs."""

from __future__ import annotations

import re

import pytest

from tests.conftest import csrf_from

COOKIE = "apuri_session"


def client_from(app, address: str):
    browser = app.test_client()
    browser.environ_base["REMOTE_ADDR"] = address
    return browser


def flash_text(response) -> str:
    return " ".join(re.findall(r'<p class="flash[^"]*">([^<]*)</p>', response.get_data(as_text=True)))


def test_the_sign_in_page_has_labelled_fields_and_a_csrf_token(client):
    response = client.get("/staff/login")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<label for="email">E-mail address</label>' in html
    assert '<label for="password">Password</label>' in html
    assert 'autocomplete="current-password"' in html
    assert csrf_from(html)
    assert response.headers["Cache-Control"] == "private, no-store"


def test_staff_sign_in_and_land_on_todays_work(client, sign_in, agent_a):
    response = sign_in("agent@kodinkone.fi")
    assert response.status_code == 302
    assert response.headers["Location"] == "/console/"
    page = client.get("/console/", follow_redirects=True)
    assert page.status_code == 200
    assert 'aria-current="page">Today</a>' in page.get_data(as_text=True)


def test_the_e_mail_is_matched_whatever_its_case(client, sign_in, agent_a):
    assert sign_in("  Agent@Kodinkone.FI ").status_code == 302


def test_a_post_without_the_csrf_token_is_refused(client, agent_a):
    response = client.post("/staff/login", data={"email": "agent@kodinkone.fi", "password": "correct horse battery"})
    assert response.status_code == 400
    assert client.get("/console/orders").status_code == 302


def test_wrong_password_and_unknown_e_mail_get_the_same_answer(client, sign_in, agent_a):
    wrong_password = sign_in("agent@kodinkone.fi", "not the password")
    unknown_email = sign_in("nobody@kodinkone.fi", "not the password")
    assert wrong_password.status_code == unknown_email.status_code == 401
    assert flash_text(wrong_password) == flash_text(unknown_email) == "The e-mail address or password is not right."
    assert client.get("/console/orders").status_code == 302


def test_a_deactivated_user_cannot_sign_in(client, sign_in, agent_a):
    from portal.extensions import db

    agent_a.active = False
    db.session.commit()
    response = sign_in("agent@kodinkone.fi")
    assert response.status_code == 401
    assert flash_text(response) == "The e-mail address or password is not right."


def test_signing_in_starts_a_new_session(client, sign_in, agent_a):
    with client.session_transaction() as session:
        session["planted"] = "by someone else"
        session["lang"] = "sv"
    sign_in("agent@kodinkone.fi")
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["lang"] == "sv"  # the language choice is kept
        assert session["_user_id"].startswith(agent_a.id + ":")


@pytest.mark.parametrize("target", ["/console/orders?q=aino", "/console/dev/mail"])
def test_sign_in_returns_to_the_page_asked_for(client, sign_in, agent_a, target):
    response = sign_in("agent@kodinkone.fi", next=target)
    assert response.headers["Location"] == target


@pytest.mark.parametrize(
    "target",
    ["https://evil.example/", "//evil.example/console", "/\\evil.example", "javascript:alert(1)", "console/orders"],
)
def test_sign_in_never_sends_to_another_site(client, sign_in, agent_a, target):
    response = sign_in("agent@kodinkone.fi", next=target)
    assert response.headers["Location"] == "/console/"


def test_a_console_page_sends_the_anonymous_to_sign_in_and_back(client, sign_in, agent_a):
    response = client.get("/console/orders?q=1001")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/staff/login?next=")
    followed = client.get(response.headers["Location"])
    assert "Please sign in to see this page." in followed.get_data(as_text=True)
    token = csrf_from(followed.get_data(as_text=True))
    signed_in = client.post(
        "/staff/login",
        data={
            "csrf_token": token,
            "email": "agent@kodinkone.fi",
            "password": "correct horse battery",
            "next": "/console/orders?q=1001",
        },
    )
    assert signed_in.headers["Location"] == "/console/orders?q=1001"


def test_signing_out_ends_every_session_of_the_user(app, client, sign_in, sign_out, agent_a):
    sign_in("agent@kodinkone.fi")
    other_device = app.test_client()
    other_device.set_cookie(COOKIE, client.get_cookie(COOKIE).value)
    assert other_device.get("/console/orders").status_code == 200

    response = sign_out()
    assert response.status_code == 302
    assert response.headers["Location"] == "/staff/login"
    assert "You have signed out." in client.get("/staff/login").get_data(as_text=True)
    assert client.get("/console/orders").status_code == 302
    # The cookie copied before signing out no longer opens the console.
    after = other_device.get("/console/orders")
    assert after.status_code == 302
    assert after.headers["Location"].startswith("/staff/login")


def test_signing_out_needs_a_post_with_the_csrf_token(client, sign_in, agent_a):
    sign_in("agent@kodinkone.fi")
    assert client.get("/staff/logout").status_code == 405
    assert client.post("/staff/logout").status_code == 400
    assert client.get("/console/orders").status_code == 200


def test_sign_in_attempts_are_rate_limited_per_client(app, sign_in, agent_a, rate_limits):
    attacker = client_from(app, "10.0.0.66")
    answers = [sign_in("agent@kodinkone.fi", f"guess {n}", using=attacker) for n in range(3)]
    assert [a.status_code for a in answers] == [401, 401, 401]
    blocked = sign_in("agent@kodinkone.fi", using=attacker)  # even the right password
    assert blocked.status_code == 429
    assert int(blocked.headers["Retry-After"]) > 0
    assert "Too many sign-in attempts" in flash_text(blocked)
    assert attacker.get("/console/orders").status_code == 302
    # Another client is not held up.
    colleague = client_from(app, "10.0.0.7")
    assert sign_in("agent@kodinkone.fi", using=colleague).status_code == 302


def test_empty_fields_are_named_next_to_the_field(client):
    token = csrf_from(client.get("/staff/login").get_data(as_text=True))
    response = client.post("/staff/login", data={"csrf_token": token, "email": "", "password": ""})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert '<p class="error" id="email-error">Enter your e-mail address.</p>' in html
    assert '<p class="error" id="password-error">Enter your password.</p>' in html
    assert 'aria-invalid="true"' in html


def test_a_role_holds_the_rights_of_the_roles_it_implies():
    from portal.accounts.models import Role
    from portal.accounts.permissions import has_role

    assert has_role(Role.MERCHANT_ADMIN, Role.MERCHANT_AGENT)
    assert has_role(Role.PLATFORM_ADMIN, Role.MERCHANT_AGENT)
    assert not has_role(Role.MERCHANT_AGENT, Role.MERCHANT_ADMIN)
    assert not has_role(Role.SUPPORT_AGENT, Role.MERCHANT_ADMIN)
    assert has_role(Role.SUPPORT_AGENT)  # no role named: any staff
