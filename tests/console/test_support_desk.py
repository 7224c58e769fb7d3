"""The console's support desk: the queues, one ticket's page, replies and internal notes through
the HTML form (with the e-mail the buyer gets), canned replies without JavaScript, assignment,
status and priority, tenancy, and the customer in one view."""

from __future__ import annotations

from datetime import timedelta
from html import unescape

import pytest
from sqlalchemy import select

from portal.actors import Actor
from portal.claims.services import open_claim
from portal.db import utcnow
from portal.extensions import db
from portal.notifications.models import OutboxMessage
from portal.support import services as desk
from portal.support.models import CannedReply, Ticket
from tests.claims import conftest as claims_fixtures
from tests.claims.conftest import claim_body
from tests.conftest import csrf_from

# The delivered orders of the returns tests and the re-encoded photo of the claims tests.
delivered_order = claims_fixtures.delivered_order
photo = claims_fixtures.photo


def page(client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, url
    return unescape(response.get_data(as_text=True))


def rows(html: str) -> str:
    """The queue's table body (the tabs above it name the queues too)."""
    return html[html.index("<tbody>") : html.index("</tbody>")] if "<tbody>" in html else ""


def post(client, url: str, data: dict, *, token_from: str = "/console/tickets") -> tuple[int, str]:
    """Post a form with a page's CSRF token; follow the redirect. Returns (status, final html)."""
    response = client.post(url, data={"csrf_token": csrf_from(page(client, token_from)), **data})
    first = response.status_code
    if first == 302:
        response = client.get(response.headers["Location"])
    return first, unescape(response.get_data(as_text=True))


def buyer(order) -> Actor:
    return Actor(kind="buyer", id=order.customer_id, label=order.customer.email, merchant_id=order.merchant_id)


def opened(order, subject="Missing screws", *, hours_ago: float = 0, **kwargs) -> Ticket:
    return desk.open_ticket(
        order.merchant,
        order.customer,
        {"subject": subject, "message": "The fridge came without the door screws."},
        buyer(order),
        order=order,
        now=utcnow() - timedelta(hours=hours_ago),
        **kwargs,
    )


def current(ticket: Ticket) -> Ticket:
    db.session.expire_all()
    return db.session.get(Ticket, ticket.id)


def mails(kind: str) -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind)))


@pytest.fixture
def order_a(shop_a, make_order):
    return make_order(shop_a, "1001")  # Aino Virtanen, in Finnish


# -- the queues -----------------------------------------------------------------------------


def test_staff_see_the_queues_with_the_answer_due_soonest_first(client, sign_in, agent_a, shop_a, order_a, make_order):
    later = opened(order_a, "Missing screws")
    sooner = opened(make_order(shop_a, "1002"), "Wrong colour", hours_ago=21.5)  # 2.5 hours left
    late = opened(make_order(shop_a, "1003"), "Where is my refund?", hours_ago=30, source="escalation")
    sign_in(agent_a.email)
    html = page(client, "/console/tickets")  # nothing assigned to the agent: the unassigned queue
    assert 'aria-current="page">Support</a>' in html
    assert (
        'href="/console/tickets?view=unassigned" aria-current="page">Unassigned <span class="ticket-count">3</span>'
        in html
    )
    assert '<span class="ticket-count">0</span>' in html  # mine
    body = rows(html)
    assert body.index(late.number) < body.index(sooner.number) < body.index(later.number)
    assert f'href="/console/tickets/{later.id}"' in body and 'href="/console/orders/1001"' in body
    assert "Aino Virtanen" in body and "aino@example.fi" in body and "Missing screws" in body
    assert body.count("New") == 3 and body.count("Normal") == 3 and body.count("Nobody") == 3
    assert "Due in 2 hours" in body and "Overdue since" in body and body.count('class="due-warning') == 2
    later_row = body[body.index(f'id="ticket-{later.id}"') :]
    assert "due-warning" not in later_row[: later_row.index("</tr>")]
    assert 'ticket-flag-escalation">Escalation' in body and body.count("ticket-flag-escalation") == 1

    breaching = rows(page(client, "/console/tickets?view=breaching"))
    assert sooner.number in breaching and late.number in breaching and later.number not in breaching
    escalations = rows(page(client, "/console/tickets?view=escalations"))
    assert late.number in escalations and sooner.number not in escalations

    desk.assign(sooner, agent_a.id, Actor.system("tests"))
    mine = page(client, "/console/tickets")  # now the agent has one: their own queue by default
    assert 'href="/console/tickets?view=mine" aria-current="page">Mine <span class="ticket-count">1</span>' in mine
    assert sooner.number in rows(mine) and later.number not in rows(mine)
    assert "(you)" in rows(mine)


