"""The console's refunds: the shop's list, sending a failed one again, and refunding by hand."""

from __future__ import annotations

from html import unescape

import pytest
from sqlalchemy import func, select

from portal.actors import Actor
from portal.audit.models import AuditEntry
from portal.extensions import db
from portal.payments import services as ledger
from portal.payments.models import Refund, SimulatedTransaction
from portal.payments.providers.simulated import switch_next_call
from tests.conftest import csrf_from

SHOP_SYSTEM = Actor(kind="api_key", id="key_1", label="Shop backend")


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return unescape(response.get_data(as_text=True))


def provider_refunds() -> list[tuple[int, str]]:
    """What the payment provider actually paid back: (amount, status) per call that moved money."""
    return list(
        db.session.execute(
            select(SimulatedTransaction.amount, SimulatedTransaction.status).order_by(SimulatedTransaction.created_at)
        ).all()
    )


def refund_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Refund))


@pytest.fixture
def admin_a(make_user, shop_a):
    return make_user(email="admin@kodinkone.fi", role="merchant_admin", merchant=shop_a)


@pytest.fixture
def order_a(shop_a, make_order):
    return make_order(shop_a, "1001", locale="en")  # €948.00 captured


def test_the_list_shows_the_shops_refunds_newest_first_with_what_staff_need(
    client, sign_in, agent_a, shop_a, order_a, make_order
):
    second = make_order(shop_a, "1002")
    ledger.request_refund(order_a, 2000, "manual", "Scratch on the door", SHOP_SYSTEM)
    switch_next_call("fail", "expired_or_canceled_card")
    failed = ledger.request_refund(second, 5000, "claim", "Dented", SHOP_SYSTEM)
    sign_in(agent_a.email)
    html = page(client, "/console/refunds")
    assert 'aria-current="page">Refunds</a>' in html
    assert html.index("€50.00") < html.index("€20.00")  # newest first
    assert 'href="/console/orders/1001"' in html and 'href="/console/orders/1002"' in html
    assert "Scratch on the door" in html and "Manual" in html and "Claim" in html
    assert "Refunded" in html and "Failed" in html
    assert "Provider's reason: The card has expired or was cancelled." in html
    assert "Shop backend" in html  # requested by
    db.session.refresh(failed)
    succeeded = db.session.scalars(select(Refund).where(Refund.status == "succeeded")).one()
    assert succeeded.provider_reference in html
    assert html.count("Send again") == 1
    assert f'action="/console/refunds/{failed.id}/retry"' in html


def test_the_status_filter_shows_only_refunds_of_that_status(client, sign_in, agent_a, order_a):
    ledger.request_refund(order_a, 2000, "manual", "first", SHOP_SYSTEM)
    switch_next_call("fail")
    ledger.request_refund(order_a, 3000, "manual", "second", SHOP_SYSTEM)
    sign_in(agent_a.email)
    failed = page(client, "/console/refunds?status=failed")
    assert "€30.00" in failed and "€20.00" not in failed
    succeeded = page(client, "/console/refunds?status=succeeded")
    assert "€20.00" in succeeded and "€30.00" not in succeeded
    assert "No refunds with this status." in page(client, "/console/refunds?status=pending")
    everything = page(client, "/console/refunds?status=nonsense")
    assert "€20.00" in everything and "€30.00" in everything


def test_the_list_pages_by_cursor_without_repeating_or_skipping(client, sign_in, agent_a, order_a):
    amounts = [100 + n for n in range(27)]  # €1.00 … €1.26, the last one newest
    for amount in amounts:
        ledger.request_refund(order_a, amount, "manual", "", SHOP_SYSTEM)
    sign_in(agent_a.email)
    first = page(client, "/console/refunds")
    cursor = first[first.index("cursor=") + 7 : first.index('"', first.index("cursor="))]
    second = page(client, f"/console/refunds?cursor={cursor}")
    shown = [a for a in amounts if f"€{a / 100:.2f}" in first] + [a for a in amounts if f"€{a / 100:.2f}" in second]
    assert sorted(shown) == amounts
    assert f"€{amounts[-1] / 100:.2f}" in first and f"€{amounts[0] / 100:.2f}" in second
    assert 'rel="next"' not in second


def test_another_shop_neither_sees_nor_sends_again_a_shops_refunds(client, sign_in, agent_b, order_a):
    switch_next_call("fail")
    refund = ledger.request_refund(order_a, 5000, "manual", "Dented", SHOP_SYSTEM)
    sign_in(agent_b.email)
    html = page(client, "/console/refunds")
    assert "€50.00" not in html and "1001" not in html and "No refunds yet" in html
    response = client.post(f"/console/refunds/{refund.id}/retry", data={"csrf_token": csrf_from(html)})
    assert response.status_code == 404
    db.session.refresh(refund)
    assert (refund.status, refund.attempt) == ("failed", 1)
    assert provider_refunds() == [(5000, "failed")]


