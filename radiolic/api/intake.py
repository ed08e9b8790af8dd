"""JSON API: intake and deferred acceptance, calling the same verbs as the pages."""
from flask import jsonify, request, url_for
from sqlalchemy import select

from ..access import api_roles
from ..extensions import db
from ..models import ServiceItem
from ..office_date import today
from ..workflow import intake as verbs
from . import bp
from .cases import case_json
from .errors import ApiError
from .inputs import body, boolean, case_or_404, integer, invalid, iso_date, one_of, string_list, text


def _applicant(data: dict, on):
    spec = data.get("applicant")
    if not isinstance(spec, dict):
        raise invalid("applicant", "缺少字段 applicant（对象：kind, name, id_code, contact, phone）")
    kind = one_of(spec, "kind", ("organisation", "person"))
    id_code = text(spec, "id_code", max_len=40)
    override = text(spec, "code_override_reason", required=False, max_len=300)
    fields = {name: text(spec, name, required=False, max_len=300) for name in ("contact", "phone", "email", "address")}
    return verbs.find_or_register_applicant(kind=kind, id_code=id_code, name=text(spec, "name", required=False,
                                                                                  max_len=200),
                                            by=request.api_user, on=on, override_reason=override, **fields)


def _materials(data: dict, item: ServiceItem) -> dict:
    received = string_list(data, "received_materials")
    defective = data.get("defective_materials", [])
    if not isinstance(defective, list) or not all(isinstance(d, dict) for d in defective):
        raise invalid("defective_materials", "字段 defective_materials 须为 [{code, problem}] 数组")
    out = {code: ("received", "") for code in received}
    for d in defective:
        out[str(d.get("code"))] = ("defective", str(d.get("problem") or ""))
    return out


@bp.post("/applications")
@api_roles("clerk")
def create_application():
    data, on = body(), today()
    code = text(data, "service_item", max_len=32)
    item = db.session.scalar(select(ServiceItem).where(ServiceItem.code == code))
    if item is None:
        raise invalid("service_item", f"没有编码为 {code} 的服务事项")
    channel = one_of(data, "channel", ("window", "online", "mail"), default="window")
    applicant = _applicant(data, on)
    case, query_code = verbs.submit(
        item, applicant, channel=channel, single_window=boolean(data, "single_window", True),
        visits=integer(data, "visits", required=False, low=0, high=20, default=1 if channel == "window" else 0),
        materials=_materials(data, item), by=request.api_user, on=on,
        agent_name=text(data, "agent_name", required=False, max_len=100),
        agent_phone=text(data, "agent_phone", required=False, max_len=32),
        summary=text(data, "summary", required=False, max_len=300),
        format=one_of(data, "format", ("electronic", "paper"), default="electronic"))
    db.session.commit()
    payload = {**case_json(case), "query_code": query_code}
    response = jsonify(payload)
    response.status_code = 201
    response.headers["Location"] = url_for("api.application", number=case.number)
    return response


@bp.post("/applications/<number>/accept")
@api_roles("clerk")
def accept(number: str):
    case, data = case_or_404(number), body()
    deferred = string_list(data, "deferred_materials")
    commitment = None
    if deferred:
        spec = data.get("commitment")
        if not isinstance(spec, dict):
            raise invalid("commitment", "容缺受理须提供 commitment {signed_by, due_on?, method?}")
        commitment = {"signed_by": text(spec, "signed_by", max_len=100), "due_on": iso_date(spec, "due_on"),
                      "method": text(spec, "method", required=False, max_len=100)}
    verbs.accept(case, deferred=deferred, commitment=commitment, by=request.api_user, on=today())
    db.session.commit()
    return jsonify(case_json(case))


@bp.post("/applications/<number>/request-correction")
@api_roles("clerk")
def request_correction(number: str):
    case, data = case_or_404(number), body()
    items = data.get("items")
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise invalid("items", "字段 items 须为 [{material, problem}] 数组")
    notice = verbs.request_correction(case, items=items, by=request.api_user, on=today(),
                                      reason=text(data, "reason", required=False))
    db.session.commit()
    return jsonify({**case_json(case), "correction": {"seq": notice.seq, "document_number": notice.doc_number,
                                                       "items": notice.items}})


@bp.post("/applications/<number>/resubmit")
@api_roles("clerk")
def resubmit(number: str):
    case, data = case_or_404(number), body()
    verbs.resubmit(case, received=string_list(data, "received_materials"), by=request.api_user, on=today(),
                   visit=boolean(data, "visit", False))
    db.session.commit()
    return jsonify(case_json(case))


@bp.post("/applications/<number>/refuse")
@api_roles("clerk")
def refuse(number: str):
    case, data = case_or_404(number), body()
    verbs.refuse(case, reason=text(data, "reason"), by=request.api_user, on=today())
    db.session.commit()
    return jsonify({**case_json(case), "document_number": case.outcome_doc_number})


