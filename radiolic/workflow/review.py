"""Review verbs: start review, stop and restart the clock, extend the period, decide."""
from datetime import date

from flask import current_app
from sqlalchemy import select

from .. import numbering, outbox
from ..extensions import db
from ..models import Application, ClockStop, Decision, ExtensionRequest, User
from ..models.cases import STOP_KINDS
from ..vocabulary import StopKind
from . import clock, station_outcomes
from ..texts import N_, Msg, Name, Names
from .core import WorkflowError, ensure_can, in_place, transition

# Chinese names for messages and notes; derived (kept while messages become templates, issue 16e).
STOP_NAMES = StopKind.texts()
# Every kind a reviewer may stop the clock for; an extension (Art. 42) is not a stop (request_extension).
SPECIAL_PROCEDURES = STOP_KINDS
MAX_EXPECTED_DAYS = 250


def start_review(case: Application, *, by: User, on: date) -> Application:
    transition(case, "start_review", by=by, on=on, changes={"reviewer_id": by.id, "review_started_on": on})
    clock.refresh(case, on)
    return case


def _check_stop(case: Application, reason: str, expected_days: int, on: date) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise WorkflowError(N_("暂停计时须写明理由，并书面告知申请人。"), field="reason")
    if isinstance(expected_days, bool) or not isinstance(expected_days, int) or not 1 <= expected_days <= MAX_EXPECTED_DAYS:
        raise WorkflowError(N_("预计时长须为 1–%(n)s 的整数（工作日）。"), field="expected_days",
                            params={"n": MAX_EXPECTED_DAYS})
    if case.open_stop is not None:
        stop = case.open_stop
        raise WorkflowError(N_("本案已于 %(on)s 因%(kind)s暂停计时，请先恢复计时。"),
                            params={"on": stop.paused_on.isoformat(), "kind": Name(STOP_NAMES[stop.kind])},
                            code="conflict")
    if case.accepted_on and on < case.accepted_on:
        raise WorkflowError(N_("暂停日期不能早于受理日期。"), field="on")
    if case.clock_stops and on < max(s.resumed_on or s.paused_on for s in case.clock_stops):
        raise WorkflowError(N_("暂停日期不能早于上一次恢复计时的日期。"), field="on")
    return reason


def _new_stop(case, kind, reason, expected_days, on, approved_by: User | None) -> ClockStop:
    stop = ClockStop(kind=kind, reason=reason, expected_days=expected_days, paused_on=on,
                     approved_by_id=approved_by.id if approved_by else None,
                     doc_number=numbering.document_number(current_app.config["OFFICE_DOC_PREFIX"], "特", on.year))
    case.clock_stops.append(stop)
    db.session.flush()
    return stop


def _tell_applicant(case: Application, kind: str, body: str) -> None:
    outbox.queue(kind=kind, recipient=case.applicant.phone, application=case, dedupe_key=f"{kind}:{case.number}:"
                 f"{len(case.clock_stops)}", body=f"【{current_app.config['OFFICE_NAME']}】{body}")


def pause(case: Application, *, kind: str, reason: str, expected_days: int, by: User, on: date) -> ClockStop:
    """Stop the clock for a special procedure (行政许可法 Art. 45, 条例 Art. 83), with a written notice.

    An extension (Art. 42) is not a stop: see request_extension / approve_extension.
    """
    if kind == "extension":
        raise WorkflowError(N_("延长审查期限（《行政许可法》第四十二条）不是暂停计时：请提交延期申请，由主管在原审查期限届满前批准。"),
                            field="kind")
    if kind not in STOP_KINDS:
        raise WorkflowError(N_("暂停类型无效：%(kind)s（可选：%(kinds)s）"), field="kind",
                            params={"kind": kind, "kinds": Names(Name(STOP_NAMES[k]) for k in STOP_KINDS)})
    reason = _check_stop(case, reason, expected_days, on)
    stop = _new_stop(case, kind, reason, expected_days, on, None)
    in_place(case, "pause", by=by, on=on, obj=stop, note=Msg(N_("%(kind)s：%(reason)s（预计 %(days)s 个工作日）"),
                                                                  kind=Name(StopKind.text_of(kind)), reason=reason,
                                                                  days=expected_days))
    _tell_applicant(case, "clock_stop", f"您的申请 {case.number} 因{StopKind.text_of(kind)}暂停计算审查期限，"
                    f"预计 {expected_days} 个工作日，书面告知书请查收。")
    clock.refresh(case, on)
    return stop


def approved_extension(case: Application) -> ExtensionRequest | None:
    return db.session.scalar(select(ExtensionRequest).where(
        ExtensionRequest.application_id == case.id, ExtensionRequest.status == "approved"))


