"""Load the service catalogue shipped in data/catalogue.json (adds what is missing, keeps admin edits).

English names count as missing when blank: a database loaded before they were shipped gets them."""
import json
from importlib.resources import files

from sqlalchemy import select

from .extensions import db
from .models import MaterialRequirement, ServiceItem


def load_catalogue() -> int:
    """Insert the catalogue's items and materials not yet in the database; return how many were added."""
    data = json.loads(files("radiolic").joinpath("data/catalogue.json").read_text("utf-8"))
    added = 0
    for spec in data["items"]:
        item = db.session.scalar(select(ServiceItem).where(ServiceItem.code == spec["code"]))
        if item is None:
            fields = {k: v for k, v in spec.items() if k != "materials"}
            item = ServiceItem(**fields)
            db.session.add(item)
            added += 1
        elif not item.name_en and spec.get("name_en"):
            item.name_en = spec["name_en"]
        known = {m.code: m for m in item.materials}
        for pos, m in enumerate(spec["materials"]):
            if m["code"] not in known:
                item.materials.append(MaterialRequirement(position=pos, **m))
                added += 1
            elif not known[m["code"]].name_en and m.get("name_en"):
                known[m["code"]].name_en = m["name_en"]
    db.session.flush()
    return added
