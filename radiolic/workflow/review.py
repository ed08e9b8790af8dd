"""Review verbs: start review, stop and restart the clock, decide."""
from datetime import date

from flask import current_app

from .. import numbering
from ..extensions import db
from ..models import Application, ClockStop, Decision, Station, User
from ..models.cases import STOP_KINDS
from . import clock
from .core import WorkflowError, in_place, transition

STOP_NAMES = {"hearing": "听证", "testing": "检测检验", "expert_review": "专家评审",
              "coordination": "频率协调", "extension": "延长审查期限"}


def start_review(case: Application, *, by: User, on: date) -> Application:
    transition(case, "start_review", by=by, on=on, changes={"reviewer_id": by.id, "review_started_on": on})
    clock.refresh(case, on)
    return case


def pause(case: Application, *, kind: str, reason: str, expected_days: int, by: User, on: date,
          approved_by: User | None = None) -> ClockStop:
    """Stop the clock (Art. 45 special procedures; Art. 42 extension with a supervisor's approval)."""
    if kind not in STOP_KINDS:
        raise WorkflowError(f"暂停类型无效：{kind}", field="kind")
    if not (reason or "").strip():
        raise WorkflowError("暂停计时须写明理由，并书面告知申请人。", field="reason")
    if not isinstance(expected_days, int) or expected_days < 1:
        raise WorkflowError("预计时长须为正整数（工作日）。", field="expected_days")
    if case.open_stop is not None:
        raise WorkflowError(f"本案已于 {case.open_stop.paused_on.isoformat()} 暂停计时，请先恢复。", code="conflict")
    if case.clock_stops and on < max(s.resumed_on or s.paused_on for s in case.clock_stops):
        raise WorkflowError("暂停日期不能早于上一次恢复计时的日期。", field="on")
    if kind == "extension":
        _check_extension(case, expected_days, by, approved_by)
    stop = ClockStop(kind=kind, reason=reason.strip(), expected_days=expected_days, paused_on=on,
                     approved_by_id=(approved_by or by).id if kind == "extension" else None,
                     doc_number=numbering.document_number(current_app.config["OFFICE_DOC_PREFIX"], "特", on.year))
    case.clock_stops.append(stop)
    db.session.flush()
    in_place(case, "pause", by=by, on=on, obj=stop,
             note=f"{STOP_NAMES[kind]}：{reason.strip()}（预计 {expected_days} 个工作日）")
    clock.refresh(case, on)
    return stop


def _check_extension(case, expected_days, by, approved_by) -> None:
    limit = current_app.config["EXTENSION_MAX_WORKDAYS"]
    if any(s.kind == "extension" for s in case.clock_stops):
        raise WorkflowError("延长审查期限只能一次（《行政许可法》第四十二条）。", field="kind")
    if expected_days > limit:
        raise WorkflowError(f"延长期限不得超过 {limit} 个工作日。", field="expected_days")
    approver = approved_by or by
    if approver.role not in ("supervisor", "admin"):
        raise WorkflowError("延长审查期限须经主管批准：请选择批准的主管。", field="approved_by")


def resume(case: Application, *, by: User, on: date, note: str = "") -> ClockStop:
    stop = case.open_stop
    if stop is None:
        raise WorkflowError("本案没有暂停中的计时。", code="conflict")
    if on < stop.paused_on:
        raise WorkflowError(f"恢复日期不能早于暂停日期 {stop.paused_on.isoformat()}。", field="on")
    stop.resumed_on = on
    in_place(case, "resume", by=by, on=on, obj=stop, note=note or STOP_NAMES[stop.kind] + "结束")
    clock.refresh(case, on)
    return stop


def decide(case: Application, *, outcome: str, by: User, on: date, reason: str = "", legal_basis: str = "",
           refused_stations: list[dict] = ()) -> Decision:
    """准予 or 不予行政许可; for stations, refuse named ones and approve the rest."""
    if outcome not in ("approve", "reject"):
        raise WorkflowError("决定须为准予（approve）或不予（reject）许可。", field="outcome")
    if case.state == "under_review" and case.open_stop is not None:
        raise WorkflowError("计时暂停中，请先恢复计时再作决定。", code="conflict")
    if current_app.config["TWO_PERSON_RULE"] and case.accepted_by_id == by.id:
        raise WorkflowError("受理人不能同时作出审批决定（双人原则），请由其他审核人员决定。", code="forbidden")
    reason, legal_basis = (reason or "").strip(), (legal_basis or "").strip()
    if outcome == "reject" and not (reason and legal_basis):
        raise WorkflowError("不予许可须写明理由和法律依据。", field="legal_basis" if reason else "reason")
    if refused_stations:
        _refuse_stations(case, outcome, refused_stations)
    transition(case, "approve" if outcome == "approve" else "reject", by=by, on=on, note=reason,
               changes={"decided_on": on, "completed_on": on if outcome == "reject" else None})
    prefix = current_app.config["OFFICE_DOC_PREFIX"]
    case.decision = Decision(outcome=outcome, reason=reason, legal_basis=legal_basis, decided_on=on, by_id=by.id,
                             doc_number=numbering.document_number(prefix, "准" if outcome == "approve" else "不准",
                                                                  on.year))
    clock.refresh(case, on)
    return case.decision


def _refuse_stations(case, outcome, refused) -> None:
    if case.service_item.licence_kind != "station_licence":
        raise WorkflowError("只有电台执照事项可以逐台不予许可。", field="refused_stations")
    if outcome != "approve":
        raise WorkflowError("整体不予许可时无需逐台列出。", field="refused_stations")
    stations = {s.station_name: s for s in db.session.query(Station).filter_by(application_id=case.id)}
    for item in refused:
        name, why = str(item.get("station", "")).strip(), (item.get("reason") or "").strip()
        if name not in stations:
            raise WorkflowError(f"本案没有名为“{name}”的台站。", field="refused_stations")
        if not why:
            raise WorkflowError(f"请写明不予许可台站“{name}”的理由。", field="refused_stations")
        stations[name].refused_reason = why
    if all(s.refused_reason for s in stations.values()):
        raise WorkflowError("所有台站均不予许可时，请作出不予许可决定。", field="refused_stations")
