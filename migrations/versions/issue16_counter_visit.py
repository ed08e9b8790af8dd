"""counter visit: the case a clerk is serving, its query code kept for the visit, the intake form's key;
办事指南 fields of the service items and their materials

Revision ID: issue16_counter_visit
Revises: 8f1af254c60b
"""
from alembic import op
import sqlalchemy as sa

revision = "issue16_counter_visit"
down_revision = "issue14_summaries"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "counter_visit",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("query_code", sa.String(length=16), nullable=False),
        sa.Column("form_key", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["application_id"], ["application.id"],
                                name=op.f("fk_counter_visit_application_id_application")),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], name=op.f("fk_counter_visit_user_id_user")),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_counter_visit")),
    )
    with op.batch_alter_table("service_item") as batch:
        for name in ("guide_conditions", "guide_limits", "guide_fees", "guide_window"):
            batch.add_column(sa.Column(name, sa.Text(), nullable=False, server_default=""))
    with op.batch_alter_table("material_requirement") as batch:
        batch.add_column(sa.Column("sample", sa.Text(), nullable=False, server_default=""))


def downgrade():
    with op.batch_alter_table("material_requirement") as batch:
        batch.drop_column("sample")
    with op.batch_alter_table("service_item") as batch:
        for name in ("guide_window", "guide_fees", "guide_limits", "guide_conditions"):
            batch.drop_column(name)
    op.drop_table("counter_visit")
