"""GET /applications/{number}: the case as staff see it."""
from flask import jsonify
from sqlalchemy import select

from ..access import STAFF, api_roles
from ..extensions import db
from ..models import Application, Event
from ..office_date import today
from ..workflow import clock
from . import bp
from .inputs import case_or_404


def _iso(d):
    return d.isoformat() if d else None


def case_json(case: Application) -> dict:
    c = clock.compute(case, today())
    events = db.session.scalars(select(Event).where(Event.application_id == case.id).order_by(Event.id))
    decision = case.decision
    return {
        "number": case.number, "state": case.state, "service_item": case.service_item.code,
        "applicant": {"kind": case.applicant.kind, "name": case.applicant.name},
        "channel": case.channel, "single_window": case.single_window, "visits": case.visits,
        "received_on": _iso(case.received_on), "accepted_on": _iso(case.accepted_on),
        "decided_on": _iso(case.decided_on), "issued_on": _iso(case.issued_on),
        "completed_on": _iso(case.completed_on),
        "due_on": {"promised": _iso(c.due_promised), "statutory": _iso(c.due_statutory), "issue": _iso(c.due_issue),
                   # 暂定: a date counted over working days of a year whose notice is not yet published.
                   "provisional": any(c.is_provisional(d) for d in c.dates), "provisional_year": c.provisional_from},
        "due_statutory_unextended": _iso(c.due_statutory_unextended),
        "clock_starts": _iso(c.starts), "deemed_accepted": c.deemed,
        "extension": _extension(case),
        "workdays_used": c.used, "paused": c.paused, "calendar_warning": c.warning or None,
        "materials": [{"code": m.code, "name": m.name, "core": m.core, "status": m.status, "due_on": _iso(m.due_on)}
                      for m in case.materials],
        "clock_stops": [{"kind": s.kind, "reason": s.reason, "expected_days": s.expected_days,
                         "paused_on": _iso(s.paused_on), "resumed_on": _iso(s.resumed_on)} for s in case.clock_stops],
        "decision": None if decision is None else {
            "outcome": decision.outcome, "reason": decision.reason, "legal_basis": decision.legal_basis,
            "decided_on": _iso(decision.decided_on), "document_number": decision.doc_number},
        "timeline": [{"at": e.at.isoformat(timespec="seconds"), "on": _iso(e.on), "action": e.action,
                      "actor": e.actor, "role": e.role, "from_state": e.from_state, "to_state": e.to_state,
                      "note": e.note} for e in events],
    }


def _extension(case: Application) -> dict | None:
    from ..workflow.review import extensions
    rows = extensions(case)
    if not rows:
        return None
    req = rows[-1]
    return {"status": req.status, "days": req.days, "reason": req.reason, "requested_on": _iso(req.requested_on),
            "decided_on": _iso(req.decided_on), "document_number": req.doc_number or None}


@bp.get("/applications/<number>")
@api_roles(*STAFF)
def application(number: str):
    return jsonify(case_json(case_or_404(number)))


OPENAPI = {"/applications/{number}": {"get": {
    "summary": "One case with its stop-adjusted due dates and timeline", "tags": ["cases"],
    "parameters": [{"name": "number", "in": "path", "required": True, "schema": {"type": "string"}}],
    "responses": {"200": {"description": "The case"}, "404": {"description": "No such case"}}}}}
