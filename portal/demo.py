"""The demo shop: a Nordic home-appliance shop with orders in every language and every state.

Dates are relative to today so that the late orders stay late and the rest stay on time.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from portal.accounts.models import User
from portal.accounts.services import create_user, set_served_shops
from portal.actors import Actor
from portal.buyers.access import order_link
from portal.catalogue.services import upsert_variant
from portal.db import unit_of_work, utcnow
from portal.extensions import db
from portal.merchants.models import Merchant
from portal.merchants.services import create_merchant, update_policy
from portal.orders.models import Order
from portal.orders.services import add_shipment, add_tracking_event, get_order, upsert_order

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

# The orders whose links seed-demo prints: number, state, language, label.
FEATURED = [
    ("100101", "late", "fi", "Myöhässä oleva tilaus (fi)"),
    ("100102", "partly_refunded", "sv", "Delvis återbetald order (sv)"),
    ("100103", "out_for_delivery", "en", "Out for delivery (en)"),
    ("100104", "returnable", "fi", "Palautuksen voi aloittaa nyt (fi)"),
    ("100105", "claimable", "fi", "Naarmu uudessa jääkaapissa: ilmoita virheestä (fi)"),
    ("100106", "instalments", "sv", "Betala i delar: byt en betald order till delbetalning (sv)"),
]

# Pohjolan Kodinkone lets buyers switch a paid order to instalments: 9.90 % a year and a
# 1.50 € set-up fee, within the Finnish caps for the smallest order it allows (200 €).
INSTALMENT_TERMS = {
    "enabled": True,
    "months": [3, 6, 12],
    "nominal_rate": "9.90",
    "monthly_fee": 0,
    "setup_fee": 150,
    "min_amount": 20000,
    "max_amount": 500000,
    "window_days": 30,
}
# Plans already running: number, language, buyer index, product, days ago delivered and
# switched, and the test card (4242 pays; 0341 is declined, so that plan is in arrears).
PLANS = [
    ("100501", "fi", 1, "FRIDGE-A200", 38, 35, "4242 4242 4242 4242"),
    ("100502", "en", 1, "WASH-W8", 36, 33, "4000 0000 0000 0341"),
]

# Where Pohjolan Kodinkone takes returns, and up to what value it approves them at once.
RETURN_ADDRESS = {
    "name": "Pohjolan Kodinkone / Palautukset",
    "street": "Varastotie 4",
    "postal_code": "01510",
    "city": "Vantaa",
    "country": "FI",
}
AUTO_APPROVE_MAX = 10000  # 100 €

# A kitchen apron sold in sizes: one product, a variant per size, M sold out. Buyers who got the
# wrong size can exchange it for one in stock. EUR prices: sold to the euro markets only.
APRON = "APRON"
APRON_NAMES = {"fi": "Keittiöesiliina", "en": "Kitchen apron"}
APRON_PRICE = 2490
APRON_STOCK = {"S": 5, "M": 0, "L": 6}

# The appliances in the catalogue (one variant each), by SKU: stock on hand.
CATALOGUE_STOCK = {sku: 8 for sku, _names, _price, _attributes in PRODUCTS}

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
        # Plans start through the provider and the ledger, each in its own transactions.
        _seed_plans(now, actor)
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
    update_policy(
        shop,
        {
            "returns": {"window_days": 30, "auto_approve_max": AUTO_APPROVE_MAX, "return_address": RETURN_ADDRESS},
            "sla": {"first_response_hours": 24},
            "instalments": INSTALMENT_TERMS,
        },
        actor=actor,
    )
    _seed_catalogue(shop, actor)
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
            user = create_user(
                email=email, password=DEMO_PASSWORD, role=role, merchant_slug=slug, actor=actor, name=name
            )
            if role == "support_agent":  # Apuri's support agent serves both demo shops
                set_served_shops(user, {shop.id, second.id}, actor)

    for index, (number, state, locale, _label) in enumerate(FEATURED):
        buyer = BUYERS[locale][0]
        if state in ("returnable", "claimable", "instalments"):
            continue  # with the returns, the claims and the plans, below
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
    _seed_returns(shop, actor, now=now)
    _seed_claims(shop, actor, now=now)
    _seed_support(shop, now=now)
    _seed_help(shop, second)
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


def _seed_catalogue(shop, actor: Actor) -> None:
    """The shop's variants: every appliance, and the apron in sizes S, M (sold out) and L."""
    for sku, names, price, attributes in PRODUCTS:
        upsert_variant(
            shop,
            sku,
            {
                "product": sku,
                "name": names["fi"],
                "attributes": attributes,
                "price": price,
                "currency": "EUR",
                "stock": CATALOGUE_STOCK[sku],
                "category": "appliances",
            },
            actor=actor,
        )
    for size, stock in APRON_STOCK.items():
        upsert_variant(
            shop,
            f"{APRON}-{size}",
            {
                "product": APRON,
                "name": f"{APRON_NAMES['fi']} {size}",
                "attributes": {"size": size},
                "price": APRON_PRICE,
                "currency": "EUR",
                "stock": stock,
                "category": "textiles",
            },
            actor=actor,
        )


