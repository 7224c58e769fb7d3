"""The console's Feedback page on a fixture: two weeks of November 2026 in Helsinki, answers about
deliveries, a return and a ticket; the weekly averages per topic as chart and table, the request
counts, the comments' themes with their newest comments linked, the CSV files, and who may see it."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta

import pytest

from portal.extensions import db
from portal.feedback import services as feedback
from portal.returns import services as returns
from portal.support import services as desk
from tests.console.conftest import PASSWORD, sign_in  # noqa: F401  (fixture)
from tests.feedback.conftest import SHOP, buyer, deliver, line, open_ticket, page, requests

RANGE = {"from": "2026-11-02", "to": "2026-11-15"}  # ISO weeks 45 and 46, Monday to Sunday


def _at(day: int, hour: int = 12) -> datetime:
    return datetime(2026, 11, day, hour, tzinfo=UTC)


def _answer(request, score: int, comment: str | None, at: datetime):
    request.status, request.sent_at = "sent", at - timedelta(hours=2)
    db.session.commit()
    return feedback.answer(request, score, comment=comment, now=at)


@pytest.fixture
def answered(shop, shipped_order):
    """Week 45: deliveries 5 and 4, a ticket 2. Week 46: deliveries 1 and 3, a return 4.
    Another shop's 1 in week 46 must never count."""
    orders = [shipped_order(shop, str(n)) for n in (1001, 1002, 1003, 1004)]
    for order in orders:
        deliver(order, _at(1))
    ret = returns.request_return(orders[0], {"items": [line("L2")]}, actor=buyer(orders[0]), now=_at(3))
    returns.receive(shop.id, ret.id, None, actor=SHOP)
    ticket = open_ticket(orders[1])
    desk.set_status(ticket, "solved", SHOP)
    by = {(r.topic, r.subject_id): r for r in requests()}
    delivery = [by[("delivery", order.id)] for order in orders]
    _answer(delivery[0], 5, "Nopea toimitus, kiitos!", _at(3))
    _answer(delivery[1], 4, None, _at(4))
    _answer(by[("ticket", ticket.id)], 2, "Asiakaspalvelu ei vastannut viikkoon.", _at(6))
    _answer(delivery[2], 1, "Paketti oli myöhässä ja laatikko rikki.", _at(10))
    _answer(delivery[3], 3, "Toimitus kesti kauan.", _at(11))
    _answer(by[("return", ret.id)], 4, "Rahat tulivat nopeasti takaisin.", _at(12))
    return {"orders": orders, "ret": ret, "ticket": ticket}


@pytest.fixture
def other_shop_answer(make_merchant, shipped_order):
    other = make_merchant("pyorapaja", name="Pyöräpaja")
    order = shipped_order(other, "9001")
    deliver(order, _at(1))
    [request] = [r for r in requests() if r.merchant_id == other.id]
    _answer(request, 1, "Paketti katosi.", _at(10))


@pytest.fixture
def agent(make_user, shop, client, sign_in):  # noqa: F811
    make_user(email="agent@kodinkone.fi", password=PASSWORD, role="merchant_agent", merchant=shop)
    sign_in("agent@kodinkone.fi")


