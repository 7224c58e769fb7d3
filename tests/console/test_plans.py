"""The shop's instalment plans in the console: the list with arrears, and one plan's schedule."""

from __future__ import annotations

from datetime import timedelta
from html import unescape

from portal.db import utcnow
from portal.instalments import services as plans
from portal.merchants.services import update_policy
from tests.instalments.conftest import BUYER, FRIDGE, SHOP, TERMS
from tests.returns import conftest as returns_fixtures

delivered_order = returns_fixtures.delivered_order


def started(order, card):
    plan = plans.start_plan(order, {"months": 3, "accept_terms": True}, BUYER)
    return plans.save_card(plan, BUYER, card_number=card)


def test_staff_see_their_plans_and_the_arrears_and_not_another_shops(
    client, shop_a, shop_b, agent_a, agent_b, sign_in, delivered_order
):
    update_policy(shop_a, {"instalments": TERMS}, actor=SHOP)
    paying = started(delivered_order(shop_a, "5001", items=FRIDGE), "4242 4242 4242 4242")
    late = started(delivered_order(shop_a, "5002", items=FRIDGE), "4000 0000 0000 0341")
    plans.charge_due(utcnow() + timedelta(days=(late.instalments[1].due_on - late.started_on).days))

    sign_in(agent_a.email)
    html = unescape(client.get("/console/plans").get_data(as_text=True))
    assert "1 plan is in arrears" in html and "€318.60 unpaid in total" in html
    assert paying.number in html and late.number in html and "In arrears" in html
    only_late = unescape(client.get("/console/plans?status=in_arrears").get_data(as_text=True))
    assert late.number in only_late and paying.number not in only_late
    detail = unescape(client.get(f"/console/plans/{late.id}").get_data(as_text=True))
    assert "The card was declined." in detail and "Not paid" in detail and "Visa •••• 0341" in detail
    assert client.get("/console/plans?cursor=broken").status_code == 200

    other = client.application.test_client()
    sign_in(agent_b.email, using=other)
    assert other.get(f"/console/plans/{late.id}").status_code == 404
    assert late.number not in other.get("/console/plans").get_data(as_text=True)


def test_the_order_page_in_the_console_links_its_plan(client, shop_a, agent_a, sign_in, delivered_order):
    update_policy(shop_a, {"instalments": TERMS}, actor=SHOP)
    plan = started(delivered_order(shop_a, "5003", items=FRIDGE), "4242 4242 4242 4242")
    sign_in(agent_a.email)
    html = unescape(client.get("/console/orders/5003").get_data(as_text=True))
    assert f'/console/plans/{plan.id}"' in html and "Active" in html and "€320.10 paid, €637.20 left." in html
