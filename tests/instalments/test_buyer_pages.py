"""The buyer's instalment pages as a buyer uses them: the offer on the order page, every plan's
whole cost, accepting the terms, saving a card, the plan, its agreement, paying off and changing
one's mind; and nobody else sees any of it."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from html import unescape

import pytest
from babel.dates import format_date
from pypdf import PdfReader
from sqlalchemy import func, select

from portal.db import utcnow
from portal.extensions import db
from portal.instalments import services as plans
from portal.instalments.models import InstalmentPlan
from portal.merchants.services import update_policy
from portal.orders.services import get_order
from portal.payments.models import Charge, Refund
from tests.conftest import csrf_from
from tests.instalments.conftest import FRIDGE, PAID, SHOP
from tests.returns.test_buyer_return_pages import open_link

OK_CARD = "4242 4242 4242 4242"
DECLINING_CARD = "4000 0000 0000 0341"

# What each length costs on the shop's terms (9.9 % nominal, 1,50 € set-up fee) for 948,00 €.
OFFERS = {
    3: {"monthly": "€318.60", "first": "€320.10", "apr": "12.5%", "total": "€957.30", "interest": "€7.80"},
    6: {"monthly": "€161.26", "first": "€162.76", "apr": "11.2%", "total": "€969.08", "interest": "€19.58"},
    12: {"monthly": "€82.62", "first": "€84.12", "apr": "10.8%", "total": "€992.94", "interest": "€43.44"},
}
FIRST_OF_THREE = 32010
BACK_NOW = PAID - FIRST_OF_THREE  # 627,90 € back to the card when a 3-month plan starts


@pytest.fixture
def order(shop, delivered_order):
    """The qualifying 948,00 € order, its pages in English."""
    return delivered_order(shop, days_ago=3, items=FRIDGE, locale="en")


def _page(response) -> str:
    return unescape(response.get_data(as_text=True))


def _options_url(order) -> str:
    return f"/s/{order.merchant.slug}/orders/{order.number}/instalments"


def _order_url(order) -> str:
    return f"/s/{order.merchant.slug}/orders/{order.number}"


def _plan_url(plan) -> str:
    return f"/s/{plan.order.merchant.slug}/plans/{plan.id}"


def _long(day) -> str:
    return format_date(day, "long", locale="en")


def _medium(day) -> str:
    return format_date(day, "medium", locale="en")


def _accept(client, order, **fields):
    """The options form as the browser sends it, with the page's CSRF token."""
    token = csrf_from(client.get(_options_url(order)).get_data(as_text=True))
    return client.post(_options_url(order), data={"csrf_token": token, **fields})


def _save_card(client, card_url: str, number: str):
    token = csrf_from(client.get(card_url).get_data(as_text=True))
    return client.post(card_url, data={"csrf_token": token, "card_number": number})


def _start(client, order, months: int = 3, card: str = OK_CARD):
    """Accept a plan and save the card on the pages; the response of saving the card."""
    accepted = _accept(client, order, months=str(months), accept_terms="yes")
    assert accepted.status_code == 302
    return _save_card(client, accepted.headers["Location"], card)


def _the_plan() -> InstalmentPlan:
    db.session.expire_all()
    return db.session.scalars(select(InstalmentPlan).order_by(InstalmentPlan.created_at.desc())).first()


def _refunds(order) -> list[Refund]:
    return list(db.session.scalars(select(Refund).where(Refund.order_id == order.id)))


def _charges(order) -> list[Charge]:
    return list(db.session.scalars(select(Charge).where(Charge.order_id == order.id).order_by(Charge.created_at)))


def _offer_block(html: str, months: int) -> str:
    """The part of the options page that describes one plan length."""
    start = html.index(f'<label class="plan-offer-choice" for="months-{months}">')
    end = html.find('<label class="plan-offer-choice"', start + 1)
    return html[start : end if end != -1 else html.index('id="accept_terms"')]


