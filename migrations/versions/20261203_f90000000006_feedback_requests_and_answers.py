"""feedback requests and answers

Revision ID: f90000000006
Revises: e90000000005
Create Date: 2026-12-03 19:00:00

"""
from alembic import op
import sqlalchemy as sa

import portal.db


# revision identifiers, used by Alembic.
revision = 'f90000000006'
down_revision = 'e90000000005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('feedback_requests',
    sa.Column('id', sa.String(length=24), nullable=False),
    sa.Column('merchant_id', sa.String(length=24), nullable=False),
    sa.Column('customer_id', sa.String(length=24), nullable=False),
    sa.Column('order_id', sa.String(length=24), nullable=True),
    sa.Column('topic', sa.String(length=16), nullable=False),
    sa.Column('subject_id', sa.String(length=24), nullable=False),
    sa.Column('locale', sa.String(length=5), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('skip_reason', sa.String(length=20), nullable=True),
    sa.Column('due_at', portal.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('sent_at', portal.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('skipped_at', portal.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', portal.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_feedback_requests_customer_id_customers')),
    sa.ForeignKeyConstraint(['merchant_id'], ['merchants.id'], name=op.f('fk_feedback_requests_merchant_id_merchants')),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_feedback_requests_order_id_orders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback_requests')),
    sa.UniqueConstraint('topic', 'subject_id', name=op.f('uq_feedback_requests_topic'))
    )
    with op.batch_alter_table('feedback_requests', schema=None) as batch_op:
        batch_op.create_index('ix_feedback_requests_customer_sent', ['customer_id', 'sent_at'], unique=False)
        batch_op.create_index('ix_feedback_requests_merchant_created', ['merchant_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_feedback_requests_order_id'), ['order_id'], unique=False)
        batch_op.create_index('ix_feedback_requests_status_due', ['status', 'due_at'], unique=False)

    op.create_table('feedback_answers',
    sa.Column('id', sa.String(length=24), nullable=False),
    sa.Column('request_id', sa.String(length=24), nullable=False),
    sa.Column('merchant_id', sa.String(length=24), nullable=False),
    sa.Column('topic', sa.String(length=16), nullable=False),
    sa.Column('locale', sa.String(length=5), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('follow_up_ticket_id', sa.String(length=24), nullable=True),
    sa.Column('answered_at', portal.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', portal.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['follow_up_ticket_id'], ['tickets.id'], name=op.f('fk_feedback_answers_follow_up_ticket_id_tickets')),
    sa.ForeignKeyConstraint(['merchant_id'], ['merchants.id'], name=op.f('fk_feedback_answers_merchant_id_merchants')),
    sa.ForeignKeyConstraint(['request_id'], ['feedback_requests.id'], name=op.f('fk_feedback_answers_request_id_feedback_requests')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback_answers')),
    sa.UniqueConstraint('request_id', name=op.f('uq_feedback_answers_request_id'))
    )
    with op.batch_alter_table('feedback_answers', schema=None) as batch_op:
        batch_op.create_index('ix_feedback_answers_merchant_answered', ['merchant_id', 'answered_at'], unique=False)


def downgrade():
    with op.batch_alter_table('feedback_answers', schema=None) as batch_op:
        batch_op.drop_index('ix_feedback_answers_merchant_answered')

    op.drop_table('feedback_answers')
    with op.batch_alter_table('feedback_requests', schema=None) as batch_op:
        batch_op.drop_index('ix_feedback_requests_status_due')
        batch_op.drop_index(batch_op.f('ix_feedback_requests_order_id'))
        batch_op.drop_index('ix_feedback_requests_merchant_created')
        batch_op.drop_index('ix_feedback_requests_customer_sent')

    op.drop_table('feedback_requests')
