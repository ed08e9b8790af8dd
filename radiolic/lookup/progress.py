"""The applicant's view of a case in plain language (the status page and POST /public/status share it)."""
from datetime import date

from flask import current_app, url_for
from sqlalchemy import func, select

from ..extensions import db
from ..identifiers import mask_id, mask_name, mask_phone
from ..models import Application, Event, Licence, Rating, Station
from ..workdays import CalendarGap
from ..vocabulary import CaseState, StopKind
from ..workflow import clock
from ..texts import N_, Msg, Name, from_json

STEPS = [("received", N_("提交申请")), ("accepted", N_("受理")), ("under_review", N_("审查")),
         ("decided", N_("作出决定")), ("issued", N_("发证"))]
NEXT = {
    "submitted": ("office", N_("窗口工作人员预审材料，决定是否受理")),
    "awaiting_correction": ("applicant", N_("请按补正通知补齐或更正材料（可在本页上传）")),
    "accepted": ("office", N_("审核人员即将开始审查")),
    "under_review": ("office", N_("审核人员正在审查")),
    "approved": ("office", N_("准予许可，正在制发证照")),
}
LICENCES_SHOWN = 50
REFUSED_SHOWN = 50


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d else None


def _step_dates(case: Application) -> dict:
    return {"received": case.received_on, "accepted": case.accepted_on, "under_review": case.review_started_on,
            "decided": case.decided_on, "issued": case.issued_on}


def steps(case: Application) -> list[dict]:
    dates = _step_dates(case)
    current = {"submitted": "received", "awaiting_correction": "received", "accepted": "accepted",
               "under_review": "under_review", "approved": "issued", "rejected": "decided",
               "issued": "issued"}.get(case.state)
    out = []
    for key, label in STEPS:
        status = "done" if dates[key] else "pending"
        if key == current and case.is_open:
            status = "current"
        if not case.is_open and not dates[key]:
            status = "skipped"
        out.append({"step": key, "label": label, "on": _iso(dates[key]), "status": status})
    return out


def next_step(case: Application) -> dict:
    if not case.is_open:
        return {"actor": "none", "text": f"已办结：{CaseState.text_of(case.state)}"}
    if case.open_stop is not None:
        return {"actor": "office",
                "text": Msg(N_("%(stop)s期间暂停计时"), stop=Name(StopKind.text_of(case.open_stop.kind)))}
    actor, text = NEXT[case.state]
    if case.state == "approved" and case.outstanding_deferred:
        return {"actor": "applicant", "text": "请先补齐容缺材料，补齐后方可发证"}
    return {"actor": actor, "text": text}


def _clock(case: Application, today: date) -> dict:
    c = clock.compute(case, today)
    return {"promised_days": case.promised_days, "statutory_days": case.statutory_days, "used": c.used,
            "stopped": c.stopped, "paused": c.paused, "due_promised": _iso(c.due_promised),
            "due_statutory": _iso(c.due_statutory), "left_promised": c.left_promised,
            "left_statutory": c.left_statutory, "warning": c.warning or None,
            "clock_starts": _iso(c.starts), "deemed_accepted": c.deemed, "extension_days": c.extension_days,
            "due_statutory_unextended": _iso(c.due_statutory_unextended),
            "provisional": {"promised": c.is_provisional(c.due_promised), "statutory": c.is_provisional(c.due_statutory)},
            "restated": _restated(case)}


def _extension(case: Application, session_links: bool) -> dict | None:
    """The approved Art. 42 extension the applicant was told about (the 延长期限告知书)."""
    from ..workflow.review import approved_extension
    req = approved_extension(case) if case.extension_days else None
    if req is None:
        return None
    return {"days": req.days, "reason": req.reason, "approved_on": _iso(req.decided_on),
            "document_number": req.doc_number,
            "pdf_url": url_for("lookup.extension_pdf", number=case.number) if session_links else None}


def _restated(case: Application) -> dict | None:
    """The latest restatement of the case's dates by a calendar change (old → new), for the applicant."""
    event = db.session.execute(
        select(Event.on, Event.note, Event.note_key, Event.note_args)
        .where(Event.application_id == case.id, Event.action == "calendar_restated")
        .order_by(Event.id.desc()).limit(1)).first()
    if event is None:
        return None
    # The dates part of the note (after the reason); kept as a Names (it reads as the Chinese text, as the API
    # sends it) when the event kept its parameters, so the page can show it in English.
    dates = (event.note_args or {}).get("dates") if event.note_key else None
    return {"on": event.on.isoformat(), "note": from_json(dates) if dates else event.note.split("：", 1)[-1]}


def _stop(case: Application) -> dict | None:
    stop = case.open_stop
    if stop is None:
        return None
    try:
        expected = clock.load_calendar().add(stop.paused_on, stop.expected_days)
    except CalendarGap:
        expected = None
    return {"kind": stop.kind, "name": StopKind.text_of(stop.kind), "reason": stop.reason, "since": _iso(stop.paused_on),
            "expected_days": stop.expected_days, "expected_end": _iso(expected)}


def outstanding(case: Application) -> list[dict]:
    """What the applicant still owes: deferred materials (with due dates) and items of a correction notice."""
    cal = clock.load_calendar()
    items = [{"code": m.code, "name": m.name, "kind": "deferred", "due_on": _iso(m.due_on), "overdue": m.overdue,
              "provisional": m.due_on is not None and cal.is_provisional(m.due_on.year),
              "problem": m.note, "checking": m.status == "unchecked"} for m in case.outstanding_deferred]
    if case.state == "awaiting_correction":
        items += [{"code": m.code, "name": m.name, "kind": "correction", "due_on": None, "overdue": False,
                   "problem": m.note} for m in case.materials if m.status in ("missing", "defective")]
    return items


