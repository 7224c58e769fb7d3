"""The buyer's side of the support desk as a buyer uses it: writing to the shop from the order,
the ticket's conversation (never the desk's internal notes), answering, and the one-click
satisfaction survey that link scanners cannot answer; and nobody else sees any of it."""

from __future__ import annotations

import re
from html import unescape
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_datetime
from sqlalchemy import select

from portal.actors import Actor
from portal.extensions import db
from portal.notifications.models import OutboxMessage
from portal.support import services as tickets
from portal.support.models import Ticket
from tests.conftest import csrf_from
from tests.returns.test_buyer_return_pages import open_link

SHOP = Actor(kind="system", id=None, label="tests")


def _page(response) -> str:
    return unescape(response.get_data(as_text=True))


def _contact_url(order) -> str:
    return f"/s/{order.merchant.slug}/orders/{order.number}/contact"


def _order_url(order) -> str:
    return f"/s/{order.merchant.slug}/orders/{order.number}"


def _ticket_url(ticket) -> str:
    return f"/s/{ticket.order.merchant.slug}/tickets/{ticket.id}"


def _when(moment, order) -> str:
    return format_datetime(moment, "medium", tzinfo=ZoneInfo(order.merchant.timezone), locale="en")


def _mails(kind: str) -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind)))


def _tickets() -> list[Ticket]:
    db.session.expire_all()
    return list(db.session.scalars(select(Ticket).order_by(Ticket.created_at)))


def _fresh(ticket_id: str) -> Ticket:
    db.session.expire_all()
    return db.session.get(Ticket, ticket_id)


def _post(client, url: str, **fields):
    token = csrf_from(client.get(url).get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, **fields})


def _buyer(order) -> Actor:
    return Actor(kind="buyer", id=order.customer_id, label=order.customer.email, merchant_id=order.merchant_id)


@pytest.fixture
def order(make_merchant, make_order):
    return make_order(make_merchant("kodinkone"), "3001", locale="en")


@pytest.fixture
def staff(make_user, order) -> Actor:
    user = make_user(email="agent@kodinkone.example", role="merchant_agent", merchant=order.merchant)
    return Actor(kind="user", id=user.id, label=user.email, merchant_id=order.merchant_id)


@pytest.fixture
def ticket(order) -> Ticket:
    return tickets.open_ticket(
        order.merchant,
        order.customer,
        {"subject": "Missing screws", "message": "The fridge came without the door screws."},
        _buyer(order),
        order=order,
    )


def test_the_order_page_offers_to_write_to_the_shop(client, order):
    html = open_link(client, order)
    assert "Questions?" in html and "Contact us" in html and f'href="{_contact_url(order)}"' in html
    assert "help@shop.example.com" in html  # what the card showed before stays
    assert "Your messages to the shop" not in html


def test_a_bad_message_is_refused_beside_each_field_and_nothing_is_lost(client, order):
    open_link(client, order)
    response = _post(client, _contact_url(order), subject="ab", message="   ")
    assert response.status_code == 422
    html = _page(response)
    assert 'value="ab"' in html
    assert re.search(r'id="subject-error">Write a subject of at least 3 characters\.<', html)
    assert re.search(r'id="message-error">Write your message \(at least 5 characters\)\.<', html)
    assert 'aria-invalid="true"' in html
    long_message = "Still waiting for the screws, see photo.\n" * 3
    response = _post(client, _contact_url(order), subject="", message=long_message)
    assert response.status_code == 422 and long_message in _page(response)
    assert _tickets() == [] and _mails("ticket_received") == []


def test_a_message_becomes_a_ticket_with_its_due_time_on_its_page_and_the_order_page(client, order):
    open_link(client, order)
    response = _post(client, _contact_url(order), subject="Door screws", message="The door screws were missing.")
    assert response.status_code == 302
    [ticket] = _tickets()
    assert response.headers["Location"] == _ticket_url(ticket)
    assert ticket.subject == "Door screws" and ticket.order_id == order.id and ticket.locale == "en"
    html = _page(client.get(response.headers["Location"]))
    due = _when(ticket.first_response_due_at, order)
    assert f"We received your message. Your ticket number is {ticket.number}; a person answers you by {due}" in html
    assert "The door screws were missing." in html and "Door screws" in html
    assert f"A person answers you by {due} at the latest." in html
    assert re.search(r'buyer-ticket-status-new">Received<', html)
    [ack] = _mails("ticket_received")
    assert ack.recipient == order.customer.email and ticket.number in ack.subject
    # The order page was cached before; it lists the ticket at once.
    html = _page(client.get(_order_url(order)))
    assert "Your messages to the shop" in html
    assert f"Ticket {ticket.number}: Door screws" in html and f'href="{_ticket_url(ticket)}"' in html


