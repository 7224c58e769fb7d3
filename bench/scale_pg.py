"""Proof at scale: a million orders on PostgreSQL, and what the buyer and the shop wait for.

Builds the schema with the migrations, then (once per database) generates eight shops' worth
of orders straight in SQL (``INSERT … SELECT generate_series``; a transaction a table, so an
interrupted run goes on where it stopped; foreign-key triggers off and the big tables' indexes
built after their rows): one big shop with 60 % of the orders and seven smaller ones,
orders over two years, about 5 items and 10 carrier events per order, payments, shipments,
returns (8 % of delivered orders), claims (1.2 %), tickets (3 %) with messages, refunds and
store credit. What is still open depends on its age, as in a shop that works its queues: the
inboxes hold the recent requests and a few forgotten old ones. Then ``VACUUM ANALYZE``.

Then it times, on the big shop, the median of N runs of:

- the buyer's find-my-order (shop + order number + e-mail: ``portal.buyers.access.find_order``
  and the real form post to ``/s/<shop>/``), the buyer's order page (``get_order`` + ``summarise`` and the
  real ``GET /s/<shop>/orders/<number>`` with the page cache off), the buyer's list of orders;
- the console inboxes waiting for a decision (returns, claims, tickets: the services and the
  real pages, signed in as the shop's admin);
- the dashboard (``GET /console/today`` and each figure of ``portal.insights.queries`` over
  30 and 365 days);

beside baselines timed in the same run (``SELECT 1``, one order by primary key, ``GET
/healthz``), and writes ``EXPLAIN (ANALYZE, BUFFERS)`` of every SELECT each path ran to
``bench/explain/<name>.txt`` (a sequential scan of a big table on a path is flagged there and
in the table printed at the end). The printed table is also written to bench/explain/summary.md.

    psql -U postgres -h 127.0.0.1 -c "create database apuri_scale"
    .venv/bin/python bench/scale_pg.py --db postgresql+psycopg://postgres@127.0.0.1/apuri_scale
    .venv/bin/python bench/scale_pg.py --db …/apuri_scale_quick --orders 20000     # quick mode

Running it again on a generated database only measures (``--fresh`` drops the schema and
generates again).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

DEFAULT_DB = "postgresql+psycopg://postgres@127.0.0.1/apuri_scale"
BIG = "mer_scale1"
PASSWORD = "scale-bench-password"
ADMIN_EMAIL = "admin@kuitu.example"

# (slug, name, share of the orders in ‰, country, locale, currency, time zone)
SHOPS = [
    ("kuitu", "Kuitu Fashion Oy", 600, "FI", "fi", "EUR", "Europe/Helsinki"),
    ("pohjola-outdoor", "Pohjola Outdoor AB", 150, "SE", "sv", "SEK", "Europe/Stockholm"),
    ("koti-ja-keittio", "Koti & Keittiö Oy", 100, "FI", "fi", "EUR", "Europe/Helsinki"),
    ("nordlys-sport", "Nordlys Sport AS", 60, "NO", "nb", "NOK", "Europe/Oslo"),
    ("hygge-hjem", "Hygge Hjem ApS", 40, "DK", "da", "DKK", "Europe/Copenhagen"),
    ("lasten-lelut", "Lasten Lelut Oy", 30, "FI", "fi", "EUR", "Europe/Helsinki"),
    ("saga-books", "Saga Books ehf", 15, "IS", "is", "EUR", "Atlantic/Reykjavik"),
    ("pikkupuoti", "Pikkupuoti", 5, "FI", "fi", "EUR", "Europe/Helsinki"),
]
ORDERS_PER_CUSTOMER = 2.5
# Tables whose sequential scan on a request path is a finding (everything that grows with orders).
BIG_TABLES = {
    "customers", "orders", "order_items", "payments", "shipments", "tracking_events", "returns", "return_items",
    "claims", "claim_offers", "refunds", "store_credit_movements", "tickets", "ticket_messages", "audit_log",
}  # fmt: skip

FIRST = "Aino Eino Helmi Onni Aada Leo Sofia Elias Olivia Väinö Lilja Oliver Emma Eetu Ella Juho Anna Mikko Saara Ville"
LAST = (
    "Virtanen Korhonen Mäkinen Nieminen Mäkelä Hämäläinen Laine Heikkinen Koskinen Järvinen Lehtonen Lehtinen "
    "Saarinen Salminen Heinonen Niemi Heikkilä Kinnunen Salonen Turunen Salo Laitinen Tuominen Rantanen "
    "Karjalainen Jokinen Mattila Savolainen Lahtinen Ahonen"
)
STREETS = "Mannerheimintie Hämeenkatu Aleksanterinkatu Kauppakatu Rantatie Koulukatu Puistokatu Asemakatu"
CITIES = "Helsinki Espoo Tampere Vantaa Oulu Turku Jyväskylä Lahti Kuopio Pori"
PRODUCTS = "Villasukat T-paita Farkut Pipo Takki Kengät Reppu Hanskat Huivi Mekko Neule Sadetakki"
CARRIERS = "Posti Posti PostNord DHL Matkahuolto Bring GLS Budbee"
PLACES = "Helsinki Vantaa Tampere Turku Oulu Jyväskylä Lahti Kuopio"
SUBJECTS = [
    "Missä tilaukseni on?", "Väärä koko", "Laskun kopio", "Palautuksen tila",
    "Viallinen tuote", "Toimitusosoitteen muutos", "Hyvityksen tila", "Kysymys tuotteesta",
]  # fmt: skip


def sql_array(words: str | list[str]) -> str:
    items = words.split() if isinstance(words, str) else words
    return "ARRAY[" + ", ".join("'" + w.replace("'", "''") + "'" for w in items) + "]"


# -- generation -------------------------------------------------------------------------------
#
# Every value comes from a hash of the row's id (``hashtext(...) & 2147483647``), so a later
# step can recompute what an earlier one decided (an order's item count, its customer's name)
# without joining back. Ids look like the app's (a prefix and 16 characters), in no useful order.


def generation_steps(orders: int, password_hash: str) -> list[tuple[str, str]]:
    shops_values = []
    low = 0
    for idx, (slug, name, share, country, locale, currency, tz) in enumerate(SHOPS, start=1):
        customers = max(20, int(orders * share / 1000 / ORDERS_PER_CUSTOMER))
        shops_values.append(
            f"({idx}, 'mer_scale{idx}', '{slug}', '{name}', {low}, {low + share}, {customers}, "
            f"'{country}', '{locale}', '{currency}', '{tz}', '{slug.replace('-', '')}.example')"
        )
        low += share
    assert low == 1000
    first, last = sql_array(FIRST), sql_array(LAST)
    email_part = "lower(translate({}, 'äöåÄÖÅ', 'aoaAOA'))"
    prelude = f"""
CREATE TEMP TABLE scale_shops (idx int PRIMARY KEY, id text, slug text, name text, lo int, hi int, customers int,
                               country text, locale text, currency text, tz text, domain text) ON COMMIT DROP;
INSERT INTO scale_shops VALUES {", ".join(shops_values)};
"""
    steps = [
        (
            "shops",
            f"""
