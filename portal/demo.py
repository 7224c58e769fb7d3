"""The demo shop: a Nordic home-appliance shop with orders in every language and every state.

Dates are relative to today so that the late orders stay late and the rest stay on time.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from portal.accounts.models import User
from portal.accounts.services import create_user
from portal.actors import Actor
from portal.buyers.access import order_link
from portal.db import unit_of_work, utcnow
from portal.extensions import db
from portal.merchants.models import Merchant
from portal.merchants.services import create_merchant, update_policy
from portal.orders.models import Order
from portal.orders.services import add_shipment, add_tracking_event, upsert_order

SHOP_SLUG = "kodinkone"
SECOND_SHOP_SLUG = "fjallhem"
DEMO_PASSWORD = "demo-password-2026"

STAFF = [
    ("admin@kodinkone.example", "merchant_admin", SHOP_SLUG, "Kaisa Kauppias"),
    ("agent@kodinkone.example", "merchant_agent", SHOP_SLUG, "Arto Asiakaspalvelu"),
    ("admin@fjallhem.example", "merchant_admin", SECOND_SHOP_SLUG, "Sara Säljare"),
    ("support@apuri.example", "support_agent", None, "Tuuli Tuki"),
    ("platform@apuri.example", "platform_admin", None, "Pekka Platform"),
]

PRODUCTS = [
    (
        "FRIDGE-A200",
        {
            "fi": "Jääkaappi A200",
            "sv": "Kylskåp A200",
            "da": "Køleskab A200",
            "nb": "Kjøleskap A200",
            "is": "Ísskápur A200",
            "en": "Fridge A200",
        },
        89900,
        {"colour": "white"},
    ),
    (
        "WASH-W8",
        {
            "fi": "Pyykinpesukone W8",
            "sv": "Tvättmaskin W8",
            "da": "Vaskemaskine W8",
            "nb": "Vaskemaskin W8",
            "is": "Þvottavél W8",
            "en": "Washing machine W8",
        },
        64900,
        {"capacity": "8 kg"},
    ),
    (
        "DISH-D45",
        {
            "fi": "Astianpesukone D45",
            "sv": "Diskmaskin D45",
            "da": "Opvaskemaskine D45",
            "nb": "Oppvaskmaskin D45",
            "is": "Uppþvottavél D45",
            "en": "Dishwasher D45",
        },
        54900,
        {"width": "45 cm"},
    ),
    (
        "VAC-R3",
        {
            "fi": "Robotti-imuri R3",
            "sv": "Robotdammsugare R3",
            "da": "Robotstøvsuger R3",
            "nb": "Robotstøvsuger R3",
            "is": "Vélmenna-ryksuga R3",
            "en": "Robot vacuum R3",
        },
        29900,
        {"colour": "black"},
    ),
    (
        "KETTLE-K1",
        {
            "fi": "Vedenkeitin K1",
            "sv": "Vattenkokare K1",
            "da": "Elkedel K1",
            "nb": "Vannkoker K1",
            "is": "Hraðsuðuketill K1",
            "en": "Kettle K1",
        },
        3990,
        {"colour": "steel"},
    ),
    (
        "COFFEE-C5",
        {
            "fi": "Kahvinkeitin C5",
            "sv": "Kaffebryggare C5",
            "da": "Kaffemaskine C5",
            "nb": "Kaffetrakter C5",
            "is": "Kaffivél C5",
            "en": "Coffee maker C5",
        },
        7990,
        {"colour": "black"},
    ),
    (
        "OVEN-M20",
        {
            "fi": "Mikroaaltouuni M20",
            "sv": "Mikrovågsugn M20",
            "da": "Mikrobølgeovn M20",
            "nb": "Mikrobølgeovn M20",
            "is": "Örbylgjuofn M20",
            "en": "Microwave M20",
        },
        12900,
        {"colour": "white"},
    ),
    (
        "HOOD-H60",
        {
            "fi": "Liesituuletin H60",
            "sv": "Köksfläkt H60",
            "da": "Emhætte H60",
            "nb": "Kjøkkenvifte H60",
            "is": "Eldhúsvifta H60",
            "en": "Cooker hood H60",
        },
        34900,
        {"width": "60 cm"},
    ),
]

# Currency and price factor by buyer language (the shop sells across the Nordics).
MARKETS = {
    "fi": ("EUR", 1, "FI", "Helsinki", "00100", "Posti", "25.5"),
    "sv": ("SEK", 11, "SE", "Stockholm", "111 22", "PostNord", "25"),
    "da": ("DKK", 7, "DK", "København", "1050", "PostNord", "25"),
    "nb": ("NOK", 11, "NO", "Oslo", "0150", "Bring", "25"),
    "is": ("ISK", 1.5, "IS", "Reykjavík", "101", "Islandspostur", "24"),
    "en": ("EUR", 1, "FI", "Espoo", "02100", "DHL", "25.5"),
}

BUYERS = {
    "fi": [
        ("Aino Virtanen", "aino.virtanen@fi.example"),
        ("Matti Korhonen", "matti.korhonen@fi.example"),
        ("Laura Mäkinen", "laura.makinen@fi.example"),
    ],
    "sv": [("Elsa Lindqvist", "elsa.lindqvist@se.example"), ("Oskar Berg", "oskar.berg@se.example")],
    "da": [("Freja Nielsen", "freja.nielsen@dk.example"), ("Mads Jensen", "mads.jensen@dk.example")],
    "nb": [("Ingrid Hansen", "ingrid.hansen@no.example"), ("Lars Olsen", "lars.olsen@no.example")],
    "is": [("Guðrún Jónsdóttir", "gudrun.jonsdottir@is.example"), ("Jón Sigurðsson", "jon.sigurdsson@is.example")],
    "en": [("Emily Carter", "emily.carter@example.com"), ("James Wilson", "james.wilson@example.com")],
}

# The three orders whose links seed-demo prints: number, state, language, label.
FEATURED = [
    ("100101", "late", "fi", "Myöhässä oleva tilaus (fi)"),
    ("100102", "partly_refunded", "sv", "Delvis återbetald order (sv)"),
    ("100103", "out_for_delivery", "en", "Out for delivery (en)"),
]

# Every state the order page can show; cycled over the orders.
STATES = [
    "paid",
    "shipped",
    "out_for_delivery",
    "delivered",
    "late",
    "partly_refunded",
    "attempt_fail",
    "available_for_pickup",
    "late_no_shipment",
]


@dataclass
class DemoResult:
    created: bool
    staff: list[tuple[str, str, str | None]]
    links: list[tuple[str, str]]


def _price(amount: int, factor: float, currency: str) -> int:
    value = int(round(amount * factor))
    if currency == "ISK":  # no minor units: whole krónur, rounded to tens
        return int(round(value / 10.0)) * 10
    return value


def seed_demo(now: datetime | None = None) -> DemoResult:
    """Load the demo shops once; on later runs only report the logins and links.

    Everything is loaded in one unit of work: a seed that fails half-way leaves nothing
    behind, so the next run loads the whole demo instead of reporting it as loaded.
    """
    now = now or utcnow()
    actor = Actor.system("seed-demo")
    created = db.session.scalar(select(Merchant.id).where(Merchant.slug == SHOP_SLUG)) is None
    if created:
        with unit_of_work():
            _seed(now, actor)
    return DemoResult(created=created, staff=[(e, r, s) for e, r, s, _n in STAFF], links=_demo_links())


def _seed(now: datetime, actor: Actor) -> None:
    rng = random.Random(2026)
    shop = create_merchant(
        SHOP_SLUG,
        name="Pohjolan Kodinkone",
        actor=actor,
        currency="EUR",
        locale="fi",
        support_email="asiakaspalvelu@kodinkone.example",
        support_phone="+358 9 4242 4242",
    )
    update_policy(shop, {"returns": {"window_days": 30}, "sla": {"first_response_hours": 24}}, actor=actor)
    second = create_merchant(
        SECOND_SHOP_SLUG,
        name="Fjällhem",
        actor=actor,
        currency="SEK",
        locale="sv",
        country="SE",
        timezone="Europe/Stockholm",
        support_email="kundtjanst@fjallhem.example",
    )
    for email, role, slug, name in STAFF:
        if db.session.scalar(select(User.id).where(User.email == email)) is None:
            create_user(email=email, password=DEMO_PASSWORD, role=role, merchant_slug=slug, actor=actor, name=name)

    for index, (number, state, locale, _label) in enumerate(FEATURED):
        buyer = BUYERS[locale][0]
        _demo_order(shop, number, locale, state, buyer, now - timedelta(days=8 + index), rng, actor, now=now)
    number = 100200
    languages = list(MARKETS)
    for index in range(42):
        locale = languages[(index + index // len(STATES)) % len(languages)]
        state = STATES[index % len(STATES)]
        buyer = BUYERS[locale][index % len(BUYERS[locale])]
        number += 1
        _demo_order(
            shop,
            str(number),
            locale,
            state,
            buyer,
            now - timedelta(days=40 - index // 2, hours=rng.randint(0, 10)),
            rng,
            actor,
            now=now,
        )
    for index in range(4):
        _demo_order(
            second,
            f"FH-{5001 + index}",
            "sv",
            STATES[index],
            BUYERS["sv"][index % 2],
            now - timedelta(days=6 - index),
            rng,
            actor,
            now=now,
        )


def _demo_order(shop, number, locale, state, buyer, placed_at, rng, actor, *, now: datetime) -> Order:
    currency, factor, country, city, postal, carrier, tax = MARKETS[locale]
    if shop.slug == SECOND_SHOP_SLUG:
        currency, factor = "SEK", 11
    picks = rng.sample(PRODUCTS, k=rng.choice([1, 1, 2, 3]))
    items = [
        {
            "id": f"L{i + 1}",
            "sku": sku,
            "name": names[locale],
            "quantity": 1 if price > 20000 else rng.choice([1, 2]),
            "unit_price": _price(price, factor, currency),
            "tax_rate": tax,
            "attributes": attributes,
        }
        for i, (sku, names, price, attributes) in enumerate(picks)
    ]
    shipping = _price(4900 if any(i["unit_price"] > 20000 * factor for i in items) else 690, factor, currency)
    total = sum(i["unit_price"] * i["quantity"] for i in items) + shipping
    late = state in ("late", "late_no_shipment")
    promised = (now - timedelta(days=3)).date() if late else (placed_at + timedelta(days=5)).date()
    if state in ("paid", "shipped", "out_for_delivery", "attempt_fail", "available_for_pickup"):
        promised = (now + timedelta(days=rng.randint(1, 4))).date()
        placed_at = now - timedelta(days=rng.randint(1, 3), hours=rng.randint(0, 8))
    document = {
        "placed_at": placed_at.isoformat(),
        "currency": currency,
        "locale": locale,
        "customer": {"email": buyer[1], "name": buyer[0]},
        "items": items,
        "shipping": {
            "amount": shipping,
            "address": {
                "name": buyer[0],
                "street": "Esimerkkikatu 5 A 3" if locale == "fi" else "Storgatan 12",
                "postal_code": postal,
                "city": city,
                "country": country,
            },
        },
        "payment": {
            "provider": "simulated",
            "reference": f"sim_{number}",
            "method": rng.choice(["card", "card", "bank", "mobilepay" if locale in ("fi", "da") else "card"]),
            "captured": total,
        },
        "promised_delivery_date": promised.isoformat(),
    }
    order, _ = upsert_order(shop, number, document, actor=actor)
    if state in ("paid", "late_no_shipment"):
        return order
    tracking = f"JJFI{rng.randint(10**9, 10**10 - 1)}" if carrier == "Posti" else f"{rng.randint(10**11, 10**12 - 1)}"
    shipment = add_shipment(
        shop,
        number,
        {"carrier": carrier, "tracking_number": tracking, "estimated_delivery": promised.isoformat()},
        actor=actor,
    )
    if state in ("delivered", "partly_refunded"):
        start = placed_at + timedelta(hours=6)
    else:
        start = max(placed_at, now - timedelta(days=6)) + timedelta(hours=6)
    steps = {
        "shipped": ["info_received", "in_transit"],
        "late": ["info_received", "in_transit", "in_transit"],
        "out_for_delivery": ["info_received", "in_transit", "out_for_delivery"],
        "attempt_fail": ["info_received", "in_transit", "out_for_delivery", "attempt_fail"],
        "available_for_pickup": ["info_received", "in_transit", "available_for_pickup"],
        "delivered": ["info_received", "in_transit", "out_for_delivery", "delivered"],
        "partly_refunded": ["info_received", "in_transit", "out_for_delivery", "delivered"],
    }[state]
    hubs = {
        "fi": ["Vantaa", "Tampere", city],
        "sv": ["Jönköping", "Stockholm", city],
        "da": ["Brøndby", "Odense", city],
        "nb": ["Oslo", "Lillestrøm", city],
        "is": ["Reykjavík", "Hafnarfjörður", city],
        "en": ["Vantaa", "Espoo", city],
    }[locale]
    for step_index, status in enumerate(steps):
        occurred = min(
            start + timedelta(hours=14 * step_index), now - timedelta(minutes=30 * (len(steps) - step_index))
        )
        add_tracking_event(
            shop,
            shipment.id,
            {"status": status, "occurred_at": occurred.isoformat(), "location": hubs[min(step_index, 2)]},
            actor=actor,
        )
    if state == "partly_refunded":
        _demo_refund(order, order.items[0].unit_price // 5, actor)
    return order


def _demo_refund(order: Order, amount: int, actor: Actor) -> None:
    """A settled price reduction, through the refund ledger and the simulated provider."""
    from portal.payments.services import request_refund

    request_refund(order, amount, "claim", "Price reduction for a scratch on the door", actor)


def _demo_links() -> list[tuple[str, str]]:
    """The featured buyer links: late (fi), partly refunded (sv), out for delivery (en)."""
    links = []
    for number, _state, _locale, label in FEATURED:
        order = db.session.scalar(
            select(Order).join(Merchant).where(Merchant.slug == SHOP_SLUG, Order.number == number)
        )
        if order is not None:
            links.append((f"{label} — {number}", order_link(order)))
    return links


__all__ = ["seed_demo", "DEMO_PASSWORD", "UTC"]