def test_the_buyer_answering_the_shop_reopens_the_ticket(client, order, ticket, staff):
    open_link(client, order)
    assert re.search(r'buyer-ticket-status-new">Received<', _page(client.get(_order_url(order))))  # cached so
    tickets.reply(ticket, {"message": "We send the screws tomorrow."}, staff)
    db.session.expire_all()
    html = _page(client.get(_ticket_url(ticket)))
    assert "We send the screws tomorrow." in html and "is waiting for your reply" in html
    assert "agent@kodinkone.example" not in html  # the shop speaks, not the agent's address
    response = _post(client, _ticket_url(ticket), message="Thank you, but I need them today.")
    assert response.status_code == 302
    ticket = _fresh(ticket.id)
    assert ticket.status == "open" and [m.author_kind for m in ticket.messages] == ["buyer", "staff", "buyer"]
    html = _page(client.get(response.headers["Location"]))
    assert f"Your message was added to ticket {ticket.number}." in html
    assert "Thank you, but I need them today." in html
    order_page = _page(client.get(_order_url(order)))
    assert re.search(r'buyer-ticket-status-open">Being handled<', order_page)


def test_an_empty_answer_is_refused_and_changes_nothing(client, order, ticket):
    open_link(client, order)
    response = _post(client, _ticket_url(ticket), message="  ")
    assert response.status_code == 422 and "Write your message first." in _page(response)
    assert len(_fresh(ticket.id).messages) == 1


def test_internal_notes_are_never_shown_to_the_buyer(client, order, ticket, staff):
    tickets.reply(ticket, {"message": "NOTE: buyer complained twice already."}, staff, internal=True)
    open_link(client, order)
    html = _page(client.get(_ticket_url(ticket)))
    assert "The fridge came without the door screws." in html
    assert "complained twice" not in html


def test_a_follow_up_with_only_internal_notes_is_not_listed_to_the_buyer(client, order, ticket):
    tickets.set_status(ticket, "solved", SHOP)
    tickets.answer_survey(ticket, {"rating": 1})
    open_link(client, order)
    html = _page(client.get(_order_url(order)))
    assert f"Ticket {ticket.number}" in html and "Follow-up" not in html


def test_another_buyer_cannot_see_or_answer_the_ticket(app, client, order, ticket, make_order):
    stranger_order = make_order(order.merchant, "3002", locale="en", customer={"email": "olli@example.fi"})
    stranger = app.test_client()
    open_link(stranger, stranger_order)
    response = stranger.get(_ticket_url(ticket))
    assert response.status_code == 302 and response.headers["Location"] == f"/s/{order.merchant.slug}/"
    token = csrf_from(stranger.get(_contact_url(stranger_order)).get_data(as_text=True))
    response = stranger.post(_ticket_url(ticket), data={"csrf_token": token, "message": "Let me in"})
    assert response.status_code == 302
    assert stranger.get(_contact_url(order)).status_code == 302
    nobody = app.test_client()
    assert nobody.get(_ticket_url(ticket)).status_code == 302
    assert len(_fresh(ticket.id).messages) == 1


# -- the satisfaction survey ------------------------------------------------------------------------


def _survey_path(ticket, rating: int) -> str:
    return f"/survey/{tickets.survey_token(ticket)}/{rating}"


def test_opening_the_survey_link_records_nothing_and_sending_records_once(app, order, ticket):
    tickets.set_status(ticket, "solved", SHOP)
    client = app.test_client()  # from the e-mail: no buyer session
    response = client.get(_survey_path(ticket, 4))
    assert response.status_code == 200
    html = _page(response)
    assert "How did we do?" in html and 'id="rating-4" checked' in html and "survey.js" in html
    assert response.headers["Cache-Control"] == "private, no-store"
    assert _fresh(ticket.id).csat_rating is None
    token = csrf_from(html)
    answer_url = f"/survey/{tickets.survey_token(ticket)}"
    # What survey.js does on load: the rating alone, JSON back.
    response = client.post(
        answer_url, data={"csrf_token": token, "rating": "4"}, headers={"Accept": "application/json"}
    )
    assert response.status_code == 200 and response.get_json() == {"ok": True, "rating": 4, "poor": False}
    # Then a comment with the Send button; a changed rating does not replace the first.
    response = client.post(answer_url, data={"csrf_token": token, "rating": "2", "comment": "Quick and kind."})
    assert response.status_code == 302
    ticket = _fresh(ticket.id)
    assert (ticket.csat_rating, ticket.csat_comment) == (4, "Quick and kind.")
    assert [t.id for t in _tickets()] == [ticket.id]  # no follow-up
    html = _page(client.get(response.headers["Location"]))
    assert "Thank you!" in html and "Your rating: 4 out of 5" in html and "Quick and kind." in html