def extensions(case: Application) -> list[ExtensionRequest]:
    return db.session.scalars(select(ExtensionRequest).where(ExtensionRequest.application_id == case.id)
                              .order_by(ExtensionRequest.id)).all()


def _check_extension(case: Application, days: int) -> None:
    limit = current_app.config["EXTENSION_MAX_WORKDAYS"]
    if approved_extension(case) is not None or any(s.kind == "extension" for s in case.clock_stops):
        raise WorkflowError(N_("延长审查期限只能一次（《行政许可法》第四十二条第一款）。"), field="days", code="conflict")
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= limit:
        raise WorkflowError(N_("延长期限须为 1–%(limit)s 个工作日（《行政许可法》第四十二条第一款）。"), field="days",
                            params={"limit": limit})


def _before_original_deadline(case: Application, on: date, what: str) -> None:
    """Art. 42: the extension is decided within the original limit; after it has passed there is nothing to extend."""
    due = clock.compute(case, on).due_statutory_unextended
    if due is not None and on > due:
        raise WorkflowError(N_("原法定审查期限已于 %(due)s 届满，不能再%(what)s（《行政许可法》第四十二条：延期须在法定期限内经负责人批准）。"),
                            field="days", code="refused", params={"due": due.isoformat(), "what": Name(what)})


def pending_extension(case: Application) -> ExtensionRequest | None:
    return db.session.scalar(select(ExtensionRequest).where(
        ExtensionRequest.application_id == case.id, ExtensionRequest.status == "requested"))


def request_extension(case: Application, *, days: int, reason: str, by: User, on: date) -> ExtensionRequest:
    """A reviewer asks a supervisor to extend the review period; nothing changes on the clock yet."""
    ensure_can(case, "request_extension")
    reason = (reason or "").strip()
    _check_extension(case, days)
    if not reason:
        raise WorkflowError(N_("申请延期须写明理由（将写入延长期限告知书）。"), field="reason")
    if pending_extension(case) is not None:
        raise WorkflowError(N_("本案已有待主管批准的延期申请。"), code="conflict")
    _before_original_deadline(case, on, N_("申请延期"))
    req = ExtensionRequest(application_id=case.id, days=days, reason=reason, requested_by_id=by.id, requested_on=on)
    db.session.add(req)
    db.session.flush()
    in_place(case, "request_extension", by=by, on=on, obj=req, note=Msg(N_("延长 %(days)s 个工作日：%(reason)s"), days=days,
                                                                                reason=reason))
    return req


def _decidable_request(req: ExtensionRequest, by: User) -> Application:
    if req.status != "requested":
        raise WorkflowError(N_("该延期申请已处理。"), code="conflict")
    if by.role != "supervisor":
        raise WorkflowError(N_("只有主管可以批准或不批准延期申请。"), code="forbidden")
    return req.application


def approve_extension(req: ExtensionRequest, *, by: User, on: date) -> ExtensionRequest:
    """A supervisor approves, on or before the original statutory due date: the limit grows by the requested
    working days, the clock keeps running, and the applicant gets the 延长期限告知书."""
    case = _decidable_request(req, by)
    ensure_can(case, "extension_approved")
    _check_extension(case, req.days)
    _before_original_deadline(case, on, N_("批准延期"))
    req.status, req.decided_by_id, req.decided_on = "approved", by.id, on
    req.doc_number = numbering.document_number(current_app.config["OFFICE_DOC_PREFIX"], "延", on.year)
    case.extension_days = req.days
    clk = clock.refresh(case, on)
    in_place(case, "extension_approved", by=by, on=on, obj=req,
             note=Msg(N_("延长审查期限 %(days)s 个工作日（法定期限由 %(old)s 延至 %(new)s）：%(reason)s"), days=req.days,
                      old=clk.due_statutory_unextended.isoformat(), new=clk.due_statutory.isoformat(), reason=req.reason))
    outbox.queue(kind="extension", recipient=case.applicant.phone, application=case, dedupe_key=f"extension:{case.number}",
                 body=f"【{current_app.config['OFFICE_NAME']}】您的申请 {case.number} 经批准延长审查期限 {req.days} 个工作日，"
                      f"办理期限延至 {clk.due_statutory.isoformat()}，延长期限告知书请查收。")
    return req


def decline_extension(req: ExtensionRequest, *, by: User, on: date, note: str) -> ExtensionRequest:
    case = _decidable_request(req, by)
    note = (note or "").strip()
    if not note:
        raise WorkflowError(N_("不批准延期须写明理由。"), field="note")
    req.status, req.decided_by_id, req.decided_on, req.decision_note = "declined", by.id, on, note
    in_place(case, "extension_declined", by=by, on=on, obj=req, note=note)
    return req


