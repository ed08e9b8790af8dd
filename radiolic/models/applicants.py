"""Applicants (organisations and persons) and their credit record."""
from datetime import date, datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import one_of, utcnow

APPLICANT_KINDS = ("organisation", "person")
CREDIT_MARKS = ("broken_commitment", "repair")


class Applicant(db.Model):
    __tablename__ = "applicant"
    __table_args__ = (UniqueConstraint("kind", "id_code"), one_of("kind", APPLICANT_KINDS))

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200), index=True)
    id_code: Mapped[str] = mapped_column(String(18))
    # A clerk may accept a credit code whose check character is wrong (early pilot codes): why.
    code_override_reason: Mapped[str | None] = mapped_column(Text)
    contact: Mapped[str] = mapped_column(String(100), default="")
    phone: Mapped[str] = mapped_column(String(32), default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    credit_marks: Mapped[list["CreditMark"]] = relationship(
        back_populates="applicant", order_by="CreditMark.on")


class CreditMark(db.Model):
    """A broken commitment (容缺承诺未履行) or an admin's recorded credit repair."""

    __tablename__ = "credit_mark"
    __table_args__ = (one_of("kind", CREDIT_MARKS),)

    id: Mapped[int] = mapped_column(primary_key=True)
    applicant_id: Mapped[int] = mapped_column(ForeignKey("applicant.id"), index=True)
    application_id: Mapped[int | None] = mapped_column(ForeignKey("application.id"))
    kind: Mapped[str] = mapped_column(String(24))
    on: Mapped[date]
    reason: Mapped[str] = mapped_column(Text)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    applicant: Mapped[Applicant] = relationship(back_populates="credit_marks")