INSERT INTO merchants (id, slug, name, currency, default_locale, country, timezone, support_email, policy, version,
                       require_admin_2fa, created_at)
SELECT id, slug, name, currency, locale, country, tz, 'tuki@' || domain, '{{}}', 1, false, now() - interval '3 years'
FROM scale_shops;
-- An admin per shop (the big one's signs in to the console here) and agents who take tickets.
INSERT INTO users (id, email, name, password_hash, role, merchant_id, locale, active, session_nonce, created_at)
SELECT 'usr_scale' || s.idx || '_' || a, CASE a WHEN 0 THEN 'admin' ELSE 'agent' || a END || '@' || s.domain,
       CASE a WHEN 0 THEN 'Admin' ELSE 'Agent ' || a END, '{password_hash}',
       CASE a WHEN 0 THEN 'merchant_admin' ELSE 'merchant_agent' END, s.id, s.locale, true,
       substr(md5('nonce' || s.idx || a), 1, 16), now() - interval '3 years'
FROM scale_shops s CROSS JOIN LATERAL generate_series(0, CASE WHEN s.idx = 1 THEN 4 ELSE 1 END) a;
""",
        ),
        (
            "customers",
            f"""
INSERT INTO customers (id, merchant_id, email, name, locale, version, created_at)
SELECT 'cus_' || substr(md5('c' || s.idx || '/' || k), 1, 16), s.id,
       {email_part.format("n.f")} || '.' || {email_part.format("n.l")} || k || '@example.' || lower(s.country),
       n.f || ' ' || n.l, s.locale, 1, now() - interval '730 days'
FROM scale_shops s
CROSS JOIN LATERAL generate_series(0, s.customers - 1) k
CROSS JOIN LATERAL (SELECT ({first})[1 + k % 20] AS f, ({last})[1 + (k / 20) % 30] AS l) n;
""",
        ),
        (
            "orders",
            f"""
-- Orders over the last two years in the order they were placed (the table grows that way), each
-- to one of its shop's customers. Shipped 10–25 h after placing; 1–3 days on the road (6 % take
-- 5–8 days); promised 5 days after placing; 0.8 % cancelled before shipping, 0.4 % lost.
INSERT INTO orders (id, merchant_id, number, customer_id, placed_at, currency, locale, shipping_amount,
                    ship_name, ship_street, ship_postal_code, ship_city, ship_country, promised_delivery_date,
                    delivery_status, delivered_at, cancelled_at, version, created_at, updated_at)
SELECT b.id, s.id, b.number, 'cus_' || substr(md5('c' || s.idx || '/' || c.k), 1, 16), b.placed_at, s.currency,
       s.locale, (ARRAY[0, 490, 590, 790])[1 + (b.h2 & 3)],
       c.f || ' ' || c.l, ({sql_array(STREETS)})[1 + c.k % 8] || ' ' || (1 + c.k % 97),
       lpad((1000 + (hashtext('p' || s.idx || '/' || c.k) & 2147483647) % 98000)::text, 5, '0'),
       ({sql_array(CITIES)})[1 + (c.k / 7) % 10], s.country,
       (b.placed_at AT TIME ZONE s.tz)::date + 5,
       d.status, CASE WHEN d.status = 'delivered' THEN t.deliver_at END,
       CASE WHEN t.cancelled THEN b.placed_at + interval '5 hours' END,
       CASE WHEN d.status IS NULL THEN 1 ELSE 4 END, b.placed_at,
       CASE WHEN d.status = 'delivered' THEN t.deliver_at ELSE b.placed_at END
FROM (
    SELECT x.id, (10000000 + x.g)::text AS number, hashtext(x.id) & 2147483647 AS h1,
           hashtext('b' || x.id) & 2147483647 AS h2,
           now() - interval '730 days' * (1 - x.g::float8 / {orders}) - (hashtext('m' || x.id) & 1023) * interval '1 minute'
               AS placed_at
    FROM (SELECT g, 'ord_' || substr(md5('o' || g), 1, 16) AS id FROM generate_series(1, {orders}) g OFFSET 0) x
    OFFSET 0
) b
JOIN scale_shops s ON b.h1 % 1000 >= s.lo AND b.h1 % 1000 < s.hi
CROSS JOIN LATERAL (
    SELECT k, ({first})[1 + k % 20] AS f, ({last})[1 + (k / 20) % 30] AS l
    FROM (SELECT (hashtext('k' || b.id) & 2147483647) % s.customers AS k OFFSET 0) kk
    OFFSET 0
) c
CROSS JOIN LATERAL (
    SELECT b.placed_at + (10 + (b.h2 >> 2 & 15)) * interval '1 hour' AS ship_at,
           b.placed_at + (10 + (b.h2 >> 2 & 15)) * interval '1 hour'
               + CASE WHEN (b.h2 >> 6 & 15) = 0 THEN 5 + (b.h2 >> 10 & 3)
                      ELSE (ARRAY[1, 1, 2, 3])[1 + (b.h2 >> 10 & 3)] END * interval '1 day'
               + (b.h2 >> 12 & 15) * interval '1 hour' AS deliver_at,
           (b.h2 >> 16 & 127) = 0 AND now() - b.placed_at > interval '6 hours' AS cancelled,
           (b.h2 >> 23 & 255) = 0 AS lost
    OFFSET 0
) t
CROSS JOIN LATERAL (
    SELECT CASE WHEN t.cancelled OR t.ship_at > now() THEN NULL
                WHEN t.lost THEN 'exception'
                WHEN t.deliver_at <= now() THEN 'delivered'
                WHEN t.deliver_at - now() < interval '8 hours' THEN 'out_for_delivery'
                ELSE 'in_transit' END AS status
) d
ORDER BY b.placed_at;
""",
        ),
        (
            "order items",
            f"""
-- 1–9 lines an order (5 on average); popular products sell more (the square of a uniform draw).
INSERT INTO order_items (id, order_id, line_id, position, sku, name, quantity, unit_price, tax_rate, attributes,
                         category)
SELECT 'itm_' || substr(md5(o.id || '/' || n), 1, 16), o.id, 'L' || n, n - 1, 'SKU-' || lpad(p.sku::text, 5, '0'),
       ({sql_array(PRODUCTS)})[1 + p.sku % 12] || ' ' || p.sku, CASE WHEN (p.h >> 16 & 15) = 0 THEN 2 ELSE 1 END,
       990 + (p.sku * 7919 % 200) * 100, 25.5,
       ('{{"size": "' || (ARRAY['XS', 'S', 'M', 'L', 'XL'])[1 + (p.h >> 20) % 5] || '"}}')::json,
       CASE WHEN p.sku % 50 = 7 THEN 'hygiene' END
FROM orders o
CROSS JOIN LATERAL generate_series(1, 1 + (hashtext('i' || o.id) & 2147483647) % 9) n
CROSS JOIN LATERAL (
    SELECT h, floor(2000 * power((h & 65535) / 65536.0, 2))::int AS sku
    FROM (SELECT hashtext(o.id || '/' || n) & 2147483647 AS h OFFSET 0) q
    OFFSET 0
) p;
""",
        ),
        (
            "payments",
            """
