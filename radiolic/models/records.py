"""The audit trail, the calendar overrides, the number counters, the outbox and uploads."""
from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..texts import N_, Msg, catalogue_text, english, from_json
from .base import utcnow


# The actor names stored for steps no staff member took (workflow.core.actor_fields).
SYSTEM_ACTORS = (N_("申请人"), N_("系统"))


class Event(db.Model):
    """One line of the timeline and the audit trail; append-only, SHA-256 chained.

    `note` is the legal record (Chinese, hashed). A note the system wrote also keeps its catalogue template
    (`note_key`) and parameters (`note_args`, see radiolic.texts.to_json) outside the hash, so `shown_note` can
    give it in the page's language; a note a person typed, and rows older than these columns, have no key and
    are shown as stored.
    """

    __tablename__ = "event"
    __table_args__ = (Index("ix_event_application", "application_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int | None] = mapped_column(ForeignKey("application.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    on: Mapped[date]                       # the business date the step takes effect from
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    actor: Mapped[str] = mapped_column(String(100))     # display name, or "申请人" / "系统"
    role: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(40))
    from_state: Mapped[str | None] = mapped_column(String(24))
    to_state: Mapped[str | None] = mapped_column(String(24))
    note: Mapped[str] = mapped_column(Text, default="")
    note_key: Mapped[str | None] = mapped_column(Text)        # not hashed: the note's catalogue template
    note_args: Mapped[dict | None] = mapped_column(JSON)      # not hashed: its parameters
    object_type: Mapped[str | None] = mapped_column(String(24))
    object_id: Mapped[int | None]
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)

    @property
    def shown_note(self) -> str:
        """The note in the page's language: the stored (Chinese) note unless the page is English and the note was
        written from a template; then the template's translation with its parameters (names in English too)."""
        if not self.note_key or not english():
            return self.note
        try:
            text = Msg.stored(self.note_key, {k: from_json(v) for k, v in (self.note_args or {}).items()}).localised()
        except (KeyError, ValueError, TypeError, AttributeError):
            return self.note
        return text[:1].upper() + text[1:]          # a note may start with a name ("inspection, testing …")

    @property
    def shown_actor(self) -> str:
        """Who took the step: a staff member's name as stored; "申请人" / "系统" in the page's language."""
        if self.actor_id is None and self.actor in SYSTEM_ACTORS and english():
            return catalogue_text(self.actor)
        return self.actor


class HolidayOverride(db.Model):
    """A day the admin marks as a holiday or a make-up working day (overrides chinesecalendar)."""

    __tablename__ = "holiday_override"

    day: Mapped[date] = mapped_column(primary_key=True)
    workday: Mapped[bool]
    note: Mapped[str] = mapped_column(String(200), default="")


class CalendarYear(db.Model):
    """A year whose full holiday notice the admin has entered (so it is covered)."""

    __tablename__ = "calendar_year"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    source: Mapped[str] = mapped_column(String(200), default="")


class Counter(db.Model):
    """Sequence for licence, case and document numbers per (kind, year): gapless, no MAX()+1."""

    __tablename__ = "counter"
    __table_args__ = (UniqueConstraint("kind", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    year: Mapped[int]
    value: Mapped[int] = mapped_column(default=0)


class OutboxMessage(db.Model):
    """An SMS or e-mail waiting to be sent by the configured sender."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(24))       # deferral_reminder, rating_invite, renewal_reminder…
    channel: Mapped[str] = mapped_column(String(8))     # sms | email
    recipient: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(String(200), default="")
    body: Mapped[str] = mapped_column(Text)
    application_id: Mapped[int | None] = mapped_column(ForeignKey("application.id"))
    dedupe_key: Mapped[str] = mapped_column(String(120), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]


class Upload(db.Model):
    """A material file an applicant uploaded; stored under the instance folder."""

    __tablename__ = "upload"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), index=True)
    material_code: Mapped[str] = mapped_column(String(40))
    filename: Mapped[str] = mapped_column(String(200))
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)
    mime: Mapped[str] = mapped_column(String(100))   # the XLSX type alone is 65 characters
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)
    by_applicant: Mapped[bool] = mapped_column(default=True)
    note: Mapped[str] = mapped_column(Text, default="")


class CounterVisit(db.Model):
    """The case a clerk is serving at the counter right now, with its query code in hand.

    One row per clerk: kept until the clerk's next case or COUNTER_VISIT_MINUTES (30) after it was logged,
    then deleted, so the query code cannot be recovered afterwards. `form_key` is the idempotency key of the
    intake form that created the case: the same form posted again (a reload, a double click) finds this row
    instead of creating a second case.
    """

    __tablename__ = "counter_visit"

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"))
    query_code: Mapped[str] = mapped_column(String(16))
    form_key: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
