"""issue 14: law-true rules (one online rating per case, stop kinds, extensions, per-station outcomes, renewals)

Revision ID: issue14_law
Revises: issue10_calendar
"""
from alembic import op
import sqlalchemy as sa


revision = "issue14_law"
down_revision = "issue17_summaries"
branch_labels = None
depends_on = None

ONLINE = sa.text("channel IN ('qr', 'online', 'sms')")


def upgrade():
    with op.batch_alter_table("application", schema=None) as batch_op:
        batch_op.add_column(sa.Column("deemed_accepted", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("extension_days", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("due_statutory_unextended", sa.Date(), nullable=True))
    with op.batch_alter_table("decision", schema=None) as batch_op:
        batch_op.add_column(sa.Column("withdrawn_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("withdrawal_reason", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("withdrawal_doc_number", sa.String(length=40), nullable=False, server_default=""))
    with op.batch_alter_table("application_material", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_application_material_status_valid"), type_="check")
        batch_op.create_check_constraint(
            "status_valid", "status IN ('received', 'missing', 'defective', 'deferred', 'unchecked', 'supplied', "
            "'waived')")
    # Materials that prove a substantive condition are core, never deferrable (domain.md §3).
    op.execute("UPDATE material_requirement SET core = true, defer_days = NULL "
               "WHERE code IN ('emc_report', 'permit_copy')")
    with op.batch_alter_table("extension_request", schema=None) as batch_op:
        batch_op.add_column(sa.Column("doc_number", sa.String(length=40), nullable=False, server_default=""))
    with op.batch_alter_table("clock_stop", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_clock_stop_kind_valid"), type_="check")
        batch_op.create_check_constraint(
            "kind_valid", "kind IN ('hearing', 'tendering', 'testing', 'appraisal', 'expert_review', "
            "'coordination', 'extension')")
    with op.batch_alter_table("rating", schema=None) as batch_op:
        batch_op.create_index("uq_rating_online_once", ["application_id"], unique=True,
                              sqlite_where=ONLINE, postgresql_where=ONLINE)


def downgrade():
    with op.batch_alter_table("extension_request", schema=None) as batch_op:
        batch_op.drop_column("doc_number")
    with op.batch_alter_table("decision", schema=None) as batch_op:
        batch_op.drop_column("withdrawal_doc_number")
        batch_op.drop_column("withdrawal_reason")
        batch_op.drop_column("withdrawn_on")
    with op.batch_alter_table("application", schema=None) as batch_op:
        batch_op.drop_column("due_statutory_unextended")
        batch_op.drop_column("extension_days")
        batch_op.drop_column("deemed_accepted")
    with op.batch_alter_table("rating", schema=None) as batch_op:
        batch_op.drop_index("uq_rating_online_once")
