"""licence seals cover status and status event; archived documents; signed checkpoints

Revision ID: issue13_seals
Revises: 8f1af254c60b
"""
from alembic import op
import sqlalchemy as sa

revision = "issue13_seals"
down_revision = "issue15_throttle"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("licence") as batch:
        batch.add_column(sa.Column("key_id", sa.String(length=16), nullable=False, server_default=""))
        batch.add_column(sa.Column("status_event_hash", sa.String(length=64), nullable=False, server_default=""))
        batch.add_column(sa.Column("previous_seal", sa.String(length=64), nullable=False, server_default=""))
    with op.batch_alter_table("licence") as batch:
        batch.alter_column("key_id", server_default=None)
        batch.alter_column("status_event_hash", server_default=None)
        batch.alter_column("previous_seal", server_default=None)
    op.create_table(
        "archived_document",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("ref", sa.String(length=64), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=160), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("on", sa.Date(), nullable=False),
        sa.Column("superseded_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["application_id"], ["application.id"]),
        sa.ForeignKeyConstraint(["superseded_by_id"], ["archived_document.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("archived_document") as batch:
        batch.create_index("ix_archived_document_ref", ["kind", "ref", "id"], unique=False)
        batch.create_index(batch.f("ix_archived_document_application_id"), ["application_id"], unique=False)
        batch.create_index(batch.f("ix_archived_document_sha256"), ["sha256"], unique=False)
    op.create_table(
        "checkpoint",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("on", sa.Date(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("event_count", sa.Integer(), nullable=False),
        sa.Column("last_event_id", sa.Integer(), nullable=False),
        sa.Column("head_hash", sa.String(length=64), nullable=False),
        sa.Column("key_id", sa.String(length=16), nullable=False),
        sa.Column("signature", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("checkpoint") as batch:
        batch.create_index(batch.f("ix_checkpoint_on"), ["on"], unique=False)


def downgrade():
    op.drop_table("checkpoint")
    op.drop_table("archived_document")
    with op.batch_alter_table("licence") as batch:
        batch.drop_column("previous_seal")
        batch.drop_column("status_event_hash")
        batch.drop_column("key_id")
