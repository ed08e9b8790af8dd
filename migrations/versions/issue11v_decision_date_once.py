"""The day of a decision is stored once: application.decided_on (decision.decided_on repeated it).

Revision ID: issue11v_decision_date_once
Revises: issue16e_material_names_en
"""
from alembic import op
import sqlalchemy as sa


revision = "issue11v_decision_date_once"
down_revision = "issue16e_material_names_en"
branch_labels = None
depends_on = None


def upgrade():
    bind = op.get_bind()
    # The two dates are written together by the decide verb; refuse to drop one that says something else.
    differ = bind.execute(sa.text(
        "SELECT count(*) FROM decision d JOIN application a ON a.id = d.application_id "
        "WHERE a.decided_on IS NOT NULL AND a.decided_on <> d.decided_on")).scalar()
    if differ:
        raise RuntimeError(f"{differ} decisions are dated differently from their case; reconcile them first")
    op.execute("UPDATE application SET decided_on = (SELECT d.decided_on FROM decision d "
               "WHERE d.application_id = application.id) "
               "WHERE decided_on IS NULL AND id IN (SELECT application_id FROM decision)")
    with op.batch_alter_table("decision") as batch:
        batch.drop_index("ix_decision_outcome_decided_on")
        batch.drop_column("decided_on")


def downgrade():
    with op.batch_alter_table("decision") as batch:
        batch.add_column(sa.Column("decided_on", sa.Date(), nullable=True))
    op.execute("UPDATE decision SET decided_on = (SELECT a.decided_on FROM application a "
               "WHERE a.id = decision.application_id)")
    with op.batch_alter_table("decision") as batch:
        batch.alter_column("decided_on", existing_type=sa.Date(), nullable=False)
        batch.create_index("ix_decision_outcome_decided_on", ["outcome", "decided_on"])
