"""The buyer's tickets and feedback through the API: ask, follow, answer, rate."""

from __future__ import annotations

from sqlalchemy import select

from portal.actors import Actor
from portal.extensions import db
from portal.notifications.models import OutboxMessage
from portal.support import services as tickets
from portal.support.models import Ticket
from tests.api import test_api_returns
from tests.api.test_api_returns import error

deliver = test_api_returns.deliver  # the fixture, for this module's tests


def ask(client, buyer, **body):
    body = {"subject": "Sarana", "message": "Oven sarana on rikki.", **body}
    return client.post("/api/v1/buyer/tickets", json=body, headers=buyer)


def test_a_buyer_asks_follows_and_answers_and_never_sees_internal_notes(client, shop, deliver, make_user):
    buyer = deliver()
    response = ask(client, buyer, order_number="1001")
    assert response.status_code == 201
    ticket = response.get_json()
    assert ticket["status"] == "new" and ticket["order_number"] == "1001" and len(ticket["messages"]) == 1
    assert response.headers["Location"].endswith(ticket["id"])
    [ack] = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "ticket_received"))
    assert ticket["number"] in ack.text_body
    user = make_user(email="agent@kodinkone.fi", role="merchant_agent", merchant=shop.merchant)
    staff = Actor(kind="user", id=user.id, label=user.email, merchant_id=shop.merchant.id)
    row = db.session.get(Ticket, ticket["id"])
    tickets.reply(row, {"message": "Sisäinen muistiinpano"}, staff, internal=True)
    tickets.reply(row, {"message": "Lähetämme saranan."}, staff)
    seen = client.get(f"/api/v1/buyer/tickets/{ticket['id']}", headers=buyer).get_json()
    assert [m["body"] for m in seen["messages"]] == ["Oven sarana on rikki.", "Lähetämme saranan."]
    assert seen["messages"][1]["author"] == "shop" and seen["status"] == "waiting_on_buyer"
    answered = client.post(f"/api/v1/buyer/tickets/{ticket['id']}/messages", json={"message": "Kiitos!"}, headers=buyer)
    assert answered.status_code == 201 and answered.get_json()["status"] == "open"
    order = client.get("/api/v1/buyer/orders/1001", headers=buyer)
    assert order.status_code == 200


def test_bad_tickets_are_named_by_field_and_other_buyers_see_nothing(client, shop, deliver):
    buyer = deliver()
    response = ask(client, buyer, subject="", message="x")
    assert response.status_code == 422 and set(error(response)["fields"]) == {"subject", "message"}
    assert ask(client, buyer, order_number="9999").status_code == 404
    ticket = ask(client, buyer).get_json()
    other = deliver("1002", customer={"email": "eino@example.fi", "name": "Eino"})
    assert client.get(f"/api/v1/buyer/tickets/{ticket['id']}", headers=other).status_code == 404
    posted = client.post(f"/api/v1/buyer/tickets/{ticket['id']}/messages", json={"message": "hi"}, headers=other)
    assert posted.status_code == 404
    assert db.session.scalar(select(Ticket).where(Ticket.id == ticket["id"])).messages[-1].body != "hi"


def test_feedback_on_a_solved_ticket_is_kept_once_and_a_poor_rating_opens_a_follow_up(client, shop, deliver):
    buyer = deliver()
    ticket = ask(client, buyer).get_json()
    feedback = {"rating": 2, "comment": "Liian hidas", "about": {"type": "ticket", "id": ticket["id"]}}
    early = client.post("/api/v1/buyer/feedback", json=feedback, headers=buyer)
    assert early.status_code == 422
    tickets.set_status(db.session.get(Ticket, ticket["id"]), "solved", Actor.system("tests"))
    response = client.post("/api/v1/buyer/feedback", json=feedback, headers=buyer)
    assert response.status_code == 200 and response.get_json() == {
        "about": {"type": "ticket", "id": ticket["id"]},
        "rating": 2,
        "follow_up": True,
    }
    again = client.post("/api/v1/buyer/feedback", json={**feedback, "rating": 5}, headers=buyer).get_json()
    assert again["rating"] == 2 and again["follow_up"] is False
    follow_ups = db.session.scalars(select(Ticket).where(Ticket.follow_up_of == ticket["id"])).all()
    assert len(follow_ups) == 1 and follow_ups[0].queue == "team_lead"
    wrong = client.post(
        "/api/v1/buyer/feedback", json={**feedback, "about": {"type": "order", "id": "x"}}, headers=buyer
    )
    assert wrong.status_code == 422