INSERT INTO payments (id, order_id, provider, reference, method, captured, charged, currency)
SELECT 'pay_' || substr(o.id, 5), o.id, 'simulated', 'sim_' || substr(md5('p' || o.id), 1, 20),
       (ARRAY['card', 'card', 'card', 'card', 'bank', 'bank', 'mobilepay', 'klarna'])[1 + (hashtext('m' || o.id) & 7)],
       t.total + o.shipping_amount, 0, o.currency
FROM orders o
JOIN (SELECT order_id, sum(quantity * unit_price) AS total FROM order_items GROUP BY order_id) t ON t.order_id = o.id;
""",
        ),
        (
            "shipments",
            f"""
-- One parcel an order once shipped; 6 % go in two (the first arrives a little earlier).
INSERT INTO shipments (id, order_id, merchant_id, carrier, tracking_number, estimated_delivery, status, delivered_at,
                       created_at)
SELECT 'shp_' || substr(md5(o.id || '#' || n), 1, 16), o.id, o.merchant_id,
       ({sql_array(CARRIERS)})[1 + (hashtext('v' || o.id || n) & 7)],
       'JJFI' || lpad(((hashtext('t' || o.id || n) & 2147483647))::text, 12, '0'), o.promised_delivery_date,
       o.delivery_status, o.delivered_at - CASE WHEN n = 1 AND sh.parcels = 2 THEN interval '3 hours' ELSE interval '0' END,
       o.placed_at + (10 + ((hashtext('b' || o.id) & 2147483647) >> 2 & 15)) * interval '1 hour' + (n - 1) * interval '1 hour'
FROM orders o
CROSS JOIN LATERAL (SELECT CASE WHEN (hashtext('2' || o.id) & 15) = 0 THEN 2 ELSE 1 END AS parcels) sh
CROSS JOIN LATERAL generate_series(1, sh.parcels) n
WHERE o.delivery_status IS NOT NULL;
""",
        ),
        (
            "tracking events",
            f"""
-- A delivered parcel has 6–13 carrier events (9.5 on average) from the first scan to delivery;
-- one on its way has 2–5 so far.
INSERT INTO tracking_events (id, shipment_id, status, occurred_at, location, description, created_at)
SELECT 'evt_' || substr(md5(s.id || '/' || i), 1, 16), s.id, e.status, e.at, ({sql_array(PLACES)})[1 + (p.h + i) % 8],
       CASE e.status WHEN 'info_received' THEN 'Lähettäjä on ilmoittanut lähetyksen tiedot'
                     WHEN 'in_transit' THEN 'Lähetys on kuljetuksessa'
                     WHEN 'out_for_delivery' THEN 'Lähetys on jakelussa'
                     WHEN 'delivered' THEN 'Lähetys on toimitettu'
                     ELSE 'Lähetyksen kuljetuksessa on poikkeama' END,
       e.at + interval '2 minutes'
FROM shipments s
CROSS JOIN LATERAL (
    SELECT h, CASE s.status WHEN 'delivered' THEN 6 + (h & 7) WHEN 'exception' THEN 5 ELSE 2 + (h & 3) END AS k,
           coalesce(s.delivered_at, least(now() - interval '10 minutes', s.created_at + interval '4 days')) AS until
    FROM (SELECT hashtext(s.id) & 2147483647 AS h OFFSET 0) q
    OFFSET 0
) p
CROSS JOIN LATERAL generate_series(1, p.k) i
CROSS JOIN LATERAL (
    SELECT s.created_at + (p.until - s.created_at) * ((i - 1)::float8 / greatest(p.k - 1, 1)) AS at,
           CASE WHEN i = 1 THEN 'info_received'
                WHEN i = p.k AND s.status IN ('delivered', 'exception', 'out_for_delivery') THEN s.status
                WHEN i = p.k - 1 AND s.status = 'delivered' THEN 'out_for_delivery'
                ELSE 'in_transit' END AS status
    OFFSET 0
) e;
""",
        ),
        (
            "returns",
            """
-- 8 % of delivered orders: the first line, a third of the time the second too, asked 1–12 days
-- after delivery. Recent ones wait for a decision or the parcel; one in 512 older ones was
-- forgotten (still approved); the rest were settled, rejected or cancelled.
INSERT INTO returns (id, merchant_id, order_id, customer_id, number, status, comment, within_window, whole_order,
                     shipping_refund, refund_due_on, auto_approved, decision_message, refund_amount,
                     store_credit_amount, store_credit_bonus, restocking_fees, refund_id, difference_due, created_at,
                     approved_at, rejected_at, received_at, settled_at, updated_at)
SELECT 'ret_' || substr(o.id, 5), o.merchant_id, o.id, o.customer_id, o.number || '-R1', st.status, '', true, false, 0,
       (c.created AT TIME ZONE 'UTC')::date + 14, false, '',
       CASE WHEN st.status = 'refunded' AND NOT st.credit THEN v.value ELSE 0 END,
       CASE WHEN st.status = 'refunded' AND st.credit THEN v.value ELSE 0 END, 0, 0,
       CASE WHEN st.status = 'refunded' AND NOT st.credit THEN 'ref_' || substr(md5('r' || 'ret_' || substr(o.id, 5)), 1, 16) END,
       0, c.created,
       CASE WHEN st.status IN ('approved', 'refunded', 'exchanged') THEN c.created + interval '20 hours' END,
       CASE WHEN st.status = 'rejected' THEN c.created + interval '1 day' END,
       CASE WHEN st.status IN ('refunded', 'exchanged') THEN c.created + interval '6 days' END,
       CASE WHEN st.status IN ('refunded', 'exchanged') THEN c.created + interval '6 days' END,
       c.created + CASE WHEN st.status IN ('refunded', 'exchanged') THEN interval '6 days'
                        WHEN st.status IN ('approved', 'rejected', 'cancelled') THEN interval '20 hours'
                        ELSE interval '0' END
FROM orders o
CROSS JOIN LATERAL (SELECT hashtext('r' || o.id) & 2147483647 AS h) r
CROSS JOIN LATERAL (
    SELECT o.delivered_at + (1 + (r.h >> 8) % 12) * interval '1 day' + (r.h >> 12 & 15) * interval '1 hour' AS created
) c
CROSS JOIN LATERAL (
    SELECT CASE WHEN now() - c.created < interval '2 days' THEN 'requested'
                WHEN now() - c.created < interval '8 days'
                    THEN CASE r.h >> 16 & 7 WHEN 0 THEN 'requested' WHEN 1 THEN 'rejected' ELSE 'approved' END
                WHEN (r.h >> 21 & 511) = 0 THEN 'approved'
                ELSE CASE WHEN (r.h >> 16 & 31) < 2 THEN 'rejected' WHEN (r.h >> 16 & 31) = 2 THEN 'cancelled'
                          WHEN (r.h >> 16 & 31) < 6 THEN 'exchanged' ELSE 'refunded' END
           END AS status,
           (r.h >> 30 & 1) = 0 AND (r.h >> 4 & 3) = 0 AS credit
) st
CROSS JOIN LATERAL (
    SELECT sum(i.unit_price) AS value FROM order_items i
    WHERE i.order_id = o.id AND i.position < 1 + CASE WHEN r.h >> 25 & 3 = 0 THEN 1 ELSE 0 END
) v
WHERE o.delivered_at IS NOT NULL AND r.h % 100 < 8 AND c.created < now()
ORDER BY c.created;

