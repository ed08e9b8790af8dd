"""Long work run by the job queue (huey): its record, progress and result file."""
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import one_of, utcnow

JOB_STATES = ("queued", "running", "done", "failed")


class Job(db.Model):
    """One run of a job: who asked, what for, how far it got, where its file is."""

    __tablename__ = "job"
    __table_args__ = (one_of("state", JOB_STATES), Index("ix_job_user", "user_id", "id"))

    id: Mapped[str] = mapped_column(String(32), primary_key=True)     # random hex; also in the URL
    kind: Mapped[str] = mapped_column(String(40))
    params: Mapped[str] = mapped_column(Text, default="{}")            # JSON
    title: Mapped[str] = mapped_column(String(200), default="")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    state: Mapped[str] = mapped_column(String(8), default="queued")
    done: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(default=0)
    attempts: Mapped[int] = mapped_column(default=0)
    worker: Mapped[str] = mapped_column(String(120), default="")      # host:pid running it
    filename: Mapped[str] = mapped_column(String(200), default="")    # the download's name
    stored_name: Mapped[str] = mapped_column(String(80), default="")  # the complete file under JOBS_FOLDER
    mime: Mapped[str] = mapped_column(String(100), default="")
    error: Mapped[str] = mapped_column(Text, default="")
    note: Mapped[str] = mapped_column(Text, default="")                # what the result says (e.g. refused rows)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    updated_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
