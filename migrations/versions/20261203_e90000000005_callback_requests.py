"""callback requests

Revision ID: e90000000005
Revises: d90000000004
Create Date: 2026-12-03 19:00:00

"""
from alembic import op
import sqlalchemy as sa

import portal.db


# revision identifiers, used by Alembic.
revision = 'e90000000005'
down_revision = 'd90000000004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('callback_requests',
    sa.Column('id', sa.String(length=24), nullable=False),
    sa.Column('merchant_id', sa.String(length=24), nullable=False),
    sa.Column('order_id', sa.String(length=24), nullable=False),
    sa.Column('customer_id', sa.String(length=24), nullable=False),
    sa.Column('ticket_id', sa.String(length=24), nullable=False),
    sa.Column('topic', sa.String(length=20), nullable=False),
    sa.Column('phone', sa.String(length=16), nullable=True),
    sa.Column('slot_start', portal.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('slot_end', portal.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('changed_by', sa.String(length=254), nullable=False),
    sa.Column('settled_at', portal.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('erased_at', portal.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', portal.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', portal.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_callback_requests_customer_id_customers')),
    sa.ForeignKeyConstraint(['merchant_id'], ['merchants.id'], name=op.f('fk_callback_requests_merchant_id_merchants')),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_callback_requests_order_id_orders')),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_callback_requests_ticket_id_tickets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_callback_requests'))
    )
    with op.batch_alter_table('callback_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_callback_requests_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index('ix_callback_requests_merchant_status_slot', ['merchant_id', 'status', 'slot_start'], unique=False)
        batch_op.create_index(batch_op.f('ix_callback_requests_order_id'), ['order_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_callback_requests_ticket_id'), ['ticket_id'], unique=False)


def downgrade():
    with op.batch_alter_table('callback_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_callback_requests_ticket_id'))
        batch_op.drop_index(batch_op.f('ix_callback_requests_order_id'))
        batch_op.drop_index('ix_callback_requests_merchant_status_slot')
        batch_op.drop_index(batch_op.f('ix_callback_requests_customer_id'))

    op.drop_table('callback_requests')
