"""job records of the huey job queue (progress, result file); upload.mime wide enough for XLSX

Revision ID: issue12_jobs
Revises: 8f1af254c60b
"""
from alembic import op
import sqlalchemy as sa


revision = "issue12_jobs"
down_revision = "issue13_seals"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "job",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("params", sa.Text(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(length=8), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("worker", sa.String(length=120), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("stored_name", sa.String(length=80), nullable=False),
        sa.Column("mime", sa.String(length=100), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint("state IN ('queued', 'running', 'done', 'failed')", name=op.f("ck_job_state_valid")),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], name=op.f("fk_job_user_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job")),
    )
    with op.batch_alter_table("job", schema=None) as batch_op:
        batch_op.create_index("ix_job_user", ["user_id", "id"], unique=False)
    # application/vnd.openxmlformats-officedocument.spreadsheetml.sheet is 65 characters: an XLSX
    # station list sent with an online application failed on PostgreSQL with String(40).
    with op.batch_alter_table("upload", schema=None) as batch_op:
        batch_op.alter_column("mime", existing_type=sa.String(length=40), type_=sa.String(length=100),
                              existing_nullable=False)


def downgrade():
    with op.batch_alter_table("upload", schema=None) as batch_op:
        batch_op.alter_column("mime", existing_type=sa.String(length=100), type_=sa.String(length=40),
                              existing_nullable=False)
    with op.batch_alter_table("job", schema=None) as batch_op:
        batch_op.drop_index("ix_job_user")
    op.drop_table("job")
