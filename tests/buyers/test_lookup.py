"""Finding an order with shop + number + e-mail, and the languages of buyer pages."""

from __future__ import annotations

import re

import pytest

from portal.extensions import limiter
from tests.conftest import csrf_from


def post_lookup(client, shop: str, number: str, email: str):
    token = csrf_from(client.get("/lookup").get_data(as_text=True))
    return client.post("/lookup", data={"csrf_token": token, "merchant": shop, "number": number, "email": email})


def visible_text(response) -> str:
    html = response.get_data(as_text=True)
    return re.sub(r'name="[\w-]*csrf_token"[^>]*value="[^"]+"', "", html)


def test_number_and_email_open_the_order(client, make_merchant, make_order):
    shop = make_merchant("kodinkone")
    make_order(shop, "1001", locale="en")
    response = post_lookup(client, "kodinkone", "1001", "  AINO@example.fi ")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/s/kodinkone/orders/1001")
    assert "Jääkaappi A200" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_a_wrong_number_and_a_wrong_email_get_the_same_answer(client, make_merchant, make_order):
    shop = make_merchant("kodinkone")
    make_order(shop, "1001", locale="en")
    wrong_number = post_lookup(client, "kodinkone", "1999", "aino@example.fi")
    wrong_email = post_lookup(client, "kodinkone", "1001", "mallory@example.fi")
    wrong_shop = post_lookup(client, "", "1001", "aino@example.fi")
    assert wrong_number.status_code == wrong_email.status_code == 404
    assert visible_text(wrong_number).replace("1999", "1001").replace("aino@", "X@") == visible_text(
        wrong_email
    ).replace("mallory@", "X@")
    assert "could not find an order" in visible_text(wrong_number)
    assert wrong_shop.status_code == 422
    assert "Choose the shop." in visible_text(wrong_shop)


def test_the_form_explains_each_missing_field(client, make_merchant):
    make_merchant("kodinkone")
    response = post_lookup(client, "kodinkone", "", "not-an-email")
    text = visible_text(response)
    assert response.status_code == 422
    assert "Enter the order number." in text
    assert "Enter a valid e-mail address." in text
    assert 'aria-invalid="true"' in text


def test_the_lookup_form_is_protected_against_cross_site_posts(client, make_merchant, make_order):
    shop = make_merchant("kodinkone")
    make_order(shop, "1001")
    response = client.post("/lookup", data={"merchant": "kodinkone", "number": "1001", "email": "aino@example.fi"})
    assert response.status_code == 400
    assert "form expired" in response.get_data(as_text=True)


@pytest.fixture
def limits(app):
    app.config.update(RATELIMIT_ENABLED=True, LOOKUP_LIMIT_PER_CLIENT="5/hour", LOOKUP_LIMIT_PER_ORDER="3/hour")
    limiter.reset()
    yield
    limiter.reset()


def test_lookups_are_limited_per_order_whatever_the_client(app, limits, make_merchant, make_order):
    shop = make_merchant("kodinkone")
    make_order(shop, "1001")
    answers = []
    for n in range(4):
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = f"10.0.0.{n + 1}"
        answers.append(post_lookup(client, "kodinkone", "1001", f"guess{n}@example.fi"))
    assert [a.status_code for a in answers] == [404, 404, 404, 429]
    assert int(answers[-1].headers["Retry-After"]) > 0
    assert "Too many attempts" in visible_text(answers[-1])


def test_lookups_are_limited_per_client_across_orders(app, limits, make_merchant, make_order):
    shop = make_merchant("kodinkone")
    make_order(shop, "1001")
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "10.9.9.9"
    codes = [post_lookup(client, "kodinkone", str(2000 + n), "x@example.fi").status_code for n in range(6)]
    assert codes == [404] * 5 + [429]
    # even the right answer waits now: guessing cannot be sped up by mixing in real orders
    assert post_lookup(client, "kodinkone", "1001", "aino@example.fi").status_code == 429


def test_the_page_speaks_the_orders_language_then_the_buyers_choice(client, make_merchant, make_order):
    shop = make_merchant("kodinkone")
    order = make_order(shop, "1001", locale="sv")
    from portal.buyers.access import order_link

    html = client.get(order_link(order).removeprefix("http://127.0.0.1:5000"), follow_redirects=True).get_data(
        as_text=True
    )
    assert '<html lang="sv">' in html
    switched = client.get("/s/kodinkone/orders/1001?lang=da").get_data(as_text=True)
    assert '<html lang="da">' in switched
    # the choice sticks for the rest of the visit
    assert '<html lang="da">' in client.get("/s/kodinkone/orders/1001").get_data(as_text=True)


