"""The console's "Today" page: the waiting work as cards with links, the figures as charts with
their numbers, each figure as a CSV file, bad dates, and every shop seeing only its own."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from html import unescape

import pytest

from portal.db import new_id
from portal.extensions import db
from portal.orders.services import merchant_today
from portal.payments import services as ledger
from portal.payments.models import Refund
from portal.returns import services as returns
from tests.conftest import now_iso
from tests.returns import conftest as returns_fixtures
from tests.returns.conftest import BUYER, SHOP, line

delivered_order = returns_fixtures.delivered_order

CARD = re.compile(r'<li class="card today-card[^"]*" id="card-(?P<key>[^"]+)">(?P<body>.*?)</li>', re.S)


def page(client, url: str) -> tuple[int, str]:
    response = client.get(url)
    return response.status_code, unescape(response.get_data(as_text=True))


def cards(html: str) -> dict[str, tuple[int, str]]:
    """Each card's count and the address it links to."""
    found = {}
    for match in CARD.finditer(html):
        body = match.group("body")
        count = int(re.search(r'<span class="today-count">(\d+)</span>', body).group(1))
        found[match.group("key")] = (count, re.search(r'<a href="([^"]+)"', body).group(1))
    return found


def figure(html: str, key: str) -> str:
    match = re.search(rf'<figure class="card insight" id="figure-{key}">(.*?)</figure>', html, re.S)
    assert match, f"no figure {key}"
    return match.group(1)


def failed_refund(order, amount: int) -> None:
    db.session.add(
        Refund(
            merchant_id=order.merchant_id,
            order_id=order.id,
            amount=amount,
            currency=order.currency,
            source="manual",
            status="failed",
            idempotency_key=new_id("key"),
        )
    )
    db.session.commit()


@pytest.fixture
def activity(app, shop_a, shop_b, delivered_order):
    """Shop A today: a pair of shoes of two asked back, two refunds paid (15.00 and 25.00), one
    failed. Shop B: one refund paid (99.00), two returns asked for."""
    order = delivered_order(shop_a, "1001", placed_at=now_iso(-1))
    returns.request_return(order, {"items": [line("L2", 1, "wrong_size")]}, actor=BUYER)
    ledger.request_refund(order, 1500, "manual", "Goodwill", SHOP)
    ledger.request_refund(order, 2500, "manual", "Goodwill", SHOP)
    failed_refund(order, 700)
    for number in ("2001", "2002"):
        theirs = delivered_order(shop_b, number, placed_at=now_iso(-1))
        returns.request_return(theirs, {"items": [line("L1", 1, "defective")]}, actor=BUYER)
    ledger.request_refund(theirs, 9900, "manual", "Goodwill", SHOP)
    return order


def this_week(shop) -> str:
    year, week, _day = merchant_today(shop).isocalendar()
    return f"Week {week}, {year}"


def last_30_days(shop) -> tuple[str, str]:
    today = merchant_today(shop)
    return (today - timedelta(days=29)).isoformat(), today.isoformat()


def test_the_work_cards_count_what_waits_and_link_to_the_filtered_lists(client, sign_in, agent_a, activity):
    sign_in("agent@kodinkone.fi")
    status, html = page(client, "/console/today")
    assert status == 200
    assert cards(html) == {
        "claims": (0, "/console/claims"),
        "returns-requested": (1, "/console/returns?status=requested"),
        "returns-approved": (0, "/console/returns?status=approved"),
        "refunds-failed": (1, "/console/refunds?status=failed"),
        "tickets": (0, "/console/tickets?view=breaching"),
        "parcels-quiet": (0, "/console/orders?view=quiet"),
        "plans-in-arrears": (0, "/console/plans?status=in_arrears"),
    }
    assert "return waits for your decision" in html and "Decide on the returns" in html
    assert "refund failed" in html and "send each one again from the refund list" in html
    assert "Nothing waits here now." in html  # the empty cards say so


def test_each_figure_is_a_chart_with_its_numbers_in_a_table(client, sign_in, agent_a, shop_a, activity):
    sign_in("agent@kodinkone.fi")
    _status, html = page(client, "/console/today")
    week = this_week(shop_a)
    refunds = figure(html, "refunds-by-week")
    assert '<figcaption class="insight-caption"><h3 class="insight-title">Refunds by week</h3>' in refunds
    svg = re.search(r'<svg class="bar-chart" role="img" aria-label="([^"]*)"', refunds)
    # 15.00 + 25.00 = 40.00 in two refunds this week; the failed one is not money back.
    assert svg and f"{week}: €40.00 in 2 refunds" in svg.group(1)
    assert f'<th scope="row">{week}</th><td class="num">2</td><td class="num">€40.00</td>' in refunds
    assert "<table" in refunds and "<script" not in html and "style=" not in html

    rate = figure(html, "return-rate")
    # SHOE-42: one of the two pairs asked back → 50 per cent.
    assert 'aria-label="SHOE-42 Juoksukenkä: 50%"' in rate
    assert '<td class="num">2</td><td class="num">1</td><td class="num">50%</td>' in rate

    money = figure(html, "money-back")
    assert "Refunded to the payment: €40.00" in money and "Store credit issued: €0.00" in money
    first, last = last_30_days(shop_a)
    assert f'href="/console/today/refunds-by-week.csv?from={first}&to={last}"' in html
    assert "No claims were opened in these days." in html