def test_empty_queues_say_what_appears_there_and_pages_follow_the_due_time(
    client, sign_in, agent_a, shop_a, order_a, make_order, monkeypatch
):
    from portal.console import support

    sign_in(agent_a.email)
    assert "New tickets from buyers appear here until someone takes them." in page(client, "/console/tickets")
    assert "A ticket appears here after you reply" in page(client, "/console/tickets?view=waiting")
    assert "Solved and closed tickets appear here" in page(client, "/console/tickets?view=solved")

    monkeypatch.setattr(support, "PAGE_SIZE", 1)
    first_due = opened(order_a, hours_ago=5)
    second_due = opened(make_order(shop_a, "1002"))
    first = page(client, "/console/tickets?view=all")
    assert first_due.number in rows(first) and second_due.number not in rows(first)
    link = first[first.index('href="', first.index('rel="next"') - 250) :]
    next_url = link[6 : link.index('"', 6)]
    assert "view=all" in next_url and "cursor=" in next_url
    second = page(client, next_url)
    assert second_due.number in rows(second) and 'rel="next"' not in second and "First page" in second
    broken = client.get("/console/tickets?view=all&cursor=garbage", follow_redirects=True)
    assert "This page link is not valid." in unescape(broken.get_data(as_text=True))


# -- replies and notes ----------------------------------------------------------------------


def test_a_reply_goes_to_the_buyer_by_email_and_the_ticket_waits_for_them(client, sign_in, agent_a, order_a):
    ticket = opened(order_a)
    sign_in(agent_a.email)
    url = f"/console/tickets/{ticket.id}"
    html = page(client, url)
    assert "The fridge came without the door screws." in html and "Send to the buyer" in html
    assert 'name="kind" value="reply"' in html and 'name="kind" value="note"' in html
    status, html = post(
        client, f"{url}/messages", {"message": "Lähetämme ruuvit huomenna.", "kind": "reply"}, token_from=url
    )
    assert status == 302
    assert "Reply sent to aino@example.fi by e-mail." in html
    assert "Lähetämme ruuvit huomenna." in html and "sent to the buyer" in html
    ticket = current(ticket)
    assert ticket.status == "waiting_on_buyer" and ticket.assignee_id == agent_a.id
    assert ticket.first_responded_at is not None
    [mail] = mails("ticket_reply")
    assert mail.recipient == "aino@example.fi" and "Lähetämme ruuvit huomenna." in mail.text_body
    assert "Waiting for the buyer" in page(client, url)
    assert ticket.number in rows(page(client, "/console/tickets?view=waiting"))


def test_an_internal_note_is_kept_on_the_desk_and_shown_as_a_note(client, sign_in, agent_a, order_a):
    ticket = opened(order_a)
    sign_in(agent_a.email)
    url = f"/console/tickets/{ticket.id}"
    status, html = post(
        client, f"{url}/messages", {"message": "Tilaa ruuvit varastosta.", "kind": "note"}, token_from=url
    )
    assert status == 302 and "Internal note added." in html
    [note] = [m for m in current(ticket).messages if m.internal]
    item = html[html.index(f'id="message-{note.id}"') :]
    item = item[: item.index("</li>")]
    assert "ticket-message-note" in item and "Internal note" in item and "not sent to the buyer" in item
    assert "Tilaa ruuvit varastosta." in item
    assert mails("ticket_reply") == [] and current(ticket).status == "new"


def test_an_empty_message_is_refused_beside_the_field_and_typed_text_stays(client, sign_in, agent_a, order_a):
    ticket = opened(order_a)
    sign_in(agent_a.email)
    url = f"/console/tickets/{ticket.id}"
    token = csrf_from(page(client, url))
    response = client.post(f"{url}/messages", data={"csrf_token": token, "message": "   ", "kind": "reply"})
    html = unescape(response.get_data(as_text=True))
    assert response.status_code == 422
    assert 'id="message-error">Write the message first.' in html and 'aria-invalid="true"' in html
    response = client.post(f"{url}/messages", data={"csrf_token": token, "message": "Hei Aino, katsotaan."})
    html = unescape(response.get_data(as_text=True))
    assert response.status_code == 422 and "Hei Aino, katsotaan.</textarea>" in html  # no button: nothing sent
    assert len(current(ticket).messages) == 1 and mails("ticket_reply") == []


