"""Prepare the load test's PostgreSQL database: two shops, their staff and thousands of
delivered orders, built with the app's own services; write what locust needs to a JSON file.

The database (``--db``, default ``postgresql+psycopg://postgres@127.0.0.1/apuri_load``) is
dropped and created again, then ``flask db upgrade`` builds the schema. Every order is made
the way a shop's system makes it through the API: ``upsert_order`` (three items, paid by the
simulated provider), ``add_shipment`` and ~10 carrier events with ``add_tracking_event``, the
last one "delivered" one to four days ago, so that every order is inside the 14-day return
window and open to a defect claim.

The orders are dealt into three pools so that no two locust users ever fight over one:
``browse`` (opened and tracked over and over), ``returns`` and ``claims`` (each taken once, by
one user, for one return or one claim). The JSON file holds, per order, the signed link's path
(``/o/<token>``, as in the shop's order e-mail), a buyer API token for the JSON order endpoint,
and the staff's e-mail addresses and password.

Uses the app's settings from the environment (SECRET_KEY must be the one gunicorn gets, so
that the links and tokens open there); run.sh runs it with the same environment as the app:

    SECRET_KEY=… .venv/bin/python bench/load/prepare_load.py --orders 3000 --out /tmp/load/data.json
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

DEFAULT_DB = "postgresql+psycopg://postgres@127.0.0.1/apuri_load"
PASSWORD = "load-bench-password-2024"

# (slug, name, currency, locale, country, time zone)
SHOPS = [
    ("kuitu-load", "Kuitu Fashion Oy", "EUR", "fi", "FI", "Europe/Helsinki"),
    ("fjord-load", "Fjord Sport AB", "SEK", "sv", "SE", "Europe/Stockholm"),
]
ORDERS_PER_CUSTOMER = 2
PRODUCTS = ["Villasukat", "Sadetakki", "Neulepipo", "Juoksukengät", "Reppu", "Hanskat", "Farkut", "Huivi"]
ROUTE = [
    ("info_received", "Helsinki", "The sender has reported the parcel"),
    ("in_transit", "Vantaa", "Parcel sorted at the terminal"),
    ("in_transit", "Hämeenlinna", "Parcel in transit"),
    ("in_transit", "Tampere", "Parcel arrived at the terminal"),
    ("in_transit", "Jyväskylä", "Parcel in transit"),
    ("in_transit", "Kuopio", "Parcel sorted at the terminal"),
    ("in_transit", "Oulu", "Parcel arrived at the delivery terminal"),
    ("out_for_delivery", "Oulu", "Parcel out for delivery"),
    ("attempt_fail", "Oulu", "Recipient not at home"),
    ("delivered", "Oulu", "Parcel delivered"),
]


def recreate_database(url: str) -> None:
    """Drop and create the database the URL names (connecting to ``postgres`` on the same server)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    target = make_url(url)
    name = target.database
    if not name or not name.replace("_", "").isalnum():
        raise SystemExit(f"refusing to drop a database named {name!r}")
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n AND pid <> pg_backend_pid()"
            ),
            {"n": name},
        )
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()