@bp.post("/applications/<number>/materials/<code>/supply")
@api_roles("clerk")
def supply(number: str, code: str):
    case = case_or_404(number)
    data = request.get_json(silent=True) or {}
    if not isinstance(data, dict):
        raise ApiError(400, "bad_request", "请求体须为 JSON 对象。")
    verbs.supply(case, code, by=request.api_user, on=today(), received_on=iso_date(data, "received_on"),
                 supplied_from=text(data, "supplied_from", required=False, max_len=100),
                 note=text(data, "note", required=False, max_len=300))
    db.session.commit()
    return jsonify(case_json(case))


@bp.post("/applications/<number>/withdraw")
@api_roles("clerk")
def withdraw(number: str):
    case, data = case_or_404(number), body()
    verbs.withdraw(case, reason=text(data, "reason"), by=request.api_user, on=today())
    db.session.commit()
    return jsonify(case_json(case))


@bp.post("/applications/<number>/terminate")
@api_roles("supervisor")
def terminate(number: str):
    case, data = case_or_404(number), body()
    verbs.terminate(case, reason=text(data, "reason"), by=request.api_user, on=today())
    db.session.commit()
    return jsonify({**case_json(case), "document_number": case.outcome_doc_number})


def _op(summary: str, who: str, props: dict | None = None, required: list | None = None, ok: str = "200") -> dict:
    op = {"summary": summary, "tags": ["intake"], "description": f"Role: {who}.",
          "responses": {ok: {"description": "The case after the step"},
                        "400": {"description": "Malformed body", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
                        "404": {"description": "No such case or material"},
                        "409": {"description": "The case's state does not allow the step"},
                        "422": {"description": "A rule refused the step; message names the field",
                                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}}}
    if props is not None:
        op["requestBody"] = {"required": bool(required), "content": {"application/json": {"schema": {
            "type": "object", "properties": props, "required": required or []}}}}
    return op


_NUMBER = [{"name": "number", "in": "path", "required": True, "schema": {"type": "string"}}]
_STR = {"type": "string"}
_DATE = {"type": "string", "format": "date"}
_CODES = {"type": "array", "items": _STR}


def _path(op: dict, params=_NUMBER) -> dict:
    return {"post": {**op, "parameters": params}}


OPENAPI = {
    "/applications": {"post": _op(
        "Log an application at intake; returns the number and the query code (shown once)", "clerk",
        {"service_item": _STR,
         "applicant": {"type": "object", "required": ["kind", "name", "id_code"], "properties": {
             "kind": {"type": "string", "enum": ["organisation", "person"]}, "name": _STR, "id_code": _STR,
             "code_override_reason": {"type": "string", "description": "required when a credit code's check "
                                      "character does not verify (warning)"},
             "contact": _STR, "phone": _STR, "email": _STR, "address": _STR}},
         "channel": {"type": "string", "enum": ["window", "online", "mail"]}, "single_window": {"type": "boolean"},
         "visits": {"type": "integer", "minimum": 0}, "received_materials": _CODES,
         "defective_materials": {"type": "array", "items": {"type": "object", "properties": {"code": _STR, "problem": _STR}}},
         "agent_name": _STR, "agent_phone": _STR, "summary": _STR,
         "format": {"type": "string", "enum": ["electronic", "paper"]}},
        ["service_item", "applicant"], ok="201")},
    "/applications/{number}/accept": _path(_op(
        "Accept; with deferred_materials, accept with deferral on the applicant's commitment", "clerk",
        {"deferred_materials": _CODES, "commitment": {"type": "object", "properties": {
            "signed_by": _STR, "due_on": _DATE, "method": _STR}}})),
    "/applications/{number}/request-correction": _path(_op(
        "The one-time correction notice listing every missing or defective material", "clerk",
        {"items": {"type": "array", "items": {"type": "object", "properties": {"material": _STR, "problem": _STR}}},
         "reason": {"type": "string", "description": "required from the second request on"}}, ["items"])),
    "/applications/{number}/resubmit": _path(_op(
        "The corrected materials arrive; the case is back for an acceptance decision", "clerk",
        {"received_materials": _CODES, "visit": {"type": "boolean"}}, ["received_materials"])),
    "/applications/{number}/refuse": _path(_op("Refuse to accept (不予受理)", "clerk", {"reason": _STR}, ["reason"])),
    "/applications/{number}/materials/{code}/supply": _path(_op(
        "A deferred or missing material arrives", "clerk",
        {"received_on": _DATE, "supplied_from": _STR, "note": _STR}),
        _NUMBER + [{"name": "code", "in": "path", "required": True, "schema": _STR}]),
    "/applications/{number}/withdraw": _path(_op("The applicant withdraws", "clerk", {"reason": _STR}, ["reason"])),
    "/applications/{number}/terminate": _path(_op(
        "Terminate a case whose deferred materials are overdue; marks the applicant's credit record", "supervisor",
        {"reason": _STR}, ["reason"])),
}
