"""Instruments archived as issued, and signed checkpoints of the audit chain."""
from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import utcnow


class ArchivedDocument(db.Model):
    """One instrument's bytes as issued: a file under the archive folder named by its SHA-256.

    `kind` + `ref` name the instrument (e.g. ("licence", "441800-2024-S-000001"), ("acceptance", case number));
    a re-issue adds a new row and marks the old one superseded, never overwriting it.
    """

    __tablename__ = "archived_document"
    __table_args__ = (Index("ix_archived_document_ref", "kind", "ref", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    ref: Mapped[str] = mapped_column(String(64))
    application_id: Mapped[int | None] = mapped_column(ForeignKey("application.id"), index=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int]
    filename: Mapped[str] = mapped_column(String(160))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    on: Mapped[date]
    superseded_by_id: Mapped[int | None] = mapped_column(ForeignKey("archived_document.id"))


class Checkpoint(db.Model):
    """A signed statement (date, event count, head hash) of the audit chain, published on the public page."""

    __tablename__ = "checkpoint"

    id: Mapped[int] = mapped_column(primary_key=True)
    on: Mapped[date] = mapped_column(index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    event_count: Mapped[int]
    last_event_id: Mapped[int]
    head_hash: Mapped[str] = mapped_column(String(64))
    key_id: Mapped[str] = mapped_column(String(16))
    signature: Mapped[str] = mapped_column(String(200))