INSERT INTO return_items (id, return_id, order_item_id, position, quantity, unit_price, reason, resolution,
                          exchange_sku, exchange_unit_price, restocking_fee)
SELECT 'rti_' || substr(md5(r.id || '/' || i.position), 1, 16), r.id, i.id, i.position, 1, i.unit_price,
       (ARRAY['wrong_size', 'wrong_size', 'wrong_size', 'changed_mind', 'changed_mind', 'not_as_described',
              'defective', 'wrong_item'])[1 + (hashtext(r.id || i.position) & 7)],
       CASE WHEN r.status = 'exchanged' THEN 'exchange' WHEN r.store_credit_amount > 0 THEN 'store_credit'
            ELSE 'refund' END,
       CASE WHEN r.status = 'exchanged' THEN i.sku END, CASE WHEN r.status = 'exchanged' THEN i.unit_price END, 0
FROM returns r
JOIN order_items i ON i.order_id = r.order_id
    AND i.position < 1 + CASE WHEN (hashtext('r' || r.order_id) & 2147483647) >> 25 & 3 = 0 THEN 1 ELSE 0 END;
""",
        ),
        (
            "claims",
            """
-- 1.2 % of delivered orders, 3–92 days after delivery: recent ones open or in negotiation, one in
-- 512 older ones forgotten (still open), the rest settled.
INSERT INTO claims (id, merchant_id, order_id, order_item_id, customer_id, number, status, remedy, description,
                    noticed_on, answer_due_at, auto_accepted, refund_id, agreed_amount, fulfilment_note, escalated_at,
                    accepted_at, resolved_at, created_at, updated_at)
SELECT 'clm_' || substr(o.id, 5), o.merchant_id, o.id, i.id, o.customer_id, o.number || '-C1', st.status, st.remedy,
       'Sauma ratkesi toisella käyttökerralla.', (c.created AT TIME ZONE 'UTC')::date - 1,
       c.created + interval '3 days', false,
       CASE WHEN st.agreed THEN 'ref_' || substr(md5('c' || 'clm_' || substr(o.id, 5)), 1, 16) END,
       CASE WHEN st.agreed THEN i.unit_price / 5 ELSE 0 END, '',
       CASE WHEN st.status = 'escalated' THEN least(now(), c.created + interval '2 days') END,
       CASE WHEN st.status IN ('accepted', 'resolved') THEN least(now(), c.created + interval '1 day') END,
       CASE WHEN st.status = 'resolved' THEN least(now(), c.created + interval '7 days') END,
       c.created, least(now(), c.created + interval '1 day')
FROM orders o
CROSS JOIN LATERAL (SELECT hashtext('c' || o.id) & 2147483647 AS h) h
CROSS JOIN LATERAL (
    SELECT o.delivered_at + (3 + (h.h >> 8) % 90) * interval '1 day' + (h.h >> 16 & 15) * interval '1 hour' AS created
) c
JOIN order_items i ON i.order_id = o.id AND i.position = 0
CROSS JOIN LATERAL (
    SELECT status, remedy, remedy = 'price_reduction' AND status IN ('accepted', 'resolved') AS agreed
    FROM (SELECT
        CASE WHEN now() - c.created < interval '3 days'
                 THEN (ARRAY['open', 'open', 'open', 'open', 'open', 'countered', 'countered', 'accepted'])[1 + (h.h >> 20 & 7)]
             WHEN now() - c.created < interval '14 days'
                 THEN (ARRAY['open', 'countered', 'accepted', 'accepted', 'accepted', 'accepted', 'accepted',
                             'escalated', 'escalated', 'resolved', 'resolved', 'resolved', 'resolved', 'resolved',
                             'resolved', 'withdrawn'])[1 + (h.h >> 20 & 15)]
             WHEN (h.h >> 24 & 511) = 0 THEN 'open'
             ELSE (ARRAY['accepted', 'accepted', 'escalated', 'escalated', 'resolved', 'resolved', 'resolved', 'resolved',
                         'resolved', 'resolved', 'resolved', 'resolved', 'resolved', 'withdrawn', 'withdrawn',
                         'withdrawn'])[1 + (h.h >> 20 & 15)]
        END AS status,
        (ARRAY['price_reduction', 'price_reduction', 'price_reduction', 'price_reduction', 'replacement', 'replacement',
               'repair', 'cancel'])[1 + (h.h >> 12 & 7)] AS remedy) x
) st
WHERE o.delivered_at IS NOT NULL AND h.h % 1000 < 12 AND c.created < now()
ORDER BY c.created;

-- The buyer's proposal on a price reduction; a countered claim also has the shop's counter-offer.
INSERT INTO claim_offers (id, claim_id, by, amount, message, status, created_at, decided_at)
SELECT 'cof_' || substr(md5(cl.id || '/' || n), 1, 16), cl.id, CASE n WHEN 1 THEN 'buyer' ELSE 'merchant' END,
       i.unit_price / CASE n WHEN 1 THEN 4 ELSE 8 END, '',
       CASE WHEN n = 2 OR cl.status = 'open' THEN 'open' WHEN cl.status IN ('accepted', 'resolved') THEN 'accepted'
            ELSE 'declined' END,
       cl.created_at + (n - 1) * interval '5 hours',
       CASE WHEN n = 1 AND cl.status <> 'open' THEN least(now(), cl.created_at + interval '5 hours') END
FROM claims cl
JOIN order_items i ON i.id = cl.order_item_id
CROSS JOIN LATERAL generate_series(1, CASE cl.status WHEN 'countered' THEN 2 ELSE 1 END) n
WHERE cl.remedy = 'price_reduction';
""",
        ),
        (
            "refunds and store credit",
            """
INSERT INTO refunds (id, merchant_id, order_id, amount, currency, source, source_id, reason, status, idempotency_key,
                     provider, provider_reference, attempt, requested_by, failure_code, created_at, updated_at)
SELECT x.id, o.merchant_id, o.id, x.amount, o.currency, x.source, x.source_id, x.reason,
       CASE WHEN (hashtext(x.id) & 63) = 0 THEN 'failed' ELSE 'succeeded' END, x.source || ':' || x.source_id,
       'simulated', 'sim_' || substr(md5(x.id), 1, 20), 1, 'staff',
       CASE WHEN (hashtext(x.id) & 63) = 0 THEN 'card_declined' END, x.at, x.at + interval '10 seconds'
