"""Provisional working days: the first provisional year a case's due dates depend on.

Revision ID: issue10_calendar
Revises: 8f1af254c60b
"""
from alembic import op
import sqlalchemy as sa


revision = "issue10_calendar"
down_revision = "8f1af254c60b"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("application", schema=None) as batch_op:
        batch_op.add_column(sa.Column("provisional_from", sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table("application", schema=None) as batch_op:
        batch_op.drop_column("provisional_from")
