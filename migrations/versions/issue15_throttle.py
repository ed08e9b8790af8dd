"""Attempts carry the client's address and a closed flag; indexes cover the failure counts.

Revision ID: issue15_throttle
Revises: 8f1af254c60b
"""
import sqlalchemy as sa
from alembic import op

revision = "issue15_throttle"
down_revision = "issue10_calendar"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("attempt", schema=None) as batch_op:
        batch_op.add_column(sa.Column("address", sa.String(length=64), server_default="", nullable=False))
        batch_op.add_column(sa.Column("closed", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.drop_index("ix_attempt_scope_key_at")
        batch_op.create_index("ix_attempt_scope_key_ok_at", ["scope", "key", "ok", "at"], unique=False)
        batch_op.create_index("ix_attempt_scope_address_ok_at", ["scope", "address", "ok", "at"], unique=False)


def downgrade():
    with op.batch_alter_table("attempt", schema=None) as batch_op:
        batch_op.drop_index("ix_attempt_scope_address_ok_at")
        batch_op.drop_index("ix_attempt_scope_key_ok_at")
        batch_op.create_index("ix_attempt_scope_key_at", ["scope", "key", "at"], unique=False)
        batch_op.drop_column("closed")
        batch_op.drop_column("address")
