"""JSON API of issuance: stations, issue, a case's licences, public verification (api.md)."""
from flask import current_app, jsonify, request
from sqlalchemy import func, select

from ..access import STAFF, api_roles, public
from ..database import reading
from ..extensions import db
from ..models import Licence
from ..issuance.station_import import ImportRejected, parse_stations, validate_rows
from ..office_date import today
from ..workflow import issuance
from . import bp
from .errors import ApiError, api_error
from ..inputs import is_plain_int
from .inputs import body, case_or_404, invalid, iso_date, one_of


def _rejected(err: ImportRejected):
    fields = {f"row {e.row}" + (f".{e.column}" if e.column else ""): e.message for e in err.errors}
    return api_error(422, "invalid", f"台站数据有 {err.total} 处错误，没有导入任何台站。", fields)


@bp.post("/applications/<number>/stations")
@api_roles("clerk", "reviewer")
def issuance_add_stations(number: str):
    case = case_or_404(number)
    try:
        if request.files:
            upload = request.files.get("file") or next(iter(request.files.values()))
            data = upload.read(current_app.config["UPLOAD_MAX_BYTES"] + 1)
            if len(data) > current_app.config["UPLOAD_MAX_BYTES"]:
                raise ApiError(413, "too_large", "文件过大。")
            with reading():     # parse outside the write lock; the verb below takes it
                rows = parse_stations(data, upload.filename or "stations")
            mode = request.form.get("mode", "append")
        else:
            data = body()
            if "stations" not in data:
                raise invalid("stations", "缺少字段 stations（台站数组）")
            rows, mode = validate_rows(data["stations"]), one_of(data, "mode", ("append", "replace"), default="append")
    except ImportRejected as err:
        return _rejected(err)
    count = issuance.add_stations(case, rows, mode=mode, by=request.api_user, on=today())
    db.session.commit()
    return jsonify({"added": count, "mode": mode, "application": case.number}), 201


@bp.post("/applications/<number>/issue")
@api_roles("reviewer")
def issuance_issue(number: str):
    case = case_or_404(number)
    data = body()
    fmt = one_of(data, "format", ("paper", "electronic"))
    permit = data.get("permit")
    if permit is not None and not isinstance(permit, dict):
        raise invalid("permit", "字段 permit 须为对象")
    result = issuance.issue(case, format=fmt, by=request.api_user, on=today(), permit=permit,
                            valid_until=iso_date(data, "valid_until"))
    db.session.commit()
    from ..issuance import followup
    followup.after_issue(case, result.count, by=request.api_user, on=today())
    return jsonify({"issued": result.count, "first_number": result.first_number, "last_number": result.last_number,
                    "state": case.state}), 201


def licence_json(lic: Licence) -> dict:
    return {"number": lic.number, "kind": lic.kind, "format": lic.format, "status": lic.status,
            "verify_code": lic.verify_code, "valid_from": lic.valid_from.isoformat(),
            "valid_until": lic.valid_until.isoformat()}


@bp.get("/applications/<number>/licences")
@api_roles(*STAFF)
def issuance_licences(number: str):
    case = case_or_404(number)
    page, per_page = _positive_arg("page", 1, 10**6), _positive_arg("per_page", 100, 1000)
    query = select(Licence).where(Licence.application_id == case.id)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    rows = db.session.scalars(query.order_by(Licence.number).offset((page - 1) * per_page).limit(per_page)).all()
    return jsonify({"total": total, "page": page, "per_page": per_page, "licences": [licence_json(l) for l in rows]})


def _positive_arg(name: str, default: int, high: int) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    if not is_plain_int(raw) or not 1 <= int(raw) <= high:
        raise invalid(name, f"参数 {name} 须为 1–{high} 的整数")
    return int(raw)


@bp.get("/public/licences/<code>")
@public
def issuance_verify_licence(code: str):
    from ..licence_public import find_for_verification, public_view
    found = find_for_verification(code)
    if found is None:
        raise ApiError(404, "not_found", "未找到该核验码对应的证照。")
    view = public_view(found[0], today(), found[1], found[2])
    view["fields"] = [{"label": label, "value": value} for label, value in view["fields"]]
    for key in ("issued_on", "valid_from", "valid_until", "status_changed_on"):
        view[key] = view[key].isoformat() if view[key] else None
    return jsonify(view)


