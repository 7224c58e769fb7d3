"""Who may open and change a ticket, view by view: the shop's staff, the support agents who serve
the shop and platform admins; nobody else sees it or changes it (another shop's staff: 404; a
support agent not serving the shop: 403; not signed in: the sign-in page)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.actors import Actor
from portal.extensions import db
from portal.support import services as desk
from portal.support.models import Ticket, TicketAttachment
from tests.claims.conftest import Photo, jpeg
from tests.conftest import csrf_from

PASSWORD = "correct horse battery"


@pytest.fixture
def ticket(app, tmp_path, shop_a, make_order):
    app.config["UPLOAD_ROOT"] = str(tmp_path / "uploads")
    order = make_order(shop_a, "1001")
    buyer = Actor(kind="buyer", id=order.customer_id, label=order.customer.email, merchant_id=order.merchant_id)
    return desk.open_ticket(
        order.merchant,
        order.customer,
        {"subject": "Missing screws", "message": "No screws in the box."},
        buyer,
        order=order,
        photos=[Photo(image=jpeg(), thumbnail=jpeg(16, 12), width=64, height=48)],
    )


@pytest.fixture
def people(make_user, shop_a, shop_b, platform_admin):
    """Every kind of staff, by the name the matrix uses."""
    make_user(email="agent@kodinkone.fi", password=PASSWORD, role="merchant_agent", merchant=shop_a)
    make_user(email="admin@kodinkone.fi", password=PASSWORD, role="merchant_admin", merchant=shop_a)
    make_user(email="agent@pyorapaja.fi", password=PASSWORD, role="merchant_agent", merchant=shop_b)
    make_user(email="tuki@apuri.example", password=PASSWORD, role="support_agent", merchant=shop_a)
    make_user(email="tuki-b@apuri.example", password=PASSWORD, role="support_agent", merchant=shop_b)
    return {
        "shop agent": "agent@kodinkone.fi",
        "shop admin": "admin@kodinkone.fi",
        "other shop's agent": "agent@pyorapaja.fi",
        "support serving the shop": "tuki@apuri.example",
        "support serving another shop": "tuki-b@apuri.example",
        "platform admin": platform_admin.email,
    }


# (who, the shop asked for in the address, what a GET answers)
MATRIX = [
    ("shop agent", None, 200),
    ("shop admin", None, 200),
    ("support serving the shop", "kodinkone", 200),
    ("support serving the shop", None, 200),  # they serve one shop: it is chosen for them
    ("platform admin", "kodinkone", 200),
    ("other shop's agent", None, 404),
    ("other shop's agent", "kodinkone", 404),  # the asked-for shop is ignored: theirs is used
    ("support serving another shop", "kodinkone", 403),
    ("support serving another shop", "pyorapaja", 404),
    ("platform admin", "pyorapaja", 404),
    ("nobody", None, 302),
]


def _views(ticket: Ticket) -> list[str]:
    attachment = db.session.scalars(select(TicketAttachment).where(TicketAttachment.ticket_id == ticket.id)).one()
    base = f"/console/tickets/{ticket.id}"
    return [base, f"{base}/attachments/{attachment.id}", f"{base}/attachments/{attachment.id}/thumb"]


def _state(ticket: Ticket) -> tuple:
    db.session.expire_all()
    row = db.session.get(Ticket, ticket.id)
    return (len(row.messages), row.assignee_id, row.status, row.priority)


@pytest.mark.parametrize(("who", "shop", "expected"), MATRIX, ids=[f"{w}|{s}" for w, s, _e in MATRIX])
def test_every_desk_view_answers_only_those_who_may_see_the_ticket(
    client, sign_in, people, ticket, who, shop, expected
):
    if who != "nobody":
        sign_in(people[who])
    query = f"?shop={shop}" if shop else ""
    for url in _views(ticket):
        response = client.get(url + query)
        assert response.status_code == expected, (who, url)
        if expected == 302:
            assert "/staff/login" in response.headers["Location"]
        if expected != 200:
            assert b"Missing screws" not in response.data and b"No screws in the box." not in response.data
    queue = client.get(f"/console/tickets?view=all{'&shop=' + shop if shop else ''}")
    assert (ticket.number.encode() in queue.data) == (expected == 200), who


@pytest.mark.parametrize(("who", "shop", "expected"), MATRIX, ids=[f"{w}|{s}" for w, s, _e in MATRIX])
def test_every_desk_change_is_refused_to_those_who_may_not_see_the_ticket(
    app, client, sign_in, people, ticket, who, shop, expected
):
    if who != "nobody":
        sign_in(people[who])
    # Signed in: the token of the user's own console (its sign-out form); nobody: the sign-in form's.
    token = csrf_from(client.get("/console/tickets" if who != "nobody" else "/staff/login").get_data(as_text=True))
    before = _state(ticket)
    query = f"?shop={shop}" if shop else ""
    base = f"/console/tickets/{ticket.id}"
    forms = [
        (f"{base}/messages", {"kind": "reply", "message": "Hello from someone"}),
        (f"{base}/messages", {"kind": "note", "message": "A note"}),
        (f"{base}/assign", {"assignee": ""}),
        (f"{base}/status", {"status": "solved", "priority": "urgent"}),
    ]
    for url, data in forms:
        response = client.post(url + query, data={"csrf_token": token, **data})
        if expected == 200:
            assert response.status_code in (302, 422), (who, url)
        else:
            assert response.status_code == expected, (who, url)
    if expected != 200:
        assert _state(ticket) == before, who
    else:
        messages, _assignee, status, priority = _state(ticket)
        assert messages == before[0] + 2 and (status, priority) == ("solved", "urgent")