def order_document(n: int, locale: str, currency: str, placed: datetime) -> dict:
    scale = 10 if currency == "SEK" else 1
    customer = (n // len(SHOPS)) // ORDERS_PER_CUSTOMER
    lines = []
    for k in range(1, 4):
        product = PRODUCTS[(n + k) % len(PRODUCTS)]
        lines.append(
            {
                "id": f"L{k}",
                "sku": f"{product[:4].upper()}-{(n + k) % 7 + 36}",
                "name": f"{product}, koko {(n + k) % 7 + 36}",
                "quantity": 1 + (k == 2),
                "unit_price": (2990 + 1000 * ((n + k) % 6)) * scale,
                "tax_rate": "25.5",
                "attributes": {"size": str((n + k) % 7 + 36)},
            }
        )
    shipping = 590 * scale
    captured = sum(line["unit_price"] * line["quantity"] for line in lines) + shipping
    return {
        "placed_at": placed.isoformat(),
        "currency": currency,
        "locale": locale,
        "customer": {"email": f"buyer{customer:05d}@example.fi", "name": f"Ostaja {customer:05d}"},
        "items": lines,
        "shipping": {
            "amount": shipping,
            "address": {
                "name": f"Ostaja {customer:05d}",
                "street": f"Kuormakatu {1 + n % 90} B {1 + n % 30}",
                "postal_code": "90100",
                "city": "Oulu",
                "country": "FI",
            },
        },
        "payment": {"provider": "simulated", "reference": f"pay_load_{n}", "method": "card", "captured": captured},
        "promised_delivery_date": (placed.date() + timedelta(days=4)).isoformat(),
    }


def build(orders: int, templates: int, log) -> dict:
    from sqlalchemy import select, text

    from portal.accounts.services import create_user
    from portal.actors import Actor
    from portal.buyers.access import BuyerIdentity, issue_token, order_link
    from portal.extensions import db
    from portal.merchants.services import create_merchant
    from portal.orders.models import Order
    from portal.orders.services import add_shipment, add_tracking_event, upsert_order

    actor = Actor.system("load-bench")
    merchants = []
    staff = []
    for slug, name, currency, locale, country, tz in SHOPS:
        merchant = create_merchant(
            slug,
            name=name,
            actor=actor,
            currency=currency,
            locale=locale,
            country=country,
            timezone=tz,
            support_email=f"tuki@{slug}.example",
        )
        merchants.append((merchant, currency, locale))
        for role, who in (("merchant_admin", "admin"), ("merchant_agent", "agent")):
            email = f"{who}@{slug}.example"
            create_user(email=email, password=PASSWORD, role=role, merchant_slug=slug, actor=actor, name=who.title())
            staff.append({"shop": slug, "email": email, "role": role})

    now = datetime.now(UTC)
    shops = len(merchants)
    made = min(orders, templates * shops)
    started = time.monotonic()
    for n in range(made):
        merchant, currency, locale = merchants[n % shops]
        number = f"LD{n:05d}"
        delivered_at = now - timedelta(days=1 + n % 4, minutes=n % 600)
        placed = delivered_at - timedelta(days=3)
        upsert_order(merchant, number, order_document(n, locale, currency, placed), actor=actor)
        shipment = add_shipment(
            merchant, number, {"carrier": "Posti", "tracking_number": f"JJFI6451230{n:08d}"}, actor=actor
        )
        first = placed + timedelta(hours=6)
        step = (delivered_at - first) / (len(ROUTE) - 1)
        for k, (status, place, description) in enumerate(ROUTE):
            add_tracking_event(
                merchant,
                shipment.id,
                {
                    "status": status,
                    "occurred_at": (first + step * k).isoformat(),
                    "location": place,
                    "description": description,
                },
                actor=actor,
            )
    # The help centre's default articles, as a shop that has been open a while has them (the
    # first order page of a new shop would add them inside a buyer's request).
    from portal.help.services import ensure_articles

    for merchant, _currency, _locale in merchants:
        ensure_articles(merchant)
    log(f"  {made} template orders through the services in {time.monotonic() - started:.0f} s")
    if orders > made:
        started = time.monotonic()
        clone_orders(made, orders, shops, templates, now)
        log(f"  {orders - made} more orders cloned from them in SQL in {time.monotonic() - started:.0f} s")

    rows = []
    for order in db.session.scalars(select(Order).order_by(Order.number)):
        token, _expires = issue_token(BuyerIdentity(order.customer_id, order.merchant_id))
        link = order_link(order)
        rows.append(
            {
                "shop": order.merchant.slug,
                "number": order.number,
                "link": "/o/" + link.rsplit("/o/", 1)[1],
                "api_token": token,
                "items": ["L1", "L2", "L3"],
            }
        )
    db.session.execute(text("ANALYZE"))
    db.session.commit()

    # Deal the pools: every 5th order is browsed (at most 600), the rest alternate returns / claims.
    browse, returns, claims = [], [], []
    for n, row in enumerate(rows):
        if n % 5 == 0 and len(browse) < 600:
            browse.append(row)
        elif len(returns) <= len(claims):
            returns.append(row)
        else:
            claims.append(row)
    return {
        "created_at": now.isoformat(),
        "password": PASSWORD,
        "staff": staff,
        "shops": [m.slug for m, _, _ in merchants],
        "browse": browse,
        "returns": returns,
        "claims": claims,
    }


CLONE_SQL = """
CREATE TEMP TABLE load_shops ON COMMIT DROP AS
    SELECT (row_number() OVER (ORDER BY created_at, id) - 1)::int AS idx, id FROM merchants;
CREATE TEMP TABLE load_templates ON COMMIT DROP AS
    SELECT (row_number() OVER (PARTITION BY merchant_id ORDER BY number) - 1)::int AS k, merchant_id, id, delivered_at
    FROM orders;
-- One row per new order: its template (the same shop's, round robin), new ids, its number and
-- customer, and how far to move the template's times so that it was delivered 1-4 days ago.
CREATE TEMP TABLE load_map ON COMMIT DROP AS
    SELECT g AS n, s.id AS merchant_id, t.id AS tmpl_id,
           'ord_' || substr(md5('o' || g || random()::text), 1, 16) AS order_id,
           'shp_' || substr(md5('s' || g || random()::text), 1, 16) AS shipment_id,
           'pay_' || substr(md5('p' || g || random()::text), 1, 16) AS payment_id,
           'LD' || lpad(g::text, 5, '0') AS number,
           (g / CAST(:shops AS int)) / CAST(:per_customer AS int) AS customer_no,
           (CAST(:now AS timestamptz) - make_interval(days => 1 + g % 4, mins => g % 600)) - t.delivered_at AS shift
    FROM generate_series(CAST(:first AS int), CAST(:last AS int)) AS g
    JOIN load_shops s ON s.idx = g % CAST(:shops AS int)
    JOIN load_templates t ON t.merchant_id = s.id AND t.k = (g / CAST(:shops AS int)) % CAST(:templates AS int);
CREATE TEMP TABLE load_customers ON COMMIT DROP AS
    SELECT DISTINCT ON (merchant_id, customer_no) merchant_id, customer_no,
           'cus_' || substr(md5('c' || merchant_id || customer_no || random()::text), 1, 16) AS id
    FROM load_map ORDER BY merchant_id, customer_no;
INSERT INTO customers (id, merchant_id, email, name, locale, version, created_at)
    SELECT c.id, c.merchant_id, 'buyer' || lpad(c.customer_no::text, 5, '0') || '@example.fi',
           'Ostaja ' || lpad(c.customer_no::text, 5, '0'), m.default_locale, 1, CAST(:now AS timestamptz)
    FROM load_customers c JOIN merchants m ON m.id = c.merchant_id
    ON CONFLICT (merchant_id, email) DO NOTHING;
INSERT INTO orders (id, merchant_id, number, customer_id, placed_at, currency, locale, shipping_amount, ship_name,
                    ship_street, ship_postal_code, ship_city, ship_country, promised_delivery_date, delivery_status,
                    delivered_at, late_notified_at, version, created_at, updated_at, cancelled_at)
    SELECT m.order_id, o.merchant_id, m.number, cu.id, o.placed_at + m.shift, o.currency, o.locale, o.shipping_amount,
           cu.name, 'Kuormakatu ' || (1 + m.n % 90) || ' B ' || (1 + m.n % 30), o.ship_postal_code, o.ship_city,
           o.ship_country, ((o.placed_at + m.shift) AT TIME ZONE 'UTC')::date + 4, o.delivery_status,
           o.delivered_at + m.shift, NULL, o.version, CAST(:now AS timestamptz), CAST(:now AS timestamptz), NULL
    FROM load_map m JOIN orders o ON o.id = m.tmpl_id
    JOIN customers cu ON cu.merchant_id = m.merchant_id
                     AND cu.email = 'buyer' || lpad(m.customer_no::text, 5, '0') || '@example.fi';
INSERT INTO order_items (id, order_id, line_id, position, sku, name, quantity, unit_price, tax_rate, attributes, category)
    SELECT 'itm_' || substr(md5('i' || m.n || i.line_id || random()::text), 1, 16), m.order_id, i.line_id, i.position,
           i.sku, i.name, i.quantity, i.unit_price, i.tax_rate, i.attributes, i.category
    FROM load_map m JOIN order_items i ON i.order_id = m.tmpl_id;
INSERT INTO payments (id, order_id, provider, reference, method, captured, currency, charged)
    SELECT m.payment_id, m.order_id, p.provider, 'pay_load_' || m.n, p.method, p.captured, p.currency, p.charged
    FROM load_map m JOIN payments p ON p.order_id = m.tmpl_id;
INSERT INTO shipments (id, order_id, merchant_id, carrier, tracking_number, estimated_delivery, status, delivered_at,
                       created_at, tracking_stale_since)
    SELECT m.shipment_id, m.order_id, s.merchant_id, s.carrier, 'JJFI6451230' || lpad(m.n::text, 8, '0'),
           s.estimated_delivery, s.status, s.delivered_at + m.shift, s.created_at + m.shift, NULL
    FROM load_map m JOIN shipments s ON s.order_id = m.tmpl_id;
INSERT INTO tracking_events (id, shipment_id, status, occurred_at, location, description, created_at)
    SELECT 'evt_' || substr(md5('e' || m.n || e.id || random()::text), 1, 16), m.shipment_id, e.status,
           e.occurred_at + m.shift, e.location, e.description, e.created_at + m.shift
    FROM load_map m JOIN shipments s ON s.order_id = m.tmpl_id JOIN tracking_events e ON e.shipment_id = s.id;
"""


def clone_orders(first: int, orders: int, shops: int, templates: int, now: datetime) -> None:
    """Orders ``first`` … ``orders - 1`` as copies of the template orders the services made: the
    same rows in the same tables (customer, order, items, payment, shipment, tracking events),
    with new ids, numbers, buyers and times. Their creation is not in the audit log and their
    shipping and delivery e-mails are not in the outbox: nothing on the measured paths reads those."""
    from sqlalchemy import text

    from portal.extensions import db

    params = {
        "first": first,
        "last": orders - 1,
        "shops": shops,
        "templates": templates,
        "per_customer": ORDERS_PER_CUSTOMER,
        "now": now,
    }
    for statement in CLONE_SQL.split(";"):
        if statement.strip():
            db.session.execute(text(statement), params)
    db.session.commit()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", default=os.environ.get("DATABASE_URL") or DEFAULT_DB)
    parser.add_argument("--orders", type=int, default=3000)
    parser.add_argument("--templates", type=int, default=6, help="orders per shop made through the services")
    parser.add_argument("--out", default="/tmp/apuri-load/data.json")
    args = parser.parse_args()

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    if not args.db.startswith("postgresql"):
        raise SystemExit("the load test runs on PostgreSQL: pass --db postgresql+psycopg://…")
    os.environ["DATABASE_URL"] = args.db
    # Built like the shop's integration builds it: jobs inline, mail kept in the outbox
    # ("held", never sent: these orders' shipping and delivery e-mails are not what is measured).
    for name in ("REDIS_URL", "SMTP_URL", "APURI_ENV"):
        os.environ.pop(name, None)
    os.environ.setdefault("RATELIMIT_ENABLED", "false")
    if not os.environ.get("SECRET_KEY"):
        raise SystemExit("set SECRET_KEY (the one gunicorn gets), or the links will not open there")

    log(f"==> recreating {args.db.rsplit('@', 1)[-1]}")
    recreate_database(args.db)

    from flask_migrate import upgrade

    from portal import create_app

    app = create_app()
    with app.app_context():
        upgrade()
        started = time.monotonic()
        data = build(args.orders, args.templates, log)
        log(f"==> {args.orders} orders in {time.monotonic() - started:.0f} s")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(data))
    log(
        f"==> {out}: {len(data['browse'])} browse, {len(data['returns'])} return and {len(data['claims'])} claim orders"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