def test_a_canned_reply_fills_the_box_with_the_buyers_first_name_and_order_number(
    client, sign_in, agent_a, shop_a, order_a
):
    ticket = opened(order_a)
    finnish = CannedReply(
        merchant_id=shop_a.id, locale="fi", title="Ruuvit tulossa", body="Hei {name}, tilauksen {order} ruuvit tulevat."
    )
    english = CannedReply(merchant_id=shop_a.id, locale="en", title="Screws on the way", body="Hi {name}")
    db.session.add_all([finnish, english])
    db.session.commit()
    sign_in(agent_a.email)
    url = f"/console/tickets/{ticket.id}"
    html = page(client, url)
    assert f'<option value="{finnish.id}">Ruuvit tulossa</option>' in html and "Screws on the way" not in html
    assert '<label for="canned">Prepared reply</label>' in html and "Use this reply" in html
    filled = page(client, f"{url}?canned={finnish.id}")
    assert "Hei Aino, tilauksen 1001 ruuvit tulevat.</textarea>" in filled
    assert f'<option value="{finnish.id}" selected>' in filled
    other = page(client, f"{url}?canned={english.id}")  # another language's: not offered, box empty
    assert "not available for this ticket's language" in other and "Hi Aino" not in other


# -- assignment, status and priority --------------------------------------------------------


def test_staff_assign_the_ticket_and_change_its_status_and_priority(
    client, sign_in, make_user, agent_a, agent_b, shop_a, order_a
):
    colleague = make_user(email="toinen@kodinkone.fi", role="merchant_agent", merchant=shop_a)
    support = make_user(email="support@apuri.example", role="support_agent", merchant=shop_a)
    ticket = opened(order_a)
    sign_in(agent_a.email)
    url = f"/console/tickets/{ticket.id}"
    html = page(client, url)
    assert f'<option value="{colleague.id}">toinen@kodinkone.fi</option>' in html
    assert f'<option value="{support.id}">support@apuri.example · Apuri support</option>' in html
    assert agent_b.id not in html  # another shop's staff are not offered

    status, html = post(client, f"{url}/assign", {"assignee": colleague.id}, token_from=url)
    assert status == 302 and f"Ticket {ticket.number} is assigned to toinen@kodinkone.fi." in html
    assert current(ticket).assignee_id == colleague.id
    status, html = post(client, f"{url}/assign", {"assignee": agent_a.id}, token_from=url)  # "Assign to me"
    assert f"Ticket {ticket.number} is yours now." in html and current(ticket).assignee_id == agent_a.id
    assert "Assign to me" not in html
    token = csrf_from(page(client, url))
    refused = client.post(f"{url}/assign", data={"csrf_token": token, "assignee": agent_b.id})
    assert refused.status_code == 422
    assert "Choose someone who works on this shop's tickets." in unescape(refused.get_data(as_text=True))
    assert current(ticket).assignee_id == agent_a.id

    status, html = post(client, f"{url}/status", {"status": "solved", "priority": "high"}, token_from=url)
    assert status == 302 and "Status: Solved." in html and "Priority: High." in html
    ticket = current(ticket)
    assert (ticket.status, ticket.priority) == ("solved", "high") and ticket.solved_at is not None
    assert ticket.number in rows(page(client, "/console/tickets?view=solved"))
    bad = client.post(f"{url}/status", data={"csrf_token": token, "status": "solved", "priority": "whenever"})
    assert bad.status_code == 422 and "Choose a priority from the list." in unescape(bad.get_data(as_text=True))
    _status, html = post(client, f"{url}/status", {"status": "solved", "priority": "high"}, token_from=url)
    assert "Nothing changed." in html


# -- tenancy --------------------------------------------------------------------------------


