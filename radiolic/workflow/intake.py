"""Intake verbs: log, accept (with deferral), request correction, refuse, supply, withdraw, terminate."""
import secrets
from datetime import date

from flask import current_app
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from .. import numbering
from ..extensions import db
from ..models import (Applicant, Application, ApplicationMaterial, Commitment, CorrectionNotice, CreditMark,
                      ServiceItem, User)
from . import clock
from .core import WorkflowError, in_place, record, transition

# 31 symbols: digits and capitals without 0 1 I L O (misread at the counter and on the phone).
QUERY_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
QUERY_CODE_LENGTH = 10
QUERY_HASH_METHOD = "scrypt:16384:8:1"


def new_query_code() -> str:
    return "".join(secrets.choice(QUERY_ALPHABET) for _ in range(QUERY_CODE_LENGTH))


def submit(item: ServiceItem, applicant: Applicant, *, channel: str, single_window: bool, visits: int,
           materials: dict[str, tuple[str, str]], by: User | None, on: date, agent_name: str = "",
           agent_phone: str = "", summary: str = "", format: str = "electronic") -> tuple[Application, str]:
    """Log an application against the item's checklist; return the case and its query code (shown once).

    `materials` maps a material code to (status, note), status received | missing | defective;
    codes not given are missing.
    """
    if not item.active:
        raise WorkflowError(f"事项“{item.name}”已停用，不能受理新申请。", field="service_item")
    unknown = set(materials) - {m.code for m in item.materials}
    if unknown:
        raise WorkflowError(f"材料编码不在“{item.name}”的材料清单中：{'、'.join(sorted(unknown))}", field="materials")
    code = new_query_code()
    case = Application(
        number=numbering.case_number(on.year), query_hash=generate_password_hash(code, QUERY_HASH_METHOD),
        service_item=item, applicant=applicant, channel=channel, single_window=single_window, visits=visits,
        received_on=on, created_by_id=by.id if by else None, agent_name=agent_name, agent_phone=agent_phone,
        summary=summary, format=format, statutory_days=item.statutory_days, promised_days=item.promised_days)
    for pos, req in enumerate(item.materials):
        status, note = materials.get(req.code, ("missing", ""))
        if status not in ("received", "missing", "defective"):
            raise WorkflowError(f"材料“{req.name}”的状态无效：{status}", field="materials")
        case.materials.append(ApplicationMaterial(
            code=req.code, name=req.name, core=req.core, defer_days=req.defer_days, position=pos,
            status=status, note=note))
    db.session.add(case)
    db.session.flush()
    record(case, "submit", by=by, on=on, to_state="submitted", actor_name=None if by else "申请人",
           note=_channel_names()[channel])
    return case, code


def _channel_names() -> dict:
    return {"window": "窗口受理", "online": "网上申请", "mail": "邮寄申请"}


def material(case: Application, code: str) -> ApplicationMaterial:
    for m in case.materials:
        if m.code == code:
            return m
    raise WorkflowError(f"本案没有编码为“{code}”的材料。", field="materials", code="not_found")


