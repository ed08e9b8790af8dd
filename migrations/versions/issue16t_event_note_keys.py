"""Events keep the catalogue template and parameters of a note the system wrote, beside the hashed Chinese note,
so an English page can show the timeline in English. Neither column is part of the event's hash; older rows
have neither and are shown as stored.

Revision ID: issue16t_event_note_keys
Revises: issue11v_decision_date_once
"""
from alembic import op
import sqlalchemy as sa


revision = "issue16t_event_note_keys"
down_revision = "issue11v_decision_date_once"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("event") as batch:
        batch.add_column(sa.Column("note_key", sa.Text(), nullable=True))
        batch.add_column(sa.Column("note_args", sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table("event") as batch:
        batch.drop_column("note_args")
        batch.drop_column("note_key")
