"""jobs parked for a person and tracking staleness

Revision ID: c90000000003
Revises: b90000000002
Create Date: 2026-12-03 18:00:00

"""
from alembic import op
import sqlalchemy as sa

import portal.db


# revision identifiers, used by Alembic.
revision = 'c90000000003'
down_revision = 'b90000000002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "failed_jobs",
        sa.Column("id", sa.String(length=24), nullable=False),
        sa.Column("func", sa.String(length=200), nullable=False),
        sa.Column("args", sa.JSON(), nullable=False),
        sa.Column("kwargs", sa.JSON(), nullable=False),
        sa.Column("origin", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("next_attempt_at", portal.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", portal.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", portal.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", portal.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("resolved_by", sa.String(length=254), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_failed_jobs")),
    )
    op.create_index("ix_failed_jobs_status_next", "failed_jobs", ["status", "next_attempt_at"], unique=False)
    with op.batch_alter_table("shipments") as batch_op:
        batch_op.add_column(sa.Column("tracking_stale_since", portal.db.UTCDateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table("shipments") as batch_op:
        batch_op.drop_column("tracking_stale_since")
    op.drop_index("ix_failed_jobs_status_next", table_name="failed_jobs")
    op.drop_table("failed_jobs")
