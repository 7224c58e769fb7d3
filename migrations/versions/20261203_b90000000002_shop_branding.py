"""shop branding

Revision ID: b90000000002
Revises: a90000000001
Create Date: 2026-12-03 16:00:00

"""
from alembic import op
import sqlalchemy as sa

import portal.db


# revision identifiers, used by Alembic.
revision = 'b90000000002'
down_revision = 'a90000000001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("merchants") as batch_op:
        batch_op.add_column(sa.Column("logo_key", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("logo_thumb_key", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("brand_colour", sa.String(length=7), nullable=True))
        batch_op.add_column(sa.Column("terms_url", sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column("privacy_url", sa.String(length=500), nullable=True))


def downgrade():
    with op.batch_alter_table("merchants") as batch_op:
        batch_op.drop_column("privacy_url")
        batch_op.drop_column("terms_url")
        batch_op.drop_column("brand_colour")
        batch_op.drop_column("logo_thumb_key")
        batch_op.drop_column("logo_key")
