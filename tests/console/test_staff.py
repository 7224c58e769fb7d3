"""The console's staff page: a shop's admin sees the staff and pending invitations, invites by
e-mail, changes roles, deactivates and reactivates (which ends the sessions at once), and cannot
leave the shop without an active admin. Another shop's staff stay out of reach; agents get 403."""

from __future__ import annotations

import re
from html import unescape

import pytest
from sqlalchemy import select

from portal.accounts.models import Role, StaffInvitation, User
from portal.audit.models import AuditEntry
from portal.extensions import db
from portal.notifications.models import OutboxMessage
from tests.conftest import csrf_from

STAFF = "/console/staff"
PASSWORD = "correct horse battery"


@pytest.fixture
def admin_a(make_user, shop_a):
    return make_user(email="admin@kodinkone.fi", password=PASSWORD, role="merchant_admin", merchant=shop_a)


@pytest.fixture
def admin_b(make_user, shop_b):
    return make_user(email="admin@pyorapaja.fi", password=PASSWORD, role="merchant_admin", merchant=shop_b)


def page(browser, url: str = STAFF, status: int = 200) -> str:
    response = browser.get(url)
    assert response.status_code == status, (url, response.status_code)
    return unescape(response.get_data(as_text=True))


def post(browser, url: str, form: dict | None = None, *, page_url: str = STAFF):
    token = csrf_from(page(browser, page_url))
    return browser.post(url, data={"csrf_token": token, **(form or {})})


def flashes(browser, url: str = STAFF) -> str:
    return " ".join(re.findall(r'<p class="flash[^"]*">([^<]*)</p>', page(browser, url)))


def fresh(user: User) -> User:
    db.session.expire_all()
    return db.session.get(User, user.id)


def actions(action: str) -> list[AuditEntry]:
    db.session.expire_all()
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def test_the_admin_sees_the_shops_staff_and_no_other_shops(client, sign_in, admin_a, agent_a, agent_b):
    sign_in("admin@kodinkone.fi")
    html = page(client)
    assert "<h1>Staff</h1>" in html
    assert "admin@kodinkone.fi" in html and "agent@kodinkone.fi" in html
    assert "agent@pyorapaja.fi" not in html
    agent_row = html[html.index(f'<tr id="user-{agent_a.id}"') :]
    agent_row = agent_row[: agent_row.index("</tr>")]
    assert '<option value="merchant_agent" selected>Agent</option>' in agent_row
    assert "Can sign in" in agent_row and "Never" in agent_row and ">Off<" in agent_row


def test_agents_get_403_and_the_anonymous_are_sent_to_sign_in(app, client, sign_in, agent_a, admin_a):
    assert client.get(STAFF).status_code == 302
    sign_in("agent@kodinkone.fi")
    assert client.get(STAFF).status_code == 403
    token = csrf_from(page(client, "/console/orders"))
    refused = client.post(f"{STAFF}/{admin_a.id}/active", data={"csrf_token": token, "active": "0"})
    assert refused.status_code == 403
    assert fresh(admin_a).active


def test_an_invitation_is_e_mailed_with_its_link_and_listed(client, sign_in, admin_a):
    sign_in("admin@kodinkone.fi")
    response = post(
        client,
        f"{STAFF}/invitations",
        {"email": " Uusi@Kodinkone.fi ", "name": "Uusi Ihminen", "role": "merchant_agent"},
    )
    assert response.status_code == 302
    assert "Invitation sent to uusi@kodinkone.fi." in flashes(client)
    mail = db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "staff_invite"))
    assert mail.recipient == "uusi@kodinkone.fi"
    assert mail.merchant_id == admin_a.merchant_id
    assert re.search(r"http://127\.0\.0\.1:5000/staff/invite/\S+", mail.text_body)
    html = page(client)
    invitations = html[html.index('id="invitations"') : html.index('id="invite-title"')]
    assert "uusi@kodinkone.fi" in invitations and "Uusi Ihminen" in invitations and "Agent" in invitations
    invitation = db.session.scalar(select(StaffInvitation))
    assert invitation.role == Role.MERCHANT_AGENT and invitation.invited_by_id == admin_a.id
    assert len(invitation.token_hash) == 64 and invitation.token_hash not in mail.text_body
    assert [e.subject_id for e in actions("user.invited")] == [invitation.id]