def test_the_order_page_offers_instalments_only_when_the_order_qualifies(client, shop, order, delivered_order):
    html = open_link(client, order)
    assert "Spread the cost" in html and "Pay in instalments" in html
    assert "from €82.62 a month for 12 months" in html
    assert f'href="{_options_url(order)}"' in html
    # An order paid by invoice cannot switch: the order page does not offer it.
    invoiced = delivered_order(
        shop,
        days_ago=3,
        items=FRIDGE,
        locale="en",
        payment={"provider": "simulated", "reference": "p2", "method": "invoice", "captured": PAID},
    )
    html = _page(client.get(_order_url(invoiced)))
    assert "Pay in instalments" not in html and _options_url(invoiced) not in html
    # The shop stops offering instalments: the same order's page (cached a moment ago) no longer
    # offers them, and the options page says why.
    update_policy(shop, {"instalments": {"enabled": False}}, actor=SHOP)
    html = _page(client.get(_order_url(order)))
    assert "Spread the cost" not in html and _options_url(order) not in html
    options = client.get(_options_url(order))
    assert options.status_code == 200
    html = _page(options)
    assert "This order cannot be switched to instalments" in html
    assert "The shop does not offer instalments." in html
    assert 'name="months"' not in html and "Accept and continue" not in html


def test_the_options_page_shows_every_plan_with_its_whole_cost_and_due_dates(client, order):
    open_link(client, order)
    response = client.get(_options_url(order))
    assert response.status_code == 200
    html = _page(response)
    assert "You paid €948.00. The first instalment is kept from that payment" in html
    found = plans.options(get_order(order.merchant_id, order.number))
    assert [o.months for o in found.offers] == [3, 6, 12]
    for offer in found.offers:
        block = _offer_block(html, offer.months)
        cost = OFFERS[offer.months]
        assert f"{offer.months} months: {cost['monthly']} a month" in block
        assert f'id="months-{offer.months}"' in block and f'aria-describedby="example-{offer.months}"' in block
        assert re.search(rf'class="plan-apr">\s*{re.escape(cost["apr"])}', block)
        assert re.search(rf'class="plan-total">\s*<strong>{re.escape(cost["total"])}</strong>', block)
        assert f"First instalment, today</dt><dd>{cost['first']}</dd>" in block
        assert "Set-up fee</dt><dd>€1.50</dd>" in block and "Monthly fee</dt><dd>€0.00</dd>" in block
        assert "Fees in total</dt><dd>€1.50</dd>" in block
        assert f"Interest in total</dt><dd>{cost['interest']}</dd>" in block
        assert "Nominal interest rate</dt><dd>9.9%</dd>" in block
        # Every due date with its amount, the first one today.
        rows = offer.plan.instalments
        assert len(rows) == offer.months and rows[0].due_on == offer.first_due_on
        for row in rows:
            amount = f"€{row.amount / 100:,.2f}"
            assert f'<td>{row.number}</td><td>{_medium(row.due_on)}</td><td class="num">{amount}</td>' in block
        assert (
            f"Representative example: a credit of €948.00 over {offer.months} months at a fixed nominal rate "
            f"of 9.9%, with fees of €1.50, gives an APR of {cost['apr']}; {offer.months} instalments, "
            f"{cost['total']} payable in total."
        ) in block
    # The middle length is chosen to start with; the terms are never ticked for the buyer.
    assert 'id="months-6" checked' in html
    assert re.search(r'<input type="checkbox" name="accept_terms" value="yes" id="accept_terms"\s*>', html)
    assert '<label for="accept_terms">' in html


def test_without_ticking_the_terms_the_form_says_so_beside_the_box_and_nothing_is_created(client, order):
    open_link(client, order)
    response = _accept(client, order, months="3")
    assert response.status_code == 422
    html = _page(response)
    assert "Please check the fields marked below." in html
    assert '<a href="#accept_terms">Please read the terms and tick the box to accept them.</a>' in html  # the summary
    checkbox = html[html.index('id="accept_terms"') - 80 : html.index("What happens next:")]
    assert 'aria-invalid="true" aria-describedby="accept-error"' in checkbox
    assert '<p class="error" id="accept-error">Please read the terms and tick the box to accept them.</p>' in checkbox
    assert 'id="months-3" checked' in html  # the choice stays
    # A length the shop does not offer is named beside the plans.
    response = _accept(client, order, months="4", accept_terms="yes")
    assert response.status_code == 422
    html = _page(response)
    assert '<p class="error" id="months-error">Choose one of the plans offered: 3, 6, 12 months.</p>' in html
    assert '<a href="#months-error">Choose one of the plans offered: 3, 6, 12 months.</a>' in html
    assert db.session.scalar(select(func.count(InstalmentPlan.id))) == 0
    assert _refunds(order) == [] and _charges(order) == []