def test_without_a_script_the_send_button_records_the_rating(app, order, ticket):
    tickets.set_status(ticket, "solved", SHOP)
    client = app.test_client()
    token = csrf_from(client.get(_survey_path(ticket, 5)).get_data(as_text=True))
    response = client.post(f"/survey/{tickets.survey_token(ticket)}", data={"csrf_token": token, "rating": "5"})
    assert response.status_code == 302 and _fresh(ticket.id).csat_rating == 5
    response = client.post(f"/survey/{tickets.survey_token(ticket)}", data={"csrf_token": token})
    assert response.status_code == 422  # no rating sent: refused, and the recorded one stays
    assert _fresh(ticket.id).csat_rating == 5


def test_a_poor_rating_opens_a_follow_up_for_the_team_lead_and_says_sorry(app, order, ticket):
    tickets.set_status(ticket, "solved", SHOP)
    client = app.test_client()
    token = csrf_from(client.get(_survey_path(ticket, 1)).get_data(as_text=True))
    response = client.post(
        f"/survey/{tickets.survey_token(ticket)}", data={"csrf_token": token, "rating": "1"}, follow_redirects=True
    )
    assert response.status_code == 200
    html = _page(response)
    assert "we did not do better" in html and "The team lead at" in html
    first, follow_up = _tickets()
    assert first.csat_rating == 1
    assert (follow_up.queue, follow_up.follow_up_of, follow_up.priority) == ("team_lead", first.id, "high")


def test_a_survey_without_a_rating_is_refused_on_the_page(app, order, ticket):
    tickets.set_status(ticket, "solved", SHOP)
    client = app.test_client()
    token = csrf_from(client.get(_survey_path(ticket, 3)).get_data(as_text=True))
    response = client.post(f"/survey/{tickets.survey_token(ticket)}", data={"csrf_token": token, "comment": "Hm"})
    assert response.status_code == 422 and "Choose how we did, from 1 to 5." in _page(response)
    assert 'id="rating-3" checked' not in _page(response) and ">Hm</textarea>" in _page(response)
    assert _fresh(ticket.id).csat_rating is None


def test_an_old_survey_link_records_nothing_and_points_to_the_ticket(app, order, ticket):
    from datetime import timedelta

    tickets.set_status(ticket, "solved", SHOP)
    tickets.send_survey(ticket)  # the survey e-mail of its own (solving asks through portal.feedback)
    client = app.test_client()
    token = csrf_from(client.get(_survey_path(ticket, 5)).get_data(as_text=True))
    fresh = _fresh(ticket.id)
    fresh.survey_sent_at = fresh.survey_sent_at - timedelta(days=31)
    db.session.commit()
    response = client.get(_survey_path(ticket, 5))
    assert response.status_code == 410
    html = _page(response)
    assert "This survey has closed" in html and "Answers are taken for 30 days after the e-mail." in html
    assert f'href="{_ticket_url(ticket)}"' in html
    response = client.post(f"/survey/{tickets.survey_token(ticket)}", data={"csrf_token": token, "rating": "5"})
    assert response.status_code == 410 and _fresh(ticket.id).csat_rating is None
    from portal.errors import Conflict

    with pytest.raises(Conflict):  # the API's feedback says the same (409)
        tickets.answer_survey(_fresh(ticket.id), {"rating": 5})
    assert _fresh(ticket.id).csat_rating is None


@pytest.mark.parametrize("path", ["/survey/not-a-token/4", "/survey/{token}/9", "/survey/{token}/0"])
def test_a_bad_survey_link_is_a_404_page(client, ticket, path):
    response = client.get(path.format(token=tickets.survey_token(ticket)))
    assert response.status_code == 404 and "This link does not work" in _page(response)
    token = csrf_from(client.get(_survey_path(ticket, 4)).get_data(as_text=True))
    response = client.post("/survey/not-a-token", data={"csrf_token": token, "rating": "4"})
    assert response.status_code == 404
    assert _fresh(ticket.id).csat_rating is None