FROM (
    SELECT r.refund_id AS id, r.order_id, r.refund_amount AS amount, 'return' AS source, r.id AS source_id,
           'Return ' || r.number AS reason, r.settled_at AS at
    FROM returns r WHERE r.refund_id IS NOT NULL
    UNION ALL
    SELECT cl.refund_id, cl.order_id, cl.agreed_amount, 'claim', cl.id, 'Claim ' || cl.number, cl.accepted_at
    FROM claims cl WHERE cl.refund_id IS NOT NULL
    UNION ALL
    SELECT 'ref_' || substr(md5('x' || o.id), 1, 16), o.id, p.captured, 'cancellation', o.id,
           'Order ' || o.number || ' cancelled', o.cancelled_at
    FROM orders o JOIN payments p ON p.order_id = o.id WHERE o.cancelled_at IS NOT NULL
) x
JOIN orders o ON o.id = x.order_id;

-- Returns settled with store credit; 40 % of the credit is spent three weeks later.
INSERT INTO store_credit_movements (id, merchant_id, customer_id, order_id, amount, currency, kind, source, source_id,
                                    reason, idempotency_key, created_at)
SELECT 'scm_' || substr(md5(n || r.id), 1, 16), r.merchant_id, r.customer_id, r.order_id,
       CASE n WHEN 1 THEN r.store_credit_amount ELSE -r.store_credit_amount END, o.currency,
       CASE n WHEN 1 THEN 'issued' ELSE 'redeemed' END, CASE n WHEN 1 THEN 'return' ELSE 'manual' END, r.id,
       'Return ' || r.number, CASE n WHEN 1 THEN 'return:' || r.id END,
       r.settled_at + (n - 1) * interval '21 days'
FROM returns r
JOIN orders o ON o.id = r.order_id
CROSS JOIN generate_series(1, 2) n
WHERE r.store_credit_amount > 0 AND (n = 1 OR ((hashtext(r.id) & 4) = 0 AND r.settled_at + interval '21 days' < now()));
""",
        ),
        (
            "tickets",
            f"""
