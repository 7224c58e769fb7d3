"""indexes for a million orders

Revision ID: d90000000004
Revises: c90000000003
Create Date: 2026-12-03 18:00:00

Found by bench/scale_pg.py on 1 million orders (5 million order items, 10 million tracking
events; the big shop has 600 000 orders, 47 000 returns, 18 000 tickets). Each index names the
plan it replaces; the plans themselves are in bench/explain/. The buyer's lookup and order page
needed none: every statement they run is an index lookup well under 0.1 ms.

Two are partial (PostgreSQL and SQLite both have partial indexes; the predicate is given for each).
"""
from alembic import op
import sqlalchemy as sa

import portal.db


# revision identifiers, used by Alembic.
revision = 'd90000000004'
down_revision = 'c90000000003'
branch_labels = None
depends_on = None

OPEN_RETURNS = "status IN ('requested', 'approved', 'received')"  # returns.models.OPEN_STATUSES
UNDELIVERED = "delivered_at IS NULL"


def upgrade():
    # The console's returns queue (open returns, oldest first, 25 a page).
    # Before: Index Scan on ix_returns_merchant_created, Filter status, Rows Removed by Filter:
    # 12 483, 818 buffers, 4.0 ms — and it grows with the shop's history: with no forgotten old
    # return it reads every return the shop ever had before reaching the recent open ones.
    # ix_returns_merchant_status cannot help: three statuses give no single created_at order.
    # After: Index Scan on ix_returns_merchant_open, 26 rows read, ~0.1 ms, whatever the history.
    op.create_index(
        'ix_returns_merchant_open',
        'returns',
        ['merchant_id', 'created_at', 'id'],
        unique=False,
        postgresql_where=sa.text(OPEN_RETURNS),
        sqlite_where=sa.text(OPEN_RETURNS),
    )
    # The ticket desk's solved queue (solved or closed, last changed first).
    # Before: Seq Scan on tickets (29 600 rows) + top-N heapsort of the shop's 17 600, 999 buffers,
    # 33 ms, growing with every ticket ever solved. After: Index Scan Backward on
    # ix_tickets_merchant_updated, ~26 rows read, ~0.1 ms.
    op.create_index(
        'ix_tickets_merchant_updated', 'tickets', ['merchant_id', 'updated_at', 'id'], unique=False
    )
    # The console's Today: parcels the carrier has gone quiet about (merchant, stale, not delivered),
    # and the staleness job's candidates (not delivered, not yet stale).
    # Before: Parallel Seq Scan on shipments (1 055 000 rows, 38 962 buffers), 224 ms of the
    # 227 ms the whole "today's work" statement took. After: Index Scan on the partial
    # ix_shipments_undelivered (only the few thousand parcels on their way), < 0.1 ms.
    op.create_index(
        'ix_shipments_undelivered',
        'shipments',
        ['merchant_id', 'tracking_stale_since'],
        unique=False,
        postgresql_where=sa.text(UNDELIVERED),
        sqlite_where=sa.text(UNDELIVERED),
    )


def downgrade():
    op.drop_index('ix_shipments_undelivered', table_name='shipments')
    op.drop_index('ix_tickets_merchant_updated', table_name='tickets')
    op.drop_index('ix_returns_merchant_open', table_name='returns')