def _decision(case: Application) -> dict | None:
    d = case.decision
    if d is None:
        return None
    return {"outcome": d.outcome, "reason": d.reason, "legal_basis": d.legal_basis, "decided_on": _iso(d.decided_on),
            "document_number": d.doc_number, "stations": _station_outcomes(case) if d.outcome == "approve" else None}


def _station_outcomes(case: Application) -> dict | None:
    """Approved and refused stations of an approved station case, the refused ones with their reasons."""
    counts = dict(db.session.execute(select(Station.outcome, func.count()).where(Station.application_id == case.id)
                                     .group_by(Station.outcome)).all())
    if not counts:
        return None
    refused = db.session.execute(select(Station.seq, Station.station_name, Station.refused_reason).where(
        Station.application_id == case.id, Station.outcome == "refused").order_by(Station.seq)
        .limit(REFUSED_SHOWN)).all() if counts.get("refused") else []
    return {"approved": counts.get("approved", 0), "refused": counts.get("refused", 0),
            "refused_shown": [{"seq": r.seq, "name": r.station_name, "reason": r.refused_reason} for r in refused]}


def _one_arg_url(endpoints, value: str) -> str | None:
    """URL of the first existing endpoint that takes exactly one argument (whatever its name)."""
    found = _one_arg_endpoint(current_app._get_current_object(), endpoints)
    if found is None:
        return None
    endpoint, argument = found
    return url_for(endpoint, **{argument: value})


def _one_arg_endpoint(app, endpoints) -> tuple[str, str] | None:
    """Which of `endpoints` takes one argument, and its name: looked up in the URL map once per app (the map is
    fixed once the app serves requests; the status page asked it twice per licence)."""
    known = app.extensions.setdefault("radiolic.one_arg_endpoints", {})
    if endpoints not in known:
        known[endpoints] = next(((endpoint, next(iter(rule.arguments))) for endpoint in endpoints
                              if endpoint in app.view_functions for rule in app.url_map.iter_rules(endpoint)
                              if len(rule.arguments) == 1), None)
    return known[endpoints]


def licence_pdf_url(licence: Licence, case: Application, session_links: bool) -> str | None:
    """A public PDF route by verify code if the issuance stage has one; else the applicant's session route."""
    if licence.format != "electronic" or licence.status != "valid":
        return None
    public = _one_arg_url(("issuance.public_pdf", "issuance.verify_pdf", "issuance.licence_pdf_public"),
                          licence.verify_code)
    if public or not session_links:
        return public
    return url_for("lookup.licence_pdf", number=case.number, licence=licence.number)


def licence_verify_url(licence: Licence) -> str:
    return _one_arg_url(("issuance.verify",), licence.verify_code) or f"/verify/{licence.verify_code}"


def licences(case: Application, session_links: bool = True) -> dict:
    # The columns shown, not the whole records: a page lists up to LICENCES_SHOWN of them.
    rows = db.session.execute(select(Licence.number, Licence.kind, Licence.format, Licence.status,
                                     Licence.valid_until, Licence.verify_code).where(Licence.application_id == case.id)
                              .order_by(Licence.number).limit(LICENCES_SHOWN)).all()
    total = len(rows) if len(rows) < LICENCES_SHOWN else db.session.scalar(
        select(func.count()).select_from(Licence).where(Licence.application_id == case.id))
    return {"total": total or 0, "shown": [
        {"number": li.number, "kind": li.kind, "format": li.format, "status": li.status,
         "valid_until": _iso(li.valid_until), "verify_url": licence_verify_url(li),
         "pdf_url": licence_pdf_url(li, case, session_links)}
        for li in rows]}


def masked_applicant(case: Application) -> dict:
    a = case.applicant
    name = a.name if a.kind == "organisation" else mask_name(a.name)
    return {"kind": a.kind, "name": name, "id_code": mask_id(a.id_code),
            "phone": mask_phone(case.agent_phone or a.phone) if (case.agent_phone or a.phone) else ""}


def progress(case: Application, today: date, session_links: bool = True, ratings: list[Rating] | None = None) -> dict:
    """Everything the applicant may see about their own case; personal numbers masked.

    `session_links`: include download links that work in the browser session that looked the case up
    (the JSON API has no such session, so it leaves them out).
    """
    rated = ([r.channel for r in ratings] if ratings is not None else
             db.session.scalars(select(Rating.channel).where(Rating.application_id == case.id)).all())
    return {
        "number": case.number, "state": case.state, "state_name": CaseState.text_of(case.state),
        "service_item": {"code": case.service_item.code, "name": case.service_item.name},
        "applicant": masked_applicant(case), "channel": case.channel,
        "received_on": _iso(case.received_on), "accepted_on": _iso(case.accepted_on),
        "completed_on": _iso(case.completed_on), "steps": steps(case), "next": next_step(case),
        "clock": _clock(case, today), "clock_stop": _stop(case), "outstanding": outstanding(case),
        "decision": _decision(case), "outcome_reason": case.outcome_reason or None,
        "licences": licences(case, session_links), "rated_channels": sorted(rated),
        "extension": _extension(case, session_links),
    }
