"""The service catalogue: items the office handles, the materials each requires and their English names."""
from flask import g
from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..vocabulary import LicenceKind
from .base import one_of

LICENCE_KINDS = LicenceKind.values()
ITEM_ACTIONS = ("new", "renewal", "change", "cancellation")


class ServiceItem(db.Model):
    __tablename__ = "service_item"
    __table_args__ = (
        one_of("licence_kind", LICENCE_KINDS),
        one_of("action", ITEM_ACTIONS),
        CheckConstraint("online_depth BETWEEN 1 AND 4", name="depth_range"),
        CheckConstraint("promised_days >= 0 AND promised_days <= statutory_days", name="promise_within_law"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(160), default="")
    licence_kind: Mapped[str | None] = mapped_column(String(24))
    action: Mapped[str] = mapped_column(String(16), default="new")
    statutory_days: Mapped[int]
    promised_days: Mapped[int]
    online_depth: Mapped[int] = mapped_column(default=4)
    zero_trip: Mapped[bool] = mapped_column(default=True)
    legal_basis: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(default=True)
    # 办事指南 (the service guide shown on /apply and printed): conditions, limits, fees, the window
    guide_conditions: Mapped[str] = mapped_column(Text, default="")
    guide_limits: Mapped[str] = mapped_column(Text, default="")
    guide_fees: Mapped[str] = mapped_column(Text, default="")
    guide_window: Mapped[str] = mapped_column(Text, default="")

    materials: Mapped[list["MaterialRequirement"]] = relationship(
        back_populates="item", order_by="MaterialRequirement.position", cascade="all, delete-orphan")


class MaterialRequirement(db.Model):
    __tablename__ = "material_requirement"
    __table_args__ = (
        UniqueConstraint("item_id", "code"),
        CheckConstraint("core OR defer_days IS NOT NULL", name="deferrable_has_days"),
        CheckConstraint("defer_days IS NULL OR defer_days > 0", name="defer_days_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("service_item.id"))
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(160))
    name_en: Mapped[str] = mapped_column(String(240), default="", server_default="")
    core: Mapped[bool] = mapped_column(default=True)
    defer_days: Mapped[int | None]
    position: Mapped[int] = mapped_column(default=0)
    # 办事指南: what a good copy looks like (form, copies, original or copy, seal), shown as the material's sample
    sample: Mapped[str] = mapped_column(Text, default="")

    item: Mapped[ServiceItem] = relationship(back_populates="materials")

    @property
    def deferrable(self) -> bool:
        return not self.core


def material_names_en() -> dict[tuple[str, str], str]:
    """(code, Chinese name) -> English name of every catalogue material, read once per application context
    (a case's materials are copies: lists of many cases name them without loading each case's item)."""
    found = g.get("material_names_en")
    if found is None:
        rows = db.session.execute(select(MaterialRequirement.code, MaterialRequirement.name, MaterialRequirement.name_en))
        found = g.material_names_en = {(code, name): en for code, name, en in rows if en}
    return found