def test_accepting_the_terms_leads_to_the_card_page_and_moves_no_money(client, order):
    open_link(client, order)
    response = _accept(client, order, months="3", accept_terms="yes")
    assert response.status_code == 302
    plan = _the_plan()
    assert (plan.status, plan.months, plan.total_payable) == ("awaiting_card", 3, 95730)
    assert response.headers["Location"].endswith(f"{_plan_url(plan)}/card")
    html = _page(client.get(response.headers["Location"]))
    assert "Save a card for your instalments" in html
    assert "3 months: €318.60 a month" in html and "12.5%" in html and "€957.30" in html
    assert "the plan starts, €627.90 goes back to your original payment" in html
    assert '<label for="card_number">Card number</label>' in html
    assert 'autocomplete="cc-number"' in html and 'inputmode="numeric"' in html
    assert _refunds(order) == [] and _charges(order) == []
    # Until the card is saved the order page lets the buyer come back to it.
    html = _page(client.get(_order_url(order)))
    assert "Continue switching to instalments" in html


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("4242 4242 4242 4241", "The card number is not valid. Check it and try again."),
        ("4000 0000 0000 0002", "The card was declined."),
    ],
)
def test_a_bad_card_is_named_beside_the_field_and_the_plan_waits(client, order, number, message):
    open_link(client, order)
    card_url = _accept(client, order, months="3", accept_terms="yes").headers["Location"]
    response = _save_card(client, card_url, number)
    assert response.status_code == 422
    html = _page(response)
    field = html[html.index('<label for="card_number">') : html.index('<div class="field-row">')]
    assert 'aria-invalid="true" aria-describedby="card-error"' in field
    assert f'<p class="error" id="card-error">{message}</p>' in field
    assert number not in html  # the card number is never written back into the page
    assert _the_plan().status == "awaiting_card"
    assert _refunds(order) == [] and _charges(order) == []


def test_the_test_card_starts_the_plan_and_the_plan_page_shows_where_it_stands(client, order):
    open_link(client, order)
    response = _start(client, order)
    plan = _the_plan()
    assert response.status_code == 302 and response.headers["Location"].endswith(_plan_url(plan))
    html = _page(client.get(response.headers["Location"]))
    token = csrf_from(html)
    assert (
        "Your instalment plan has started. €627.90 is on its way back to your original payment; "
        "the agreement is in your e-mail."
    ) in html
    assert f"Instalment plan {plan.number}" in html
    assert re.search(r'class="status plan-status plan-status-active">\s*Active', html)
    assert '<dd class="plan-paid">€320.10</dd>' in html and '<dd class="plan-left">€637.20</dd>' in html
    second = plan.instalments[1]
    assert (
        f"€318.60 is charged to your card Visa •••• 4242 on {_long(second.due_on)}. "
        "You get a reminder a few days before."
    ) in html
    assert f'href="{_plan_url(plan)}/agreement.pdf"' in html and "Your agreement (PDF)" in html
    schedule = html[html.index('id="schedule-title"') :]
    for row in plan.instalments:
        assert f"<td>{row.number}</td><td>{_medium(row.due_on)}</td>" in schedule
    assert (
        'Paid <span class="block muted">from your original payment</span>' in schedule
        and schedule.count("Scheduled") == 2
    )
    # The order page tells the switch apart from a refund of the purchase.
    order_html = _page(client.get(_order_url(order)))
    assert "Partly refunded" not in order_html and "Paying in instalments" in order_html
    assert "the rest of your payment, as the order is now paid in instalments" in order_html
    # The money: 627,90 € back to the card through the ledger, once; nothing charged yet.
    assert [(r.source, r.source_id, r.amount, r.status) for r in _refunds(order)] == [
        ("instalment_switch", plan.id, BACK_NOW, "succeeded")
    ]
    assert _charges(order) == []
    # The order page now shows the plan instead of the offer.
    html = _page(client.get(_order_url(order)))
    assert "Paying in instalments" in html and "€320.10 paid, €637.20 left." in html
    assert f"Next: €318.60 on {_long(second.due_on)}." in html and f'href="{_plan_url(plan)}"' in html
    assert "Pay in instalments</a>" not in html
    # Saving the card again (a reload, a double tap) moves nothing more.
    again = client.post(f"{_plan_url(plan)}/card", data={"csrf_token": token, "card_number": OK_CARD})
    assert again.status_code == 302 and again.headers["Location"].endswith(_plan_url(plan))
    assert len(_refunds(order)) == 1


