"""The console's figures on a shop with 1 million orders, on PostgreSQL.

Seeds (once) a shop with N orders and what follows from them — items, payments, shipments
(some late), returns, claims, refunds, store credit, tickets with answers and ratings — straight
in SQL (``generate_series``), plus a small second shop, then times every figure of
``portal.insights.queries`` over 30 days and over a year. The baseline, timed in the same run, is
the simplest question an index answers: how many of the shop's orders were placed in the range.

    createdb apuri_bench
    DATABASE_URL=postgresql+psycopg:///apuri_bench .venv/bin/flask --app wsgi db upgrade
    DATABASE_URL=postgresql+psycopg:///apuri_bench .venv/bin/python bench/insights_pg.py [--orders 1000000]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

SHOP = "m_bench"
OTHER = "m_bench_other"

SEED = """
INSERT INTO merchants (id, slug, name, currency, default_locale, country, timezone, policy, created_at, version)
VALUES ('{shop}', 'bench', 'Bench Oy', 'EUR', 'fi', 'FI', 'Europe/Helsinki', '{{}}', now(), 1),
       ('{other}', 'bench-other', 'Other Oy', 'EUR', 'fi', 'FI', 'Europe/Helsinki', '{{}}', now(), 1);

INSERT INTO customers (id, merchant_id, email, name, locale, version, created_at)
SELECT 'cus_' || m.k || '_' || g, m.id, 'buyer' || g || '@example.fi', 'Buyer ' || g, 'fi', 1, now()
FROM generate_series(0, {customers} - 1) g
CROSS JOIN (VALUES ('{shop}', 'b'), ('{other}', 'o')) AS m(id, k)
WHERE m.k = 'b' OR g < {customers} / 20;

-- Orders over the last two years, promised four days after placing.
INSERT INTO orders (id, merchant_id, number, customer_id, placed_at, currency, locale, shipping_amount,
                    ship_name, ship_street, ship_postal_code, ship_city, ship_country, version, created_at,
                    updated_at, promised_delivery_date)
SELECT 'ord_' || m.k || '_' || g, m.id, m.k || g, 'cus_' || m.k || '_' || (g % ({customers} / CASE m.k WHEN 'b' THEN 1 ELSE 20 END)),
       now() - ((g % 730) || ' days')::interval - (((g::bigint * 7919) % 1440) || ' minutes')::interval,
       'EUR', 'fi', 490, 'Buyer', 'Katu 1', '00100', 'Helsinki', 'FI', 1, now(), now(),
       (now() - ((g % 730) || ' days')::interval)::date + 4
FROM generate_series(1, {orders}) g
CROSS JOIN (VALUES ('{shop}', 'b'), ('{other}', 'o')) AS m(id, k)
WHERE m.k = 'b' OR g <= {orders} / 20;

INSERT INTO order_items (id, order_id, line_id, position, sku, name, quantity, unit_price, tax_rate, attributes)
SELECT 'itm_' || o.id || '_' || n, o.id, 'L' || n, n, 'SKU-' || ((hashtext(o.id) & 1023) % 500 + n),
       'Product', 1 + (n % 2), 1990 + ((hashtext(o.id) & 255) * 100), 25.5, '{{}}'
FROM orders o CROSS JOIN generate_series(1, 2) n
WHERE n = 1 OR (hashtext(o.id) & 1) = 0;

INSERT INTO payments (id, order_id, provider, reference, method, captured, currency, charged)
SELECT 'pay_' || o.id, o.id, 'simulated', 'ref', 'card', 10000, 'EUR', 0 FROM orders o;

INSERT INTO shipments (id, order_id, merchant_id, carrier, tracking_number, status, created_at, delivered_at)
SELECT 'shp_' || o.id, o.id, o.merchant_id,
       (ARRAY['Posti', 'PostNord', 'Bring', 'DHL', 'GLS'])[1 + (hashtext(o.id) & 4095) % 5], 'T' || o.number,
       CASE WHEN (hashtext(o.id) & 31) = 0 THEN 'in_transit' ELSE 'delivered' END, o.placed_at + interval '1 day',
       CASE WHEN (hashtext(o.id) & 31) = 0 THEN NULL
            ELSE o.placed_at + ((2 + (hashtext(o.id) & 4095) % 5) || ' days')::interval END
