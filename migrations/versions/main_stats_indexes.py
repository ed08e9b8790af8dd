"""Indexes for the figures that still read rows at national scale: deferred materials (容缺 figures) and the
refusal reasons of a period (covering: state, completed_on, outcome_reason), the period view's Art. 32 lists by
receipt day, and the open cases counted on a provisional calendar.

Revision ID: main_stats_indexes
Revises: issue14b_station_outcomes
"""
from alembic import op


revision = "main_stats_indexes"
down_revision = "issue14b_station_outcomes"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_material_was_deferred", "application_material", ["was_deferred", "application_id"])
    op.create_index("ix_application_state_completed_reason", "application",
                    ["state", "completed_on", "outcome_reason"])
    op.drop_index("ix_application_state_completed", table_name="application")
    op.create_index("ix_application_deemed_received", "application", ["deemed_accepted", "received_on"])
    op.create_index("ix_application_state_received", "application", ["state", "received_on"])
    op.create_index("ix_application_provisional_from", "application", ["provisional_from"])


def downgrade():
    op.drop_index("ix_application_provisional_from", table_name="application")
    op.drop_index("ix_application_state_received", table_name="application")
    op.drop_index("ix_application_deemed_received", table_name="application")
    op.create_index("ix_application_state_completed", "application", ["state", "completed_on"])
    op.drop_index("ix_application_state_completed_reason", table_name="application")
    op.drop_index("ix_material_was_deferred", table_name="application_material")