def test_the_agreement_is_a_pdf_with_the_apr_and_the_total_payable(client, order):
    open_link(client, order)
    _start(client, order)
    plan = _the_plan()
    response = client.get(f"{_plan_url(plan)}/agreement.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    assert f'filename="agreement-{plan.number}.pdf"' in response.headers["Content-Disposition"]
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    assert f"Instalment agreement {plan.number}" in text
    assert "Annual percentage rate of charge (APR)" in text and "12.5%" in text
    assert "Total amount payable" in text and "€957.30" in text


def test_another_buyer_is_sent_to_the_lookup_and_never_sees_the_plan(app, client, shop, order, make_order):
    open_link(client, order)
    _start(client, order)
    plan = _the_plan()
    waiting_order = make_order(shop, locale="en")  # Aino's second order, a plan waiting for a card
    open_link(client, waiting_order)
    card_url = _accept(client, waiting_order, months="3", accept_terms="yes").headers["Location"]
    waiting = _the_plan()
    assert waiting.status == "awaiting_card"

    other = make_order(shop, customer={"email": "someone@example.fi", "name": "Joku"}, locale="en")
    stranger = app.test_client()
    open_link(stranger, other)
    nobody = app.test_client()
    for browser in (stranger, nobody):
        urls = (_plan_url(plan), f"{_plan_url(plan)}/agreement.pdf", card_url, _options_url(order))
        for url in urls:
            response = browser.get(url)
            assert response.status_code == 302, url
            assert response.headers["Location"].endswith(f"/s/{shop.slug}/"), url
        token = csrf_from(browser.get(f"/s/{shop.slug}/").get_data(as_text=True))
        for url, data in (
            (f"{_plan_url(plan)}/pay", {"what": "payoff"}),
            (card_url, {"card_number": OK_CARD}),
            (f"{_plan_url(waiting)}/cancel", {}),
        ):
            response = browser.post(url, data={"csrf_token": token, **data})
            assert response.status_code == 302 and response.headers["Location"].endswith(f"/s/{shop.slug}/"), url
        looked_up = _page(browser.get(f"/s/{shop.slug}/"))
        assert plan.number not in looked_up and "Instalment plan" not in looked_up
    db.session.expire_all()
    assert db.session.get(InstalmentPlan, plan.id).status == "active"
    assert db.session.get(InstalmentPlan, waiting.id).status == "awaiting_card"
    assert _charges(order) == [] and _refunds(waiting_order) == []


def test_paying_off_from_the_plan_page_settles_the_plan_and_the_flash_says_so(client, order):
    open_link(client, order)
    _start(client, order)
    plan = _the_plan()
    html = _page(client.get(_plan_url(plan)))
    assert "Withdraw from the credit or pay early" in html
    assert '<dd class="payoff-amount"><strong>€627.90</strong></dd>' in html
    assert "The fees you paid, €1.50, are taken off." in html
    token = csrf_from(html)
    response = client.post(f"{_plan_url(plan)}/pay", data={"csrf_token": token, "what": "payoff"})
    assert response.status_code == 302 and response.headers["Location"].endswith(_plan_url(plan))
    html = _page(client.get(_plan_url(plan)))
    assert "Thank you: €627.90 is paid. Your instalment plan is paid off and nothing more will be charged." in html
    assert re.search(r'class="status plan-status plan-status-paid_off">\s*Paid off', html)
    assert "The plan is paid off. Nothing more to pay." in html
    assert '<dd class="plan-left">€0.00</dd>' in html and "Pay the rest early" not in html
    assert html.count("Settled early") == 2
    plan = _the_plan()
    assert plan.status == "paid_off" and plan.paid == PAID  # within 14 days: the credit only
    # The ledger: 948,00 € paid, 627,90 € back at the switch, 627,90 € charged now.
    [refund] = _refunds(order)
    assert (refund.source, refund.amount, refund.status) == ("instalment_switch", BACK_NOW, "succeeded")
    [charge] = _charges(order)
    assert (charge.source, charge.source_id, charge.amount, charge.status, charge.mode) == (
        "instalment",
        plan.id,
        BACK_NOW,
        "succeeded",
        "on_session",
    )
    payment = get_order(order.merchant_id, order.number).payment
    assert payment.captured + payment.charged - refund.amount == PAID
    # Paying again moves nothing: the form is gone and a replayed post is refused.
    again = client.post(f"{_plan_url(plan)}/pay", data={"csrf_token": token, "what": "payoff"})
    assert again.status_code == 302
    assert "cannot be paid off right now" in _page(client.get(_plan_url(plan)))
    assert len(_charges(order)) == 1
    html = _page(client.get(_order_url(order)))
    assert "Paid off" in html and "Pay in instalments</a>" not in html


def test_an_unpaid_instalment_is_paid_on_the_plan_page_with_another_card(client, order):
    open_link(client, order)
    _start(client, order, card=DECLINING_CARD)
    plan = _the_plan()
    plans.charge_due(utcnow() + timedelta(days=(plan.instalments[1].due_on - plan.started_on).days))
    html = _page(client.get(_plan_url(plan)))
    assert re.search(r'class="status plan-status plan-status-in_arrears">\s*In arrears', html)
    assert "€318.60 is overdue." in html and "The card was declined." in html
    assert '<label for="arrears-card">Another card (optional)</label>' in html
    response = client.post(
        f"{_plan_url(plan)}/pay", data={"csrf_token": csrf_from(html), "what": "arrears", "card_number": OK_CARD}
    )
    assert response.status_code == 302
    html = _page(client.get(_plan_url(plan)))
    assert "Thank you: €318.60 is paid." in html and "paid off" not in html
    assert re.search(r'class="status plan-status plan-status-active">\s*Active', html)
    assert "Visa •••• 4242" in html
    assert [(c.amount, c.status, c.mode) for c in _charges(order)] == [
        (31860, "failed", "off_session"),
        (31860, "succeeded", "on_session"),
    ]


def test_keep_paying_in_full_cancels_a_waiting_plan_and_the_offer_comes_back(client, order):
    open_link(client, order)
    card_url = _accept(client, order, months="6", accept_terms="yes").headers["Location"]
    html = _page(client.get(card_url))
    assert "Keep paying in full" in html
    response = client.post(f"{_plan_url(_the_plan())}/cancel", data={"csrf_token": csrf_from(html)})
    assert response.status_code == 302 and response.headers["Location"].endswith(_order_url(order))
    html = _page(client.get(_order_url(order)))
    assert "You did not switch to instalments. Your order stays paid in full." in html
    assert "Spread the cost" in html and "Pay in instalments</a>" in html
    assert "Continue switching to instalments" not in html
    assert _the_plan().status == "cancelled"
    assert _refunds(order) == [] and _charges(order) == []
    # The cancelled plan's card page no longer takes a card.
    assert client.get(card_url).headers["Location"].endswith(_plan_url(_the_plan()))
    assert _page(client.get(_options_url(order))).count('type="radio"') == 3


def test_with_the_order_on_a_plan_the_options_page_goes_to_the_plan(client, order):
    open_link(client, order)
    _start(client, order)
    plan = _the_plan()
    response = client.get(_options_url(order))
    assert response.status_code == 302 and response.headers["Location"].endswith(_plan_url(plan))
    token = csrf_from(client.get(_plan_url(plan)).get_data(as_text=True))
    again = client.post(_options_url(order), data={"csrf_token": token, "months": "12", "accept_terms": "yes"})
    assert again.status_code == 302 and again.headers["Location"].endswith(_plan_url(plan))
    assert db.session.scalar(select(func.count(InstalmentPlan.id))) == 1
    assert len(_refunds(order)) == 1
