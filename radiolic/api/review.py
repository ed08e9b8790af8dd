"""JSON API: start review, stop and restart the clock, decide (api.md)."""
from flask import jsonify, request

from ..extensions import db
from ..access import api_roles
from ..models import STOP_KINDS
from ..office_date import today
from ..workflow import review as verbs
from . import bp
from .cases import case_json
from .errors import ApiError
from .inputs import body, boolean, case_or_404, integer, invalid, one_of, text


def _done(case):
    db.session.commit()
    return jsonify(case_json(case))


@bp.post("/applications/<number>/start-review")
@api_roles("reviewer")
def start_review(number: str):
    case = case_or_404(number)
    verbs.start_review(case, by=request.api_user, on=today())
    return _done(case)


@bp.post("/applications/<number>/pause")
@api_roles("reviewer", "supervisor")
def pause(number: str):
    case, data = case_or_404(number), body()
    kind = one_of(data, "kind", STOP_KINDS + ("extension",))
    reason = text(data, "reason", max_len=1000)
    expected = integer(data, "expected_days", low=1, high=verbs.MAX_EXPECTED_DAYS)
    if kind == "extension":
        # Kept for callers of the first API: an Art. 42 extension is not a stop. A reviewer's call files the
        # extension request; a supervisor's call files and approves it (before the original deadline).
        req = verbs.request_extension(case, days=expected, reason=reason, by=request.api_user, on=today())
        if request.api_user.role == "supervisor":
            verbs.approve_extension(req, by=request.api_user, on=today())
        return _done(case)
    verbs.pause(case, kind=kind, reason=reason, expected_days=expected, by=request.api_user, on=today())
    return _done(case)


@bp.post("/applications/<number>/resume")
@api_roles("reviewer", "supervisor")
def resume(number: str):
    case = case_or_404(number)
    data = request.get_json(silent=True) or {}
    note = text(data, "note", required=False, max_len=1000) if isinstance(data, dict) else ""
    verbs.resume(case, by=request.api_user, on=today(), note=note)
    return _done(case)


def _refused(data: dict) -> list[dict]:
    value = data.get("refused_stations", [])
    if not isinstance(value, list):
        raise invalid("refused_stations", "字段 refused_stations 须为数组：[{\"station\": 名称或序号, \"reason\": 理由}]")
    for entry in value:
        if not isinstance(entry, dict) or not isinstance(entry.get("station"), (str, int)) \
                or isinstance(entry.get("station"), bool) or not isinstance(entry.get("reason"), str):
            raise invalid("refused_stations", "refused_stations 的每一项须为 {\"station\": 名称或序号, \"reason\": 理由}")
    return value


@bp.post("/applications/<number>/decide")
@api_roles("reviewer")
def decide(number: str):
    case, data = case_or_404(number), body()
    outcome = one_of(data, "outcome", ("approve", "reject"))
    reason = text(data, "reason", required=outcome == "reject", max_len=4000)
    basis = text(data, "legal_basis", required=outcome == "reject", max_len=2000)
    verbs.decide(case, outcome=outcome, reason=reason, legal_basis=basis, refused_stations=_refused(data),
                 by=request.api_user, on=today())
    return _done(case)


@bp.post("/applications/<number>/extension-request")
@api_roles("reviewer")
def request_extension(number: str):
    case, data = case_or_404(number), body()
    days = integer(data, "days", low=1, high=60)
    verbs.request_extension(case, days=days, reason=text(data, "reason", max_len=1000), by=request.api_user,
                            on=today())
    return _done(case)


@bp.post("/applications/<number>/extension-request/decide")
@api_roles("supervisor")
def decide_extension(number: str):
    case, data = case_or_404(number), body()
    if "approve" not in data:
        raise invalid("approve", "缺少字段 approve（true 批准，false 不批准）")
    approve = boolean(data, "approve", default=False)
    req = verbs.pending_extension(case)
    if req is None:
        raise ApiError(409, "conflict", "本案没有待批准的延期申请。")
    if approve:
        verbs.approve_extension(req, by=request.api_user, on=today())
    else:
        verbs.decline_extension(req, by=request.api_user, on=today(), note=text(data, "note", max_len=1000))
    return _done(case)


def _op(summary: str, roles: str, props: dict | None = None, required: tuple = ()) -> dict:
    op = {"summary": summary, "description": f"Allowed roles: {roles}. Returns the case as GET /applications/{{number}}.",
          "tags": ["review"], "security": [{"bearer": []}],
          "parameters": [{"name": "number", "in": "path", "required": True, "schema": {"type": "string"}}],
          "responses": {"200": {"description": "The case after the step"},
                        "401": {"description": "No valid token"}, "403": {"description": "Role or two-person rule"},
                        "404": {"description": "No such case"}, "409": {"description": "Not allowed in this state"},
                        "422": {"description": "Invalid input or a rule refused the step"}}}
    if props is not None:
        op["requestBody"] = {"required": bool(required), "content": {"application/json": {"schema": {
            "type": "object", "properties": props, "required": list(required)}}}}
    return {"post": op}


OPENAPI = {
    "/applications/{number}/start-review": _op("Start the review of an accepted case", "reviewer"),
    "/applications/{number}/pause": _op(
        "Stop the clock for an Art. 45 special procedure or 条例 Art. 83 coordination (kind `extension` is kept for "
        "compatibility: it files an Art. 42 extension request, approved at once when a supervisor calls; an "
        "extension is not a stop)",
        "reviewer, supervisor", {
            "kind": {"type": "string", "enum": list(STOP_KINDS) + ["extension"]},
            "reason": {"type": "string", "maxLength": 1000},
            "expected_days": {"type": "integer", "minimum": 1, "maximum": verbs.MAX_EXPECTED_DAYS,
                              "description": "working days; for an extension at most EXTENSION_MAX_WORKDAYS (10)"}},
        ("kind", "reason", "expected_days")),
    "/applications/{number}/resume": _op("Restart the clock", "reviewer, supervisor",
                                         {"note": {"type": "string", "maxLength": 1000}}),
    "/applications/{number}/extension-request": _op(
        "Ask a supervisor to extend the review period (Art. 42: once, at most 10 working days)", "reviewer",
        {"days": {"type": "integer", "minimum": 1, "maximum": 10}, "reason": {"type": "string"}}, ("days", "reason")),
    "/applications/{number}/extension-request/decide": _op(
        "Approve (on or before the original statutory due date: the limit grows by the days, the clock keeps running) or decline the pending extension request", "supervisor",
        {"approve": {"type": "boolean"}, "note": {"type": "string", "description": "required to decline"}},
        ("approve",)),
    "/applications/{number}/decide": _op(
        "Approve or reject; for station licences, refuse named stations and approve the rest", "reviewer", {
            "outcome": {"type": "string", "enum": ["approve", "reject"]},
            "reason": {"type": "string", "description": "required to reject"},
            "legal_basis": {"type": "string", "description": "required to reject"},
            "refused_stations": {"type": "array", "items": {"type": "object", "required": ["station", "reason"],
                                                              "properties": {
                                                                  "station": {"oneOf": [{"type": "string"},
                                                                                        {"type": "integer"}],
                                                                              "description": "name or sequence number"},
                                                                  "reason": {"type": "string"}}}}},
        ("outcome",)),
}
