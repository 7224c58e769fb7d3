"""Prepare the benchmark's database: one shop and one big order, built with the services.

Uses the app's own settings (DATABASE_URL, SECRET_KEY, PUBLIC_BASE_URL, APURI_INSTANCE_DIR),
brings the schema up to date with the migrations, and prints the order's signed link on the
last line of stdout. Running it again on the same database reuses the order.

    python bench/prepare.py --items 20 --events 30
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import select  # noqa: E402

from portal import create_app  # noqa: E402
from portal.actors import Actor  # noqa: E402
from portal.buyers.access import order_link  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.merchants.models import Merchant  # noqa: E402
from portal.merchants.services import create_merchant  # noqa: E402
from portal.orders.models import Order  # noqa: E402
from portal.orders.services import add_shipment, add_tracking_event, upsert_order  # noqa: E402

SLUG = "bench-shop"
NUMBER = "BENCH-1"
# A parcel's usual road, repeated until there are as many events as asked for.
ROUTE = [
    ("info_received", "Helsinki", "The sender has reported the parcel"),
    ("in_transit", "Vantaa", "Parcel sorted at the terminal"),
    ("in_transit", "Tampere", "Parcel in transit"),
    ("in_transit", "Oulu", "Parcel arrived at the delivery terminal"),
]


def order_document(items: int) -> dict:
    lines = [
        {
            "id": f"L{n}",
            "sku": f"SKU-{n:04d}",
            "name": f"Tuote {n} — villasukat, koko {36 + n % 10}",
            "quantity": 1 + n % 3,
            "unit_price": 1990 + 250 * n,
            "tax_rate": "25.5",
            "attributes": {"colour": ["harmaa", "sininen", "punainen"][n % 3], "size": str(36 + n % 10)},
        }
        for n in range(1, items + 1)
    ]
    captured = sum(line["unit_price"] * line["quantity"] for line in lines) + 590
    return {
        "placed_at": (datetime.now(UTC) - timedelta(days=3)).isoformat(),
        "currency": "EUR",
        "locale": "fi",
        "customer": {"email": "bench@example.fi", "name": "Penkki Testaaja"},
        "items": lines,
        "shipping": {
            "amount": 590,
            "address": {
                "name": "Penkki Testaaja",
                "street": "Mittarikatu 5 B 12",
                "postal_code": "33100",
                "city": "Tampere",
                "country": "FI",
            },
        },
        "payment": {"provider": "simulated", "reference": "pay_bench", "method": "card", "captured": captured},
        "promised_delivery_date": (date.today() + timedelta(days=2)).isoformat(),
    }


def prepare(items: int, events: int) -> Order:
    actor = Actor.system("bench")
    merchant = db.session.scalar(select(Merchant).where(Merchant.slug == SLUG))
    if merchant is None:
        merchant = create_merchant(
            SLUG,
            name="Penkkikauppa Oy",
            actor=actor,
            support_email="tuki@penkki.example",
            support_phone="+358 40 123 4567",
        )
    order = db.session.scalar(select(Order).where(Order.merchant_id == merchant.id, Order.number == NUMBER))
    if order is not None and order.shipments:
        return order
    order, _created = upsert_order(merchant, NUMBER, order_document(items), actor=actor)
    shipment = add_shipment(
        merchant, NUMBER, {"carrier": "Posti", "tracking_number": "JJFI64512300012345678"}, actor=actor
    )
    start = datetime.now(UTC) - timedelta(days=2)
    for n in range(events):
        step = n if n < len(ROUTE) else 1 + (n - len(ROUTE)) % (len(ROUTE) - 1)
        status, place, text = ROUTE[step]
        add_tracking_event(
            merchant,
            shipment.id,
            {
                "status": status,
                "occurred_at": (start + timedelta(minutes=90 * n)).isoformat(),
                "location": place,
                "description": text,
            },
            actor=actor,
        )
    return db.session.get(Order, order.id)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=20)
    parser.add_argument("--events", type=int, default=30)
    args = parser.parse_args()
    app = create_app()
    with app.app_context():
        upgrade()
        order = prepare(args.items, args.events)
        shown = sum(len(s.events) for s in order.shipments)
        print(f"order {order.number}: {len(order.items)} items, {shown} tracking events", file=sys.stderr)
        print(order_link(order))
    return 0


if __name__ == "__main__":
    sys.exit(main())