-- 3 % of orders get a ticket 0–19 days after placing. Recent ones are new, open or waiting on
-- the buyer (assigned to one of the shop's agents once answered); one in 512 older ones was
-- left open; the rest solved or closed, a quarter of those rated.
INSERT INTO tickets (id, merchant_id, customer_id, order_id, number, subject, status, priority, source, queue,
                     assignee_id, locale, reply_token, first_response_due_at, resolution_due_at, first_responded_at,
                     solved_at, closed_at, survey_sent_at, csat_rating, csat_at, created_at, updated_at)
SELECT 'tkt_' || substr(o.id, 5), o.merchant_id, o.customer_id, o.id, 'T' || o.number,
       ({sql_array(SUBJECTS)})[1 + (h.h >> 11 & 7)], st.status,
       (ARRAY['urgent', 'high', 'high', 'normal', 'normal', 'normal', 'normal', 'normal', 'normal', 'normal',
              'normal', 'normal', 'normal', 'normal', 'low', 'low'])[1 + (h.h >> 5 & 15)],
       st.source, CASE WHEN st.source = 'escalation' AND (h.h & 1) = 0 THEN 'team_lead' ELSE 'support' END,
       CASE WHEN st.status = 'new' OR (st.status = 'open' AND h.h % 3 = 0) THEN NULL
            ELSE 'usr_scale' || substr(o.merchant_id, 10) || '_'
                 || CASE WHEN o.merchant_id = 'mer_scale1' THEN 1 + (h.h >> 3) % 4 ELSE 1 END END,
       o.locale, substr(md5('t' || o.id), 1, 16), c.created + interval '8 hours', c.created + interval '3 days',
       t.responded, t.solved, t.closed, t.solved, t.rating, CASE WHEN t.rating IS NOT NULL THEN t.solved + interval '1 hour' END,
       c.created, greatest(c.created, t.responded, t.solved, t.closed)
FROM orders o
CROSS JOIN LATERAL (SELECT hashtext('t' || o.id) & 2147483647 AS h) h
CROSS JOIN LATERAL (
    SELECT o.placed_at + interval '2 hours' + ((h.h >> 8) % 20) * interval '1 day' + (h.h >> 13 & 15) * interval '1 hour'
        AS created
) c
CROSS JOIN LATERAL (
    SELECT CASE WHEN now() - c.created < interval '1 day'
                    THEN (ARRAY['new', 'new', 'open', 'solved'])[1 + (h.h >> 17 & 3)]
                WHEN now() - c.created < interval '5 days'
                    THEN (ARRAY['new', 'open', 'open', 'waiting_on_buyer', 'waiting_on_buyer', 'solved', 'solved',
                                'solved'])[1 + (h.h >> 17 & 7)]
                WHEN (h.h >> 20 & 511) = 0 THEN 'open'
                ELSE (ARRAY['solved', 'solved', 'closed', 'closed', 'closed', 'closed', 'closed', 'closed'])[1 + (h.h >> 17 & 7)]
           END AS status,
           (ARRAY['contact_form', 'contact_form', 'contact_form', 'contact_form', 'contact_form', 'email', 'email',
                  'escalation'])[1 + (h.h >> 9 & 7)] AS source
) st
CROSS JOIN LATERAL (
    SELECT responded, solved, CASE WHEN st.status = 'closed' THEN least(now(), solved + interval '4 days') END AS closed,
           CASE WHEN solved IS NOT NULL AND (h.h >> 24 & 3) = 0 THEN (ARRAY[1, 2, 3, 4, 4, 5, 5, 5])[1 + (h.h >> 26 & 7)] END
               AS rating
    FROM (SELECT
        CASE WHEN st.status <> 'new' THEN least(now(), c.created + (1 + (h.h >> 21) % 12) * interval '1 hour') END
            AS responded,
        CASE WHEN st.status IN ('solved', 'closed') THEN least(now(), c.created + (4 + (h.h >> 21) % 60) * interval '1 hour') END
            AS solved) y
) t
WHERE h.h % 100 < 3 AND c.created < now()
ORDER BY c.created;

INSERT INTO ticket_messages (id, ticket_id, author_kind, author_id, author_label, body, internal, via, created_at)
SELECT 'tmg_' || substr(md5(t.id || '/' || m), 1, 16), t.id, CASE m WHEN 2 THEN 'staff' ELSE 'buyer' END,
       CASE m WHEN 2 THEN t.assignee_id END, CASE m WHEN 2 THEN 'Asiakaspalvelu' ELSE '' END,
       CASE m WHEN 1 THEN 'Hei! ' || t.subject || ' Tilaus ' || substr(t.number, 2) || '.'
              WHEN 2 THEN 'Hei, kiitos viestistä! Selvitämme asian ja palaamme pian.'
              ELSE 'Kiitos, selvä!' END,
       false, CASE WHEN t.source = 'email' THEN 'email' ELSE 'portal' END,
       CASE m WHEN 1 THEN t.created_at WHEN 2 THEN t.first_responded_at ELSE t.first_responded_at + interval '3 hours' END
FROM tickets t
CROSS JOIN generate_series(1, 3) m
WHERE (m = 1 OR (m = 2 AND t.first_responded_at IS NOT NULL)
       OR (m = 3 AND t.first_responded_at + interval '3 hours' < now() AND (hashtext(t.id) & 3) = 0));
""",
        ),
    ]
    return [(label, prelude + sql) for label, sql in steps]


# What each step fills first: a step whose table has rows was committed by an earlier run.
STEP_TABLES = {
    "shops": "merchants",
    "customers": "customers",
    "orders": "orders",
    "order items": "order_items",
    "payments": "payments",
    "shipments": "shipments",
    "tracking events": "tracking_events",
    "returns": "returns",
    "claims": "claims",
    "refunds and store credit": "refunds",
    "tickets": "tickets",
}
# Loaded without their secondary indexes (and tracking events without its primary key, which
# nothing references), built again at the end of the same step in one sorted pass each: much
# cheaper than inserting millions of random keys one by one.
DEFERRED = {"orders": "orders", "order items": "order_items", "shipments": "shipments",
            "tracking events": "tracking_events"}  # fmt: skip


def done(cur, label: str) -> bool:
    cur.execute(f"SELECT EXISTS (SELECT 1 FROM {STEP_TABLES[label]})")
    return cur.fetchone()[0]


def defer_indexes(cur, table: str) -> list[str]:
    """Drop the table's plain indexes (and its primary key if nothing references it); return
    the statements that build them again, exactly as they were."""
    cur.execute(
        "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.schemaname = 'public' AND i.tablename = %s "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
        (table,),
    )
    indexes = cur.fetchall()
    cur.execute(
        "SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c "
        "WHERE c.contype = 'p' AND c.conrelid = %s::regclass "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' AND f.confrelid = c.conrelid)",
        (table,),
    )
    keys = cur.fetchall()
    for name, _definition in indexes:
        cur.execute(f'DROP INDEX "{name}"')
    for table, name, _definition in keys:
        cur.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
    return [definition for _name, definition in indexes] + [
        f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}' for table, name, definition in keys
    ]


def seeded(conn) -> bool:
    return done(conn.cursor(), "tickets")


def generate(engine, orders: int) -> float:
    """Step by step, each in its own transaction; a run that was interrupted (a restarted
    server) goes on from the first step not committed."""
    from werkzeug.security import generate_password_hash

    started = time.perf_counter()
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        for label, sql in generation_steps(orders, generate_password_hash(PASSWORD)):
            if done(cur, label):
                raw.rollback()
                print(f"  {label:<26}   (done by an earlier run)", flush=True)
                continue
            step = time.perf_counter()
            cur.execute("SET LOCAL synchronous_commit = off")
            cur.execute("SET LOCAL jit = off")  # compiling these statements took longer than running them
            cur.execute("SET LOCAL work_mem = '256MB'")
            cur.execute("SET LOCAL maintenance_work_mem = '512MB'")
            # Foreign keys are true by construction; checking 17 million of them costs minutes.
            cur.execute("SET LOCAL session_replication_role = replica")
            table = DEFERRED.get(label)
            rebuild = defer_indexes(cur, table) if table else []
            cur.execute(sql)
            loaded = time.perf_counter() - step
            for statement in rebuild:
                cur.execute(statement)
            cur.execute(f"ANALYZE {STEP_TABLES[label]}")  # the next steps join on it
            raw.commit()
            indexed = f" (indexes {time.perf_counter() - step - loaded:.1f} s)" if rebuild else ""
            print(f"  {label:<26}{time.perf_counter() - step:8.1f} s{indexed}", flush=True)
    except BaseException:
        raw.rollback()
        raise
    finally:
        raw.close()
    step = time.perf_counter()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM (ANALYZE)")
    print(f"  {'VACUUM (ANALYZE)':<26}{time.perf_counter() - step:8.1f} s", flush=True)
    return time.perf_counter() - started


COUNTED = ("orders", "order_items", "tracking_events", "shipments", "returns", "claims", "tickets", "refunds")


def table_sizes(engine) -> list[tuple[str, int, str]]:
    """Rows (exact for the tables the report names, the planner's estimate for the rest) and size."""
    with engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT c.relname, c.reltuples::bigint, pg_size_pretty(pg_total_relation_size(c.oid)) "
            "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.reltuples > 0 ORDER BY c.reltuples DESC"
        ).all()
        exact = {name: conn.exec_driver_sql(f"SELECT count(*) FROM {name}").scalar() for name in COUNTED}
    return [(name, exact.get(name, rows_), size) for name, rows_, size in rows]


# -- measuring --------------------------------------------------------------------------------


@dataclass
class Result:
    name: str
    label: str
    samples: list[float]
    baseline: float  # the median of one order by primary key, timed in turn with these samples
    queries: int = 0
    seq_scans: list[str] = field(default_factory=list)
    database_ms: float = 0.0  # the SELECTs' execution time in the server (EXPLAIN ANALYZE), once

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def ratio(self) -> float:
        return self.median / self.baseline

    @property
    def p90(self) -> float:
        ordered = sorted(self.samples)
        return ordered[min(len(ordered) - 1, int(round(0.9 * (len(ordered) - 1))))]


class Capture:
    """The SQL statements (and their parameters) run on the engine inside the ``with`` block."""

    def __init__(self, engine) -> None:
        self.engine = engine
        self.statements: list[tuple[str, object]] = []

    def _before(self, conn, cursor, statement, parameters, context, executemany) -> None:
        self.statements.append((statement, parameters))

    def __enter__(self) -> Capture:
        from sqlalchemy import event

        event.listen(self.engine, "before_cursor_execute", self._before)
        return self

    def __exit__(self, *exc) -> None:
        from sqlalchemy import event

        event.remove(self.engine, "before_cursor_execute", self._before)


SEQ_SCAN = re.compile(r"Seq Scan on (\w+)")


EXECUTION = re.compile(r"Execution Time: ([0-9.]+) ms")


def explain(
    engine, name: str, label: str, statements: list[tuple[str, object]], directory: Path | None
) -> tuple[list[str], float]:
    """EXPLAIN (ANALYZE, BUFFERS) each SELECT; write them to <directory>/<name>.txt. Returns the
    big tables read by a sequential scan and the statements' execution time in the database."""
    selects = [(s, p) for s, p in statements if s.lstrip().upper().startswith(("SELECT", "WITH"))]
    parts, flagged, database_ms = [], [], 0.0
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        for n, (statement, parameters) in enumerate(selects, start=1):
            cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters or None)
            plan = "\n".join(row[0] for row in cur.fetchall())
            scans = [t for t in SEQ_SCAN.findall(plan) if t in BIG_TABLES]
            flagged += scans
            database_ms += sum(float(ms) for ms in EXECUTION.findall(plan))
            head = f"-- statement {n} of {len(selects)}" + (f"  [SEQ SCAN: {', '.join(scans)}]" if scans else "")
            parts.append(f"{head}\n{statement.strip()}\n-- parameters: {parameters!r}\n\n{plan}\n")
        raw.rollback()
    finally:
        raw.close()
    if directory is not None:
        directory.mkdir(parents=True, exist_ok=True)
        summary = (
            f"# {label}\n# {len(statements)} statements ({len(selects)} SELECT); "
            f"time in the database {database_ms:.2f} ms; "
            f"sequential scans of big tables: {', '.join(sorted(set(flagged))) or 'none'}\n\n"
        )
        (directory / f"{name}.txt").write_text(summary + "\n".join(parts))
    return sorted(set(flagged)), database_ms