def months_before(day: date, months: int) -> date:
    """The same day `months` calendar months earlier (clamped to the month's end)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    for d in (day.day, 30, 29, 28):
        try:
            return date(year, month + 1, d)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def broken_commitment_on(applicant: Applicant, on: date) -> CreditMark | None:
    """The broken commitment that bars deferred acceptance on `on`, unless repaired since."""
    months = current_app.config["CREDIT_BAN_MONTHS"]
    since = months_before(on, months)
    last_break = None
    for mark in applicant.credit_marks:
        if mark.kind == "broken_commitment" and mark.on > since:
            last_break = mark
        elif mark.kind == "repair" and last_break is not None and mark.on >= last_break.on:
            last_break = None
    return last_break


def deferral_cap(case: Application, on: date) -> date:
    cal = clock.load_calendar()
    days = case.promised_days if current_app.config["DEFERRAL_CAP"] == "promised" else case.statutory_days
    return cal.add(on, days or 0)


def default_due(case: Application, deferred: list[ApplicationMaterial], on: date) -> date:
    cal = clock.load_calendar()
    due = cal.add(on, max(m.defer_days or 1 for m in deferred))
    return min(due, deferral_cap(case, on))


def accept(case: Application, *, deferred: list[str] = (), commitment: dict | None = None,
           by: User, on: date) -> Application:
    """Accept the case; with `deferred` codes, on the applicant's signed commitment (容缺受理)."""
    deferred_materials = [material(case, code) for code in dict.fromkeys(deferred)]
    core = [m.name for m in deferred_materials if m.core]
    if core:
        raise WorkflowError(f"核心材料不能容缺：{'、'.join(core)}。请一次性告知申请人补正。", field="deferred_materials")
    not_in_hand = [m.name for m in case.materials
                   if m.status in ("missing", "defective") and m not in deferred_materials]
    if not_in_hand:
        raise WorkflowError(f"以下材料尚未齐备，不能受理：{'、'.join(not_in_hand)}。"
                            "请一次性告知补正，或将可容缺的材料列为容缺。", field="materials")
    already = [m.name for m in deferred_materials if m.status not in ("missing", "defective")]
    if already:
        raise WorkflowError(f"以下材料已收到，无需容缺：{'、'.join(already)}", field="deferred_materials")
    if deferred_materials:
        _check_commitment(case, deferred_materials, commitment, on)
    verb_note = "容缺受理：" + "、".join(m.name for m in deferred_materials) if deferred_materials else ""
    transition(case, "accept", by=by, on=on, note=verb_note, action="accept_deferred" if deferred_materials else "accept",
               changes={"accepted_on": on, "accepted_by_id": by.id})
    if deferred_materials:
        due = commitment.get("due_on") or default_due(case, deferred_materials, on)
        for m in deferred_materials:
            m.status, m.due_on, m.was_deferred = "deferred", due, True
        prefix = current_app.config["OFFICE_DOC_PREFIX"]
        case.commitments.append(Commitment(
            signed_by=commitment["signed_by"].strip(), signed_on=on, due_on=due,
            method=commitment.get("method") or "窗口递交或网上上传",
            materials=[m.code for m in deferred_materials],
            doc_number=numbering.document_number(prefix, "容", on.year)))
    clock.refresh(case, on)
    return case


def _check_commitment(case, deferred_materials, commitment, on) -> None:
    if not commitment or not (commitment.get("signed_by") or "").strip():
        raise WorkflowError("容缺受理须有申请人签署的《申请容缺受理承诺书》：请填写签署人。", field="commitment.signed_by")
    broken = broken_commitment_on(case.applicant, on)
    if broken is not None:
        raise WorkflowError(
            f"申请人于 {broken.on.isoformat()} 有容缺承诺未履行的信用记录（{broken.reason}），"
            f"{current_app.config['CREDIT_BAN_MONTHS']} 个月内不适用容缺受理。", field="deferred_materials")
    due = commitment.get("due_on")
    if due is not None:
        cap = deferral_cap(case, on)
        if due <= on:
            raise WorkflowError("补齐材料的期限须晚于受理日。", field="commitment.due_on")
        if due > cap:
            raise WorkflowError(f"补齐期限 {due.isoformat()} 晚于办理时限届满日 {cap.isoformat()}，"
                                "请缩短期限。", field="commitment.due_on")


def request_correction(case: Application, *, items: list[dict], by: User, on: date, reason: str = "") -> CorrectionNotice:
    """Tell the applicant everything missing or defective in one notice (一次性告知)."""
    if not items:
        raise WorkflowError("一次性告知须列出至少一项需补正的材料。", field="items")
    if case.correction_count >= 1 and not reason.strip():
        raise WorkflowError("本案已一次性告知过补正；再次要求补正须说明理由。", field="reason")
    listed = []
    for it in items:
        m = material(case, it.get("material", ""))
        problem = (it.get("problem") or "").strip()
        if not problem:
            raise WorkflowError(f"请写明材料“{m.name}”需要补正的内容。", field="items")
        m.status, m.note = ("missing" if m.status == "missing" else "defective"), problem
        listed.append({"material": m.code, "name": m.name, "problem": problem})
    case.correction_count += 1
    notice = CorrectionNotice(
        seq=case.correction_count, issued_on=on, items=listed, reason=reason.strip(),
        doc_number=numbering.document_number(current_app.config["OFFICE_DOC_PREFIX"], "补", on.year))
    case.corrections.append(notice)
    transition(case, "request_correction", by=by, on=on,
               note="；".join(f"{i['name']}：{i['problem']}" for i in listed))
    return notice