def test_inviting_an_address_that_has_an_account_says_so(client, sign_in, admin_a, agent_b):
    sign_in("admin@kodinkone.fi")
    response = post(client, f"{STAFF}/invitations", {"email": "agent@pyorapaja.fi", "role": "merchant_agent"})
    assert response.status_code == 409
    assert "agent@pyorapaja.fi has an Apuri account already." in unescape(response.get_data(as_text=True))
    assert db.session.scalar(select(StaffInvitation)) is None


def test_an_invitation_needs_an_address_and_a_shop_role(client, sign_in, admin_a):
    sign_in("admin@kodinkone.fi")
    response = post(client, f"{STAFF}/invitations", {"email": "", "role": "platform_admin"})
    html = unescape(response.get_data(as_text=True))
    assert response.status_code == 422
    assert "Enter the e-mail address to invite." in html
    assert "Not a valid choice." in html
    assert db.session.scalar(select(StaffInvitation)) is None


def test_a_withdrawn_invitation_leaves_the_list(client, sign_in, admin_a):
    sign_in("admin@kodinkone.fi")
    post(client, f"{STAFF}/invitations", {"email": "uusi@kodinkone.fi", "role": "merchant_admin"})
    invitation = db.session.scalar(select(StaffInvitation))
    response = post(client, f"{STAFF}/invitations/{invitation.id}/withdraw")
    assert response.status_code == 302
    assert "The invitation to uusi@kodinkone.fi was withdrawn" in flashes(client)
    assert "No invitations are waiting." in page(client)
    db.session.expire_all()
    assert db.session.get(StaffInvitation, invitation.id).revoked_at is not None


def test_the_admin_changes_a_role_and_it_is_audited(client, sign_in, admin_a, agent_a):
    sign_in("admin@kodinkone.fi")
    response = post(client, f"{STAFF}/{agent_a.id}/role", {"role": "merchant_admin"})
    assert response.status_code == 302
    assert "is now: Admin." in flashes(client)
    assert fresh(agent_a).role == Role.MERCHANT_ADMIN
    [entry] = actions("user.role_changed")
    assert entry.subject_id == agent_a.id and entry.actor_id == admin_a.id
    assert entry.before == {"role": "merchant_agent"} and entry.after == {"role": "merchant_admin"}


def test_the_last_active_admin_can_neither_step_down_nor_deactivate_themselves(client, sign_in, admin_a, agent_a):
    sign_in("admin@kodinkone.fi")
    demoted = post(client, f"{STAFF}/{admin_a.id}/role", {"role": "merchant_agent"})
    assert demoted.status_code == 302
    assert "The shop needs at least one active admin." in flashes(client)
    deactivated = post(client, f"{STAFF}/{admin_a.id}/active", {"active": "0"})
    assert deactivated.status_code == 302
    assert "The shop needs at least one active admin." in flashes(client)
    admin = fresh(admin_a)
    assert admin.role == Role.MERCHANT_ADMIN and admin.active
    assert actions("user.role_changed") == [] and actions("user.deactivated") == []


def test_with_another_admin_an_admin_may_step_down(client, sign_in, make_user, shop_a, admin_a):
    make_user(email="toinen@kodinkone.fi", role="merchant_admin", merchant=shop_a)
    sign_in("admin@kodinkone.fi")
    response = post(client, f"{STAFF}/{admin_a.id}/role", {"role": "merchant_agent"})
    assert response.headers["Location"] == "/console/"
    assert fresh(admin_a).role == Role.MERCHANT_AGENT
    assert client.get(STAFF).status_code == 403