def _product(sku: str, locale: str, quantity: int = 1) -> dict:
    """An order line of a catalogue product, named in the buyer's language (EUR orders only)."""
    if sku.startswith(f"{APRON}-"):
        size = sku.removeprefix(f"{APRON}-")
        name, price, attributes = f"{APRON_NAMES[locale]} {size}", APRON_PRICE, {"size": size}
    else:
        names, price, attributes = next((n, p, a) for s, n, p, a in PRODUCTS if s == sku)
        name = names[locale]
    return {"sku": sku, "name": name, "quantity": quantity, "unit_price": price, "attributes": attributes}


def _delivered_order(shop, number, locale, buyer, lines, *, placed_at, delivered_at, actor) -> Order:
    """A euro order sent by Posti and delivered at ``delivered_at``: ready to be returned."""
    _currency, _factor, country, city, postal, _carrier, tax = MARKETS[locale]
    items = [{"id": f"L{i + 1}", "tax_rate": tax, **line} for i, line in enumerate(lines)]
    shipping = 4900 if any(i["unit_price"] > 20000 for i in items) else 690
    total = sum(i["unit_price"] * i["quantity"] for i in items) + shipping
    document = {
        "placed_at": placed_at.isoformat(),
        "currency": "EUR",
        "locale": locale,
        "customer": {"email": buyer[1], "name": buyer[0]},
        "items": items,
        "shipping": {
            "amount": shipping,
            "address": {
                "name": buyer[0],
                "street": "Esimerkkikatu 5 A 3" if country == "FI" else "Storgatan 12",
                "postal_code": postal,
                "city": city,
                "country": country,
            },
        },
        "payment": {"provider": "simulated", "reference": f"sim_{number}", "method": "card", "captured": total},
        "promised_delivery_date": (placed_at + timedelta(days=5)).date().isoformat(),
    }
    upsert_order(shop, number, document, actor=actor)
    shipment = add_shipment(shop, number, {"carrier": "Posti", "tracking_number": f"JJFI{number}0001"}, actor=actor)
    for status, at in (
        ("info_received", placed_at + timedelta(hours=4)),
        ("in_transit", placed_at + timedelta(hours=20)),
        ("delivered", delivered_at),
    ):
        add_tracking_event(shop, shipment.id, {"status": status, "occurred_at": at.isoformat()}, actor=actor)
    return get_order(shop.id, number)


# The returns of the demo, each through the services (so the ledger, the stock and the audit
# trail are as in real use): number, language, buyer index, what was bought, what goes back
# (line, quantity, reason, resolution, exchange SKU), days ago delivered and asked, and where
# the shop has taken it since.
RETURNS = [
    # Waiting for the shop: over the auto-approval limit, asked 12 days ago, so the refund is
    # due within DUE_SOON_DAYS and the console warns.
    ("100301", "fi", 1, ["OVEN-M20", "KETTLE-K1"], [("L1", 1, "defective", "refund", None)], 16, 12, "requested"),
    # Approved at once (under 100 €): an apron in the wrong size exchanged for one in stock.
    ("100302", "en", 0, ["APRON-S", "COFFEE-C5"], [("L1", 1, "wrong_size", "exchange", "APRON-L")], 5, 2, "approved"),
    # Received and refunded through the ledger.
    ("100303", "fi", 2, ["COFFEE-C5", "KETTLE-K1"], [("L1", 1, "changed_mind", "refund", None)], 11, 9, "refunded"),
    # Rejected with a message to the buyer.
    ("100304", "en", 1, ["VAC-R3"], [("L1", 1, "changed_mind", "refund", None)], 8, 6, "rejected"),
]
REJECTION_MESSAGE = (
    "The robot vacuum came back used and without its charging station, so we cannot take it back. "
    "Please contact us if it is faulty."
)