def resubmit(case: Application, *, received: list[str], by: User | None, on: date) -> Application:
    """The corrected materials arrive; the case is back for an acceptance decision."""
    for code in received:
        m = material(case, code)
        m.status, m.note = "received", ""
    for notice in case.corrections:
        notice.resolved_on = notice.resolved_on or on
    transition(case, "resubmit", by=by, on=on, actor_name=None if by else "申请人",
               note="、".join(material(case, c).name for c in received))
    return case


def refuse(case: Application, *, reason: str, by: User, on: date) -> Application:
    """不予受理, with the reason the notice states."""
    if not reason.strip():
        raise WorkflowError("不予受理须写明理由。", field="reason")
    transition(case, "refuse", by=by, on=on, note=reason.strip(),
               changes={"outcome_reason": reason.strip(), "completed_on": on})
    return case


def supply(case: Application, code: str, *, by: User | None, on: date, note: str = "") -> ApplicationMaterial:
    """A deferred, missing or defective material arrives."""
    m = material(case, code)
    if m.status not in ("deferred", "missing", "defective"):
        raise WorkflowError(f"材料“{m.name}”已齐备，无需补交。", field="material", code="conflict")
    in_place(case, "supply", by=by, on=on, note=f"{m.name}{('：' + note) if note else ''}",
             actor_name=None if by else "申请人")
    m.status = "supplied" if m.status == "deferred" else "received"
    m.supplied_on, m.supplied_by_id, m.overdue = on, by.id if by else None, False
    for c in case.commitments:
        if c.status == "open" and not any(material(case, k).status == "deferred" for k in c.materials):
            c.status = "fulfilled"
    return m


def withdraw(case: Application, *, reason: str, by: User | None, on: date) -> Application:
    if not reason.strip():
        raise WorkflowError("撤回申请须写明原因。", field="reason")
    transition(case, "withdraw", by=by, on=on, note=reason.strip(), actor_name=None if by else "申请人",
               changes={"outcome_reason": reason.strip(), "completed_on": on})
    clock.refresh(case, on)
    return case


def terminate(case: Application, *, reason: str, by: User, on: date) -> Application:
    """终止: a deferred material is overdue; the broken commitment goes on the credit record."""
    if not reason.strip():
        raise WorkflowError("终止办理须写明理由。", field="reason")
    overdue = [m for m in case.outstanding_deferred if m.due_on < on]
    if not overdue:
        raise WorkflowError("只有容缺材料逾期未补齐的案件才能终止办理。", code="conflict")
    transition(case, "terminate", by=by, on=on, note=reason.strip(),
               changes={"outcome_reason": reason.strip(), "completed_on": on})
    for c in case.commitments:
        if c.status == "open":
            c.status = "broken"
    db.session.add(CreditMark(applicant_id=case.applicant_id, application_id=case.id, kind="broken_commitment",
                              on=on, reason=f"{case.number} 容缺材料逾期未补齐：{'、'.join(m.name for m in overdue)}",
                              by_id=by.id))
    clock.refresh(case, on)
    return case


def repair_credit(applicant: Applicant, *, reason: str, by: User, on: date) -> CreditMark:
    if not reason.strip():
        raise WorkflowError("信用修复须写明理由。", field="reason")
    mark = CreditMark(applicant_id=applicant.id, kind="repair", on=on, reason=reason.strip(), by_id=by.id)
    db.session.add(mark)
    db.session.flush()
    record(None, "credit_repair", by=by, on=on, note=f"{applicant.name}：{reason.strip()}", obj=mark)
    return mark


def mark_overdue(today: date, by: User | None = None) -> list[ApplicationMaterial]:
    """Flag deferred materials past their due date (run daily); each flag is one event."""
    rows = db.session.scalars(select(ApplicationMaterial).where(
        ApplicationMaterial.status == "deferred", ApplicationMaterial.due_on < today,
        ApplicationMaterial.overdue.is_(False))).all()
    for m in rows:
        m.overdue = True
        record(m.application, "overdue", by=by, on=today, note=f"{m.name}（应于 {m.due_on.isoformat()} 前补齐）",
               from_state=m.application.state, to_state=m.application.state)
    return rows
