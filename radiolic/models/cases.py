"""A case (application) and what hangs off it: materials, commitments, clock stops, decision."""
from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..vocabulary import CaseState, Channel, Format, MaterialStatus, StopKind
from .base import one_of, utcnow
from .catalogue import material_names_en

STATES = CaseState.values()
TERMINAL_STATES = ("issued", "rejected", "not_accepted", "withdrawn", "terminated")
CHANNELS = Channel.values()
FORMATS = Format.values()
# "unchecked": a deferred material uploaded online, received but not yet checked by a clerk (still owed).
MATERIAL_STATUSES = MaterialStatus.values()
# Periods not counted (行政许可法 Art. 45; 条例 Art. 83). "extension" is kept only for rows written before an
# Art. 42 extension stopped being a clock stop (it now lengthens the limit: ExtensionRequest).
LEGACY_STOP_KINDS = StopKind.values()
STOP_KINDS = tuple(k for k in LEGACY_STOP_KINDS if k != StopKind.extension)


class Application(db.Model):
    __tablename__ = "application"
    __table_args__ = (
        one_of("state", STATES),
        one_of("channel", CHANNELS),
        one_of("format", FORMATS),
        CheckConstraint("visits >= 0", name="visits_nonnegative"),
        CheckConstraint(
            "accepted_on IS NOT NULL OR state IN ('submitted', 'awaiting_correction', 'not_accepted', 'withdrawn')",
            name="accepted_has_date"),
        CheckConstraint("state NOT IN ('issued', 'rejected', 'not_accepted', 'withdrawn', 'terminated') "
                        "OR completed_on IS NOT NULL", name="completed_has_date"),
        Index("ix_application_state_item", "state", "service_item_id"),
        Index("ix_application_completed_on", "completed_on"),
        Index("ix_application_accepted_on", "accepted_on"),
        Index("ix_application_received_on", "received_on"),
        # Covers the completed-cases passes (summary rebuild): no lookup of the row for the dimensions.
        Index("ix_application_completed_state", "completed_on", "state", "service_item_id", "channel"),
        # Refusals of a period (the reasons table): covering, the dashboard's 不予受理 list reads no rows.
        Index("ix_application_state_completed_reason", "state", "completed_on", "outcome_reason"),
        # Art. 32 on the period view: cases deemed accepted, and cases still waiting for their notice, by receipt.
        Index("ix_application_deemed_received", "deemed_accepted", "received_on"),
        Index("ix_application_state_received", "state", "received_on"),
        # Open cases counted on a provisional calendar (few; NULL for every other case).
        Index("ix_application_provisional_from", "provisional_from"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(24), unique=True)
    query_hash: Mapped[str] = mapped_column(String(255))   # a werkzeug scrypt hash is ~160 characters
    service_item_id: Mapped[int] = mapped_column(ForeignKey("service_item.id"))
    applicant_id: Mapped[int] = mapped_column(ForeignKey("applicant.id"), index=True)
    agent_name: Mapped[str] = mapped_column(String(100), default="")
    agent_phone: Mapped[str] = mapped_column(String(32), default="")
    channel: Mapped[str] = mapped_column(String(8), default="window")
    single_window: Mapped[bool] = mapped_column(default=True)
    visits: Mapped[int] = mapped_column(default=0)
    state: Mapped[str] = mapped_column(String(24), default="submitted")
    format: Mapped[str] = mapped_column(String(12), default="electronic")
    summary: Mapped[str] = mapped_column(Text, default="")      # what is applied for, in a line
    received_on: Mapped[date]
    accepted_on: Mapped[date | None]
    review_started_on: Mapped[date | None]
    decided_on: Mapped[date | None]
    issued_on: Mapped[date | None]
    completed_on: Mapped[date | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    correction_count: Mapped[int] = mapped_column(default=0)
    outcome_reason: Mapped[str] = mapped_column(Text, default="")   # refusal, withdrawal or termination
    acceptance_doc_number: Mapped[str] = mapped_column(String(40), default="")   # 受理通知书 文号
    outcome_doc_number: Mapped[str] = mapped_column(String(40), default="")      # 不予受理决定书 / 终止办理通知书
    # Clock figures derived from the events by workflow.clock.refresh(); kept for SQL statistics.
    due_promised: Mapped[date | None]
    due_statutory: Mapped[date | None]
    due_issue: Mapped[date | None]
    stopped_days: Mapped[int] = mapped_column(default=0)
    # Art. 32: a correction notice later than 5 working days after receipt (or an acceptance after day 5
    # without one) means the case counts as accepted from receipt: its clock starts on received_on.
    deemed_accepted: Mapped[bool] = mapped_column(default=False)
    # Art. 42: working days an approved extension adds to the statutory limit (0: none), and the statutory
    # due date without it (on-time is reported against both).
    extension_days: Mapped[int] = mapped_column(default=0)
    due_statutory_unextended: Mapped[date | None]
    workdays_used: Mapped[int | None]
    provisional_from: Mapped[int | None]   # first year of provisional (暂定) working days the due dates use
    statutory_days: Mapped[int | None]
    promised_days: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    service_item = relationship("ServiceItem")
    applicant = relationship("Applicant")
    materials: Mapped[list["ApplicationMaterial"]] = relationship(
        back_populates="application", order_by="ApplicationMaterial.position", cascade="all, delete-orphan")
    commitments: Mapped[list["Commitment"]] = relationship(back_populates="application", order_by="Commitment.id")
    corrections: Mapped[list["CorrectionNotice"]] = relationship(back_populates="application", order_by="CorrectionNotice.seq")
    clock_stops: Mapped[list["ClockStop"]] = relationship(back_populates="application", order_by="ClockStop.id")
    decision: Mapped["Decision | None"] = relationship(back_populates="application", uselist=False)
    accepted_by = relationship("User", foreign_keys=[accepted_by_id])
    reviewer = relationship("User", foreign_keys=[reviewer_id])

    @property
    def is_open(self) -> bool:
        return self.state not in TERMINAL_STATES

    @property
    def outstanding_deferred(self) -> list["ApplicationMaterial"]:
        """Deferred materials still owed: not supplied, or uploaded but not yet checked by a clerk."""
        return [m for m in self.materials if m.status in ("deferred", "unchecked")]

    @property
    def open_stop(self) -> "ClockStop | None":
        return next((s for s in self.clock_stops if s.resumed_on is None), None)


class ApplicationMaterial(db.Model):
    __tablename__ = "application_material"
    __table_args__ = (
        UniqueConstraint("application_id", "code"),
        one_of("status", MATERIAL_STATUSES),
        CheckConstraint("status <> 'deferred' OR due_on IS NOT NULL", name="deferred_has_due_date"),
        CheckConstraint("status <> 'deferred' OR NOT core", name="core_never_deferred"),
        Index("ix_material_status_due", "status", "due_on"),
        # 容缺 figures start from the deferred materials (few), not from every accepted case of the period
        Index("ix_material_was_deferred", "was_deferred", "application_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"))
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(160))
    core: Mapped[bool] = mapped_column(default=True)
    defer_days: Mapped[int | None]
    position: Mapped[int] = mapped_column(default=0)
    status: Mapped[str] = mapped_column(String(12), default="missing")
    note: Mapped[str] = mapped_column(Text, default="")
    due_on: Mapped[date | None]
    was_deferred: Mapped[bool] = mapped_column(default=False)
    overdue: Mapped[bool] = mapped_column(default=False)
    supplied_on: Mapped[date | None]
    supplied_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    supplied_from: Mapped[str] = mapped_column(String(100), default="")   # who handed the material in

    application: Mapped[Application] = relationship(back_populates="materials")

    @property
    def name_en(self) -> str:
        """The English name of the catalogue material this one was copied from ("" when it has none)."""
        return material_names_en().get((self.code, self.name), "")


class Commitment(db.Model):
    """The applicant's signed 申请容缺受理承诺书."""

    __tablename__ = "commitment"
    __table_args__ = (one_of("status", ("open", "fulfilled", "broken")),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), index=True)
    signed_by: Mapped[str] = mapped_column(String(100))
    signed_on: Mapped[date]
    due_on: Mapped[date]
    method: Mapped[str] = mapped_column(String(100), default="窗口递交或网上上传")
    materials: Mapped[list] = mapped_column(JSON, default=list)    # material codes
    status: Mapped[str] = mapped_column(String(12), default="open")
    doc_number: Mapped[str] = mapped_column(String(40), default="")

    application: Mapped[Application] = relationship(back_populates="commitments")


