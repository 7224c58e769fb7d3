"""Accepting an invitation: the e-mailed link shows the shop and the role, takes a name and a
password, makes the account with the invited role and signs the person in. The link works once
and for 72 hours; a withdrawn, replaced, tampered or expired link, or an address that has an
account by now, gets a page saying so."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from html import unescape

import pytest
from itsdangerous.timed import TimestampSigner
from sqlalchemy import func, select

from portal.accounts import invites
from portal.accounts.models import Role, StaffInvitation, User
from portal.accounts.services import actor_for
from portal.audit.models import AuditEntry
from portal.extensions import db
from portal.notifications.models import OutboxMessage
from tests.conftest import csrf_from

PASSWORD = "correct horse battery"
NEW_PASSWORD = "kymmenen merkkiä vähintään"


@pytest.fixture
def shop(make_merchant):
    return make_merchant("kodinkone", name="Kodinkone Oy", locale="en")


@pytest.fixture
def admin(make_user, shop):
    return make_user(email="admin@kodinkone.fi", password=PASSWORD, role="merchant_admin", merchant=shop)


def send_invitation(shop, admin, email="uusi@kodinkone.fi", role="merchant_agent", name="") -> str:
    """Invite ``email`` and return the link from the e-mail, as the invited person gets it."""
    invites.invite(shop, email=email, role=role, name=name, actor=actor_for(admin))
    mail = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.recipient == email).order_by(OutboxMessage.created_at.desc())
    ).first()
    link = re.search(r"http://127\.0\.0\.1:5000(/staff/invite/\S+)", mail.text_body).group(1)
    assert link in mail.html_body
    return link


def accept(browser, link: str, *, name="Uusi Ihminen", password=NEW_PASSWORD, again=None):
    token = csrf_from(browser.get(link).get_data(as_text=True))
    form = {"csrf_token": token, "name": name, "password": password, "password_again": again or password}
    return browser.post(link, data=form)


def text(response) -> str:
    return unescape(response.get_data(as_text=True))


def test_the_invitation_e_mail_names_the_shop_the_role_and_the_time_limit(shop, admin):
    send_invitation(shop, admin, role="merchant_admin", name="Uusi Ihminen")
    mail = db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "staff_invite"))
    assert mail.subject == "You are invited to the staff of Kodinkone Oy in Apuri"
    assert "Hello Uusi Ihminen," in mail.text_body
    assert "admin@kodinkone.fi invites you to the staff of Kodinkone Oy in Apuri, as: Admin." in mail.text_body
    assert "It works once, for 72 hours." in mail.text_body
    assert "Accept the invitation" in mail.html_body


def test_accepting_makes_the_account_with_the_role_and_signs_in(client, shop, admin):
    link = send_invitation(shop, admin, role="merchant_admin", name="Ehdotettu Nimi")
    shown = client.get(link)
    html = text(shown)
    assert shown.status_code == 200
    assert "Join Kodinkone Oy" in html
    assert "as: Admin." in html
    assert "uusi@kodinkone.fi" in html
    assert 'value="Ehdotettu Nimi"' in html
    assert 'autocomplete="new-password"' in html

    response = accept(client, link)
    assert response.status_code == 302
    assert response.headers["Location"] == "/console/"
    user = db.session.scalar(select(User).where(User.email == "uusi@kodinkone.fi"))
    assert user.role == Role.MERCHANT_ADMIN
    assert user.merchant_id == shop.id
    assert user.name == "Uusi Ihminen"
    assert user.last_login_at is not None
    welcome = client.get("/console/orders")
    assert welcome.status_code == 200
    assert "Welcome to Kodinkone Oy. Your account is ready." in text(welcome)
    invitation = db.session.scalar(select(StaffInvitation))
    assert invitation.used_at is not None and invitation.user_id == user.id
    accepted = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "user.invitation_accepted"))
    assert accepted.actor_id == user.id and accepted.merchant_id == shop.id
    # The new password is the one that signs in.
    assert client.post("/staff/logout", data={"csrf_token": csrf_from(text(welcome))}).status_code == 302
    token = csrf_from(client.get("/staff/login").get_data(as_text=True))
    signed_in = client.post(
        "/staff/login", data={"csrf_token": token, "email": "uusi@kodinkone.fi", "password": NEW_PASSWORD}
    )
    assert signed_in.status_code == 302


def test_the_link_works_once(app, client, shop, admin):
    link = send_invitation(shop, admin)
    assert accept(client, link).status_code == 302
    again = app.test_client()
    for response in (again.get(link), accept_without_form(again, link)):
        assert response.status_code == 410
        assert "This invitation has been used already." in text(response)
    assert db.session.scalar(select(func.count(User.id)).where(User.email == "uusi@kodinkone.fi")) == 1


def accept_without_form(browser, link: str):
    """A POST straight at a used link (the page with the form is not shown any more)."""
    token = csrf_from(browser.get("/staff/login").get_data(as_text=True))
    return browser.post(
        link, data={"csrf_token": token, "name": "X", "password": NEW_PASSWORD, "password_again": NEW_PASSWORD}
    )


def test_a_link_signed_more_than_72_hours_ago_has_expired(client, shop, admin, monkeypatch):
    signed_at = int(time.time()) - 72 * 3600 - 60
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: signed_at)
    link = send_invitation(shop, admin)
    monkeypatch.undo()
    response = client.get(link)
    assert response.status_code == 410
    html = text(response)
    assert "This invitation has expired" in html
    assert "Ask the shop's admin to invite you again." in html
    assert accept_without_form(client, link).status_code == 410
    assert db.session.scalar(select(User).where(User.email == "uusi@kodinkone.fi")) is None


def test_an_invitation_past_its_expiry_time_is_refused(client, shop, admin):
    link = send_invitation(shop, admin)
    invitation = db.session.scalar(select(StaffInvitation))
    invitation.expires_at -= timedelta(hours=73)
    db.session.commit()
    response = client.get(link)
    assert response.status_code == 410
    assert "This invitation has expired" in text(response)


def test_a_tampered_link_does_not_work(client, shop, admin):
    link = send_invitation(shop, admin)
    response = client.get(link[:-3] + ("aaa" if not link.endswith("aaa") else "bbb"))
    assert response.status_code == 404
    assert "This invitation link is not valid." in text(response)


def test_a_newer_invitation_replaces_the_older_link(client, shop, admin):
    old = send_invitation(shop, admin, role="merchant_admin")
    new = send_invitation(shop, admin, role="merchant_agent")
    refused = client.get(old)
    assert refused.status_code == 410
    assert "This invitation was withdrawn or replaced by a newer one." in text(refused)
    assert accept(client, new).status_code == 302
    assert db.session.scalar(select(User.role).where(User.email == "uusi@kodinkone.fi")) == Role.MERCHANT_AGENT


def test_the_password_needs_ten_characters_typed_twice_the_same(client, shop, admin):
    link = send_invitation(shop, admin)
    short = accept(client, link, password="lyhyt")
    assert short.status_code == 422
    assert "Use at least 10 characters." in text(short)
    different = accept(client, link, password=NEW_PASSWORD, again=NEW_PASSWORD + "!")
    assert different.status_code == 422
    assert "The two passwords are not the same." in text(different)
    no_name = accept(client, link, name=" ")
    assert no_name.status_code == 422
    assert "Enter your name." in text(no_name)
    assert db.session.scalar(select(User).where(User.email == "uusi@kodinkone.fi")) is None
    assert db.session.scalar(select(StaffInvitation)).used_at is None


def test_an_address_that_has_an_account_by_now_is_told_so(client, shop, admin, make_user, make_merchant):
    link = send_invitation(shop, admin)
    make_user(email="uusi@kodinkone.fi", role="merchant_agent", merchant=make_merchant("muu"))
    response = accept(client, link)
    assert response.status_code == 409
    html = text(response)
    assert "You have an account already" in html
    assert "uusi@kodinkone.fi has an Apuri account already: sign in with it" in html
    assert db.session.scalar(select(StaffInvitation)).used_at is None
    assert client.get("/console/orders").status_code == 302