def test_the_survey_email_has_five_one_click_links(app, order, ticket):
    tickets.set_status(ticket, "solved", SHOP)  # solving asks through portal.feedback's job
    tickets.send_survey(ticket)  # the survey e-mail of its own (once per ticket)
    [mail] = _mails("ticket_survey")
    assert mail.recipient == order.customer.email and ticket.number in mail.subject
    base = app.config["PUBLIC_BASE_URL"].rstrip("/")
    links = {n: base + _survey_path(ticket, n) for n in range(1, 6)}
    for n, link in links.items():
        assert link in mail.text_body and f'href="{link}"' in mail.html_body, n
    assert len(re.findall(r'href="[^"]*/survey/', mail.html_body)) == 5
    assert "5 – Very good" in mail.text_body and "1 – Very poor" in mail.text_body
    # Each link opens the page with its rating chosen.
    page = _page(app.test_client().get(links[2].removeprefix(base)))
    assert 'id="rating-2" checked' in page


# -- escalations the buyer starts -----------------------------------------------------------------


def test_a_late_order_is_reported_as_not_received_from_the_order_page(client, make_merchant, make_order):
    from datetime import date, timedelta

    order = make_order(
        make_merchant("kodinkone"), "3101", locale="en",
        promised_delivery_date=(date.today() - timedelta(days=4)).isoformat(),
    )  # fmt: skip
    html = open_link(client, order)
    url = f"/s/kodinkone/orders/{order.number}/not-received"
    assert "Your order is late" in html and f'href="{url}"' in html
    response = _post(client, url, message="   ")
    assert response.status_code == 422 and "at least 5 characters" in _page(response)
    assert _tickets() == []
    response = _post(client, url, message="The tracking says delivered but nothing came.")
    assert response.status_code == 302
    [ticket] = _tickets()
    assert (ticket.source, ticket.about_type, ticket.priority) == ("escalation", "order", "high")
    html = _page(client.get(response.headers["Location"]))
    assert f"Ticket {ticket.number}: a person looks at this" in html and "nothing came" in html
    # Reported again: the same ticket gets the words.
    assert _post(client, url, message="Still nothing today.").status_code == 302
    assert [t.id for t in _tickets()] == [ticket.id] and len(_fresh(ticket.id).messages) == 2


def test_an_order_on_time_cannot_be_reported_as_not_received(client, make_merchant, make_order):
    from datetime import date, timedelta

    order = make_order(
        make_merchant("kodinkone"), "3102", locale="en",
        promised_delivery_date=(date.today() + timedelta(days=4)).isoformat(),
    )  # fmt: skip
    open_link(client, order)
    response = _post(client, f"/s/kodinkone/orders/{order.number}/not-received", message="Where is it?")
    assert response.status_code == 409 and "The order is not late" in _page(response)
    assert _tickets() == []


def test_the_buyer_disputes_a_rejected_return(client, make_merchant, make_order):
    from portal.db import utcnow
    from portal.orders.services import add_shipment, add_tracking_event
    from portal.returns import services as returns
    from tests.returns.conftest import line

    shop = make_merchant("kodinkone")
    order = make_order(shop, "3201", locale="en")
    shipment = add_shipment(shop, order.number, {"carrier": "Posti", "tracking_number": "JJ1"}, actor=SHOP)
    add_tracking_event(shop, shipment.id, {"status": "delivered", "occurred_at": utcnow().isoformat()}, actor=SHOP)
    ret = returns.request_return(order, {"items": [line("L1", reason="changed_mind")]}, actor=_buyer(order))
    returns.reject(shop.id, ret.id, {"message": "Used."}, actor=SHOP)
    open_link(client, order)
    page = _page(client.get(f"/s/kodinkone/returns/{ret.id}"))
    url = f"/s/kodinkone/returns/{ret.id}/dispute"
    assert "customer support can look at it again" in page and f'href="{url}"' in page
    response = _post(client, url, message="It was never used: the seal is intact.")
    assert response.status_code == 302
    [ticket] = _tickets()
    assert (ticket.about_type, ticket.about_id) == ("return", ret.id)
    assert "the seal is intact" in ticket.messages[0].body and "Used." in ticket.messages[0].body
