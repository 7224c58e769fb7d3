"""The console's prepared (canned) replies: staff add, change and delete them through the HTML forms
(CSRF on), and a ticket in the reply's language offers it with the buyer's name and order number
filled in. Invalid input is refused beside its field with nothing saved; another shop's replies
stay out of reach; buyers and visitors are sent to the staff sign-in."""

from __future__ import annotations

from datetime import timedelta
from html import unescape

import pytest
from sqlalchemy import func, select

from portal.actors import Actor
from portal.audit.models import AuditEntry
from portal.db import utcnow
from portal.extensions import db
from portal.support import canned
from portal.support import services as desk
from portal.support.models import CannedReply, Ticket
from tests.conftest import csrf_from

LIST = "/console/canned-replies"
NEW = "/console/canned-replies/new"
SHOP_SYSTEM = Actor.system("tests")
LATE = {
    "locale": "fi",
    "title": "Myöhästynyt toimitus",
    "body": "Hei {name},\n\npahoittelemme, että tilauksesi {order} on myöhässä. Paketti on matkalla.",
}


def page(client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, url
    return unescape(response.get_data(as_text=True))


def post(client, url: str, data: dict, *, token_from: str = LIST):
    """Post a form with a page's CSRF token (the response is not followed)."""
    return client.post(url, data={"csrf_token": csrf_from(page(client, token_from)), **data})


def followed(client, response) -> str:
    assert response.status_code == 302, response.status_code
    return page(client, response.headers["Location"])


def table(html: str) -> str:
    """The list's table body ('' when the list is empty)."""
    return html[html.index("<tbody>") : html.index("</tbody>")] if "<tbody>" in html else ""


def replies() -> list[CannedReply]:
    db.session.expire_all()
    return list(db.session.scalars(select(CannedReply).order_by(CannedReply.created_at)))


def count() -> int:
    return db.session.scalar(select(func.count()).select_from(CannedReply))


def audit_of(reply_id: str) -> list[AuditEntry]:
    return list(
        db.session.scalars(select(AuditEntry).where(AuditEntry.subject_id == reply_id).order_by(AuditEntry.created_at))
    )


def opened(order) -> Ticket:
    buyer = Actor(kind="buyer", id=order.customer_id, label=order.customer.email, merchant_id=order.merchant_id)
    return desk.open_ticket(
        order.merchant,
        order.customer,
        {"subject": "Where is my parcel?", "message": "It should have come last week."},
        buyer,
        order=order,
        now=utcnow() - timedelta(hours=1),
    )


@pytest.fixture
def order_a(shop_a, make_order):
    return make_order(shop_a, "1001")  # Aino Virtanen, in Finnish


@pytest.fixture
def english_order(shop_a, make_order):
    return make_order(shop_a, "1002", locale="en", customer={"email": "john@example.com", "name": "John Smith"})


@pytest.fixture
def late_reply(shop_a):
    return canned.create(shop_a, LATE, SHOP_SYSTEM)


# -- adding, and using on a ticket ----------------------------------------------------------


def test_an_added_reply_is_listed_and_offered_on_tickets_in_its_language(
    client, sign_in, agent_a, order_a, english_order
):
    finnish, english = opened(order_a), opened(english_order)
    sign_in(agent_a.email)
    assert f'href="{LIST}"' in page(client, "/console/tickets")  # the desk links to its prepared replies
    html = page(client, LIST)
    assert "No prepared replies yet." in html and table(html) == ""
    assert f'href="{NEW}"' in html and "Add a prepared reply" in html

    form = page(client, NEW)
    assert '<label for="canned-locale">Language</label>' in form and '<option value="fi" lang="fi" selected>' in form
    assert '<label for="canned-title">Title</label>' in form and '<label for="canned-body">Text</label>' in form
    assert 'aria-describedby="canned-body-help"' in form and "{name}, the buyer's first name is put in" in form
    assert "Delete" not in form  # nothing to delete yet

    response = post(client, NEW, LATE, token_from=NEW)
    reply = replies()[0]
    assert response.headers["Location"] == f"{LIST}#canned-{reply.id}"
    html = followed(client, response)
    assert "Prepared reply “Myöhästynyt toimitus” added." in html
    row = table(html)
    assert "Myöhästynyt toimitus" in row and "Suomi" in row and "Hei {name}," in row and "pahoittelemme" not in row
    assert f'href="/console/canned-replies/{reply.id}">Edit' in row
    assert (reply.merchant_id, reply.locale, reply.body) == (order_a.merchant_id, "fi", LATE["body"])
    assert [(e.action, e.actor_id) for e in audit_of(reply.id)] == [("canned_reply.created", agent_a.id)]

    assert reply.id not in table(page(client, f"{LIST}?locale=en"))
    assert "No prepared replies in this language yet." in page(client, f"{LIST}?locale=en")
    assert reply.id in table(page(client, f"{LIST}?locale=fi"))

    ticket_url = f"/console/tickets/{finnish.id}"
    assert f'value="{reply.id}"' in page(client, ticket_url)
    filled = page(client, f"{ticket_url}?canned={reply.id}")
    assert "Hei Aino,\n\npahoittelemme, että tilauksesi 1001 on myöhässä. Paketti on matkalla.</textarea>" in filled
    english_page = page(client, f"/console/tickets/{english.id}")
    assert reply.id not in english_page and "Myöhästynyt toimitus" not in english_page


def test_the_language_can_be_chosen_in_advance_from_the_filtered_list(client, sign_in, agent_a):
    sign_in(agent_a.email)
    assert f'href="{NEW}?locale=sv"' in page(client, f"{LIST}?locale=sv")
    assert '<option value="sv" lang="sv" selected>' in page(client, f"{NEW}?locale=sv")


# -- editing and deleting -------------------------------------------------------------------


def test_an_edited_reply_is_listed_and_used_with_its_new_text(client, sign_in, agent_a, order_a, late_reply):
    ticket = opened(order_a)
    sign_in(agent_a.email)
    url = f"/console/canned-replies/{late_reply.id}"
    form = page(client, url)
    assert 'value="Myöhästynyt toimitus"' in form and f"{LATE['body']}</textarea>" in form
    changed = {"locale": "fi", "title": "Paketti myöhässä", "body": "Hei {name}! Tilaus {order} tulee huomenna."}
    html = followed(client, post(client, url, changed, token_from=url))
    assert "Prepared reply “Paketti myöhässä” saved." in html
    assert "Paketti myöhässä" in table(html) and "Myöhästynyt toimitus" not in table(html)
    assert count() == 1
    filled = page(client, f"/console/tickets/{ticket.id}?canned={late_reply.id}")
    assert "Hei Aino! Tilaus 1001 tulee huomenna.</textarea>" in filled
    edit = audit_of(late_reply.id)[-1]
    assert (edit.action, edit.actor_id) == ("canned_reply.updated", agent_a.id)
    assert edit.before["title"] == "Myöhästynyt toimitus" and edit.after["title"] == "Paketti myöhässä"
    assert "locale" not in edit.after  # only what changed


def test_a_reply_moved_to_another_language_leaves_the_tickets_of_the_first(
    client, sign_in, agent_a, order_a, english_order, late_reply
):
    finnish, english = opened(order_a), opened(english_order)
    sign_in(agent_a.email)
    url = f"/console/canned-replies/{late_reply.id}"
    moved = {"locale": "en", "title": "Late delivery", "body": "Hello {name}, order {order} is on its way."}
    followed(client, post(client, url, moved, token_from=url))
    assert late_reply.id not in page(client, f"/console/tickets/{finnish.id}")
    filled = page(client, f"/console/tickets/{english.id}?canned={late_reply.id}")
    assert "Hello John, order 1002 is on its way.</textarea>" in filled


def test_a_deleted_reply_is_gone_from_the_list_and_the_tickets(client, sign_in, agent_a, order_a, late_reply):
    ticket = opened(order_a)
    sign_in(agent_a.email)
    url = f"/console/canned-replies/{late_reply.id}"
    form = page(client, url)
    assert f'action="{url}/delete"' in form and "Delete “Myöhästynyt toimitus”" in form
    html = followed(client, post(client, f"{url}/delete", {}, token_from=url))
    assert "Prepared reply “Myöhästynyt toimitus” deleted." in html and "No prepared replies yet." in html
    assert count() == 0
    assert late_reply.id not in page(client, f"/console/tickets/{ticket.id}")
    used = page(client, f"/console/tickets/{ticket.id}?canned={late_reply.id}")
    assert "not available for this ticket's language" in used
    deleted = audit_of(late_reply.id)[-1]
    assert (deleted.action, deleted.actor_id, deleted.before["title"]) == (
        "canned_reply.deleted",
        agent_a.id,
        "Myöhästynyt toimitus",
    )
    assert (
        page(client, url, 404) and client.post(f"{url}/delete", data={"csrf_token": csrf_from(html)}).status_code == 404
    )


def test_a_delete_without_the_forms_token_deletes_nothing(client, sign_in, agent_a, late_reply):
    sign_in(agent_a.email)
    assert client.post(f"/console/canned-replies/{late_reply.id}/delete").status_code == 400
    assert count() == 1


# -- what is refused ------------------------------------------------------------------------

INVALID = [
    pytest.param({"title": ""}, "title", "Give the reply a title", id="no-title"),
    pytest.param({"title": "   "}, "title", "Give the reply a title", id="blank-title"),
    pytest.param({"title": "x" * 121}, "title", "The title can be at most 120 characters long.", id="long-title"),
    pytest.param({"body": ""}, "body", "Write the text of the reply.", id="no-body"),
    pytest.param({"body": "x" * 5001}, "body", "The text can be at most 5,000 characters long.", id="long-body"),
    pytest.param({"locale": "de"}, "locale", "Choose the language the reply is written in.", id="unknown-language"),
    pytest.param({"locale": ""}, "locale", "Choose the language the reply is written in.", id="no-language"),
    pytest.param(
        {"body": "Hei {nmae}, tilaus {order}."},
        "body",
        "{nmae} cannot be filled in. Use only {name} (the buyer's first name) and {order} (the order number)",
        id="typo-placeholder",
    ),
    pytest.param(
        {"body": "Hei {Name}, tilaus { order } ja {}."},
        "body",
        "{Name}, { order }, {} cannot be filled in.",
        id="several-unknown-placeholders",
    ),
]


@pytest.mark.parametrize(("change", "field", "message"), INVALID)
def test_an_invalid_new_reply_is_refused_beside_its_field_and_nothing_is_saved(
    client, sign_in, agent_a, change, field, message
):
    sign_in(agent_a.email)
    typed = {**LATE, **change}
    response = post(client, NEW, typed, token_from=NEW)
    html = unescape(response.get_data(as_text=True))
    assert response.status_code == 422
    assert f'<p class="error" id="canned-{field}-error">' in html and message in html
    assert f'aria-describedby="canned-{field}-help canned-{field}-error" aria-invalid="true"' in html
    assert html.count('aria-invalid="true"') == 1  # the other fields are fine
    assert "Nothing was saved: check the fields marked below." in html and f'href="#canned-{field}"' in html
    if field != "title":
        assert f'value="{typed["title"]}"' in html  # what was typed stays
    if field != "body":
        assert f"{typed['body']}</textarea>" in html
    assert (
        count() == 0
        and db.session.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action.like("canned_reply.%"))
        )
        == 0
    )


