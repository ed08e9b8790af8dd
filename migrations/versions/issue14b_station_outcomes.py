"""Per-station outcome as data: approved / refused with its reason and the act that recorded it.

Existing stations take their outcome from the case's decision: a station with a refusal reason is refused; the
other stations of an approved case are approved, those of a rejected case refused by the whole decision.

Revision ID: issue14b_station_outcomes
Revises: issue14_summaries
"""
from alembic import op
import sqlalchemy as sa


revision = "issue14b_station_outcomes"
down_revision = "issue16_counter_visit"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("station") as batch:
        batch.add_column(sa.Column("outcome", sa.String(length=8), nullable=True))
        batch.add_column(sa.Column("outcome_event_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f("fk_station_outcome_event_id_event"), "event", ["outcome_event_id"], ["id"])
    op.execute("UPDATE station SET outcome = 'refused' WHERE refused_reason IS NOT NULL")
    op.execute("UPDATE station SET outcome = 'approved' WHERE outcome IS NULL AND application_id IN "
               "(SELECT application_id FROM decision WHERE outcome = 'approve')")
    op.execute("UPDATE station SET outcome = 'refused', refused_reason = '整体不予许可（见不予行政许可决定书）' "
               "WHERE outcome IS NULL AND application_id IN (SELECT application_id FROM decision WHERE outcome = 'reject')")
    with op.batch_alter_table("station") as batch:
        batch.create_check_constraint("outcome_valid", "outcome IN ('approved', 'refused')")
        batch.create_check_constraint("outcome_reason",
                                      "(COALESCE(outcome, '') = 'refused') = (refused_reason IS NOT NULL)")
        batch.create_index("ix_station_outcome", ["application_id", "outcome"])


def downgrade():
    with op.batch_alter_table("station") as batch:
        batch.drop_index("ix_station_outcome")
        batch.drop_constraint(op.f("ck_station_outcome_reason"), type_="check")
        batch.drop_constraint(op.f("ck_station_outcome_valid"), type_="check")
        batch.drop_constraint(op.f("fk_station_outcome_event_id_event"), type_="foreignkey")
        batch.drop_column("outcome_event_id")
        batch.drop_column("outcome")