def timed(
    fn: Callable[[int], object],
    runs: int,
    reset: Callable[[], None],
    baseline: Callable[[int], object],
    warmup: int = 2,
) -> tuple[list[float], list[float]]:
    """``fn(i)`` for i in range(runs) after ``warmup`` calls, each run right after a run of
    ``baseline(i)``: a busy machine slows both alike, so their ratio holds. ``reset()`` before
    each call, untimed."""
    for i in range(warmup):
        reset()
        fn(i)
    samples, base = [], []
    for i in range(runs):
        for target, into in ((baseline, base), (fn, samples)):
            reset()
            started = time.perf_counter()
            target(i)
            into.append((time.perf_counter() - started) * 1000)
    return samples, base


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", default=os.environ.get("SCALE_DATABASE_URL", DEFAULT_DB), help=f"default {DEFAULT_DB}")
    parser.add_argument("--orders", type=int, default=1_000_000, help="orders to generate (20000: quick mode)")
    parser.add_argument("--runs", type=int, default=31, help="timed runs of each request path (median)")
    parser.add_argument("--figure-runs", type=int, default=5, help="timed runs of each dashboard figure")
    parser.add_argument("--fresh", action="store_true", help="drop the schema and generate again")
    parser.add_argument("--no-explain", action="store_true", help="do not write bench/explain/*.txt")
    parser.add_argument("--explain-dir", default=str(HERE / "explain"))
    args = parser.parse_args()

    url = args.db
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    if not url.startswith("postgresql"):
        sys.exit("bench/scale_pg.py measures PostgreSQL: --db postgresql+psycopg://user@host/db")
    os.environ.setdefault("APURI_INSTANCE_DIR", tempfile.mkdtemp(prefix="apuri-scale-"))
    os.environ.setdefault("SECRET_KEY", "scale-bench-" + "x" * 40)
    os.environ.setdefault("LOG_LEVEL", "WARNING")

    from flask.testing import FlaskClient
    from flask_migrate import upgrade

    from portal import create_app
    from portal.extensions import db

    app = create_app(
        "development",
        SQLALCHEMY_DATABASE_URI=url,
        ORDER_PAGE_CACHE_SIZE=0,  # every order page is rendered
        ORDER_HEAD_TTL_SECONDS=0,  # and its head read
        RATELIMIT_ENABLED=False,
        WTF_CSRF_ENABLED=False,
        INLINE_SCHEDULER=False,
    )

    class FreshContextClient(FlaskClient):
        """Each request in its own app context (own session), as served."""

        def open(self, *a, **kw):
            with app.app_context():
                return super().open(*a, **kw)

    app.test_client_class = FreshContextClient
    explain_dir = None if args.no_explain else Path(args.explain_dir)
    wall = time.perf_counter()
    with app.app_context():
        engine = db.engine
        if args.fresh:
            with engine.begin() as conn:
                conn.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        step = time.perf_counter()
        upgrade()
        print(f"schema (flask db upgrade): {time.perf_counter() - step:.1f} s")
        raw = engine.raw_connection()
        try:
            present = seeded(raw)
        finally:
            raw.close()
        generation = None
        if present:
            print("generated already: measuring only (--fresh to generate again)")
        else:
            print(f"generating {args.orders:,} orders …", flush=True)
            generation = generate(engine, args.orders)
            print(f"generated in {generation:.0f} s")
        sizes = table_sizes(engine)
        for name, rows, size in sizes:
            print(f"  {name:<24}{rows:>12,}  {size}")
        results = measure(app, engine, args, explain_dir)
    total = time.perf_counter() - wall
    report(results, sizes, generation, total, args, explain_dir)
    return 0


