"""The console's figures against hand-computed numbers: rows made through the real services
(returns, claims, refunds, tickets) and dated where the test needs them, another shop's rows
beside them that must never count, and rows just inside and just outside the range.

The range is November 2026 in Helsinki (UTC+2 all month): it starts 2026-10-31T22:00Z and ends
(exclusive) 2026-11-30T22:00Z.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import update

from portal.actors import Actor
from portal.claims import services as claims
from portal.db import new_id
from portal.extensions import db
from portal.insights import queries
from portal.insights.queries import Period
from portal.instalments.models import InstalmentPlan
from portal.orders.services import add_shipment, add_tracking_event
from portal.payments import services as ledger
from portal.payments.models import Refund, StoreCreditMovement
from portal.returns import services as returns
from portal.support import services as desk
from portal.support.models import Ticket
from tests.claims import conftest as claims_fixtures
from tests.claims.conftest import claim_body
from tests.returns import conftest as returns_fixtures
from tests.returns.conftest import BUYER, ITEMS, SHOP, line

delivered_order = returns_fixtures.delivered_order
photo = claims_fixtures.photo

HELSINKI = "Europe/Helsinki"
NOVEMBER = Period(date(2026, 11, 1), date(2026, 11, 30), HELSINKI)
DESK = Actor.system("desk")

FRIDGE = ITEMS[0]  # L1, one at 899.00


def shoes(quantity: int = 2) -> dict:
    return {**ITEMS[1], "quantity": quantity}  # L2, SHOE-42 at 50.00


def mugs(quantity: int) -> dict:
    return {"id": "L3", "sku": "MUG-1", "name": "Muki", "quantity": quantity, "unit_price": 1500, "tax_rate": "25.5"}


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def set_columns(row, **values) -> None:
    """Give a row the dates (or states) the test needs, as if it had happened then."""
    model = type(row)
    db.session.execute(update(model).where(model.id == row.id).values(**values))
    db.session.commit()
    db.session.expire_all()


def refund_row(order, amount: int, status: str, created_at: str) -> Refund:
    """A ledger row in a given state (a failed or pending refund needs no provider)."""
    refund = Refund(
        merchant_id=order.merchant_id,
        order_id=order.id,
        amount=amount,
        currency=order.currency,
        source="manual",
        status=status,
        idempotency_key=new_id("key"),
        created_at=at(created_at),
    )
    db.session.add(refund)
    db.session.commit()
    return refund


def paid_refund(order, amount: int, created_at: str) -> Refund:
    """A refund through the ledger (the simulated provider accepts it at once), then dated."""
    refund = ledger.request_refund(order, amount, "manual", "test", SHOP)
    set_columns(refund, created_at=at(created_at))
    refund = db.session.get(Refund, refund.id)
    assert refund.status == "succeeded"
    return refund


@pytest.fixture
def shops(make_merchant):
    return make_merchant("kodinkone", name="Kodinkone Oy"), make_merchant("pyorapaja", name="Pyöräpaja")


# -- the range --------------------------------------------------------------------------------


def test_the_default_range_is_the_last_30_days_in_the_shops_time_zone():
    choice = queries.choose_period(None, "", timezone=HELSINKI, today=date(2026, 12, 3))
    assert choice.errors == {}
    # 2026-12-03 back to 2026-11-04: 30 days, today included.
    assert (choice.period.first, choice.period.last, choice.period.days) == (date(2026, 11, 4), date(2026, 12, 3), 30)
    assert choice.values == {"from": "2026-11-04", "to": "2026-12-03"}


def test_a_range_runs_from_local_midnight_to_local_midnight():
    assert (NOVEMBER.start, NOVEMBER.end) == (at("2026-10-31T22:00:00+00:00"), at("2026-11-30T22:00:00+00:00"))
    # Summer time ends on 25 October 2026 at 04:00 local: that day lasts 25 hours.
    day = Period(date(2026, 10, 25), date(2026, 10, 25), HELSINKI)
    assert (day.start, day.end) == (at("2026-10-24T21:00:00+00:00"), at("2026-10-25T22:00:00+00:00"))


@pytest.mark.parametrize(
    ("first", "last", "expected"),
    [
        ("2026-11-01", "2026-11-30", (date(2026, 11, 1), date(2026, 11, 30))),
        ("2026-11-01", None, (date(2026, 11, 1), date(2026, 12, 3))),  # to today
        (None, "2026-11-30", (date(2026, 11, 1), date(2026, 11, 30))),  # 30 days up to the end
        ("2026-01-01", "2027-01-01", (date(2026, 1, 1), date(2027, 1, 1))),  # 366 days: the most
        (" 2026-11-05 ", "2026-11-05", (date(2026, 11, 5), date(2026, 11, 5))),
    ],
)
def test_a_chosen_range(first, last, expected):
    choice = queries.choose_period(first, last, timezone=HELSINKI, today=date(2026, 12, 3))
    assert choice.errors == {}
    assert (choice.period.first, choice.period.last) == expected


@pytest.mark.parametrize(
    ("first", "last", "fields"),
    [
        ("2026-13-01", "2026-11-30", {"from"}),
        ("yesterday", "tomorrow", {"from", "to"}),
        ("2026-11-01", "30.11.2026", {"to"}),
        ("2026-02-30", "", {"from"}),
        ("0001-01-01", "9999-12-31", {"from", "to"}),
        ("2026-11-30", "2026-11-01", {"to"}),  # the end before the start
        ("2025-01-01", "2026-11-30", {"to"}),  # longer than a year
    ],
)
def test_bad_dates_give_a_message_and_the_default_range(first, last, fields):
    choice = queries.choose_period(first, last, timezone=HELSINKI, today=date(2026, 12, 3))
    assert set(choice.errors) == fields
    assert (choice.period.first, choice.period.last) == (date(2026, 11, 4), date(2026, 12, 3))
    assert choice.values == {"from": first.strip(), "to": last.strip()}  # shown again to be corrected


# -- returns ----------------------------------------------------------------------------------


def test_return_rate_by_product_counts_the_orders_placed_in_the_range(app, shops, delivered_order):
    shop, other = shops
    placed = "placed_at"
    a = delivered_order(shop, "A", items=[FRIDGE, shoes(2)], **{placed: "2026-11-02T12:00:00+02:00"})
    b = delivered_order(shop, "B", items=[shoes(2), mugs(4)], **{placed: "2026-11-10T12:00:00+02:00"})
    d = delivered_order(shop, "D", items=[mugs(1)], **{placed: "2026-11-30T23:30:00+02:00"})  # 21:30Z: inside
    c = delivered_order(shop, "C", items=[shoes(5)], **{placed: "2026-10-31T23:30:00+02:00"})  # before the range
    e = delivered_order(shop, "E", items=[shoes(1)], **{placed: "2026-12-01T00:10:00+02:00"})  # after it
    f = delivered_order(other, "F", items=[shoes(1)], **{placed: "2026-11-15T12:00:00+02:00"})

    returns.request_return(a, {"items": [line("L2", 1)]}, actor=BUYER)  # requested: counts
    settled = returns.request_return(b, {"items": [line("L2", 2)]}, actor=BUYER)
    returns.approve(shop.id, settled.id, actor=SHOP)
    assert returns.receive(shop.id, settled.id, None, actor=SHOP).status == "refunded"  # counts
    rejected = returns.request_return(b, {"items": [line("L3", 1)]}, actor=BUYER)
    returns.reject(shop.id, rejected.id, {"message": "Käytetty"}, actor=SHOP)  # does not count
    returns.request_return(d, {"items": [line("L3", 1)]}, actor=BUYER)  # counts
    returns.request_return(c, {"items": [line("L2", 5)]}, actor=BUYER)  # order outside the range
    returns.request_return(e, {"items": [line("L2", 1)]}, actor=BUYER)  # order outside the range
    returns.request_return(f, {"items": [line("L2", 1)]}, actor=BUYER)  # another shop

    rows = queries.return_rates(shop.id, NOVEMBER)
    # SHOE-42: sold 2 (A) + 2 (B) = 4; returned 1 (A) + 2 (B) = 3 → 3 / 4 = 75.0 per cent.
    # MUG-1: sold 4 (B) + 1 (D) = 5; returned 1 (D; B's mug was rejected) → 1 / 5 = 20.0 per cent.
    # FRIDGE-A-200: sold 1, none returned → not listed.
    assert [(r.sku, r.name, r.sold, r.returned, r.rate) for r in rows] == [
        ("SHOE-42", "Juoksukenkä", 4, 3, Decimal("75.0")),
        ("MUG-1", "Muki", 5, 1, Decimal("20.0")),
    ]
    assert [r.sku for r in queries.return_rates(shop.id, NOVEMBER, limit=1)] == ["SHOE-42"]
    # The other shop: F's one shoe sold and returned → 1 / 1.
    assert [(r.sku, r.sold, r.returned, r.rate) for r in queries.return_rates(other.id, NOVEMBER)] == [
        ("SHOE-42", 1, 1, Decimal("100.0"))
    ]


def test_returns_by_reason_counts_returns_asked_for_in_the_range(app, shops, delivered_order):
    shop, other = shops

    def asked(merchant, lines, created_at, *, reject=False):
        order = delivered_order(merchant, items=[FRIDGE, shoes(2)])
        ret = returns.request_return(order, {"items": lines}, actor=BUYER)
        if reject:
            returns.reject(merchant.id, ret.id, {"message": "Ei"}, actor=SHOP)
        set_columns(ret, created_at=at(created_at))

    asked(shop, [line("L2", 2, "wrong_size"), line("L1", 1, "defective")], "2026-11-05T10:00:00+00:00")
    asked(shop, [line("L2", 1, "wrong_size")], "2026-11-30T21:59:59+00:00")  # the range's last second
    asked(shop, [line("L2", 2, "changed_mind")], "2026-11-30T22:00:00+00:00")  # 1 December locally
    asked(shop, [line("L2", 1, "changed_mind")], "2026-10-31T21:59:59+00:00")  # 31 October locally
    asked(shop, [line("L1", 1, "defective")], "2026-11-12T10:00:00+00:00", reject=True)  # rejected
    asked(other, [line("L2", 2, "wrong_size")], "2026-11-12T10:00:00+00:00")  # another shop

    rows = queries.returns_by_reason(shop.id, NOVEMBER)
    # wrong_size: the first return (2 shoes) and the last second's (1 shoe) → 2 returns, 3 items.
    # defective: the first return's fridge → 1 return, 1 item (the rejected one left out).
    assert [(r.reason, r.returns, r.items) for r in rows] == [("wrong_size", 2, 3), ("defective", 1, 1)]
    assert [(r.reason, r.returns, r.items) for r in queries.returns_by_reason(other.id, NOVEMBER)] == [
        ("wrong_size", 1, 2)
    ]


# -- claims -----------------------------------------------------------------------------------


def test_claims_by_outcome_and_the_average_price_reduction(app, shops, delivered_order, photo):
    shop, other = shops

    def claimed(merchant, body, created_at, *, accept=True):
        order = delivered_order(merchant)
        claim = claims.open_claim(order, body, photos=[photo], actor=BUYER)
        if accept:
            claim = claims.accept(merchant.id, claim.id, actor=SHOP)
        set_columns(claim, created_at=at(created_at))
        return claim

    claimed(shop, claim_body(amount=20000), "2026-11-03T10:00:00+00:00")
    claimed(shop, claim_body(amount=10001), "2026-11-29T23:00:00+00:00")  # 30 November, 01:00 locally
    claimed(shop, claim_body(remedy="replacement", amount=None), "2026-11-10T10:00:00+00:00")  # no money
    claimed(shop, claim_body(amount=5000), "2026-11-11T10:00:00+00:00", accept=False)  # still open
    claimed(shop, claim_body(amount=30000), "2026-10-31T21:00:00+00:00")  # 31 October locally
    claimed(other, claim_body(amount=40000), "2026-11-12T10:00:00+00:00")  # another shop

    outcomes = queries.claims_by_status(shop.id, NOVEMBER)
    # Opened in November: two price reductions and a replacement accepted, one open.
    assert [(row.status, row.claims) for row in outcomes] == [("open", 1), ("accepted", 3)]
    reductions = queries.price_reductions(shop.id, NOVEMBER)
    # 20,000 + 10,001 = 30,001 over 2 claims = 15,000.5 → 15,001 minor units (half up).
    assert [(r.currency, r.claims, r.total, r.average) for r in reductions] == [("EUR", 2, 30001, 15001)]
    assert [(r.currency, r.claims, r.total) for r in queries.price_reductions(other.id, NOVEMBER)] == [
        ("EUR", 1, 40000)
    ]


# -- money back -------------------------------------------------------------------------------


def test_refunds_by_iso_week_of_the_shops_time_zone(app, shops, delivered_order):
    shop, other = shops
    order = delivered_order(shop)  # 1,048.00 paid: room for every refund below
    paid_refund(order, 1000, "2026-11-01T21:59:00+00:00")  # Sunday 1 Nov 23:59 locally: week 44
    paid_refund(order, 2000, "2026-11-01T22:00:00+00:00")  # Monday 2 Nov 00:00 locally: week 45
    paid_refund(order, 3000, "2026-11-08T12:00:00+00:00")  # Sunday 8 Nov: week 45
    paid_refund(order, 4000, "2026-11-30T21:00:00+00:00")  # Monday 30 Nov 23:00 locally: week 49
    paid_refund(order, 5000, "2026-11-30T22:00:00+00:00")  # 1 December locally: outside
    paid_refund(order, 6000, "2026-10-31T21:00:00+00:00")  # 31 October locally: outside
    refund_row(order, 7000, "failed", "2026-11-10T12:00:00+00:00")  # not paid back
    refund_row(order, 800, "pending", "2026-11-10T12:00:00+00:00")  # not paid back yet
    paid_refund(delivered_order(other), 9900, "2026-11-10T12:00:00+00:00")  # another shop

    rows = queries.refunds_by_week(shop.id, NOVEMBER)
    # W44: 1,000 (1 refund); W45: 2,000 + 3,000 = 5,000 (2); W49: 4,000 (1). By UTC date the
    # 2,000 would fall on Sunday 1 November, in week 44.
    assert [(r.week.code, r.currency, r.refunds, r.amount) for r in rows] == [
        ("2026-W44", "EUR", 1, 1000),
        ("2026-W45", "EUR", 2, 5000),
        ("2026-W49", "EUR", 1, 4000),
    ]
    assert [(r.week.code, r.refunds, r.amount) for r in queries.refunds_by_week(other.id, NOVEMBER)] == [
        ("2026-W46", 1, 9900)
    ]


def test_weeks_are_iso_weeks_across_the_new_year_and_daylight_saving():
    # 1 January 2027 is a Friday: ISO week 2026-W53 (SQLite's %W would call it week 00 of 2027).
    new_year = Period(date(2026, 12, 28), date(2027, 1, 5), HELSINKI)
    assert [(w.code, w.monday) for w in queries.weeks(new_year)] == [
        ("2026-W53", date(2026, 12, 28)),
        ("2027-W01", date(2027, 1, 4)),
    ]
    # Summer time ends on Sunday 25 October: week 44 starts at 22:00Z (+2), not 21:00Z (+3).
    autumn = Period(date(2026, 10, 19), date(2026, 11, 1), HELSINKI)
    assert [(w.code, w.start, w.end) for w in queries.weeks(autumn)] == [
        ("2026-W43", at("2026-10-18T21:00:00+00:00"), at("2026-10-25T22:00:00+00:00")),
        ("2026-W44", at("2026-10-25T22:00:00+00:00"), at("2026-11-01T22:00:00+00:00")),
    ]


def test_refund_weeks_in_sql_across_the_new_year_and_daylight_saving(app, shops, delivered_order):
    shop, _other = shops
    order = delivered_order(shop)
    paid_refund(order, 100, "2026-10-25T21:30:00+00:00")  # Sunday 25 Oct 23:30 locally (+2): week 43
    paid_refund(order, 200, "2026-10-25T22:00:00+00:00")  # Monday 26 Oct 00:00 locally: week 44
    paid_refund(order, 300, "2027-01-01T10:00:00+00:00")  # Friday 1 January: still week 2026-W53
    autumn = Period(date(2026, 10, 19), date(2026, 11, 1), HELSINKI)
    assert [(r.week.code, r.amount) for r in queries.refunds_by_week(shop.id, autumn)] == [
        ("2026-W43", 100),
        ("2026-W44", 200),
    ]
    # A range inside one week: a single bucket.
    new_year = Period(date(2026, 12, 28), date(2027, 1, 3), HELSINKI)
    assert [(r.week.code, r.refunds, r.amount) for r in queries.refunds_by_week(shop.id, new_year)] == [
        ("2026-W53", 1, 300)
    ]


def test_store_credit_issued_against_money_refunded_per_currency(app, shops, delivered_order, make_order):
    shop, other = shops
    # Through the returns: one pair of shoes as store credit, one as money back (5,000 each).
    for resolution, created_at in (
        ("store_credit", "2026-11-04T10:00:00+00:00"),
        ("refund", "2026-11-06T10:00:00+00:00"),
    ):
        order = delivered_order(shop)
        ret = returns.request_return(order, {"items": [line("L2", 1, resolution=resolution)]}, actor=BUYER)
        settled = returns.receive(shop.id, ret.id, None, actor=SHOP)
        assert (settled.store_credit_amount, settled.refund_amount) == (
            (5000, 0) if resolution == "store_credit" else (0, 5000)
        )
        for model in (StoreCreditMovement, Refund):
            for row in db.session.query(model).filter(model.order_id == order.id):
                set_columns(row, created_at=at(created_at))
    order = delivered_order(shop)
    theirs = delivered_order(other)

    def movement(merchant, amount, kind, created_at):
        db.session.add(
            StoreCreditMovement(
                merchant_id=merchant.id,
                customer_id=(order if merchant is shop else theirs).customer_id,
                amount=amount,
                currency="EUR",
                kind=kind,
                source="manual",
                created_at=at(created_at),
            )
        )
        db.session.commit()

    movement(shop, 2500, "issued", "2026-11-30T21:00:00+00:00")
    movement(shop, -1000, "redeemed", "2026-11-20T10:00:00+00:00")  # spent, not issued
    movement(shop, 9999, "issued", "2026-11-30T22:00:00+00:00")  # 1 December locally
    movement(other, 7777, "issued", "2026-11-20T10:00:00+00:00")  # another shop
    paid_refund(order, 1200, "2026-11-15T10:00:00+00:00")
    paid_refund(order, 800, "2026-10-31T21:00:00+00:00")  # 31 October locally
    refund_row(order, 3000, "failed", "2026-11-15T10:00:00+00:00")
    kronor = make_order(shop, "SEK-1", currency="SEK")
    paid_refund(kronor, 3000, "2026-11-16T10:00:00+00:00")

    rows = queries.money_back(shop.id, NOVEMBER)
    # EUR store credit: 5,000 (the return) + 2,500 = 7,500; refunded: 5,000 (the return) + 1,200 = 6,200.
    # SEK: no store credit; refunded 3,000.
    assert [(r.currency, r.store_credit, r.refunded) for r in rows] == [("EUR", 7500, 6200), ("SEK", 0, 3000)]
    assert [(r.currency, r.store_credit, r.refunded) for r in queries.money_back(other.id, NOVEMBER)] == [
        ("EUR", 7777, 0)
    ]


# -- deliveries -------------------------------------------------------------------------------


def test_late_deliveries_by_carrier_in_the_shops_time_zone(app, shops, make_order):
    shop, other = shops

    def shipped(merchant, carrier, promised, delivered_at=None):
        order = make_order(merchant, promised_delivery_date=promised)
        shipment = add_shipment(merchant, order.number, {"carrier": carrier, "tracking_number": "JJ1"}, actor=SHOP)
        if delivered_at:
            event = {"status": "delivered", "occurred_at": delivered_at}
            add_tracking_event(merchant, shipment.id, event, actor=SHOP)

    shipped(shop, "Posti", "2026-11-10", "2026-11-10T22:30:00+00:00")  # 11 Nov 00:30 locally: late
    shipped(shop, "Posti", "2026-11-10", "2026-11-10T21:59:00+00:00")  # 10 Nov 23:59 locally: in time
    shipped(shop, "Posti", "2026-11-12")  # still on the way on the 25th: late
    shipped(shop, "Matkahuolto", "2026-11-20", "2026-11-18T10:00:00+00:00")  # early
    shipped(shop, "Matkahuolto", "2026-11-24", "2026-11-24T23:00:00+00:00")  # 25 Nov 01:00 locally: late
    shipped(shop, "Posti", "2026-11-28")  # not due yet on the 25th: left out
    shipped(shop, "Posti", "2026-10-31")  # promised before the range
    shipped(shop, "Posti", "2026-12-01", "2026-12-05T10:00:00+00:00")  # promised after it
    shipped(shop, "DHL", None, "2026-11-20T10:00:00+00:00")  # nothing promised
    shipped(other, "Posti", "2026-11-10")  # another shop

    rows = queries.late_deliveries(shop.id, NOVEMBER, today=date(2026, 11, 25))
    # Posti: 3 known (two promised for the 10th, one for the 12th), 2 late → 66.7 per cent.
    # Matkahuolto: 2 known, 1 late → 50.0 per cent.
    assert [(r.carrier, r.late, r.shipments, r.rate) for r in rows] == [
        ("Posti", 2, 3, Decimal("66.7")),
        ("Matkahuolto", 1, 2, Decimal("50.0")),
    ]
    assert [
        (r.carrier, r.late, r.shipments) for r in queries.late_deliveries(other.id, NOVEMBER, today=date(2026, 11, 25))
    ] == [("Posti", 1, 1)]


# -- support ----------------------------------------------------------------------------------


def test_support_response_times_and_satisfaction(app, shops, make_order):
    shop, other = shops

    def ticket(merchant, opened, *, responded=None, solved=None, rating=None):
        order = make_order(merchant)
        found = desk.open_ticket(
            merchant,
            order.customer,
            {"subject": "Missing screws", "message": "No screws in the box."},
            Actor(kind="buyer", id=order.customer_id, label=order.customer.email, merchant_id=merchant.id),
            order=order,
            source="email",
            now=at(opened),
        )
        if responded:
            desk.reply(found, {"message": "Sent today."}, DESK, now=at(responded))
        if solved:
            desk.set_status(found, "solved", DESK, now=at(solved))
        if rating:
            desk.answer_survey(found, {"rating": rating}, now=at(solved) + timedelta(hours=1))
        return found

    ticket(
        shop,
        "2026-11-02T08:00:00+00:00",
        responded="2026-11-02T10:00:00+00:00",
        solved="2026-11-03T08:00:00+00:00",
        rating=5,
    )
    ticket(
        shop,
        "2026-11-05T12:00:00+00:00",
        responded="2026-11-05T13:30:00+00:00",
        solved="2026-11-05T18:00:00+00:00",
        rating=4,
    )
    ticket(shop, "2026-11-10T09:00:00+00:00", responded="2026-11-10T12:30:00+00:00")
    ticket(shop, "2026-11-20T09:00:00+00:00")
    # Rated 1 at 13:00Z: the survey opens a follow-up ticket for the team lead then (in the range).
    ticket(
        shop,
        "2026-11-25T09:00:00+00:00",
        responded="2026-11-25T10:00:00+00:00",
        solved="2026-11-25T12:00:00+00:00",
        rating=1,
    )
    ticket(
        shop,
        "2026-10-31T21:59:00+00:00",
        responded="2026-10-31T22:59:00+00:00",
        solved="2026-11-01T08:00:00+00:00",
        rating=5,
    )
    ticket(shop, "2026-11-30T22:00:00+00:00")  # 1 December locally
    ticket(
        other,
        "2026-11-12T09:00:00+00:00",
        responded="2026-11-12T09:30:00+00:00",
        solved="2026-11-12T10:00:00+00:00",
        rating=3,
    )

    figures = queries.support_figures(shop.id, NOVEMBER)
    # Opened: five tickets and the follow-up = 6.
    # First response: 2 h, 1.5 h, 3.5 h and 1 h → 8 / 4 = 2.0 h.
    # Solved: 24 h, 6 h and 3 h → 33 / 3 = 11.0 h.
    # Ratings 5, 4 and 1: average 10 / 3 = 3.3; rated 4 or 5: 2 of 3 = 66.7 per cent.
    assert (figures.opened, figures.responded, figures.first_response_hours) == (6, 4, 2.0)
    assert (figures.solved, figures.resolution_hours) == (3, 11.0)
    assert figures.ratings == {1: 1, 2: 0, 3: 0, 4: 1, 5: 1}
    assert (figures.rated, figures.rating_average, figures.satisfied, figures.satisfied_share) == (
        3,
        Decimal("3.3"),
        2,
        Decimal("66.7"),
    )
    theirs = queries.support_figures(other.id, NOVEMBER)
    # One ticket: answered after 0.5 h (09:00 to 09:30), solved after 1 h (to 10:00), rated 3.
    assert (theirs.opened, theirs.first_response_hours, theirs.resolution_hours, theirs.rated) == (1, 0.5, 1.0, 1)


def test_an_empty_range_gives_zeros_not_errors(app, shops):
    shop, _other = shops
    assert queries.return_rates(shop.id, NOVEMBER) == []
    assert queries.returns_by_reason(shop.id, NOVEMBER) == []
    assert queries.claims_by_status(shop.id, NOVEMBER) == []
    assert queries.price_reductions(shop.id, NOVEMBER) == []
    assert queries.refunds_by_week(shop.id, NOVEMBER) == []
    assert queries.money_back(shop.id, NOVEMBER) == []
    assert queries.late_deliveries(shop.id, NOVEMBER, today=date(2026, 12, 3)) == []
    figures = queries.support_figures(shop.id, NOVEMBER)
    assert (figures.opened, figures.first_response_hours, figures.rating_average, figures.satisfied_share) == (
        0,
        None,
        None,
        None,
    )


# -- today's work -----------------------------------------------------------------------------


NOW = at("2026-11-20T12:00:00+00:00")
TODAY = date(2026, 11, 20)


def test_todays_work_counts_what_waits_now(app, shops, delivered_order, photo, make_order):
    shop, other = shops

    # Claims: two open (one past its due time), one countered (the buyer's turn).
    for merchant, due, status in (
        (shop, NOW - timedelta(hours=1), "open"),
        (shop, NOW + timedelta(hours=5), "open"),
        (shop, NOW - timedelta(hours=1), "countered"),
        (other, NOW - timedelta(hours=1), "open"),
    ):
        claim = claims.open_claim(delivered_order(merchant), claim_body(amount=1000), photos=[photo], actor=BUYER)
        set_columns(claim, answer_due_at=due, status=status)

    # Returns: two requested; approved with the refund due in 2 days, in 10 days, and one
    # received (not settled) with the refund overdue; one settled.
    for merchant, status, due_in in (
        (shop, "requested", 14),
        (shop, "requested", 14),
        (shop, "approved", 2),
        (shop, "approved", 10),
        (shop, "received", -1),
        (shop, "refunded", 1),
        (other, "requested", 14),
        (other, "approved", 1),
    ):
        ret = returns.request_return(delivered_order(merchant), {"items": [line("L2", 1)]}, actor=BUYER)
        set_columns(ret, status=status, refund_due_on=TODAY + timedelta(days=due_in))

    # Refunds: two failed, one pending, one paid; another shop's failed one.
    order = delivered_order(shop)
    for status in ("failed", "failed", "pending", "succeeded"):
        refund_row(order, 100, status, "2026-11-19T10:00:00+00:00")
    refund_row(delivered_order(other), 100, "failed", "2026-11-19T10:00:00+00:00")

    # Tickets, by the due time whose clock runs (the first response's until answered).
    for merchant, status, first_due, responded, resolution_due in (
        (shop, "new", NOW - timedelta(hours=1), False, NOW + timedelta(days=2)),  # overdue
        (shop, "open", NOW + timedelta(hours=3), False, NOW + timedelta(days=2)),  # due within 4 h
        (shop, "new", NOW + timedelta(hours=5), False, NOW + timedelta(days=2)),  # not yet
        (shop, "waiting_on_buyer", NOW - timedelta(hours=2), False, NOW - timedelta(hours=1)),  # buyer's turn
        (shop, "open", NOW - timedelta(days=1), True, NOW - timedelta(minutes=30)),  # answered, resolution overdue
        (shop, "solved", NOW - timedelta(hours=2), True, NOW - timedelta(hours=1)),  # done
        (other, "new", NOW - timedelta(hours=1), False, NOW + timedelta(days=2)),
    ):
        order = make_order(merchant)
        found = desk.open_ticket(
            merchant, order.customer, {"subject": "Where is it", "message": "Not arrived yet."}, DESK, source="email"
        )
        set_columns(
            found,
            status=status,
            first_response_due_at=first_due,
            first_responded_at=NOW - timedelta(days=1) if responded else None,
            resolution_due_at=resolution_due,
        )

    # Instalment plans: one in arrears, one running; another shop's in arrears.
    for merchant, status in ((shop, "in_arrears"), (shop, "active"), (other, "in_arrears")):
        order = make_order(merchant)
        db.session.add(
            InstalmentPlan(
                merchant_id=merchant.id,
                order_id=order.id,
                customer_id=order.customer_id,
                number=f"{order.number}-P1",
                status=status,
                currency="EUR",
                credit=90000,
                months=6,
                nominal_rate=Decimal("9.90"),
                total_payable=93000,
                apr=Decimal("12.1"),
                terms_accepted_at=NOW,
            )
        )
    db.session.commit()

    work = queries.workload(shop.id, now=NOW, today=TODAY)
    assert (work.claims_open, work.claims_overdue) == (2, 1)
    # Approved: due in 2 and 10 days, and the received one; due within 3 days or overdue: 2 of them.
    assert (work.returns_requested, work.returns_approved, work.returns_due_soon) == (2, 3, 2)
    assert work.refunds_failed == 2
    # Breaching: the overdue new one, the one due in 3 h, the answered one past its resolution due.
    assert (work.tickets_breaching, work.tickets_overdue) == (3, 2)
    assert work.plans_in_arrears == 1
    theirs = queries.workload(other.id, now=NOW, today=TODAY)
    assert (
        theirs.claims_open,
        theirs.returns_requested,
        theirs.returns_approved,
        theirs.refunds_failed,
        theirs.tickets_breaching,
        theirs.plans_in_arrears,
    ) == (1, 1, 1, 1, 1, 1)
    assert db.session.query(Ticket).filter(Ticket.merchant_id == shop.id).count() == 6