def resume(case: Application, *, by: User, on: date, note: str = "") -> ClockStop:
    stop = case.open_stop
    if stop is None:
        raise WorkflowError(N_("本案没有暂停中的计时。"), code="conflict")
    if on < stop.paused_on:
        raise WorkflowError(N_("恢复日期不能早于暂停日期 %(on)s。"), field="on", params={"on": stop.paused_on.isoformat()})
    stop.resumed_on = on
    in_place(case, "resume", by=by, on=on, obj=stop, note=(note or "").strip()
             or Msg(N_("%(kind)s结束"), kind=Name(StopKind.text_of(stop.kind))))
    clock.refresh(case, on)
    return stop


def decide(case: Application, *, outcome: str, by: User, on: date, reason: str = "", legal_basis: str = "",
           refused_stations: list[dict] = ()) -> Decision:
    """准予 or 不予行政许可; for stations, refuse named ones with reasons and approve the rest."""
    if outcome not in ("approve", "reject"):
        raise WorkflowError(N_("决定须为准予（approve）或不予（reject）许可。"), field="outcome")
    ensure_can(case, outcome)
    if case.open_stop is not None:
        raise WorkflowError(N_("计时暂停中（%(kind)s），请先恢复计时再作决定。"), code="conflict",
                            params={"kind": Name(STOP_NAMES[case.open_stop.kind])})
    if current_app.config["TWO_PERSON_RULE"] and case.accepted_by_id == by.id:
        raise WorkflowError(N_("受理人不能同时作出审批决定（双人原则），请由其他审核人员决定。"), code="forbidden")
    owed = case.outstanding_deferred
    if owed and not current_app.config["DEFER_DECIDE_BEFORE_SUPPLY"]:
        listed = Names(Msg(N_("%(material)s（已上传待核对）"), material=Name.of(m)) if m.status == "unchecked" else
                       Msg(N_("%(material)s（应于 %(due)s 前补齐）"), material=Name.of(m), due=m.due_on.isoformat())
                       for m in owed)
        raise WorkflowError(N_("容缺材料补齐并核对后才能作出决定：%(materials)s。"), field="materials", code="conflict",
                            params={"materials": listed})
    reason, legal_basis = (reason or "").strip(), (legal_basis or "").strip()
    if outcome == "reject" and not reason:
        raise WorkflowError(N_("不予许可须写明理由。"), field="reason")
    if outcome == "reject" and not legal_basis:
        raise WorkflowError(N_("不予许可须写明法律依据。"), field="legal_basis")
    if refused_stations:
        _check_listed(case, outcome)
        station_outcomes.refuse_listed(case, list(refused_stations), by=by, on=on, source=Name(N_("随决定列出")))
    if outcome == "approve":
        counted = station_outcomes.check_approvable(case)
    else:
        counted = station_outcomes.counts(case)
    note = reason
    if counted["refused"] and outcome == "approve":
        figures = {"approved": counted["total"] - counted["refused"], "refused": counted["refused"]}
        note = (Msg(N_("%(reason)s；准予台站 %(approved)s 个，不予许可台站 %(refused)s 个"), reason=reason, **figures) if reason
                else Msg(N_("准予台站 %(approved)s 个，不予许可台站 %(refused)s 个"), **figures))
    event = transition(case, "approve" if outcome == "approve" else "reject", by=by, on=on, note=note,
                       changes={"decided_on": on, "completed_on": on if outcome == "reject" else None})
    prefix = current_app.config["OFFICE_DOC_PREFIX"]
    case.decision = Decision(outcome=outcome, reason=reason, legal_basis=legal_basis, decided_on=on, by_id=by.id,
                             doc_number=numbering.document_number(prefix, "准" if outcome == "approve" else "不准",
                                                                  on.year))
    station_outcomes.finalise(case, outcome, event, case.decision.doc_number)
    outbox.queue(kind="decision", recipient=case.applicant.phone, application=case, dedupe_key=f"decision:{case.number}",
                 body=decision_sms(case, outcome))
    clock.refresh(case, on)
    return case.decision


def decision_sms(case: Application, outcome: str) -> str:
    """The text message telling the applicant of the decision (also shown before the decision is confirmed)."""
    word = "准予许可" if outcome == "approve" else "不予许可"
    return f"【{current_app.config['OFFICE_NAME']}】您的申请 {case.number} 已作出{word}决定，决定书请查收。"


def _check_listed(case: Application, outcome: str) -> None:
    if case.service_item.licence_kind != "station_licence":
        raise WorkflowError(N_("只有电台执照事项可以逐台不予许可。"), field="refused_stations")
    if outcome != "approve":
        raise WorkflowError(N_("整体不予许可时无需逐台列出。"), field="refused_stations")