def _rows(html: str, table_id_or_caption: str) -> list[list[str]]:
    table = re.search(
        r"<table[^>]*>\s*<caption[^>]*>" + re.escape(table_id_or_caption) + r".*?</table>", html, re.S
    ).group(0)
    rows = []
    for row in re.findall(r"<tr>(.*?)</tr>", table, re.S):
        rows.append(
            [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
        )
    return rows


def test_the_weekly_average_per_topic_as_chart_and_table(client, answered, other_shop_answer, agent):
    response = client.get("/console/feedback", query_string=RANGE)
    assert response.status_code == 200
    html = page(response)
    assert "Scores by week" in html
    assert _rows(html, "Average score out of 5, with the number of answers in brackets") == [
        ["Week", "Delivery", "Return", "Claim", "Customer support"],
        ["Week 45, 2026", "4.5 (2)", "—", "—", "2.0 (1)"],
        ["Week 46, 2026", "2.0 (2)", "4.0 (1)", "—", "—"],
    ]
    summary = re.search(r'<svg class="bar-chart feedback-chart" role="img" aria-label="([^"]+)"', html).group(1)
    assert summary.split("; ") == [
        "Delivery, Week 45, 2026: 4.5 out of 5 (2 answers)",
        "Delivery, Week 46, 2026: 2.0 out of 5 (2 answers)",
        "Return, Week 46, 2026: 4.0 out of 5 (1 answer)",
        "Customer support, Week 45, 2026: 2.0 out of 5 (1 answer)",
    ]
    # A line per topic answered, told apart by colour and by dash and marker.
    assert len(re.findall(r'<g class="feedback-series feedback-series-', html)) == 3
    assert re.search(r'stroke="#8a4b00" stroke-width="2.5" stroke-dasharray="8 4"', html)
    assert _rows(html, "Scores by topic") == [
        ["Topic", "Answers", "Average", "1 or 2"],
        ["Delivery", "4", "3.3", "1"],
        ["Return", "1", "4.0", "0"],
        ["Claim", "0", "—", "0"],
        ["Customer support", "1", "2.0", "1"],
    ]
    assert _rows(html, "Feedback requests") == [
        ["Requests e-mailed", "6"],
        ["Of which answered", "6"],
        ["Not sent: the buyer had been asked something else that week", "0"],
        ["Follow-up tickets opened", "2"],
    ]
    assert "Paketti katosi." not in html and "Pyöräpaja" not in html


def test_the_comments_grouped_into_themes_with_counts_averages_and_linked_examples(client, answered, agent):
    html = page(client.get("/console/feedback", query_string=RANGE))
    themes = re.findall(
        r'<li class="card feedback-theme" id="theme-([\w:]+)">\s*<h3>([^<]+)</h3>\s*<p>([^<]+)</p>', html
    )
    assert themes == [
        ("late_delivery", "Late or slow delivery", "2 comments · average 2.0 out of 5"),
        ("damaged", "Damaged parcel or packaging", "1 comment · average 1.0 out of 5"),
        ("customer_service", "Customer service", "1 comment · average 2.0 out of 5"),
        ("refund_speed", "Refund speed", "1 comment · average 4.0 out of 5"),
        ("fast_delivery", "Fast delivery", "1 comment · average 5.0 out of 5"),
    ]
    late = re.search(r'id="theme-late_delivery">(.*?)</li>\s*</ul>', html, re.S).group(1)
    # Newest first, each with its score, topic and links to the order and the follow-up ticket.
    assert late.index("Toimitus kesti kauan.") < late.index("Paketti oli myöhässä ja laatikko rikki.")
    orders = answered["orders"]
    assert f'href="/console/orders/{orders[2].number}"' in late and "Follow-up ticket" in late
    [follow_up] = [
        t
        for t in desk.list_tickets(answered["orders"][0].merchant_id, "all").tickets
        if t.source == "feedback" and t.order_id == orders[2].id
    ]
    assert f'href="/console/tickets/{follow_up.id}"' in late
    service = re.search(r'id="theme-customer_service">(.*?)</li>\s*</ul>', html, re.S).group(1)
    assert f"Ticket {answered['ticket'].number}" in service
    refund = re.search(r'id="theme-refund_speed">(.*?)</li>\s*</ul>', html, re.S).group(1)
    assert f'href="/console/returns/{answered["ret"].id}"' in refund


def test_the_csv_files_hold_the_same_numbers(client, answered, agent):
    response = client.get("/console/feedback/scores.csv", query_string=RANGE)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "kodinkone-feedback-scores-2026-11-02-2026-11-15.csv" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == ["Week", "Week starts", "Topic", "Answers", "Average score, out of 5"]
    assert ["2026-W45", "2026-11-02", "Delivery", "2", "4.5"] in rows
    assert ["2026-W46", "2026-11-09", "Return", "1", "4.0"] in rows
    assert ["2026-W45", "2026-11-02", "Claim", "0", ""] in rows
    themes = list(
        csv.reader(
            io.StringIO(
                client.get("/console/feedback/themes.csv", query_string=RANGE).get_data(as_text=True).lstrip("\ufeff")
            )
        )
    )
    assert themes[:2] == [["Theme", "Comments", "Average score, out of 5"], ["Late or slow delivery", "2", "2.0"]]
    comments = client.get("/console/feedback/comments.csv", query_string=RANGE).get_data(as_text=True)
    assert "Paketti oli myöhässä ja laatikko rikki.,Late or slow delivery; Damaged parcel or packaging,1003" in comments
    assert client.get("/console/feedback/nothing.csv", query_string=RANGE).status_code == 404


def test_only_signed_in_staff_see_it_and_only_their_own_shops(app, client, answered, make_user, make_merchant, sign_in):  # noqa: F811
    assert client.get("/console/feedback").status_code == 302  # to the sign-in page
    other = make_merchant("pyorapaja", name="Pyöräpaja")
    make_user(email="agent@pyorapaja.fi", password=PASSWORD, role="merchant_agent", merchant=other)
    sign_in("agent@pyorapaja.fi")
    html = page(client.get("/console/feedback", query_string={**RANGE, "shop": "kodinkone"}))
    assert "No answers were given in these days." in html and "Nopea toimitus" not in html
    admin = app.test_client()
    make_user(
        email="admin@kodinkone.fi", password=PASSWORD, role="merchant_admin", merchant=answered["orders"][0].merchant
    )
    sign_in("admin@kodinkone.fi", using=admin)
    assert "Nopea toimitus, kiitos!" in page(admin.get("/console/feedback", query_string=RANGE))