_NUMBER = [{"name": "number", "in": "path", "required": True, "schema": {"type": "string"}}]
_ERR = {"401": {"description": "No or bad token"}, "403": {"description": "Role not allowed"},
        "404": {"description": "No such case"}, "409": {"description": "The case's state does not allow it"},
        "422": {"description": "Invalid input; fields name the problems"}}
_STATION = {"type": "object", "properties": {name: {"description": "text or number"} for name in (
    "station_name", "station_type", "address", "longitude", "latitude", "altitude_m", "tx_mhz", "rx_mhz",
    "bandwidth_khz", "emission", "power_w", "antenna_gain_dbi", "antenna_height_m", "azimuth_deg",
    "equipment_model", "type_approval_code", "call_sign")}}

OPENAPI = {
    "/applications/{number}/stations": {"post": {
        "summary": "Add stations (JSON rows or a CSV/XLSX upload in field `file`); all rows or none", "tags": ["issuance"],
        "parameters": _NUMBER,
        "requestBody": {"content": {
            "application/json": {"schema": {"type": "object", "required": ["stations"], "properties": {
                "stations": {"type": "array", "items": _STATION},
                "mode": {"type": "string", "enum": ["append", "replace"], "default": "append"}}}},
            "multipart/form-data": {"schema": {"type": "object", "properties": {
                "file": {"type": "string", "format": "binary"},
                "mode": {"type": "string", "enum": ["append", "replace"]}}}}}},
        "responses": {"201": {"description": "`added`, `mode`"}, **_ERR}}},
    "/applications/{number}/issue": {"post": {
        "summary": "Issue the permit or one licence per approved station, numbers contiguous", "tags": ["issuance"],
        "parameters": _NUMBER,
        "requestBody": {"content": {"application/json": {"schema": {"type": "object", "required": ["format"],
            "properties": {"format": {"type": "string", "enum": ["paper", "electronic"]},
                           "valid_until": {"type": "string", "format": "date"},
                           "permit": {"type": "object", "properties": {
                               "frequencies": {"type": "string"}, "use": {"type": "string"},
                               "area": {"type": "string"}, "usage_rate": {"type": "string"},
                               "term_years": {"type": "integer", "minimum": 1, "maximum": 10},
                               "valid_until": {"type": "string", "format": "date"},
                               "conditions": {"type": "string"}, "replaces": {"type": "string"}}}}}}}},
        "responses": {"201": {"description": "`issued` (count), `first_number`, `last_number`, `state`"}, **_ERR}}},
    "/applications/{number}/licences": {"get": {
        "summary": "The case's licences, a page at a time", "tags": ["issuance"],
        "parameters": _NUMBER + [{"name": "page", "in": "query",
                                  "schema": {"type": "integer", "minimum": 1, "maximum": 1000000}},
                                 {"name": "per_page", "in": "query",
                                  "schema": {"type": "integer", "minimum": 1, "maximum": 1000}}],
        "responses": {"200": {"description": "`total`, `page`, `per_page`, `licences` [`number`, `kind`, `format`, "
                                             "`status`, `verify_code`, `valid_from`, `valid_until`]"}, **_ERR}}},
    "/public/licences/{code}": {"get": {
        "summary": "Verify a permit or licence: live status, masked holder, content hash", "tags": ["public"],
        "security": [],
        "parameters": [{"name": "code", "in": "path", "required": True, "description": "the verification code",
                        "schema": {"type": "string", "maxLength": 40}}],
        "responses": {"200": {"description": "`status` (valid, superseded, cancelled, revoked, expired), `number`, "
                                             "`holder` (masked), `content_hash` (the seal: face + status + status "
                                             "event + previous seal + key id), `face_hash` (printed on the PDF), "
                                             "`signature`, `key_id`, `record_intact`, `events_match`, `record_check` "
                                             "(`intact` or `failed`: then the status must not be relied on), "
                                             "`record_problems`"},
                      "404": {"description": "Unknown code (nothing else is revealed)"}}}},
}
