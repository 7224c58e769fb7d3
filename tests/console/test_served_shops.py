"""Support agents work on the shops they serve and on no other: the chooser, every console page
(the desk, orders, returns, claims, mail), assignment, and `flask users serve`."""

from __future__ import annotations

from html import unescape

import pytest
from sqlalchemy import select

from portal.accounts.models import ServedShop
from portal.actors import Actor
from portal.extensions import db
from portal.support import services as desk
from tests.conftest import csrf_from

PASSWORD = "correct horse battery"


def page(client, url: str) -> tuple[int, str]:
    response = client.get(url)
    return response.status_code, unescape(response.get_data(as_text=True))


def opened(order, subject="Missing screws"):
    buyer = Actor(kind="buyer", id=order.customer_id, label=order.customer.email, merchant_id=order.merchant_id)
    return desk.open_ticket(
        order.merchant, order.customer, {"subject": subject, "message": "No screws in the box."}, buyer, order=order
    )


@pytest.fixture
def shop_c(make_merchant):
    return make_merchant("lamppu", name="Lamppu Oy")


@pytest.fixture
def tickets(shop_a, shop_b, make_order):
    return opened(make_order(shop_a, "1001")), opened(make_order(shop_b, "2001"))


def test_an_agent_serving_one_shop_goes_straight_to_it_and_cannot_open_another(
    client, sign_in, make_user, shop_a, shop_b, tickets
):
    ticket_a, ticket_b = tickets
    make_user(email="tuki@apuri.example", password=PASSWORD, role="support_agent", merchant=shop_a)
    sign_in("tuki@apuri.example")

    status, html = page(client, "/console/tickets?view=all")
    assert status == 200 and "Choose a shop" not in html
    assert ticket_a.number in html and ticket_b.number not in html
    status, html = page(client, f"/console/tickets/{ticket_a.id}")
    assert status == 200 and "Missing screws" in html

    for url in (
        "/console/tickets?shop=pyorapaja",
        f"/console/tickets/{ticket_b.id}?shop=pyorapaja",
        "/console/orders?shop=pyorapaja",
        "/console/orders/2001?shop=pyorapaja",
        "/console/returns?shop=pyorapaja",
        "/console/claims?shop=pyorapaja",
        "/console/dev/mail?shop=pyorapaja",
    ):
        status, html = page(client, url)
        assert status == 403, url
        assert "You do not serve this shop. A platform admin can add it to your shops." in html
        assert "2001" not in html
    # Shop A's address with shop B's ticket: not found, nothing shown.
    status, html = page(client, f"/console/tickets/{ticket_b.id}?shop=kodinkone")
    assert status == 404 and ticket_b.number not in html
    # Answering shop B's ticket is refused too, and nothing is written.
    response = client.post(
        f"/console/tickets/{ticket_b.id}/messages?shop=pyorapaja",
        data={"csrf_token": csrf_from(page(client, "/console/tickets")[1]), "kind": "reply", "message": "Hei"},
    )
    assert response.status_code == 403
    db.session.expire_all()
    assert len(db.session.get(type(ticket_b), ticket_b.id).messages) == 1


def test_the_chooser_lists_only_the_shops_served(client, sign_in, make_user, shop_a, shop_b, shop_c, platform_admin):
    make_user(email="tuki@apuri.example", password=PASSWORD, role="support_agent", serves=[shop_a, shop_c])
    sign_in("tuki@apuri.example")
    status, html = page(client, "/console/tickets")
    assert status == 200 and "You serve these shops. Pick the one you want to work on." in html
    assert "Kodinkone Oy" in html and "Lamppu Oy" in html and "Pyöräpaja" not in html

    other = client.application.test_client()
    sign_in(platform_admin.email, using=other)
    html = unescape(other.get("/console/tickets").get_data(as_text=True))
    assert "Kodinkone Oy" in html and "Lamppu Oy" in html and "Pyöräpaja" in html


def test_an_agent_serving_no_shop_is_told_so(client, sign_in, make_user, shop_a):
    make_user(email="tuki@apuri.example", password=PASSWORD, role="support_agent")
    sign_in("tuki@apuri.example")
    status, html = page(client, "/console/tickets")
    assert status == 200 and "You serve no shop yet. A platform admin can add shops to your account." in html
    assert "Kodinkone Oy" not in html
    assert page(client, "/console/tickets?shop=kodinkone")[0] == 403


