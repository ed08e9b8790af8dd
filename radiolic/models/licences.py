"""Stations applied for, and the permits and licences issued for them."""
from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..vocabulary import LicenceStatus, StationType
from .base import one_of, utcnow
from .catalogue import LICENCE_KINDS
from .cases import FORMATS

LICENCE_STATUSES = LicenceStatus.values()
STATION_TYPES = StationType.values()
# A station's outcome: refused marks are made during the review (undone freely until the decision); the decision
# approves every station not refused (or refuses every one when the whole application is refused).
STATION_OUTCOMES = ("approved", "refused")


class Station(db.Model):
    """One station of an application, with the technical data of domain.md §8."""

    __tablename__ = "station"
    __table_args__ = (
        UniqueConstraint("application_id", "seq"),
        one_of("station_type", STATION_TYPES),
        one_of("format_override", FORMATS),
        CheckConstraint("longitude BETWEEN 73 AND 136 AND latitude BETWEEN 3 AND 54", name="in_china"),
        CheckConstraint("power_w > 0 AND bandwidth_khz > 0", name="positive_power_bandwidth"),
        one_of("outcome", STATION_OUTCOMES),
        # A refused station always carries its reason; an approved or undecided one never does.
        CheckConstraint("(COALESCE(outcome, '') = 'refused') = (refused_reason IS NOT NULL)", name="outcome_reason"),
        Index("ix_station_outcome", "application_id", "outcome"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"))
    seq: Mapped[int]
    station_name: Mapped[str] = mapped_column(String(100))
    station_type: Mapped[str] = mapped_column(String(24))
    address: Mapped[str] = mapped_column(String(200))
    longitude: Mapped[float]
    latitude: Mapped[float]
    altitude_m: Mapped[float | None]
    tx_mhz: Mapped[str] = mapped_column(String(200))
    rx_mhz: Mapped[str] = mapped_column(String(200), default="")
    bandwidth_khz: Mapped[float]
    emission: Mapped[str] = mapped_column(String(16), default="")
    power_w: Mapped[float]
    antenna_gain_dbi: Mapped[float | None]
    antenna_height_m: Mapped[float | None]
    azimuth_deg: Mapped[float | None]
    equipment_model: Mapped[str] = mapped_column(String(100))
    type_approval_code: Mapped[str] = mapped_column(String(40), default="")
    call_sign: Mapped[str] = mapped_column(String(20), default="")
    outcome: Mapped[str | None] = mapped_column(String(8))       # approved / refused; None: not decided yet
    refused_reason: Mapped[str | None] = mapped_column(Text)     # the reason of a refused station
    # The act that recorded the outcome: a reviewer's refusal (undone by its event) or the decision.
    outcome_event_id: Mapped[int | None] = mapped_column(ForeignKey("event.id"))
    format_override: Mapped[str | None] = mapped_column(String(12))
    # A change or renewal: the licence this station's new licence supersedes.
    replaces_licence_id: Mapped[int | None] = mapped_column(ForeignKey("licence.id", use_alter=True))


class Licence(db.Model):
    """A frequency use permit or a station licence (one table: one numbering, one verification)."""

    __tablename__ = "licence"
    __table_args__ = (
        one_of("kind", LICENCE_KINDS),
        one_of("format", FORMATS),
        one_of("status", LICENCE_STATUSES),
        CheckConstraint("valid_until > valid_from", name="validity_order"),
        CheckConstraint("kind = 'frequency_permit' OR station_id IS NOT NULL", name="station_licence_has_station"),
        Index("ix_licence_application", "application_id", "number"),
        Index("ix_licence_status_until", "status", "valid_until"),
        Index("ix_licence_issued_on", "issued_on", "kind", "format"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    kind: Mapped[str] = mapped_column(String(24))
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"))
    applicant_id: Mapped[int] = mapped_column(ForeignKey("applicant.id"), index=True)
    station_id: Mapped[int | None] = mapped_column(ForeignKey("station.id"))
    format: Mapped[str] = mapped_column(String(12))
    status: Mapped[str] = mapped_column(String(12), default="valid")
    verify_code: Mapped[str] = mapped_column(String(32), unique=True)
    e_identifier: Mapped[str | None] = mapped_column(String(120))
    issued_on: Mapped[date]
    valid_from: Mapped[date]
    valid_until: Mapped[date]
    content_hash: Mapped[str] = mapped_column(String(64))
    signature: Mapped[str] = mapped_column(String(200), default="")
    # The seal also covers: the key that signed it, the event that set the current status, the seal it replaced.
    key_id: Mapped[str] = mapped_column(String(16), default="")
    status_event_hash: Mapped[str] = mapped_column(String(64), default="")
    previous_seal: Mapped[str] = mapped_column(String(64), default="")
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("licence.id"))
    superseded_by_id: Mapped[int | None] = mapped_column(ForeignKey("licence.id"))
    status_reason: Mapped[str] = mapped_column(Text, default="")
    status_changed_on: Mapped[date | None]
    # Frequency use permit fields (Art. 15 of the regulations)
    frequencies: Mapped[str] = mapped_column(Text, default="")
    use: Mapped[str] = mapped_column(Text, default="")
    area: Mapped[str] = mapped_column(Text, default="")
    usage_rate: Mapped[str] = mapped_column(Text, default="")
    conditions: Mapped[str] = mapped_column(Text, default="")
    # Snapshot of the holder and issuer as printed: later corrections to the applicant do not alter the record.
    holder_name: Mapped[str] = mapped_column(String(200), default="")
    holder_code: Mapped[str] = mapped_column(String(18), default="")
    office: Mapped[str] = mapped_column(String(100), default="")
    # Lowest and highest MHz of the licence's frequencies, for the public register's range search.
    freq_low_mhz: Mapped[float | None]
    freq_high_mhz: Mapped[float | None]

    station = relationship("Station", foreign_keys=[station_id])
    applicant = relationship("Applicant")
    application = relationship("Application")


class PrintLog(db.Model):
    __tablename__ = "print_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    licence_id: Mapped[int] = mapped_column(ForeignKey("licence.id"), index=True)
    by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    copies: Mapped[int] = mapped_column(default=1)


class Delivery(db.Model):
    """How a case's paper licences reached the holder (Art. 44)."""

    __tablename__ = "delivery"
    __table_args__ = (one_of("method", ("pickup", "post")),
                      CheckConstraint("method = 'pickup' OR tracking_no <> ''", name="post_has_tracking"))

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), index=True)
    method: Mapped[str] = mapped_column(String(8))
    receiver: Mapped[str] = mapped_column(String(100), default="")
    tracking_no: Mapped[str] = mapped_column(String(40), default="")
    on: Mapped[date]
    by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