def test_a_failed_refund_is_sent_again_once_and_then_paid_back(client, sign_in, agent_a, order_a):
    switch_next_call("fail")
    refund = ledger.request_refund(order_a, 5000, "manual", "Dented", SHOP_SYSTEM)
    sign_in(agent_a.email)
    token = csrf_from(page(client, "/console/refunds?status=failed"))
    response = client.post(
        f"/console/refunds/{refund.id}/retry", data={"csrf_token": token, "status": "failed"}, follow_redirects=True
    )
    html = unescape(response.get_data(as_text=True))
    assert response.status_code == 200
    assert "The payment provider accepted the refund of €50.00" in html
    db.session.refresh(refund)
    assert (refund.status, refund.attempt) == ("succeeded", 2)
    assert provider_refunds() == [(5000, "failed"), (5000, "succeeded")]

    again = client.post(f"/console/refunds/{refund.id}/retry", data={"csrf_token": token}, follow_redirects=True)
    assert "Only a failed refund can be sent again." in unescape(again.get_data(as_text=True))
    assert provider_refunds() == [(5000, "failed"), (5000, "succeeded")]
    assert ledger.money_summary(order_a).refunded == 5000


def test_the_send_again_button_needs_a_merchant_role(client, sign_in, make_user, order_a):
    switch_next_call("fail")
    refund = ledger.request_refund(order_a, 5000, "manual", "", SHOP_SYSTEM)
    make_user(email="support@apuri.example", role="support_agent", merchant=order_a.merchant)
    sign_in("support@apuri.example")
    html = page(client, "/console/refunds?shop=kodinkone")
    assert "€50.00" in html and "Send again" not in html
    response = client.post(f"/console/refunds/{refund.id}/retry?shop=kodinkone", data={"csrf_token": csrf_from(html)})
    assert response.status_code == 403
    db.session.refresh(refund)
    assert refund.status == "failed"


# -- refunding by hand on the order page ---------------------------------------------------


def refund_form(client, number: str = "1001") -> str:
    return csrf_from(page(client, f"/console/orders/{number}"))


def test_the_order_page_shows_the_orders_money(client, sign_in, agent_a, shop_a, order_a):
    from portal.orders.models import Customer
    from portal.payments import store_credit

    ledger.request_refund(order_a, 10000, "manual", "", SHOP_SYSTEM)
    switch_next_call("lose_answer")
    ledger.request_refund(order_a, 2000, "manual", "", SHOP_SYSTEM)
    switch_next_call("fail")
    ledger.request_refund(order_a, 3000, "manual", "", SHOP_SYSTEM)
    store_credit.issue(db.session.get(Customer, order_a.customer_id), 1500, "EUR", actor=SHOP_SYSTEM, order=order_a)
    sign_in(agent_a.email)
    html = page(client, "/console/orders/1001")
    figures = html[html.index('class="data money-summary"') : html.index('id="refunds-title"')]
    for label, amount in [
        ("Paid", "€948.00"),
        ("Refunded", "€100.00"),
        ("Refunds pending", "€20.00"),
        ("Refunds failed", "€30.00"),
        ("Store credit issued", "€15.00"),
        ("Can still be refunded", "€828.00"),
    ]:
        assert f"{label}</th><td" in figures or f"{label}<span" in figures, label
        assert amount in figures, amount
    assert "Refund requested" in html  # the refunds' history is in the order's history


def test_an_admin_refunds_by_hand_and_the_provider_pays_it_back_once(client, sign_in, admin_a, order_a):
    sign_in(admin_a.email)
    token = refund_form(client)
    response = client.post(
        "/console/orders/1001/refunds",
        data={"csrf_token": token, "amount": "12,50", "reason": "Goodwill: late delivery"},
        follow_redirects=True,
    )
    html = unescape(response.get_data(as_text=True))
    assert response.status_code == 200
    assert "The payment provider accepted the refund of €12.50" in html
    assert 'Can still be refunded</th><td class="num">€935.50' in html
    refund = db.session.scalars(select(Refund)).one()
    assert (refund.amount, refund.currency, refund.source, refund.status) == (1250, "EUR", "manual", "succeeded")
    assert refund.reason == "Goodwill: late delivery" and refund.requested_by == "admin@kodinkone.fi"
    assert provider_refunds() == [(1250, "succeeded")]