def _seed_returns(shop, actor: Actor, *, now: datetime) -> None:
    """The featured order a buyer can return now, and returns in every state the shop handles."""
    from portal.returns import services as returns

    number, _state, locale, _label = next(f for f in FEATURED if f[1] == "returnable")
    _delivered_order(
        shop,
        number,
        locale,
        BUYERS[locale][0],
        [_product("APRON-M", locale), _product("KETTLE-K1", locale), _product("COFFEE-C5", locale)],
        placed_at=now - timedelta(days=5),
        delivered_at=now - timedelta(days=3),
        actor=actor,
    )
    for number, locale, buyer_index, skus, lines, delivered_days, asked_days, outcome in RETURNS:
        buyer = BUYERS[locale][buyer_index]
        order = _delivered_order(
            shop,
            number,
            locale,
            buyer,
            [_product(sku, locale) for sku in skus],
            placed_at=now - timedelta(days=delivered_days + 2),
            delivered_at=now - timedelta(days=delivered_days),
            actor=actor,
        )
        buyer_actor = Actor(kind="buyer", id=order.customer_id, label=buyer[1], merchant_id=shop.id)
        items = [
            {"item_id": item_id, "quantity": quantity, "reason": reason, "resolution": resolution}
            | ({"exchange_sku": exchange} if exchange else {})
            for item_id, quantity, reason, resolution, exchange in lines
        ]
        ret = returns.request_return(order, {"items": items}, actor=buyer_actor, now=now - timedelta(days=asked_days))
        if outcome in ("approved", "refunded") and ret.status == "requested":
            ret = returns.approve(shop.id, ret.id, actor=actor)
        if outcome == "refunded":
            returns.receive(shop.id, ret.id, actor=actor)
        elif outcome == "rejected":
            returns.reject(shop.id, ret.id, {"message": REJECTION_MESSAGE}, actor=actor)


# Defect claims: an open one waiting for the shop (accept it in one click), and one where the
# shop countered and the buyer has to answer.
CLAIMS = [
    (
        "100401",
        "fi",
        1,
        "FRIDGE-A200",
        "Oven alareunassa on noin 10 cm pitkä naarmu. Huomasin sen asennuksen jälkeen.",
        20000,
        None,
    ),
    (
        "100402",
        "en",
        0,
        "OVEN-M20",
        "The glass door has a chip in the lower left corner; it was there when we unpacked it.",
        4000,
        (2500, "We can offer 25 € for the chip; the door works normally."),
    ),
]


def _scratch_photo(seed: int):
    """A made-up photo of a scratched steel door, through the same pipeline as a buyer's."""
    import io

    from PIL import Image, ImageDraw

    from portal.photos import accept_photo

    image = Image.new("RGB", (1200, 900), (196, 200, 204))
    draw = ImageDraw.Draw(image)
    for y in range(0, 900, 6):  # brushed steel
        shade = 190 + (y * 7 + seed * 13) % 14
        draw.line([(0, y), (1200, y)], fill=(shade, shade + 3, shade + 6), width=3)
    draw.line([(380, 520 + seed * 20), (820, 455 + seed * 20)], fill=(70, 72, 76), width=7)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=88)
    return accept_photo(buffer.getvalue(), filename=f"scratch-{seed}.jpg")


def _seed_claims(shop, actor: Actor, *, now: datetime) -> None:
    from portal.claims import services as claims

    number, _state, locale, _label = next(f for f in FEATURED if f[1] == "claimable")
    _delivered_order(
        shop,
        number,
        locale,
        BUYERS[locale][0],
        [_product("FRIDGE-A200", locale)],
        placed_at=now - timedelta(days=3),
        delivered_at=now - timedelta(days=1),
        actor=actor,
    )
    for number, locale, buyer_index, sku, description, amount, counter in CLAIMS:
        buyer = BUYERS[locale][buyer_index]
        order = _delivered_order(
            shop,
            number,
            locale,
            buyer,
            [_product(sku, locale)],
            placed_at=now - timedelta(days=6),
            delivered_at=now - timedelta(days=4),
            actor=actor,
        )
        buyer_actor = Actor(kind="buyer", id=order.customer_id, label=buyer[1], merchant_id=shop.id)
        claim = claims.open_claim(
            order,
            {"item_id": "L1", "description": description, "remedy": "price_reduction", "proposed_amount": amount},
            photos=[_scratch_photo(0), _scratch_photo(1)],
            actor=buyer_actor,
            now=now - timedelta(hours=20),
        )
        if counter:
            claims.counter(shop.id, claim.id, {"amount": counter[0], "message": counter[1]}, actor=actor)