def read_csv(response) -> list[list[str]]:
    body = response.get_data()
    assert body.startswith("\ufeff".encode())  # UTF-8 with a byte-order mark, for spreadsheets
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def test_a_figure_downloads_as_csv(client, sign_in, agent_a, shop_a, activity):
    sign_in("agent@kodinkone.fi")
    first, last = last_30_days(shop_a)
    response = client.get(f"/console/today/refunds-by-week.csv?from={first}&to={last}")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert (
        response.headers["Content-Disposition"]
        == f'attachment; filename="kodinkone-refunds-by-week-{first}-{last}.csv"'
    )
    rows = read_csv(response)
    assert rows[0] == ["Week", "Week starts", "Currency", "Refunds", "Amount"]
    year, week, weekday = merchant_today(shop_a).isocalendar()
    monday = (merchant_today(shop_a) - timedelta(days=weekday - 1)).isoformat()
    assert [f"{year}-W{week:02d}", monday, "EUR", "2", "40.00"] in rows
    assert all(row[3] == "0" for row in rows[1:] if row[0] != f"{year}-W{week:02d}")  # the other weeks

    rows = read_csv(client.get(f"/console/today/return-rate.csv?from={first}&to={last}"))
    assert rows == [
        ["SKU", "Product", "Items sold", "Items returned", "Return rate, per cent"],
        ["SHOE-42", "Juoksukenkä", "2", "1", "50.0"],
    ]
    rows = read_csv(client.get(f"/console/today/return-reasons.csv?from={first}&to={last}"))
    assert rows == [["Reason", "Returns", "Items"], ["Wrong size or fit", "1", "1"]]
    rows = read_csv(client.get(f"/console/today/money-back.csv?from={first}&to={last}"))
    assert rows == [["Currency", "Store credit issued", "Refunded to the payment"], ["EUR", "0.00", "40.00"]]
    rows = read_csv(client.get(f"/console/today/support.csv?from={first}&to={last}"))
    assert rows[0] == ["Measure", "Value"] and ["Tickets opened", "0"] in rows

    assert client.get("/console/today/orders.csv").status_code == 404
    bad = client.get("/console/today/refunds-by-week.csv?from=2026-02-30")
    assert bad.status_code == 400 and "Give the start date as year-month-day" in bad.get_data(as_text=True)


def test_bad_dates_show_a_message_beside_the_fields_and_the_default_range(client, sign_in, agent_a, shop_a, activity):
    sign_in("agent@kodinkone.fi")
    status, html = page(client, "/console/today?from=2026-13-01&to=soon")
    assert status == 200
    today = merchant_today(shop_a)
    assert re.search(r'id="period-from"[^>]*aria-invalid="true"', html)
    assert (
        f'<p class="error" id="period-from-error">Give the start date as year-month-day, for example {today.isoformat()}.</p>'
        in html
    )
    assert '<p class="error" id="period-to-error">Give the end date as year-month-day' in html
    assert "Those dates could not be used, so the figures below are for the last 30 days." in html
    assert "€40.00" in figure(html, "refunds-by-week")  # the default range still shows

    _status, html = page(client, "/console/today?from=2026-11-30&to=2026-11-01")
    assert "The end date is before the start date." in html
    _status, html = page(client, "/console/today?from=2020-01-01&to=2026-11-30")
    assert "The range can be one year at most." in html


def test_a_chosen_range_without_the_activity_shows_empty_figures(client, sign_in, agent_a, activity):
    sign_in("agent@kodinkone.fi")
    status, html = page(client, "/console/today?from=2025-01-01&to=2025-01-31")
    assert status == 200 and 'class="error"' not in html
    assert "€40.00" not in figure(html, "refunds-by-week")
    assert "No items of the orders placed in these days have been returned." in html
    assert cards(html)["refunds-failed"][0] == 1  # today's work does not depend on the range


def test_another_shops_staff_see_their_own_numbers(client, sign_in, agent_a, agent_b, shop_b, activity):
    sign_in("agent@pyorapaja.fi")
    # A merchant's staff always work on their own shop: another slug changes nothing.
    for url in ("/console/today", "/console/today?shop=kodinkone"):
        status, html = page(client, url)
        assert status == 200
        assert cards(html)["returns-requested"][0] == 2 and cards(html)["refunds-failed"][0] == 0
        refunds = figure(html, "refunds-by-week")
        assert "€99.00" in refunds and "€40.00" not in refunds
        assert "SHOE-42" not in figure(html, "return-rate")
    first, last = last_30_days(shop_b)
    rows = read_csv(client.get(f"/console/today/money-back.csv?from={first}&to={last}"))
    assert rows[1] == ["EUR", "0.00", "99.00"]


def test_a_support_agent_serving_the_shop_opens_it(client, sign_in, make_user, shop_a, shop_b, activity):
    make_user(email="tuki@apuri.example", role="support_agent", merchant=shop_a)
    sign_in("tuki@apuri.example")
    status, html = page(client, "/console/today")
    assert status == 200 and cards(html)["returns-requested"][0] == 1
    assert "€40.00" in figure(html, "refunds-by-week")
    status, html = page(client, "/console/today?shop=pyorapaja")
    assert status == 403 and "€99.00" not in html
    assert client.get("/console/today/money-back.csv?shop=pyorapaja").status_code == 403


def test_platform_staff_choose_the_shop_first(client, sign_in, platform_admin, shop_a, activity):
    sign_in("admin@apuri.example")
    status, html = page(client, "/console/today?from=2026-11-01")
    assert status == 200 and "Choose a shop" in html
    status, html = page(client, "/console/today?shop=kodinkone")
    assert status == 200 and cards(html)["refunds-failed"] == (1, "/console/refunds?status=failed&shop=kodinkone")


def test_signed_out_visitors_go_to_the_sign_in_page(client):
    response = client.get("/console/today")
    assert response.status_code == 302 and "/staff/login" in response.headers["Location"]
    assert client.get("/console/today/support.csv").status_code == 302
