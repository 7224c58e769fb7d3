"""Staff find a shop's orders: search, pages, and never another shop's orders."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from html import unescape

import pytest

ORDER_LINK = re.compile(r'href="/console/orders/([^"?]+)(?:\?[^"]*)?"')
NEXT_LINK = re.compile(r'href="([^"]+)" rel="next"')


def numbers_on(response) -> list[str]:
    return ORDER_LINK.findall(response.get_data(as_text=True))


def next_page(response) -> str | None:
    match = NEXT_LINK.search(response.get_data(as_text=True))
    return unescape(match.group(1)) if match else None


@pytest.fixture
def signed_in_a(client, sign_in, agent_a):
    assert sign_in("agent@kodinkone.fi").status_code == 302
    client.get("/console/", follow_redirects=True)  # shows (and so clears) the "signed in" message
    return client


def test_the_list_shows_number_date_customer_total_and_delivery(signed_in_a, shop_a, make_order):
    make_order(
        shop_a,
        "1001",
        placed_at="2026-11-02T12:00:00+02:00",
        customer={"email": "aino@example.fi", "name": "Aino Virtanen"},
    )
    response = signed_in_a.get("/console/orders")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-store"
    assert numbers_on(response) == ["1001"]
    assert "Nov 2, 2026" in html
    assert "Aino Virtanen" in html and "aino@example.fi" in html
    assert "€948.00" in html
    assert "Paid, being prepared" in html
    assert 'class="table-scroll"' in html


def test_a_late_order_is_flagged(signed_in_a, shop_a, make_order):
    past = (date.today() - timedelta(days=3)).isoformat()
    make_order(shop_a, "1001", promised_delivery_date=past)
    html = signed_in_a.get("/console/orders").get_data(as_text=True)
    assert 'class="row-late"' in html
    assert '<span class="status status-late">Late</span>' in html


@pytest.mark.parametrize("query", ["2002", "mikko@example.fi", "MIKKO@EXAMPLE.FI", "korhonen", "Mikko K"])
def test_search_by_number_e_mail_or_name(signed_in_a, shop_a, make_order, query):
    make_order(shop_a, "1001", customer={"email": "aino@example.fi", "name": "Aino Virtanen"})
    make_order(shop_a, "2002", customer={"email": "mikko@example.fi", "name": "Mikko Korhonen"})
    response = signed_in_a.get("/console/orders", query_string={"q": query})
    assert numbers_on(response) == ["2002"]


def test_a_search_without_matches_says_so(signed_in_a, shop_a, make_order):
    make_order(shop_a, "1001")
    html = signed_in_a.get("/console/orders?q=nobody").get_data(as_text=True)
    assert "No orders match “nobody”" in html


def test_every_order_once_across_pages(signed_in_a, shop_a, make_order):
    start = datetime(2026, 10, 1, 12, tzinfo=UTC)
    created = []
    for n in range(30):
        # Pairs of orders share a placing time, so the pages must also order by id.
        placed = start + timedelta(hours=n // 2)
        created.append(make_order(shop_a, f"A{n:03d}", placed_at=placed.isoformat()).number)
    seen: list[str] = []
    url = "/console/orders"
    pages = 0
    while url:
        response = signed_in_a.get(url)
        assert response.status_code == 200
        seen += numbers_on(response)
        url = next_page(response)
        pages += 1
    assert pages == 2
    assert len(seen) == len(set(seen)) == 30
    assert set(seen) == set(created)


def test_pages_of_a_search_keep_the_search(signed_in_a, shop_a, make_order):
    start = datetime(2026, 10, 1, 12, tzinfo=UTC)
    for n in range(28):
        make_order(
            shop_a,
            f"S{n:03d}",
            placed_at=(start + timedelta(minutes=n)).isoformat(),
            customer={"email": "sami@example.fi", "name": "Sami"},
        )
    for n in range(5):
        make_order(
            shop_a,
            f"O{n:03d}",
            placed_at=(start + timedelta(minutes=n)).isoformat(),
            customer={"email": "olli@example.fi", "name": "Olli"},
        )
    first = signed_in_a.get("/console/orders?q=sami")
    second = signed_in_a.get(next_page(first))
    assert "q=sami" in next_page(first)
    assert next_page(second) is None
    numbers = numbers_on(first) + numbers_on(second)
    assert sorted(numbers) == [f"S{n:03d}" for n in range(28)]


def test_a_broken_cursor_starts_from_the_newest(signed_in_a, shop_a, make_order):
    make_order(shop_a, "1001")
    response = signed_in_a.get("/console/orders?cursor=not-a-cursor")
    assert response.status_code == 200
    assert numbers_on(response) == ["1001"]


def test_staff_see_only_their_own_shops_orders(signed_in_a, shop_a, shop_b, make_order):
    make_order(shop_a, "1001", customer={"email": "aino@example.fi", "name": "Aino Virtanen"})
    make_order(shop_b, "9001", customer={"email": "pekka@example.fi", "name": "Pekka Pyöräilijä"})
    assert numbers_on(signed_in_a.get("/console/orders")) == ["1001"]
    for query in ("9001", "pekka@example.fi", "Pyöräilijä"):
        assert numbers_on(signed_in_a.get("/console/orders", query_string={"q": query})) == []
    # Asking for the other shop by name changes nothing for merchant staff.
    assert numbers_on(signed_in_a.get("/console/orders?shop=pyorapaja")) == ["1001"]


def test_another_shops_order_number_is_not_found(signed_in_a, shop_a, shop_b, make_order):
    make_order(shop_b, "9001")
    make_order(
        shop_b,
        "1001",
        items=[
            {"id": "L1", "sku": "BIKE-1", "name": "Bicycle", "quantity": 1, "unit_price": 94800, "tax_rate": "25.5"}
        ],
        shipping={
            "amount": 0,
            "address": {"name": "P", "street": "S 1", "postal_code": "00100", "city": "Helsinki", "country": "FI"},
        },
    )
    make_order(shop_a, "1001")
    missing = signed_in_a.get("/console/orders/9001")
    never_existed = signed_in_a.get("/console/orders/0000")
    assert missing.status_code == never_existed.status_code == 404
    assert missing.get_data(as_text=True) == never_existed.get_data(as_text=True)
    same_number = signed_in_a.get("/console/orders/1001").get_data(as_text=True)
    assert "Jääkaappi A200" in same_number and "Bicycle" not in same_number
    assert numbers_on(signed_in_a.get("/console/orders?shop=pyorapaja&q=9001")) == []


def test_platform_staff_choose_a_shop_first(client, sign_in, platform_admin, shop_a, shop_b, make_order):
    make_order(shop_a, "1001")
    make_order(shop_b, "9001")
    sign_in("admin@apuri.example")
    chooser = client.get("/console/orders").get_data(as_text=True)
    assert "Choose a shop" in chooser
    assert 'href="/console/orders?shop=kodinkone"' in chooser
    assert 'href="/console/orders?shop=pyorapaja"' in chooser
    response = client.get("/console/orders?shop=pyorapaja")
    assert numbers_on(response) == ["9001"]
    html = response.get_data(as_text=True)
    assert 'href="/console/orders/9001?shop=pyorapaja"' in html
    assert client.get("/console/orders/9001?shop=pyorapaja").status_code == 200
    assert client.get("/console/orders/9001?shop=kodinkone").status_code == 404
    assert client.get("/console/orders?shop=no-such-shop").status_code == 404


def test_the_console_home_opens_todays_work(signed_in_a):
    response = signed_in_a.get("/console/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/console/today"