def test_the_lookup_page_follows_the_browser_language(client, make_merchant):
    make_merchant("kodinkone")
    html = client.get("/lookup", headers={"Accept-Language": "nb-NO,nb;q=0.9,en;q=0.5"}).get_data(as_text=True)
    assert '<html lang="nb">' in html
    for code in ("fi", "sv", "da", "nb", "is", "en"):
        assert f'href="?lang={code}"' in html


def test_an_unknown_page_answers_404_not_500(client):
    assert client.get("/s/nope/orders/1").status_code == 302
    assert client.get("/no/such/page").status_code == 404


def test_nul_characters_get_a_clear_400_not_a_server_error(client, make_merchant, make_order):
    shop = make_merchant("kodinkone")
    make_order(shop, "1001")
    assert client.get("/s/kodi%00kone/orders/1001").status_code == 400
    response = post_lookup(client, "kodinkone", "10\x0001", "aino@example.fi")
    assert response.status_code == 400
    assert "could not be read" in response.get_data(as_text=True)
    token = csrf_from(client.get("/staff/login").get_data(as_text=True))
    assert (
        client.post("/staff/login", data={"csrf_token": token, "email": "a\x00@x.fi", "password": "x"}).status_code
        == 400
    )


# -- all my orders by e-mail ------------------------------------------------------------------------


def test_a_buyer_gets_a_link_to_all_their_orders_by_email(app, client, make_merchant, make_order):
    import re as _re
    from html import unescape as _unescape

    from sqlalchemy import select as _select

    from portal.extensions import db as _db
    from portal.notifications.models import OutboxMessage
    from tests.conftest import csrf_from as _csrf

    shop = make_merchant("kodinkone", name="Kodinkone Oy")
    make_order(shop, "9001", locale="en")
    make_order(shop, "9002", locale="en")
    other = make_merchant("pyorapaja", name="Pyöräpaja")
    make_order(other, "9101", locale="en")
    page = client.get("/s/kodinkone/").get_data(as_text=True)
    assert "All your orders by e-mail" in page
    token = _csrf(page)
    response = client.post(
        "/orders-link", data={"csrf_token": token, "link-merchant": "kodinkone", "link-email": "AINO@example.fi"}
    )
    assert response.status_code == 302
    said = _unescape(client.get(response.headers["Location"]).get_data(as_text=True))
    assert "If aino@example.fi has orders at this shop, a link to all of them is on its way." in said
    [mail] = _db.session.scalars(_select(OutboxMessage).where(OutboxMessage.kind == "orders_link")).all()
    assert mail.recipient == "aino@example.fi" and "Your orders at Kodinkone Oy" in mail.subject
    assert "Open your orders" in mail.html_body and "works for 24 hours" in mail.text_body
    link = _re.search(r"http://\S+/s/kodinkone/m/\S+", mail.text_body).group(0)

    # An address without orders gets the same answer and no mail.
    response = client.post(
        "/orders-link", data={"csrf_token": token, "link-merchant": "kodinkone", "link-email": "nobody@example.fi"}
    )
    said = _unescape(client.get(response.headers["Location"]).get_data(as_text=True))
    assert "If nobody@example.fi has orders at this shop" in said
    assert len(_db.session.scalars(_select(OutboxMessage).where(OutboxMessage.kind == "orders_link")).all()) == 1

    # The link opens the buyer's orders at this shop, in another browser, and not another shop's.
    other_browser = app.test_client()
    response = other_browser.get(link.split("5000", 1)[1] if "5000" in link else link)
    assert response.status_code == 302 and response.headers["Location"].endswith("/s/kodinkone/orders")
    orders = other_browser.get("/s/kodinkone/orders").get_data(as_text=True)
    assert "9001" in orders and "9002" in orders and "9101" not in orders
    assert other_browser.get("/s/pyorapaja/orders").status_code == 302  # not signed in there
    path = link.split("/s/kodinkone/m/")[1]
    assert app.test_client().get(f"/s/pyorapaja/m/{path}").status_code == 404  # another shop's address
    assert app.test_client().get("/s/kodinkone/m/not-a-token").status_code == 404


def test_the_orders_link_form_says_what_is_wrong(client, make_merchant):
    from tests.conftest import csrf_from as _csrf

    make_merchant("kodinkone")
    token = _csrf(client.get("/s/kodinkone/").get_data(as_text=True))
    response = client.post("/orders-link", data={"csrf_token": token, "link-merchant": "kodinkone", "link-email": "x"})
    assert response.status_code == 422 and "Enter a valid e-mail address." in response.get_data(as_text=True)