def _seed_plans(now: datetime, actor: Actor) -> None:
    """The featured order a buyer can switch to instalments now, and plans already running: one
    paying on time, one in arrears (its second instalment declined), started weeks ago."""
    from portal.instalments import services as instalments

    shop = db.session.scalar(select(Merchant).where(Merchant.slug == SHOP_SLUG))
    number, _state, locale, _label = next(f for f in FEATURED if f[1] == "instalments")
    with unit_of_work():
        _delivered_order(
            shop,
            number,
            locale,
            BUYERS[locale][0],
            [_product("DISH-D45", locale)],
            placed_at=now - timedelta(days=6),
            delivered_at=now - timedelta(days=3),
            actor=actor,
        )
    for number, locale, buyer_index, sku, delivered_days, switched_days, card in PLANS:
        buyer = BUYERS[locale][buyer_index]
        with unit_of_work():
            order = _delivered_order(
                shop,
                number,
                locale,
                buyer,
                [_product(sku, locale)],
                placed_at=now - timedelta(days=delivered_days + 3),
                delivered_at=now - timedelta(days=delivered_days),
                actor=actor,
            )
        buyer_actor = Actor(kind="buyer", id=order.customer_id, label=buyer[1], merchant_id=shop.id)
        switched = now - timedelta(days=switched_days)
        plan = instalments.start_plan(order, {"months": 6, "accept_terms": True}, buyer_actor, now=switched)
        instalments.save_card(plan, buyer_actor, card_number=card, now=switched)
    instalments.charge_due(now)  # the instalments due since: one paid, one declined


CANNED_REPLIES = [
    (
        "fi",
        "Toimitus myöhässä",
        "Hei {name},\n\npahoittelemme, että tilauksesi {order} on myöhässä. Selvitimme asian kuljetusliikkeen kanssa, ja paketti on matkalla. Ilmoitamme heti, kun se on perillä.",
    ),
    (
        "fi",
        "Hyvitys matkalla",
        "Hei {name},\n\nhyvitys tilauksesta {order} on matkalla alkuperäiseen maksutapaasi. Pankit näyttävät sen yleensä 3–5 arkipäivässä.",
    ),
    (
        "sv",
        "Försenad leverans",
        "Hej {name},\n\nvi beklagar att din order {order} är försenad. Paketet är på väg och vi hör av oss så fort det har kommit fram.",
    ),
    (
        "en",
        "Late delivery",
        "Hello {name},\n\nwe are sorry that your order {order} is late. The parcel is on its way and we will tell you as soon as it has arrived.",
    ),
]