FROM orders o WHERE (hashtext(o.id) & 63) <> 1;

-- About 6 % of orders have a return of their first item.
INSERT INTO returns (id, merchant_id, order_id, customer_id, number, status, comment, within_window, whole_order,
                     shipping_refund, refund_due_on, auto_approved, decision_message, refund_amount,
                     store_credit_amount, store_credit_bonus, restocking_fees, difference_due, created_at, updated_at)
SELECT 'ret_' || o.id, o.merchant_id, o.id, o.customer_id, o.number || '-R1',
       (ARRAY['requested', 'approved', 'refunded', 'refunded', 'rejected', 'exchanged'])[1 + (hashtext(o.id) & 4095) % 6],
       '', true, false, 0, (o.placed_at + interval '20 days')::date, false, '', 0, 0, 0, 0, 0,
       o.placed_at + interval '8 days', o.placed_at + interval '8 days'
FROM orders o WHERE (hashtext(o.id) & 4095) % 17 = 0;

INSERT INTO return_items (id, return_id, order_item_id, position, quantity, unit_price, reason, resolution,
                          restocking_fee)
SELECT 'rti_' || r.id, r.id, 'itm_' || r.order_id || '_1', 1, 1, 1990,
       (ARRAY['wrong_size', 'changed_mind', 'damaged', 'not_as_described'])[1 + (hashtext(r.id) & 4095) % 4],
       'refund', 0
FROM returns r;

-- About 1 % have a claim.
INSERT INTO claims (id, merchant_id, order_id, order_item_id, customer_id, number, status, remedy, description,
                    answer_due_at, auto_accepted, agreed_amount, fulfilment_note, created_at, updated_at)
SELECT 'clm_' || o.id, o.merchant_id, o.id, 'itm_' || o.id || '_1', o.customer_id, o.number || '-C1',
       (ARRAY['open', 'accepted', 'accepted', 'escalated', 'resolved'])[1 + (hashtext(o.id) & 4095) % 5],
       'price_reduction', 'Naarmu', o.placed_at + interval '12 days', false, 500 + (hashtext(o.id) & 1023) * 5, '',
       o.placed_at + interval '10 days', o.placed_at + interval '10 days'
FROM orders o WHERE (hashtext(o.id) & 4095) % 97 = 3;

INSERT INTO refunds (id, merchant_id, order_id, amount, currency, source, reason, status, idempotency_key,
                     created_at, updated_at, provider, attempt, requested_by)
SELECT 'ref_' || o.id, o.merchant_id, o.id, 1990, 'EUR', 'return', '',
       CASE WHEN (hashtext(o.id) & 63) = 5 THEN 'failed' ELSE 'succeeded' END, 'key_' || o.id,
       o.placed_at + interval '15 days', o.placed_at + interval '15 days', 'simulated', 1, 'bench'
FROM orders o WHERE (hashtext(o.id) & 4095) % 19 = 0;

INSERT INTO store_credit_movements (id, merchant_id, customer_id, amount, currency, kind, source, reason, created_at)
SELECT 'scm_' || o.id, o.merchant_id, o.customer_id, 2500, 'EUR', 'issued', 'return', '', o.placed_at + interval '16 days'
FROM orders o WHERE (hashtext(o.id) & 4095) % 53 = 0;

-- About 2 % have a ticket, most answered and solved, some rated.
INSERT INTO tickets (id, merchant_id, customer_id, order_id, number, subject, status, priority, source, queue, locale,
                     reply_token, first_response_due_at, resolution_due_at, first_responded_at, solved_at,
                     csat_rating, csat_at, created_at, updated_at)