def measure(app, engine, args, explain_dir: Path | None) -> list[Result]:
    from datetime import timedelta

    from sqlalchemy import text

    from portal.buyers import access
    from portal.buyers.services import summarise
    from portal.claims import services as claims
    from portal.console import claims as console_claims
    from portal.console import returns as console_returns
    from portal.console.support import view_counts
    from portal.db import utcnow
    from portal.extensions import db
    from portal.insights import queries
    from portal.merchants.models import Merchant
    from portal.orders.models import Order
    from portal.orders.services import get_order, merchant_today
    from portal.returns import services as returns
    from portal.support import services as desk

    shop = db.session.get(Merchant, BIG)
    slug, timezone = shop.slug, shop.timezone
    today = merchant_today(shop)
    admin_id = db.session.scalar(text("SELECT id FROM users WHERE email = :e"), {"e": ADMIN_EMAIL})

    # Orders to look at, in turn: spread over the two years, plus some with a return, a claim, a
    # ticket, and some still on their way.
    def numbers(sql: str, limit: int) -> list[tuple[str, str, str, str]]:
        return [
            tuple(r)
            for r in db.session.execute(
                text(
                    "SELECT o.id, o.number, c.email, c.id FROM orders o JOIN customers c ON c.id = o.customer_id "
                    f"WHERE o.id IN ({sql}) ORDER BY o.id LIMIT {limit}"
                ),
                {"m": BIG},
            )
        ]

    samples = (
        numbers("SELECT id FROM orders TABLESAMPLE SYSTEM (2) REPEATABLE (7) WHERE merchant_id = :m", 12)
        + numbers("SELECT order_id FROM returns WHERE merchant_id = :m ORDER BY id LIMIT 4", 4)
        + numbers("SELECT order_id FROM claims WHERE merchant_id = :m ORDER BY id LIMIT 3", 3)
        + numbers("SELECT order_id FROM tickets WHERE merchant_id = :m ORDER BY id LIMIT 3", 3)
        + numbers(
            "SELECT id FROM orders WHERE merchant_id = :m AND placed_at > now() - interval '3 days' "
            "ORDER BY placed_at DESC LIMIT 3",
            3,
        )
    )
    assert samples, "no orders in the big shop"
    print(f"{len(samples)} sample orders of {slug}; {args.runs} runs a path")

    def sample(i: int):
        return samples[i % len(samples)]

    def fresh_session() -> None:
        db.session.rollback()
        db.session.expunge_all()

    results: list[Result] = []

    def by_primary_key(i: int):
        """The baseline: the simplest question an index answers, through the same ORM session."""
        return db.session.get(Order, sample(i)[0])

    def run(name: str, label: str, fn: Callable[[int], object], *, runs: int | None = None, reset=fresh_session,
            check: Callable[[object], None] | None = None) -> Result:  # fmt: skip
        if check is not None:
            reset()
            check(fn(0))
        samples_ms, base_ms = timed(fn, runs or args.runs, reset, by_primary_key)
        reset()
        with Capture(engine) as capture:
            fn(0)
        reset()
        scans, database_ms = explain(engine, name, label, capture.statements, explain_dir)
        result = Result(
            name, label, samples_ms, statistics.median(base_ms), len(capture.statements), scans, database_ms
        )
        results.append(result)
        flag = f"  SEQ SCAN: {', '.join(scans)}" if scans else ""
        print(f"  {label:<52}{result.median:9.2f} ms {result.ratio:7.1f} x {result.queries:3d} q{flag}", flush=True)
        return result

    client = app.test_client()

    def status(expected: int):
        def check(response) -> None:
            assert response.status_code == expected, (response.status_code, response.get_data(as_text=True)[:500])

        return check

    # -- baselines
    run("baseline_select_1", "baseline: SELECT 1", lambda i: db.session.execute(text("SELECT 1")).scalar())
    run("baseline_order_by_pk", "baseline: one order by primary key", by_primary_key)
    run("baseline_healthz", "baseline: GET /healthz (HTTP stack)", lambda i: client.get("/healthz"), check=status(200))

    # -- the buyer
    run(
        "lookup_service",
        "lookup: find_order (shop + number + e-mail)",
        lambda i: access.find_order(slug, sample(i)[1], sample(i)[2], client="bench"),
    )
    run(
        "lookup_page",
        "lookup: POST /s/<shop>/ (the form)",
        lambda i: client.post(f"/s/{slug}/", data={"merchant": slug, "number": sample(i)[1], "email": sample(i)[2]}),
        check=status(302),
    )

    def order_page_service(i: int):
        order = get_order(BIG, sample(i)[1])
        summary = summarise(order)
        return summary.claims, summary.claim_options, summary.plan, summary.instalment_options

    run("order_page_service", "order page: get_order + summarise (queries)", order_page_service)

    def as_buyer(i: int) -> None:
        with client.session_transaction() as session:
            session["buyer"] = {BIG: sample(i)[3]}

    # The page's buyer is signed in (untimed) before each request, one sample after another.
    turn = {"i": -1}

    def next_buyer() -> None:
        fresh_session()
        turn["i"] += 1
        as_buyer(turn["i"])

    as_buyer(0)
    status(200)(client.get(f"/s/{slug}/orders/{sample(0)[1]}"))
    run(
        "order_page",
        "order page: GET /s/<shop>/orders/<n> (no cache)",
        lambda i: client.get(f"/s/{slug}/orders/{sample(turn['i'])[1]}"),
        reset=next_buyer,
    )
    run(
        "buyer_orders_page",
        "buyer's orders: GET /s/<shop>/orders",
        lambda i: client.get(f"/s/{slug}/orders"),
        reset=next_buyer,
        check=status(200),
    )

    # -- the console: sign in as the big shop's admin
    answer = client.post("/staff/login", data={"email": ADMIN_EMAIL, "password": PASSWORD})
    assert answer.status_code == 302, answer.get_data(as_text=True)[:500]

    run(
        "inbox_returns_service",
        "inbox: open returns (list_returns + due counts)",
        lambda i: (
            returns.list_returns(BIG, status="open", limit=25),
            console_returns._due_counts(BIG, today),
        ),
    )
    run(
        "inbox_returns_page", "inbox: GET /console/returns", lambda i: client.get("/console/returns"), check=status(200)
    )
    run(
        "inbox_returns_all_page",
        "inbox: GET /console/returns?status=all",
        lambda i: client.get("/console/returns?status=all"),
        check=status(200),
    )
    run(
        "inbox_claims_service",
        "inbox: open claims (list_claims + due counts)",
        lambda i: (claims.list_claims(BIG, status="open", limit=25), console_claims._due_counts(BIG, utcnow())),
    )
    run("inbox_claims_page", "inbox: GET /console/claims", lambda i: client.get("/console/claims"), check=status(200))
    run(
        "inbox_tickets_service",
        "inbox: unassigned tickets (list_tickets + counts)",
        lambda i: (
            desk.list_tickets(BIG, "unassigned", user_id=admin_id, limit=25),
            view_counts(BIG, admin_id, utcnow()),
        ),
    )
    run(
        "inbox_tickets_page",
        "inbox: GET /console/tickets?view=unassigned",
        lambda i: client.get("/console/tickets?view=unassigned"),
        check=status(200),
    )
    run(
        "inbox_tickets_solved_page",
        "inbox: GET /console/tickets?view=solved",
        lambda i: client.get("/console/tickets?view=solved"),
        check=status(200),
    )

    # -- the dashboard
    run(
        "dashboard_page",
        "dashboard: GET /console/today (30 days)",
        lambda i: client.get("/console/today"),
        runs=args.figure_runs,
        check=status(200),
    )
    now = utcnow()
    for days in (30, 365):
        period = queries.Period(today - timedelta(days=days - 1), today, timezone)
        figures = {
            "workload": ("today's work", lambda i: queries.workload(BIG, now=now, today=today)),
            "return_rates": ("return rate by product", lambda i, p=period: queries.return_rates(BIG, p)),
            "returns_by_reason": ("returns by reason", lambda i, p=period: queries.returns_by_reason(BIG, p)),
            "claims_by_status": ("claims by outcome", lambda i, p=period: queries.claims_by_status(BIG, p)),
            "price_reductions": ("price reductions", lambda i, p=period: queries.price_reductions(BIG, p)),
            "refunds_by_week": ("refunds by week", lambda i, p=period: queries.refunds_by_week(BIG, p)),
            "money_back": ("store credit vs refunds", lambda i, p=period: queries.money_back(BIG, p)),
            "late_deliveries": (
                "late deliveries",
                lambda i, p=period: queries.late_deliveries(BIG, p, today=today),
            ),
            "support_figures": ("support times and rating", lambda i, p=period: queries.support_figures(BIG, p)),
        }
        for key, (label, fn) in figures.items():
            if key == "workload" and days != 30:
                continue
            suffix = "" if key == "workload" else f" ({days} d)"
            run(f"dashboard_{key}" + ("" if key == "workload" else f"_{days}d"), f"dashboard: {label}{suffix}", fn,
                runs=args.figure_runs)  # fmt: skip
    return results


def report(results: list[Result], sizes, generation: float | None, total: float, args, explain_dir: Path | None):
    rows = dict((name, n) for name, n, _size in sizes)
    lines = [
        f"{rows.get('orders', 0):,} orders, {rows.get('order_items', 0):,} order items, "
        f"{rows.get('tracking_events', 0):,} tracking events, {rows.get('returns', 0):,} returns, "
        f"{rows.get('claims', 0):,} claims, {rows.get('tickets', 0):,} tickets, {rows.get('refunds', 0):,} refunds "
        f"(PostgreSQL, {args.runs} runs a path, {args.figure_runs} a dashboard figure; the baseline is one order "
        "by primary key through the same ORM session, timed in turn with each path)",
        "",
        "| what | median ms | p90 ms | × baseline | baseline ms | queries | in the database ms | "
        "seq scans of big tables |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in results:
        lines.append(
            f"| {r.label} | {r.median:.2f} | {r.p90:.2f} | {r.ratio:.1f} | {r.baseline:.2f} | {r.queries} | "
            f"{r.database_ms:.2f} | {', '.join(r.seq_scans) or '—'} |"
        )
    if generation is not None:
        lines += ["", f"Generation (load + VACUUM ANALYZE): {generation:.0f} s"]
    lines += [f"Whole run: {total:.0f} s"]
    text = "\n".join(lines)
    print()
    print(text)
    if explain_dir is not None:
        explain_dir.mkdir(parents=True, exist_ok=True)
        (explain_dir / "summary.md").write_text(text + "\n")


if __name__ == "__main__":
    sys.exit(main())