def test_a_point_works_as_the_decimal_separator_too(client, sign_in, admin_a, order_a):
    sign_in(admin_a.email)
    client.post(
        "/console/orders/1001/refunds", data={"csrf_token": refund_form(client), "amount": "0.05", "reason": "Rounding"}
    )
    assert db.session.scalars(select(Refund.amount)).all() == [5]


def test_more_than_what_remains_is_refused_on_the_field_with_the_remaining_amount(client, sign_in, admin_a, order_a):
    ledger.request_refund(order_a, 90000, "manual", "", SHOP_SYSTEM)
    sign_in(admin_a.email)
    response = client.post(
        "/console/orders/1001/refunds",
        data={"csrf_token": refund_form(client), "amount": "48,01", "reason": "Too much"},
    )
    html = unescape(response.get_data(as_text=True))
    assert response.status_code == 422
    assert 'id="amount-error">At most €48.00 can still be refunded on this order.' in html
    assert 'value="48,01"' in html  # what the admin typed is kept
    assert refund_count() == 1
    assert provider_refunds() == [(90000, "succeeded")]
    assert (
        db.session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "refund.requested"))
        == 1
    )


@pytest.mark.parametrize(
    ("amount", "reason", "field", "message"),
    [
        ("0", "Nothing", "amount", "Enter an amount above zero."),
        ("0,00", "Nothing", "amount", "Enter an amount above zero."),
        ("12,505", "Cents", "amount", "Enter the amount like 12,50 or 12.50."),
        ("12 50", "Typo", "amount", "Enter the amount like 12,50 or 12.50."),
        ("-5", "Negative", "amount", "Enter the amount like 12,50 or 12.50."),
        ("", "Empty", "amount", "Enter the amount to refund."),
        ("10", "   ", "reason", "Enter the reason for the refund."),
    ],
)
def test_a_bad_amount_or_no_reason_is_shown_on_its_field_and_nothing_is_written(
    client, sign_in, admin_a, order_a, amount, reason, field, message
):
    sign_in(admin_a.email)
    response = client.post(
        "/console/orders/1001/refunds", data={"csrf_token": refund_form(client), "amount": amount, "reason": reason}
    )
    html = unescape(response.get_data(as_text=True))
    assert response.status_code == 422
    assert f'id="{field}-error">{message}' in html
    assert 'aria-invalid="true"' in html
    assert refund_count() == 0 and provider_refunds() == []


def test_icelandic_kronur_take_no_decimals(client, sign_in, admin_a, shop_a, make_order):
    make_order(shop_a, "2001", currency="ISK", payment={"provider": "simulated", "captured": 94800})
    sign_in(admin_a.email)
    token = refund_form(client, "2001")
    refused = client.post("/console/orders/2001/refunds", data={"csrf_token": token, "amount": "12,50", "reason": "x"})
    assert refused.status_code == 422
    assert "ISK has no decimals: enter a whole number, e.g. 1250." in unescape(refused.get_data(as_text=True))
    client.post("/console/orders/2001/refunds", data={"csrf_token": token, "amount": "1 250", "reason": "x"})
    assert db.session.scalars(select(Refund.amount)).all() == [1250]


def test_an_agent_sees_the_form_disabled_and_cannot_post_a_refund(client, sign_in, agent_a, order_a):
    sign_in(agent_a.email)
    html = page(client, "/console/orders/1001")
    assert "<fieldset disabled" in html
    assert "Only the shop's admins can refund by hand." in html
    response = client.post(
        "/console/orders/1001/refunds", data={"csrf_token": csrf_from(html), "amount": "10", "reason": "Please"}
    )
    assert response.status_code == 403
    assert refund_count() == 0 and provider_refunds() == []


def test_a_refund_without_the_forms_token_is_refused(client, sign_in, admin_a, order_a):
    sign_in(admin_a.email)
    response = client.post("/console/orders/1001/refunds", data={"amount": "10", "reason": "Forged"})
    assert response.status_code == 400
    assert refund_count() == 0


def test_an_admin_cannot_refund_another_shops_order(client, sign_in, make_user, shop_b, order_a):
    make_user(email="admin@pyorapaja.fi", role="merchant_admin", merchant=shop_b)
    sign_in("admin@pyorapaja.fi")
    token = csrf_from(page(client, "/console/refunds"))
    response = client.post("/console/orders/1001/refunds", data={"csrf_token": token, "amount": "10", "reason": "x"})
    assert response.status_code == 404
    assert refund_count() == 0