def _seed_support(shop, *, now: datetime) -> None:
    """The desk's queues: a question waiting for anyone, one answered and waiting for the buyer,
    one solved and rated, and the canned replies in three languages."""
    from portal.support import services as desk
    from portal.support.models import CannedReply

    agent = db.session.scalar(select(User).where(User.email == "agent@kodinkone.example"))
    staff = Actor(kind="user", id=agent.id, label=agent.email, merchant_id=shop.id)
    for locale, title, body in CANNED_REPLIES:
        db.session.add(CannedReply(merchant_id=shop.id, locale=locale, title=title, body=body))
    questions = [
        ("100101", "Missä pakettini on?", "Tilaukseni piti tulla jo viime viikolla. Milloin se tulee?", 20, None),
        ("100103", "Delivery time", "Can the courier come after 17:00? I am at work during the day.", 30, "reply"),
        ("100102", "Kvitto", "Kan jag få kvittot som PDF? Jag behöver det till min arbetsgivare.", 50, "solve"),
    ]
    for number, subject, message, hours_ago, then in questions:
        order = get_order(shop.id, number)
        buyer = Actor(kind="buyer", id=order.customer_id, label=order.customer.email, merchant_id=shop.id)
        ticket = desk.open_ticket(
            shop,
            order.customer,
            {"subject": subject, "message": message},
            buyer,
            order=order,
            now=now - timedelta(hours=hours_ago),
            photos=[_scratch_photo(5)] if number == "100101" else (),
        )
        if then in ("reply", "solve"):
            answer = (
                "Of course, we will tell the courier."
                if then == "reply"
                else "Här är kvittot, se bilagan i nästa mejl."
            )
            desk.reply(ticket, {"message": answer}, staff, now=now - timedelta(hours=hours_ago - 2))
        if then == "solve":
            desk.set_status(ticket, "solved", staff, now=now - timedelta(hours=hours_ago - 3))
            desk.answer_survey(ticket, {"rating": 5, "comment": "Snabbt svar, tack!"}, now=now - timedelta(hours=20))
    # A claim the shop rejected: in the desk's escalations, for support to decide.
    from portal.claims import services as claims

    buyer = BUYERS["fi"][2]
    order = _delivered_order(
        shop,
        "100403",
        "fi",
        buyer,
        [_product("VAC-R3", "fi")],
        placed_at=now - timedelta(days=9),
        delivered_at=now - timedelta(days=7),
        actor=staff,
    )
    buyer_actor = Actor(kind="buyer", id=order.customer_id, label=buyer[1], merchant_id=shop.id)
    claim = claims.open_claim(
        order,
        {
            "item_id": "L1",
            "description": "Imurin sivuharja ei pyöri lainkaan, vaikka laite on uusi.",
            "remedy": "price_reduction",
            "proposed_amount": 9000,
        },
        photos=[_scratch_photo(2)],
        actor=buyer_actor,
        now=now - timedelta(hours=30),
    )
    claims.reject(shop.id, claim.id, {"message": "Sivuharja irtoaa käytössä; se ei ole vika."}, actor=staff)
    # The rejected return of 100304 disputed by its buyer: for support to approve after all, or not.
    from portal.returns.models import ReturnRequest

    disputed = db.session.scalars(
        select(ReturnRequest)
        .join(Order, Order.id == ReturnRequest.order_id)
        .where(Order.merchant_id == shop.id, Order.number == "100304")
    ).first()
    if disputed is not None:
        order = disputed.order
        buyer_actor = Actor(kind="buyer", id=order.customer_id, label=order.customer.email, merchant_id=shop.id)
        desk.dispute_return(
            disputed,
            {"message": "The vacuum was never used: I only opened the box. Please look at this again."},
            buyer_actor,
            now=now - timedelta(hours=6),
        )


def _seed_help(*shops) -> None:
    """The default help articles for both shops, with readings and answers so that the console's
    most-read and least-helpful lists have something to show."""
    from portal.help import services as help_centre
    from portal.help.models import HelpArticle

    for shop in shops:
        help_centre.ensure_articles(shop)
    readings = {"where-is-my-parcel": (41, 18, 3), "late-parcel": (23, 4, 7), "how-to-return": (30, 12, 1),
                "refund-timing": (17, 5, 4), "instalments": (9, 3, 0)}  # fmt: skip
    for key, (views, yes, no) in readings.items():
        article = db.session.scalar(
            select(HelpArticle).where(HelpArticle.merchant_id == shops[0].id, HelpArticle.key == key)
        )
        if article is not None:
            article.views, article.helpful_yes, article.helpful_no = views, yes, no
    db.session.commit()


def _demo_refund(order: Order, amount: int, actor: Actor) -> None:
    """A settled price reduction, through the refund ledger and the simulated provider."""
    from portal.payments.services import request_refund

    request_refund(order, amount, "claim", "Price reduction for a scratch on the door", actor)


def _demo_links() -> list[tuple[str, str]]:
    """The featured buyer links: late (fi), partly refunded (sv), out for delivery (en), an
    order whose buyer can start a return now (fi), and a new fridge with a scratch to claim (fi)."""
    links = []
    for number, _state, _locale, label in FEATURED:
        order = db.session.scalar(
            select(Order).join(Merchant).where(Merchant.slug == SHOP_SLUG, Order.number == number)
        )
        if order is not None:
            links.append((f"{label} — {number}", order_link(order)))
    return links


__all__ = ["seed_demo", "DEMO_PASSWORD", "UTC"]