def test_deactivating_ends_their_sessions_at_once(app, client, sign_in, admin_a, agent_a):
    agent = app.test_client()
    sign_in("agent@kodinkone.fi", using=agent)
    assert agent.get("/console/orders").status_code == 200
    sign_in("admin@kodinkone.fi")
    response = post(client, f"{STAFF}/{agent_a.id}/active", {"active": "0"})
    assert response.status_code == 302
    assert "is deactivated and signed out everywhere." in flashes(client)
    after = agent.get("/console/orders")
    assert after.status_code == 302 and after.headers["Location"].startswith("/staff/login")
    assert sign_in("agent@kodinkone.fi", using=app.test_client()).status_code == 401
    assert "Deactivated" in page(client)
    [entry] = actions("user.deactivated")
    assert entry.subject_id == agent_a.id and entry.after == {"active": False}

    post(client, f"{STAFF}/{agent_a.id}/active", {"active": "1"})
    assert fresh(agent_a).active
    assert sign_in("agent@kodinkone.fi", using=app.test_client()).status_code == 302
    assert len(actions("user.reactivated")) == 1


def test_an_admin_who_deactivates_themselves_is_signed_out(client, sign_in, make_user, shop_a, admin_a):
    make_user(email="toinen@kodinkone.fi", role="merchant_admin", merchant=shop_a)
    sign_in("admin@kodinkone.fi")
    response = post(client, f"{STAFF}/{admin_a.id}/active", {"active": "0"})
    assert response.headers["Location"] == "/staff/login"
    assert client.get("/console/orders").status_code == 302
    assert not fresh(admin_a).active


def test_another_shops_staff_and_invitations_are_not_found(client, sign_in, admin_a, admin_b, agent_b):
    from portal.accounts import invites
    from portal.accounts.services import actor_for

    invitation = invites.invite(
        admin_b.merchant, email="uusi@pyorapaja.fi", role="merchant_agent", actor=actor_for(admin_b)
    )
    sign_in("admin@kodinkone.fi")
    assert post(client, f"{STAFF}/{agent_b.id}/role", {"role": "merchant_admin"}).status_code == 404
    assert post(client, f"{STAFF}/{agent_b.id}/active", {"active": "0"}).status_code == 404
    assert post(client, f"{STAFF}/{admin_b.id}/active", {"active": "0"}).status_code == 404
    assert post(client, f"{STAFF}/invitations/{invitation.id}/withdraw").status_code == 404
    agent = fresh(agent_b)
    assert agent.role == Role.MERCHANT_AGENT and agent.active
    db.session.expire_all()
    assert db.session.get(StaffInvitation, invitation.id).revoked_at is None
    assert "uusi@pyorapaja.fi" not in page(client)


def test_a_platform_admin_chooses_the_shop_first(client, sign_in, platform_admin, admin_a, agent_a):
    sign_in("admin@apuri.example")
    assert "agent@kodinkone.fi" not in page(client)  # the shop chooser
    html = page(client, f"{STAFF}?shop=kodinkone")
    assert "agent@kodinkone.fi" in html
    response = post(
        client,
        f"{STAFF}/{agent_a.id}/role?shop=kodinkone",
        {"role": "merchant_admin"},
        page_url=f"{STAFF}?shop=kodinkone",
    )
    assert response.headers["Location"] == f"{STAFF}?shop=kodinkone#user-{agent_a.id}"
    assert fresh(agent_a).role == Role.MERCHANT_ADMIN


def test_requiring_two_step_sign_in_needs_it_on_for_yourself(client, sign_in, admin_a):
    sign_in("admin@kodinkone.fi")
    response = post(client, f"{STAFF}/two-factor-rule", {"required": "1"})
    assert response.status_code == 302
    assert "Switch on two-step sign-in for yourself first" in flashes(client)
    db.session.expire_all()
    assert not admin_a.merchant.require_admin_2fa