def test_only_agents_serving_the_shop_can_be_given_its_tickets(
    client, sign_in, make_user, agent_a, shop_a, shop_b, tickets
):
    ticket_a, _ticket_b = tickets
    ours = make_user(email="tuki@apuri.example", role="support_agent", merchant=shop_a)
    theirs = make_user(email="tuki2@apuri.example", role="support_agent", merchant=shop_b)
    sign_in(agent_a.email)
    url = f"/console/tickets/{ticket_a.id}"
    _status, html = page(client, url)
    assert f'value="{ours.id}"' in html and f'value="{theirs.id}"' not in html
    response = client.post(f"{url}/assign", data={"csrf_token": csrf_from(html), "assignee": theirs.id})
    assert response.status_code == 422
    assert "Choose someone who works on this shop&#39;s tickets." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(type(ticket_a), ticket_a.id).assignee_id is None
    # The service says the same to any other caller.
    from portal.errors import ValidationFailed

    with pytest.raises(ValidationFailed):
        desk.assign(ticket_a, theirs.id, Actor.system("tests"))


def test_the_mail_list_shows_only_the_shops_served(client, sign_in, make_user, shop_a, shop_b, tickets):
    ticket_a, ticket_b = tickets
    make_user(email="tuki@apuri.example", password=PASSWORD, role="support_agent", serves=[shop_a, shop_b])
    sign_in("tuki@apuri.example")
    _status, both = page(client, "/console/dev/mail")
    assert ticket_a.number in both and ticket_b.number in both
    db.session.execute(ServedShop.__table__.delete().where(ServedShop.merchant_id == shop_b.id))
    db.session.commit()
    _status, one = page(client, "/console/dev/mail")
    assert ticket_a.number in one and ticket_b.number not in one


def test_flask_users_serve_adds_lists_and_removes_shops(runner, make_user, shop_a, shop_b):
    user = make_user(email="tuki@apuri.example", role="support_agent")

    result = runner.invoke(args=["users", "serve", "tuki@apuri.example", "kodinkone", "pyorapaja"])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "tuki@apuri.example serves: Kodinkone Oy (kodinkone), Pyöräpaja (pyorapaja)."

    result = runner.invoke(args=["users", "serve", "TUKI@apuri.example", "pyorapaja", "--stop"])
    assert result.stdout.strip() == "tuki@apuri.example serves: Kodinkone Oy (kodinkone)."
    served = set(db.session.scalars(select(ServedShop.merchant_id).where(ServedShop.user_id == user.id)))
    assert served == {shop_a.id}

    result = runner.invoke(args=["users", "serve", "tuki@apuri.example"])
    assert result.stdout.strip() == "tuki@apuri.example serves: Kodinkone Oy (kodinkone)."

    result = runner.invoke(args=["users", "serve", "tuki@apuri.example", "nosuchshop"])
    assert result.exit_code != 0
    assert served == set(db.session.scalars(select(ServedShop.merchant_id).where(ServedShop.user_id == user.id)))

    make_user(email="agent@kodinkone.fi", role="merchant_agent", merchant=shop_a)
    result = runner.invoke(args=["users", "serve", "agent@kodinkone.fi", "pyorapaja"])
    assert result.exit_code != 0 and "Only support agents serve shops" in result.stderr


def test_a_platform_admin_gives_an_agent_their_shops(client, sign_in, make_user, shop_a, shop_b, platform_admin):
    agent = make_user(email="tuki@apuri.example", password=PASSWORD, role="support_agent", merchant=shop_a)
    sign_in(platform_admin.email)
    status, html = page(client, "/console/support-agents")
    assert status == 200 and "tuki@apuri.example" in html
    assert f'value="{shop_a.id}" checked' in html and f'value="{shop_b.id}">' in html
    token = csrf_from(html)
    response = client.post(f"/console/support-agents/{agent.id}", data={"csrf_token": token, "shops": [shop_b.id]})
    assert response.status_code == 302
    _status, html = page(client, response.headers["Location"])
    assert "tuki@apuri.example serves now: Pyöräpaja." in html
    served = set(db.session.scalars(select(ServedShop.merchant_id).where(ServedShop.user_id == agent.id)))
    assert served == {shop_b.id}
    response = client.post(f"/console/support-agents/{agent.id}", data={"csrf_token": token, "shops": ["mer_nope"]})
    assert response.status_code == 422 and "Choose shops from the list." in unescape(response.get_data(as_text=True))
    assert served == set(db.session.scalars(select(ServedShop.merchant_id).where(ServedShop.user_id == agent.id)))
    from portal.audit.models import AuditEntry

    assert db.session.scalars(select(AuditEntry).where(AuditEntry.action == "user.shops_changed")).all()


def test_only_platform_admins_manage_agents(client, sign_in, make_user, agent_a, shop_a):
    agent = make_user(email="tuki@apuri.example", password=PASSWORD, role="support_agent", merchant=shop_a)
    for email in (agent_a.email, "tuki@apuri.example"):
        other = client.application.test_client()
        sign_in(email, using=other)
        assert other.get("/console/support-agents").status_code == 403
        token = csrf_from(other.get("/console/tickets").get_data(as_text=True))
        response = other.post(f"/console/support-agents/{agent.id}", data={"csrf_token": token, "shops": []})
        assert response.status_code == 403
    assert db.session.scalars(select(ServedShop).where(ServedShop.user_id == agent.id)).all()