def test_another_shops_agent_gets_404_and_sees_nothing(client, sign_in, agent_b, order_a):
    ticket = opened(order_a)
    sign_in(agent_b.email)
    for view in desk.VIEWS:
        assert ticket.number not in page(client, f"/console/tickets?view={view}"), view
    assert client.get(f"/console/tickets/{ticket.id}").status_code == 404
    token = csrf_from(page(client, "/console/tickets"))
    for action, form in (
        ("messages", {"message": "Hello", "kind": "reply"}),
        ("assign", {"assignee": ""}),
        ("status", {"status": "closed", "priority": "low"}),
    ):
        response = client.post(f"/console/tickets/{ticket.id}/{action}", data={"csrf_token": token, **form})
        assert response.status_code == 404, action
    ticket = current(ticket)
    assert ticket.status == "new" and len(ticket.messages) == 1 and mails("ticket_reply") == []


def test_platform_staff_pick_the_shop_and_answer_for_it(client, sign_in, platform_admin, order_a):
    ticket = opened(order_a)
    sign_in(platform_admin.email)
    assert "Choose a shop" in page(client, "/console/tickets")
    html = page(client, "/console/tickets?shop=kodinkone")
    assert f'href="/console/tickets/{ticket.id}?shop=kodinkone"' in html
    url = f"/console/tickets/{ticket.id}?shop=kodinkone"
    response = client.post(
        f"/console/tickets/{ticket.id}/assign?shop=kodinkone",
        data={"csrf_token": csrf_from(page(client, url)), "assignee": platform_admin.id},
    )
    assert response.status_code == 302 and "shop=kodinkone" in response.headers["Location"]
    assert current(ticket).assignee_id == platform_admin.id
    html = page(client, url)
    assert f'<option value="{platform_admin.id}" selected>' in html  # not shop staff, still shown


# -- the customer in one view ---------------------------------------------------------------


def test_the_customer_view_lists_the_buyers_orders_claims_and_tickets(
    client, sign_in, agent_a, shop_a, delivered_order, photo, make_order
):
    order = delivered_order(shop_a, "1001", locale="en")
    second = delivered_order(shop_a, "1002", locale="en")
    claim = open_claim(second, claim_body(), photos=[photo], actor=claims_fixtures.BUYER)
    ticket = opened(order)
    earlier = opened(second, "Scratched door")
    stranger = make_order(shop_a, "1003", customer={"email": "eero@example.fi", "name": "Eero Stranger"})
    sign_in(agent_a.email)
    html = page(client, f"/console/tickets/{ticket.id}")
    view = html[html.index('id="customer-view-title"') :]
    assert 'href="/console/orders/1001"' in view and 'href="/console/orders/1002"' in view
    assert f'href="/console/claims/{claim.id}"' in view and claim.number in view
    assert f'href="/console/tickets/{earlier.id}"' in view and "Scratched door" in view
    assert "(this ticket)" in view and "(this ticket's order)" in view
    assert stranger.number not in view and "Eero" not in view
    assert view.index(earlier.number) < view.index(claim.number)  # newest first
    # The buyer rates the earlier ticket: the feedback joins the story, on top.
    desk.set_status(earlier, "solved", Actor.system("tests"))
    desk.answer_survey(current(earlier), {"rating": 4, "comment": "Fast answer."})
    view = page(client, f"/console/tickets/{ticket.id}")
    view = view[view.index('id="customer-view-title"') :]
    feedback = view[view.index('class="history-feedback"') :]
    assert "Feedback" in feedback[:400] and "4 out of 5" in feedback[:800] and "Fast answer." in feedback[:800]
    assert view.index('class="history-feedback"') < view.index(claim.number)


def test_the_queue_costs_the_same_queries_for_many_tickets(client, sign_in, agent_a, shop_a, make_order, count_queries):
    """Each row's buyer and order come from one query each, not one per row (56 queries for 25
    rows before, measured on a million orders)."""
    sign_in(agent_a.email)

    def queries_for(n: int) -> int:
        for i in range(n):
            opened(make_order(shop_a, customer={"email": f"buyer{i}@example.fi", "name": f"Buyer {i}"}))
        page(client, "/console/tickets")  # warm: the sign-in's and the shop's own lookups
        with count_queries() as counted:
            html = page(client, "/console/tickets")
        assert html.count("<tr") >= n
        return counted()

    few = queries_for(2)
    many = queries_for(10)
    assert many == few, (few, many)
