"""Daily summaries the indicators read (derived data: radiolic.summaries keeps them exact and rebuilds them).

Each table holds one row per day and combination of its dimensions. A day may hold several rows with the
same dimensions (one per role: received, accepted, completed); readers always sum. No foreign keys: the
rows are recomputed from the records, never edited by hand.
"""
from datetime import date

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db


CASE_MEASURES = ("received", "accepted", "accepted_with_deferral", "single_window", "first_time_right", "completed",
                 "zero_visit", "timed", "workdays_used", "statutory_days", "on_time_promised", "on_time_statutory",
                 "rated", "on_time_unextended", "extended", "deemed_accepted")
CASE_DIMENSIONS = ("service_item_id", "channel", "reviewer_id", "outcome")
# Completed cases per outcome, as measures of the monthly table (the breakdowns show one column per outcome).
OUTCOME_MEASURES = ("completed_issued", "completed_rejected", "completed_not_accepted", "completed_withdrawn",
                    "completed_terminated")


class _CaseMeasures:
    # dated by received_on
    received: Mapped[int] = mapped_column(default=0)
    # dated by accepted_on
    accepted: Mapped[int] = mapped_column(default=0)
    accepted_with_deferral: Mapped[int] = mapped_column(default=0)
    single_window: Mapped[int] = mapped_column(default=0)
    first_time_right: Mapped[int] = mapped_column(default=0)
    # dated by completed_on (terminal states only)
    completed: Mapped[int] = mapped_column(default=0)
    zero_visit: Mapped[int] = mapped_column(default=0)
    timed: Mapped[int] = mapped_column(default=0)
    workdays_used: Mapped[int] = mapped_column(default=0)
    statutory_days: Mapped[int] = mapped_column(default=0)
    on_time_promised: Mapped[int] = mapped_column(default=0)
    on_time_statutory: Mapped[int] = mapped_column(default=0)
    rated: Mapped[int] = mapped_column(default=0)
    on_time_unextended: Mapped[int] = mapped_column(default=0)    # on time against the limit before an extension
    extended: Mapped[int] = mapped_column(default=0)              # 行政许可法 Art. 42 extensions
    deemed_accepted: Mapped[int] = mapped_column(default=0)       # Art. 32: clock from receipt


class StatCaseDay(_CaseMeasures, db.Model):
    """Cases per day × service item × channel × reviewer × outcome (the case's state)."""

    __tablename__ = "stat_case_day"
    __table_args__ = (Index("ix_stat_case_day_day", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date]
    service_item_id: Mapped[int]
    channel: Mapped[str] = mapped_column(String(8))
    reviewer_id: Mapped[int | None]
    outcome: Mapped[str] = mapped_column(String(24))


class StatCaseMonth(_CaseMeasures, db.Model):
    """The daily rows folded per calendar month (`day` = its first day), one dimension at a time.

    `dimension` is "all" (key "") or one of CASE_DIMENSIONS with the value as text in `key`: a month holds
    a few dozen rows, so six years of figures or of one breakdown sum a few thousand rows at most.
    """

    __tablename__ = "stat_case_month"
    __table_args__ = (Index("ix_stat_case_month_dimension_day", "dimension", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date]
    dimension: Mapped[str] = mapped_column(String(16))
    key: Mapped[str] = mapped_column(String(40))
    completed_issued: Mapped[int] = mapped_column(default=0)
    completed_rejected: Mapped[int] = mapped_column(default=0)
    completed_not_accepted: Mapped[int] = mapped_column(default=0)
    completed_withdrawn: Mapped[int] = mapped_column(default=0)
    completed_terminated: Mapped[int] = mapped_column(default=0)


class StatTurnaroundDay(db.Model):
    """Completed accepted cases per completion day × working days used (for the median and p90)."""

    __tablename__ = "stat_turnaround_day"
    __table_args__ = (Index("ix_stat_turnaround_day_day", "day", "workdays", "cases"),)    # covering

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date]
    workdays: Mapped[int]
    cases: Mapped[int] = mapped_column(default=0)


class StatRatingDay(db.Model):
    """Ratings of cases completed on the day × channel × level × defaulted."""

    __tablename__ = "stat_rating_day"
    __table_args__ = (Index("ix_stat_rating_day_day", "day", "channel", "level", "defaulted", "ratings", "bad_on_time"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date]
    channel: Mapped[str] = mapped_column(String(8))
    level: Mapped[int]
    defaulted: Mapped[bool] = mapped_column(default=False)
    ratings: Mapped[int] = mapped_column(default=0)
    bad_on_time: Mapped[int] = mapped_column(default=0)    # 差评 whose work order was answered by its due date


class StatLicenceDay(db.Model):
    """Licences issued per day × kind × format."""

    __tablename__ = "stat_licence_day"
    __table_args__ = (Index("ix_stat_licence_day_day", "day", "kind", "format", "licences"),)    # covering

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date]
    kind: Mapped[str] = mapped_column(String(24))
    format: Mapped[str] = mapped_column(String(12))
    licences: Mapped[int] = mapped_column(default=0)
