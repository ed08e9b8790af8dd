"""issue 14: law-true rules (one online rating per case, stop kinds, extensions, per-station outcomes, renewals)

Revision ID: issue14_law
Revises: 8f1af254c60b
"""
from alembic import op
import sqlalchemy as sa


revision = "issue14_law"
down_revision = "8f1af254c60b"
branch_labels = None
depends_on = None

ONLINE = sa.text("channel IN ('qr', 'online', 'sms')")


def upgrade():
    with op.batch_alter_table("rating", schema=None) as batch_op:
        batch_op.create_index("uq_rating_online_once", ["application_id"], unique=True,
                              sqlite_where=ONLINE, postgresql_where=ONLINE)


def downgrade():
    with op.batch_alter_table("rating", schema=None) as batch_op:
        batch_op.drop_index("uq_rating_online_once")
