"""The buyer's return pages: start from the order, see each problem beside its item, follow, cancel."""

from __future__ import annotations

import re
from html import unescape

from sqlalchemy import func, select

from portal.buyers.access import order_link
from portal.extensions import db
from portal.payments.models import Refund
from portal.returns import services
from portal.returns.models import ReturnRequest
from tests.conftest import csrf_from
from tests.returns.conftest import SHOP


def open_link(client, order) -> str:
    response = client.get(order_link(order).removeprefix("http://127.0.0.1:5000"), follow_redirects=True)
    assert response.status_code == 200
    return unescape(response.get_data(as_text=True))


def _form_url(order) -> str:
    return f"/s/{order.merchant.slug}/orders/{order.number}/return"


def test_the_order_page_says_until_when_and_links_to_the_form(app, client, make_merchant, delivered_order):
    shop = make_merchant("kodinkone")
    order = delivered_order(shop, locale="en")
    html = open_link(client, order)
    assert "Returns and exchanges" in html
    assert re.search(r"You can return or exchange items until \w+ \d+, 2026\.", html)
    assert _form_url(order) in html


def test_a_buyer_returns_one_item_and_sees_what_happens_next(app, client, make_merchant, delivered_order, variants):
    shop = make_merchant("kodinkone")
    variants(shop)
    order = delivered_order(shop, locale="en")
    open_link(client, order)
    page = client.get(_form_url(order))
    html = unescape(page.get_data(as_text=True))
    assert page.status_code == 200
    assert "How many to return" in html and "I changed my mind" in html
    assert "41 · 5 in stock" in html and "44 · 2 in stock · €10.00 back" in html
    assert "43 ·" not in html  # sold out
    response = client.post(
        _form_url(order),
        data={
            "csrf_token": csrf_from(html),
            "qty-L1": "0",
            "qty-L2": "1",
            "reason-L2": "wrong_size",
            "resolution-L2": "refund",
            "comment": "Too small",
        },
    )
    assert response.status_code == 302
    ret = db.session.scalars(select(ReturnRequest)).one()
    status = unescape(client.get(response.headers["Location"]).get_data(as_text=True))
    assert f"We received your return request {ret.number}." in status
    assert "Requested, waiting for the shop" in status
    assert "Please do not send the items before that." in status
    assert "Return slip (PDF)" not in status
    # The slip exists once approved; its link appears and serves a PDF.
    services.approve(shop.id, ret.id, actor=SHOP)
    status = unescape(client.get(f"/s/kodinkone/returns/{ret.id}").get_data(as_text=True))
    assert "Print the return slip" in status and "Return slip (PDF)" in status
    slip = client.get(f"/s/kodinkone/returns/{ret.id}/slip.pdf")
    assert slip.status_code == 200 and slip.mimetype == "application/pdf" and slip.data.startswith(b"%PDF")
    services.receive(shop.id, ret.id, None, actor=SHOP)
    status = unescape(client.get(f"/s/kodinkone/returns/{ret.id}").get_data(as_text=True))
    assert "Your money has been returned to your payment." in status and "€50.00" in status
    order_page = open_link(client, order)
    assert f"Return {ret.number}" in order_page and "Settled: money back" in order_page


def test_each_problem_is_shown_beside_its_item_and_nothing_is_saved(app, client, make_merchant, delivered_order):
    shop = make_merchant("kodinkone")
    order = delivered_order(shop, locale="en")
    open_link(client, order)
    html = client.get(_form_url(order)).get_data(as_text=True)
    response = client.post(_form_url(order), data={"csrf_token": csrf_from(html), "qty-L2": "2", "reason-L2": ""})
    assert response.status_code == 422
    page = unescape(response.get_data(as_text=True))
    assert 'id="reason-L2-error">Choose one of the shop\'s reasons.' in page
    assert 'aria-invalid="true"' in page
    assert '<option value="2" selected>' in page  # the buyer's choice is kept
    nothing = client.post(_form_url(order), data={"csrf_token": csrf_from(html), "qty-L2": "0"})
    assert nothing.status_code == 422
    assert "Choose at least one item to return" in nothing.get_data(as_text=True)
    forged = client.post(_form_url(order), data={"csrf_token": csrf_from(html), "qty-L2": "5", "reason-L2": "other"})
    assert forged.status_code == 422
    assert "At most 2 of this item can still be returned." in unescape(forged.get_data(as_text=True))
    assert db.session.scalar(select(func.count(ReturnRequest.id))) == 0


def test_a_second_tab_cannot_return_the_same_item_twice(app, client, make_merchant, delivered_order):
    shop = make_merchant("kodinkone")
    order = delivered_order(shop, locale="en")
    open_link(client, order)
    html = client.get(_form_url(order)).get_data(as_text=True)
    data = {"csrf_token": csrf_from(html), "qty-L2": "2", "reason-L2": "wrong_size", "resolution-L2": "refund"}
    assert client.post(_form_url(order), data=data).status_code == 302
    again = client.post(_form_url(order), data=data)  # the same form, sent from the other tab
    assert again.status_code == 422
    assert db.session.scalar(select(func.count(ReturnRequest.id))) == 1


def test_someone_else_cannot_open_the_return(app, client, make_merchant, delivered_order, make_order):
    shop = make_merchant("kodinkone")
    order = delivered_order(shop, locale="en")
    ret = services.request_return(
        order, {"items": [{"item_id": "L2", "quantity": 1, "reason": "other", "resolution": "refund"}]}, actor=SHOP
    )
    other = make_order(shop, customer={"email": "someone@example.fi", "name": "Joku"})
    open_link(client, other)
    for url in (f"/s/kodinkone/returns/{ret.id}", f"/s/kodinkone/returns/{ret.id}/slip.pdf", _form_url(order)):
        response = client.get(url)
        assert response.status_code == 302 and "/s/kodinkone/" in response.headers["Location"]


def test_the_buyer_cancels_their_return(app, client, make_merchant, delivered_order):
    shop = make_merchant("kodinkone")
    order = delivered_order(shop, locale="en")
    ret = services.request_return(
        order, {"items": [{"item_id": "L2", "quantity": 1, "reason": "other", "resolution": "refund"}]}, actor=SHOP
    )
    open_link(client, order)
    page = client.get(f"/s/kodinkone/returns/{ret.id}").get_data(as_text=True)
    response = client.post(
        f"/s/kodinkone/returns/{ret.id}/cancel", data={"csrf_token": csrf_from(page)}, follow_redirects=True
    )
    assert "is cancelled. You keep the items." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(ReturnRequest, ret.id).status == "cancelled"


def test_an_unsent_order_is_cancelled_and_refunded(app, client, make_merchant, delivered_order):
    shop = make_merchant("kodinkone")
    order = delivered_order(shop, shipped=False, locale="en")
    html = open_link(client, order)
    assert "You can cancel it instead" in html
    page = client.get(f"/s/kodinkone/orders/{order.number}/cancel").get_data(as_text=True)
    assert "€1,048.00 goes back to your original payment" in unescape(page)
    response = client.post(
        f"/s/kodinkone/orders/{order.number}/cancel", data={"csrf_token": csrf_from(page)}, follow_redirects=True
    )
    html = unescape(response.get_data(as_text=True))
    assert f"Order {order.number} is cancelled." in html and "Cancelled" in html
    refunds = db.session.scalars(select(Refund).where(Refund.order_id == order.id)).all()
    assert [(r.amount, r.source) for r in refunds] == [(104800, "cancellation")]
