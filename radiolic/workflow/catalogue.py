"""The service catalogue: editing an item and its list of materials. Verbs never commit."""
from datetime import date

from ..extensions import db
from ..models import MaterialRequirement, ServiceItem, User
from ..texts import N_, Msg
from .core import WorkflowError, record

ITEM_FIELDS = ("name", "name_en", "statutory_days", "promised_days", "online_depth", "zero_trip", "active",
               "legal_basis", "guide_conditions", "guide_limits", "guide_fees", "guide_window")


def edit_item(item: ServiceItem, *, by: User, on: date, **values) -> ServiceItem:
    """Change the item's fields (ITEM_FIELDS); the promised time may not exceed the statutory time."""
    unknown = set(values) - set(ITEM_FIELDS)
    if unknown:
        raise ValueError(f"not an item field: {', '.join(sorted(unknown))}")
    statutory = values.get("statutory_days", item.statutory_days)
    if values.get("promised_days", item.promised_days) > statutory:
        raise WorkflowError(N_("承诺时限不能长于法定时限"), field="promised_days")
    for name, value in values.items():
        setattr(item, name, value)
    record(None, "catalogue_edit", by=by, on=on, obj=item, note=item.code)
    return item


def add_material(item: ServiceItem, *, code: str, name: str, core: bool, defer_days: int | None, by: User, on: date,
                 name_en: str = "", sample: str = "") -> MaterialRequirement:
    """Append a material to the item's list: a new code; a deferrable (non-core) one needs its time limit."""
    if any(m.code == code for m in item.materials):
        raise WorkflowError(N_("材料编码 %(code)s 已存在。"), field="code", code="conflict", params={"code": code})
    if not core and not defer_days:
        raise WorkflowError(N_("可容缺材料须填写补齐期限。"), field="defer_days")
    material = MaterialRequirement(code=code, name=name, name_en=(name_en or "").strip(), core=core,
                                   defer_days=None if core else defer_days, position=len(item.materials),
                                   sample=(sample or "").strip())
    item.materials.append(material)
    record(None, "catalogue_edit", by=by, on=on, obj=item, note=f"{item.code} + {code}")
    return material


def remove_material(material: MaterialRequirement, *, by: User, on: date) -> None:
    """Take a material off its item's list (cases already accepted keep their own checklist)."""
    db.session.delete(material)
    record(None, "catalogue_edit", by=by, on=on, note=Msg(N_("删除材料 %(code)s"), code=material.code))