def test_a_title_is_used_once_per_language(client, sign_in, agent_a, late_reply):
    sign_in(agent_a.email)
    again = {**LATE, "title": "MYÖHÄSTYNYT TOIMITUS", "body": "Toinen teksti."}
    response = post(client, NEW, again, token_from=NEW)
    assert response.status_code == 422
    assert "Another prepared reply in this language has this title." in unescape(response.get_data(as_text=True))
    assert count() == 1
    swedish = {"locale": "sv", "title": LATE["title"], "body": "Hej {name}!"}  # another language: fine
    assert post(client, NEW, swedish, token_from=NEW).status_code == 302
    assert count() == 2
    url = f"/console/canned-replies/{late_reply.id}"  # saving a reply under its own title is fine
    assert post(client, url, {**LATE, "body": "Uusi teksti."}, token_from=url).status_code == 302


def test_an_invalid_edit_keeps_what_was_typed_and_changes_nothing(client, sign_in, agent_a, late_reply):
    sign_in(agent_a.email)
    url = f"/console/canned-replies/{late_reply.id}"
    typed = {"locale": "fi", "title": "Uusi otsikko", "body": "Hei {nimi}, tilaus {order}."}
    response = post(client, url, typed, token_from=url)
    html = unescape(response.get_data(as_text=True))
    assert response.status_code == 422 and "{nimi} cannot be filled in." in html
    assert 'value="Uusi otsikko"' in html and "Hei {nimi}, tilaus {order}.</textarea>" in html
    assert f'action="{url}/delete"' in html  # still the edit page
    (reply,) = replies()
    assert (reply.title, reply.body) == (LATE["title"], LATE["body"])
    assert [e.action for e in audit_of(reply.id)] == ["canned_reply.created"]