class CorrectionNotice(db.Model):
    """补正材料通知书 (一次性告知): everything missing or defective, in one notice."""

    __tablename__ = "correction_notice"
    __table_args__ = (UniqueConstraint("application_id", "seq"),
                      CheckConstraint("seq = 1 OR reason <> ''", name="repeat_needs_reason"),
                      Index("ix_correction_notice_issued_on", "issued_on"))

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"))
    seq: Mapped[int]
    issued_on: Mapped[date]
    items: Mapped[list] = mapped_column(JSON)        # [{"material": code, "name": ..., "problem": ...}]
    reason: Mapped[str] = mapped_column(Text, default="")
    doc_number: Mapped[str] = mapped_column(String(40), default="")
    resolved_on: Mapped[date | None]

    application: Mapped[Application] = relationship(back_populates="corrections")


class ClockStop(db.Model):
    """A period not counted toward the limits (Art. 45; Art. 42 extension)."""

    __tablename__ = "clock_stop"
    __table_args__ = (
        one_of("kind", LEGACY_STOP_KINDS),
        CheckConstraint("resumed_on IS NULL OR resumed_on >= paused_on", name="resume_after_pause"),
        CheckConstraint("expected_days > 0", name="expected_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text)
    expected_days: Mapped[int]
    paused_on: Mapped[date]
    resumed_on: Mapped[date | None]
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    doc_number: Mapped[str] = mapped_column(String(40), default="")

    application: Mapped[Application] = relationship(back_populates="clock_stops")


class Decision(db.Model):
    __tablename__ = "decision"
    __table_args__ = (
        one_of("outcome", ("approve", "reject")),
        CheckConstraint("outcome = 'approve' OR (legal_basis <> '' AND reason <> '')", name="reject_has_basis"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), unique=True)
    outcome: Mapped[str] = mapped_column(String(8))
    reason: Mapped[str] = mapped_column(Text, default="")
    legal_basis: Mapped[str] = mapped_column(Text, default="")
    by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    doc_number: Mapped[str] = mapped_column(String(40), default="")
    # 撤回: an approval made before the deferred materials arrived (DEFER_DECIDE_BEFORE_SUPPLY) is withdrawn
    # when the case is terminated, by its own decision document.
    withdrawn_on: Mapped[date | None]
    withdrawal_reason: Mapped[str] = mapped_column(Text, default="")
    withdrawal_doc_number: Mapped[str] = mapped_column(String(40), default="")

    application: Mapped[Application] = relationship(back_populates="decision")
    by = relationship("User")

    @property
    def decided_on(self) -> date | None:
        """The day of the decision: the case's decided_on (stored once); a draft not attached to a case (the
        样稿 preview) carries the day it was given."""
        if self.application is not None:
            return self.application.decided_on
        return getattr(self, "_draft_on", None)

    @decided_on.setter
    def decided_on(self, value: date) -> None:
        self._draft_on = value


class ExtensionRequest(db.Model):
    """A reviewer's request to extend the review period (Art. 42), approved or declined by a supervisor.

    An approved extension lengthens the statutory limit; it is not a clock stop (clock_stop_id is only set
    on rows written before that rule)."""

    __tablename__ = "extension_request"
    __table_args__ = (
        one_of("status", ("requested", "approved", "declined")),
        CheckConstraint("days > 0", name="extension_days_positive"),
        CheckConstraint("status = 'requested' OR (decided_by_id IS NOT NULL AND decided_on IS NOT NULL)",
                        name="decided_has_who_and_when"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), index=True)
    days: Mapped[int]
    reason: Mapped[str] = mapped_column(Text)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    requested_on: Mapped[date]
    status: Mapped[str] = mapped_column(String(12), default="requested")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    decided_on: Mapped[date | None]
    decision_note: Mapped[str] = mapped_column(Text, default="")
    doc_number: Mapped[str] = mapped_column(String(40), default="")     # 延长期限告知书 文号 (when approved)
    clock_stop_id: Mapped[int | None] = mapped_column(ForeignKey("clock_stop.id"))

    application: Mapped[Application] = relationship()
    requested_by = relationship("User", foreign_keys=[requested_by_id])
    decided_by = relationship("User", foreign_keys=[decided_by_id])
