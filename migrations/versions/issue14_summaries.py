"""Summaries: on time against the unextended limit, extended and deemed-accepted cases (issue 14 figures).

After upgrading a database that holds completed cases, run `flask --app radiolic stats rebuild`.

Revision ID: issue14_summaries
Revises: issue14_law
"""
from alembic import op
import sqlalchemy as sa


revision = "issue14_summaries"
down_revision = "issue14_law"
branch_labels = None
depends_on = None

COLUMNS = ("on_time_unextended", "extended", "deemed_accepted")


def upgrade():
    for table in ("stat_case_day", "stat_case_month"):
        with op.batch_alter_table(table) as batch:
            for name in COLUMNS:
                batch.add_column(sa.Column(name, sa.Integer(), nullable=False, server_default="0"))


def downgrade():
    for table in ("stat_case_day", "stat_case_month"):
        with op.batch_alter_table(table) as batch:
            for name in COLUMNS:
                batch.drop_column(name)