# -- who may --------------------------------------------------------------------------------


def test_another_shops_reply_is_not_found_and_stays_as_it_was(client, sign_in, agent_b, late_reply):
    sign_in(agent_b.email)
    assert late_reply.id not in page(client, LIST) and "No prepared replies yet." in page(client, LIST)
    url = f"/console/canned-replies/{late_reply.id}"
    page(client, url, 404)
    assert post(client, url, {**LATE, "title": "Hijacked"}).status_code == 404
    assert post(client, f"{url}/delete", {}).status_code == 404
    (reply,) = replies()
    assert (reply.title, reply.body) == (LATE["title"], LATE["body"])
    page(client, "/console/canned-replies/cnr_doesnotexist", 404)


def test_buyers_and_visitors_are_sent_to_the_staff_sign_in(client, order_a, late_reply):
    from portal.buyers.access import order_link

    urls = [LIST, NEW, f"/console/canned-replies/{late_reply.id}"]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and response.headers["Location"].startswith("/staff/login"), url
    assert client.get(order_link(order_a)).status_code in (200, 302)  # now known as the order's buyer
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and response.headers["Location"].startswith("/staff/login"), url
    token = csrf_from(page(client, "/staff/login"))
    for url, form in (
        (NEW, {**LATE, "title": "From outside"}),
        (urls[2], {**LATE, "title": "From outside"}),
        (f"{urls[2]}/delete", {}),
    ):
        response = client.post(url, data={"csrf_token": token, **form})
        assert response.status_code == 302 and response.headers["Location"].startswith("/staff/login"), url
    (reply,) = replies()
    assert reply.title == LATE["title"]


