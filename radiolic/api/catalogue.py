"""GET /service-items."""
from flask import jsonify
from sqlalchemy import select

from ..access import STAFF, api_roles
from ..extensions import db
from ..models import ServiceItem
from . import bp


def item_json(item: ServiceItem) -> dict:
    return {"code": item.code, "name": item.name, "licence_kind": item.licence_kind, "action": item.action,
            "statutory_days": item.statutory_days, "promised_days": item.promised_days,
            "online_depth": item.online_depth, "zero_trip": item.zero_trip,
            "materials": [{"code": m.code, "name": m.name, "core": m.core, "deferrable": not m.core,
                           "defer_days": m.defer_days} for m in item.materials]}


@bp.get("/service-items")
@api_roles(*STAFF)
def service_items():
    items = db.session.scalars(select(ServiceItem).where(ServiceItem.active.is_(True)).order_by(ServiceItem.id))
    return jsonify({"service_items": [item_json(i) for i in items]})


OPENAPI = {"/service-items": {"get": {
    "summary": "The service catalogue with material lists", "tags": ["catalogue"],
    "responses": {"200": {"description": "Active service items"}}}}}
