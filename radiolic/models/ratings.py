"""好差评 ratings and the work orders that follow a bad one."""
from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..vocabulary import RatingChannel, WorkOrderStatus
from .base import one_of, utcnow

RATING_CHANNELS = RatingChannel.values()
_ONLINE = text("channel IN ('qr', 'online', 'sms')")
WORK_ORDER_STATUSES = WorkOrderStatus.values()


class Rating(db.Model):
    __tablename__ = "rating"
    __table_args__ = (
        UniqueConstraint("application_id", "channel"),
        one_of("channel", RATING_CHANNELS),
        CheckConstraint("level BETWEEN 1 AND 5", name="level_range"),
        # One online rating per case whichever door (QR, status page, SMS link) it comes through.
        Index("uq_rating_online_once", "application_id", unique=True, sqlite_where=_ONLINE, postgresql_where=_ONLINE),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), index=True)
    channel: Mapped[str] = mapped_column(String(8))
    level: Mapped[int]
    tags: Mapped[list] = mapped_column(JSON, default=list)
    comment: Mapped[str] = mapped_column(Text, default="")
    window_user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))   # the clerk rated (window channel)
    defaulted: Mapped[bool] = mapped_column(default=False)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    on: Mapped[date]

    application = relationship("Application")

    @property
    def bad(self) -> bool:
        return self.level <= 2


class WorkOrder(db.Model):
    """The follow-up of a 差评: verify, rectify or explain, reply, call back."""

    __tablename__ = "work_order"
    __table_args__ = (one_of("status", WORK_ORDER_STATUSES),)

    id: Mapped[int] = mapped_column(primary_key=True)
    rating_id: Mapped[int] = mapped_column(ForeignKey("rating.id"), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="open")
    opened_on: Mapped[date]
    due_on: Mapped[date]
    verification: Mapped[str] = mapped_column(Text, default="")
    rectification: Mapped[str] = mapped_column(Text, default="")
    reply: Mapped[str] = mapped_column(Text, default="")
    replied_on: Mapped[date | None]
    callback_view: Mapped[str] = mapped_column(Text, default="")
    closed_on: Mapped[date | None]
    appeal_reason: Mapped[str] = mapped_column(Text, default="")
    appeal_decision: Mapped[str] = mapped_column(Text, default="")
    handled_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    # Dates of each follow-up step (added by the ratings stage; all nullable).
    verified_on: Mapped[date | None]
    rectify_kind: Mapped[str] = mapped_column(String(8), default="")     # rectify | explain
    rectified_on: Mapped[date | None]
    callback_on: Mapped[date | None]
    callback_satisfied: Mapped[bool | None]
    appealed_on: Mapped[date | None]
    appeal_status_before: Mapped[str] = mapped_column(String(16), default="")
    appeal_decided_on: Mapped[date | None]
    appeal_decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    rating: Mapped[Rating] = relationship()


class RatingDevice(db.Model):
    """A counter tablet (window evaluator) paired to a window number; only hashes of its codes are kept."""

    __tablename__ = "rating_device"

    id: Mapped[int] = mapped_column(primary_key=True)
    window_no: Mapped[str] = mapped_column(String(16))
    label: Mapped[str] = mapped_column(String(100), default="")
    pair_hash: Mapped[str | None] = mapped_column(String(64), unique=True)    # one-time pairing code
    pair_expires_at: Mapped[datetime | None]
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)   # the paired tablet's token
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    paired_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
