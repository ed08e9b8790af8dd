"""English names of the catalogue's materials (English pages name them in English).

`flask init` (load_catalogue) fills the blank ones from data/catalogue.json.

Revision ID: issue16e_material_names_en
Revises: main_stats_indexes
"""
from alembic import op
import sqlalchemy as sa


revision = "issue16e_material_names_en"
down_revision = "main_stats_indexes"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("material_requirement") as batch:
        batch.add_column(sa.Column("name_en", sa.String(length=240), nullable=False, server_default=""))


def downgrade():
    with op.batch_alter_table("material_requirement") as batch:
        batch.drop_column("name_en")