def test_a_support_agent_chooses_the_shop_first(client, sign_in, make_user, shop_a, shop_b, late_reply):
    from portal.accounts.services import set_served_shops

    agent = make_user(email="support@apuri.example", role="support_agent")
    set_served_shops(agent, {shop_a.id, shop_b.id}, SHOP_SYSTEM)
    sign_in(agent.email)
    assert "Choose a shop" in page(client, LIST)
    assert "Choose a shop" in page(client, NEW)
    assert post(client, NEW, {**LATE, "title": "No shop"}, token_from=f"{LIST}?shop=kodinkone").status_code == 404

    html = page(client, f"{LIST}?shop=kodinkone")
    assert f'href="/console/canned-replies/{late_reply.id}?shop=kodinkone"' in table(html)
    assert f'href="{NEW}?shop=kodinkone"' in html
    assert 'action="/console/canned-replies/new?shop=kodinkone"' in page(client, f"{NEW}?shop=kodinkone")
    english = {"locale": "en", "title": "Late delivery", "body": "Hello {name}, order {order} is on its way."}
    response = post(client, f"{NEW}?shop=kodinkone", english, token_from=f"{NEW}?shop=kodinkone")
    assert response.status_code == 302 and "shop=kodinkone" in response.headers["Location"]
    assert "Prepared reply “Late delivery” added." in followed(client, response)
    assert {r.merchant_id for r in replies()} == {shop_a.id}
    assert late_reply.id not in table(page(client, f"{LIST}?shop=pyorapaja"))
    page(client, f"/console/canned-replies/{late_reply.id}?shop=pyorapaja", 404)


# -- the rules without HTTP -----------------------------------------------------------------


def test_only_name_and_order_count_as_placeholders():
    assert canned.unknown_placeholders("Hei {name}, tilaus {order}.") == []
    assert canned.unknown_placeholders("{nmae} {order} {nmae} {ORDER}") == ["{nmae}", "{ORDER}"]
    assert canned.unknown_placeholders("Hymiö :-{ yksin") == []  # a lone bracket is no placeholder


def test_saving_a_reply_unchanged_records_nothing(app, shop_a, late_reply):
    canned.update(
        late_reply, {**LATE, "title": f"  {LATE['title']}  ", "body": LATE["body"].replace("\n", "\r\n")}, SHOP_SYSTEM
    )
    assert [e.action for e in audit_of(late_reply.id)] == ["canned_reply.created"]


def test_the_list_is_by_language_then_title(app, shop_a, shop_b):
    for locale, title in (("sv", "B"), ("fi", "B"), ("fi", "A"), ("en", "C")):
        canned.create(shop_a, {"locale": locale, "title": title, "body": "Hej"}, SHOP_SYSTEM)
    canned.create(shop_b, {"locale": "fi", "title": "Other shop", "body": "Hei"}, SHOP_SYSTEM)
    assert [(r.locale, r.title) for r in canned.list_for(shop_a.id)] == [
        ("en", "C"),
        ("fi", "A"),
        ("fi", "B"),
        ("sv", "B"),
    ]
    assert [r.title for r in canned.list_for(shop_a.id, "fi")] == ["A", "B"]
