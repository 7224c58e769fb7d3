"""The buyer's order page tells where their money is: paid, back, on its way, store credit."""

from __future__ import annotations

from html import unescape

from portal.actors import Actor
from portal.buyers.services import summarise
from portal.extensions import db
from portal.orders.models import Customer
from portal.payments import services as ledger
from portal.payments import store_credit
from portal.payments.providers.simulated import switch_next_call
from tests.buyers.test_order_page import open_link

STAFF = Actor(kind="user", id="usr_1", label="admin@kodinkone.fi")


def payment_card(html: str) -> str:
    html = unescape(html)
    return html[html.index('id="payment-title"') : html.index('id="address-title"')]


def test_the_payment_card_shows_refunded_on_its_way_and_store_credit(client, make_merchant, make_order):
    shop = make_merchant("kodinkone", name="Kodinkone Oy")
    order = make_order(shop, "1001", locale="en")
    ledger.request_refund(order, 20000, "manual", "Scratch", STAFF)
    switch_next_call("lose_answer")  # refunded at the provider, answer not back yet: on its way
    ledger.request_refund(order, 5000, "claim", "", STAFF)
    aino = db.session.get(Customer, order.customer_id)
    store_credit.issue(aino, 3000, "EUR", actor=STAFF, order=order)

    card = payment_card(open_link(client, order))
    assert "Paid</dt><dd>€948.00" in card
    assert "Refunded to you</dt><dd>€200.00" in card
    assert "On its way back to you</dt><dd>€50.00" in card
    assert "Given as store credit</dt><dd>€30.00" in card
    assert "You have €30.00 of store credit at Kodinkone Oy." in card
    assert "refundable" not in card.lower() and "Can still be refunded" not in card
    # the ledger holds what the page says
    summary = ledger.money_summary(order)
    assert (summary.refunded, summary.pending, summary.store_credit_issued) == (20000, 5000, 3000)


def test_the_store_credit_line_shows_the_balance_left_and_only_when_there_is_one(
    app, client, make_merchant, make_order
):
    # Credit given or spent without an order changes the customer, not the order: this process
    # may trust the order's head for ORDER_HEAD_TTL_SECONDS; this test looks past that window.
    app.config["ORDER_HEAD_TTL_SECONDS"] = 0
    shop = make_merchant("kodinkone", name="Kodinkone Oy")
    order = make_order(shop, "1001", locale="en")
    assert "store credit" not in payment_card(open_link(client, order))
    aino = db.session.get(Customer, order.customer_id)
    store_credit.issue(aino, 3000, "EUR", actor=STAFF)  # not for this order: a balance, nothing "given" here
    store_credit.redeem(shop, aino.email, 1000, "EUR", actor=STAFF)
    card = payment_card(open_link(client, order))
    assert "You have €20.00 of store credit at Kodinkone Oy." in card
    assert "Given as store credit" not in card
    store_credit.redeem(shop, aino.email, 2000, "EUR", actor=STAFF)
    assert "store credit" not in payment_card(open_link(client, order))


def test_credit_at_another_shop_is_not_shown(client, make_merchant, make_order):
    shop = make_merchant("kodinkone", name="Kodinkone Oy")
    other_shop = make_merchant("pyorapaja", name="Pyöräpaja")
    order = make_order(shop, "1001", locale="en")
    elsewhere = make_order(other_shop, "1001", locale="en")  # the same e-mail, another shop
    store_credit.issue(db.session.get(Customer, elsewhere.customer_id), 3000, "EUR", actor=STAFF, order=elsewhere)
    assert "store credit" not in payment_card(open_link(client, order))


def test_the_pages_figures_are_the_ledgers(make_merchant, make_order):
    shop = make_merchant("kodinkone")
    order = make_order(shop, "1001")
    ledger.request_refund(order, 10000, "manual", "", STAFF)
    switch_next_call("lose_answer")
    ledger.request_refund(order, 2000, "manual", "", STAFF)
    switch_next_call("fail")
    ledger.request_refund(order, 3000, "manual", "", STAFF)
    aino = db.session.get(Customer, order.customer_id)
    store_credit.issue(aino, 1500, "EUR", actor=STAFF, order=order)
    store_credit.issue(aino, 700, "EUR", actor=STAFF)
    summary = summarise(order)
    assert summary.money == ledger.money_summary(order)
    assert summary.store_credit == {"EUR": 2200}


def test_refunds_and_store_credit_add_no_queries_to_the_page(app, client, make_merchant, make_order, count_queries):
    app.config["ORDER_PAGE_CACHE_SIZE"] = 0  # measure the real work, not the cache
    app.config["ORDER_HEAD_TTL_SECONDS"] = 0  # nor a head fetched within the last second (timing-dependent)
    shop = make_merchant("kodinkone")
    plain = make_order(shop, "1001", locale="en")
    busy = make_order(shop, "1002", locale="en")
    for amount in (1000, 2000, 3000):
        ledger.request_refund(busy, amount, "manual", "", STAFF)
    store_credit.issue(db.session.get(Customer, busy.customer_id), 1500, "EUR", actor=STAFF, order=busy)
    open_link(client, plain)
    open_link(client, busy)
    with count_queries() as plain_count:
        assert client.get("/s/kodinkone/orders/1001").status_code == 200
    with count_queries() as busy_count:
        html = client.get("/s/kodinkone/orders/1002").get_data(as_text=True)
    assert "€60.00" in unescape(html)
    assert plain_count() == busy_count() <= 13  # as in test_order_page (claims, plan and tickets included)