SELECT 'tkt_' || o.id, o.merchant_id, o.customer_id, o.id, 'T' || o.number, 'Question', 'solved', 'normal',
       'contact_form', 'support', 'fi', md5(o.id), o.placed_at + interval '2 days', o.placed_at + interval '4 days',
       o.placed_at + interval '1 day' + (((hashtext(o.id) & 1023) % 30) || ' hours')::interval,
       o.placed_at + interval '2 days' + (((hashtext(o.id) & 1023) % 50) || ' hours')::interval,
       CASE WHEN (hashtext(o.id) & 3) = 0 THEN 1 + (hashtext(o.id) & 1023) % 5 END, o.placed_at + interval '3 days',
       o.placed_at + interval '1 day', o.placed_at + interval '3 days'
FROM orders o WHERE (hashtext(o.id) & 4095) % 50 = 7;
"""


def seed(orders: int) -> None:
    from sqlalchemy import text

    from portal.extensions import db

    if db.session.scalar(text("SELECT count(*) FROM merchants WHERE id = :id"), {"id": SHOP}):
        print(
            "Seeded already:",
            db.session.scalar(text("SELECT count(*) FROM orders WHERE merchant_id = :id"), {"id": SHOP}),
            "orders",
        )
        return
    started = time.perf_counter()
    sql = SEED.format(shop=SHOP, other=OTHER, orders=orders, customers=max(orders // 5, 20))
    for statement in (chunk for chunk in sql.split(";") if chunk.strip()):
        db.session.execute(text(statement))
    db.session.commit()
    db.session.execute(text("ANALYZE"))
    db.session.commit()
    print(f"Seeded {orders:,} orders in {time.perf_counter() - started:.0f} s")


def timed(fn, runs: int) -> float:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    from sqlalchemy import func, select

    from portal import create_app
    from portal.extensions import db
    from portal.insights import queries
    from portal.orders.models import Order
    from portal.orders.services import merchant_today

    app = create_app()
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            sys.exit("Run this on PostgreSQL: DATABASE_URL=postgresql+psycopg:///apuri_bench")
        seed(args.orders)
        from portal.merchants.models import Merchant

        shop = db.session.get(Merchant, SHOP)
        today = merchant_today(shop)
        now = queries._midnight(today, shop.timezone) + timedelta(hours=12)
        print(f"{'figure':<28}{'30 days (ms)':>14}{'ratio':>8}{'365 days (ms)':>15}{'ratio':>8}")
        results = {}
        for label, days in (("30", 30), ("365", 365)):
            period = queries.Period(today - timedelta(days=days - 1), today, shop.timezone)
            baseline = timed(
                lambda period=period: db.session.scalar(
                    select(func.count(Order.id)).where(
                        Order.merchant_id == SHOP, Order.placed_at >= period.start, Order.placed_at < period.end
                    )
                ),
                args.runs,
            )
            figures = {
                "baseline: orders in range": lambda: None,
                "today's work": lambda: queries.workload(SHOP, now=now, today=today),
                "return rate by product": lambda period=period: queries.return_rates(SHOP, period),
                "returns by reason": lambda period=period: queries.returns_by_reason(SHOP, period),
                "claims by outcome": lambda period=period: queries.claims_by_status(SHOP, period),
                "price reductions": lambda period=period: queries.price_reductions(SHOP, period),
                "refunds by week": lambda period=period: queries.refunds_by_week(SHOP, period),
                "store credit vs refunds": lambda period=period: queries.money_back(SHOP, period),
                "late deliveries": lambda period=period: queries.late_deliveries(SHOP, period, today=today),
                "support times and rating": lambda period=period: queries.support_figures(SHOP, period),
            }
            for name, fn in figures.items():
                ms = baseline if name.startswith("baseline") else timed(fn, args.runs)
                results.setdefault(name, {})[label] = (ms, ms / baseline)
        for name, values in results.items():
            (a, ra), (b, rb) = values["30"], values["365"]
            print(f"{name:<28}{a:>14.1f}{ra:>8.1f}{b:>15.1f}{rb:>8.1f}")


if __name__ == "__main__":
    main()
