"""Intake verbs: register applicants, log, accept (with deferral), request correction, refuse, supply, withdraw,
terminate, repair credit, flag overdue materials, and the issuance guard for outstanding deferred materials."""
import secrets
from datetime import date

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.security import check_password_hash, generate_password_hash

from .. import numbering, outbox
from ..extensions import db
from ..identifiers import check_id_code, mask_id
from ..models import (APPLICANT_KINDS, CHANNELS, FORMATS, Applicant, Application, ApplicationMaterial, Commitment,
                      CorrectionNotice, CreditMark, ServiceItem, User)
from ..vocabulary import Channel
from ..workdays import CalendarGap
from . import clock
from ..texts import N_, Msg, Name, Names
from .core import WorkflowError, ensure_can, in_place, named, record, transition

# 31 symbols: digits and capitals without 0 1 I L O (misread at the counter and on the phone).
QUERY_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
QUERY_CODE_LENGTH = 10
QUERY_HASH_METHOD = "scrypt:16384:8:1"
CODE_NAMES = {"organisation": N_("统一社会信用代码"), "person": N_("居民身份证号码")}


def new_query_code() -> str:
    return "".join(secrets.choice(QUERY_ALPHABET) for _ in range(QUERY_CODE_LENGTH))


def query_code_matches(case: Application, code: str | None) -> bool:
    """Whether `code` is the case's query code (only its hash is stored)."""
    code = (code or "").strip().upper()
    return len(code) == QUERY_CODE_LENGTH and check_password_hash(case.query_hash, code)


# --- applicants -------------------------------------------------------------------------------------------

def check_applicant_code(kind: str, raw: str, override_reason: str, on: date) -> str:
    """The normalised identifier, or WorkflowError: an error names the field, a warning needs a reason."""
    if kind not in APPLICANT_KINDS:
        raise WorkflowError(N_("申请人类型须为单位（organisation）或个人（person）。"), field="kind")
    result = check_id_code(kind, raw if isinstance(raw, str) else "", on)
    if result.error:
        raise WorkflowError(N_("%(code)s有误：%(error)s。"), field="id_code",
                            params={"code": Name(CODE_NAMES[kind]), "error": result.error})
    if result.warning and not (override_reason or "").strip():
        raise WorkflowError(N_("%(warning)s。如确认代码无误，请填写放行理由。"), field="code_override_reason",
                            code="warning", params={"warning": result.warning})
    return result.value


def find_applicant(kind: str, id_code: str) -> Applicant | None:
    return db.session.scalar(select(Applicant).where(Applicant.kind == kind, Applicant.id_code == id_code))


def register_applicant(*, kind: str, name: str, id_code: str, by: User | None, on: date, contact: str = "",
                       phone: str = "", email: str = "", address: str = "",
                       override_reason: str = "") -> Applicant:
    """Register a new organisation or person after checking its identifier (GB 32100 / GB 11643)."""
    name = (name or "").strip()
    if not name:
        raise WorkflowError(N_("请填写申请人名称（单位全称或个人姓名）。"), field="name")
    value = check_applicant_code(kind, id_code, override_reason, on)
    existing = find_applicant(kind, value)
    if existing is not None:
        raise WorkflowError(N_("该%(code)s已登记为申请人“%(name)s”，请直接选用。"), field="id_code",
                            code="conflict", params={"code": Name(CODE_NAMES[kind]), "name": existing.name})
    phone = (phone or "").strip()
    if phone and not _phone_ok(phone):
        raise WorkflowError(N_("联系电话格式有误：只能包含数字、空格、+ 和 -，7 至 20 位。"), field="phone")
    warning_kept = value != "" and check_id_code(kind, value, on).warning is not None
    applicant = Applicant(kind=kind, name=name, id_code=value, contact=(contact or "").strip(), phone=phone,
                          email=(email or "").strip(), address=(address or "").strip(),
                          code_override_reason=(override_reason or "").strip() if warning_kept else None)
    db.session.add(applicant)
    db.session.flush()
    who = {"name": name, "code": Name(CODE_NAMES[kind]), "id": mask_id(value)}
    note = (Msg(N_("%(name)s（%(code)s %(id)s）；校验位不符，放行理由：%(reason)s"), reason=applicant.code_override_reason,
                **who) if warning_kept else Msg(N_("%(name)s（%(code)s %(id)s）"), **who))
    record(None, "applicant_create", by=by, on=on, obj=applicant, note=note)
    return applicant


def find_or_register_applicant(*, kind: str, id_code: str, name: str, by: User | None, on: date,
                               override_reason: str = "", **contact: str) -> Applicant:
    """The applicant with this identifier, its blank-kept contact details updated; or a new one registered.

    The intake page and the intake API both come here; `contact` holds contact, phone, email, address."""
    value = check_applicant_code(kind, id_code, override_reason, on)
    existing = find_applicant(kind, value)
    if existing is not None:
        update_contact(existing, by=by, on=on, **contact)
        return existing
    return register_applicant(kind=kind, name=name, id_code=id_code, by=by, on=on, override_reason=override_reason,
                              **contact)


def update_contact(applicant: Applicant, *, by: User | None, on: date, **fields: str) -> bool:
    """Update the contact details given (blank ones are kept); record the change; return whether any changed."""
    changed = {}
    for name in ("contact", "phone", "email", "address"):
        value = (fields.get(name) or "").strip()
        if value and value != getattr(applicant, name):
            if name == "phone" and not _phone_ok(value):
                raise WorkflowError(N_("联系电话格式有误：只能包含数字、空格、+ 和 -，7 至 20 位。"), field="phone")
            changed[name] = value
    for name, value in changed.items():
        setattr(applicant, name, value)
    if changed:
        names = {"contact": N_("联系人"), "phone": N_("联系电话"), "email": N_("电子邮箱"), "address": N_("地址")}
        record(None, "applicant_update", by=by, on=on, obj=applicant,
               note=Msg(N_("%(name)s：更新%(fields)s"), name=applicant.name, fields=Names(Name(names[n]) for n in changed)))
    return bool(changed)


def _phone_ok(phone: str) -> bool:
    digits = [c for c in phone if c.isdigit()]
    return all(c.isdigit() or c in " +-" for c in phone) and 7 <= len(digits) <= 20 and phone.isascii()


# --- intake -----------------------------------------------------------------------------------------------

def submit(item: ServiceItem, applicant: Applicant, *, channel: str, single_window: bool, visits: int,
           materials: dict[str, tuple[str, str]], by: User | None, on: date, agent_name: str = "",
           agent_phone: str = "", summary: str = "", format: str = "electronic") -> tuple[Application, str]:
    """Log an application against the item's checklist; return the case and its query code (shown once).

    `materials` maps a material code to (status, note), status received | missing | defective;
    codes not given are missing.
    """
    if not item.active:
        raise WorkflowError(N_("事项“%(item)s”已停用，不能受理新申请。"), field="service_item", params={"item": Name.of(item)})
    if channel not in CHANNELS:
        raise WorkflowError(N_("收件渠道须为窗口、网上或邮寄。"), field="channel")
    if format not in FORMATS:
        raise WorkflowError(N_("证照形式须为纸质（paper）或电子（electronic）。"), field="format")
    if isinstance(visits, bool) or not isinstance(visits, int) or not 0 <= visits <= 20:
        raise WorkflowError(N_("跑动次数须为 0 到 20 之间的整数。"), field="visits")
    unknown = set(materials) - {m.code for m in item.materials}
    if unknown:
        raise WorkflowError(N_("材料编码不在“%(item)s”的材料清单中：%(codes)s"), field="materials",
                            params={"item": Name.of(item), "codes": Names(sorted(unknown))})
    code = new_query_code()
    case = Application(
        number=numbering.case_number(on.year), query_hash=generate_password_hash(code, QUERY_HASH_METHOD),
        service_item=item, applicant=applicant, channel=channel, single_window=single_window, visits=visits,
        received_on=on, created_by_id=by.id if by else None, agent_name=agent_name, agent_phone=agent_phone,
        summary=summary, format=format, statutory_days=item.statutory_days, promised_days=item.promised_days)
    for pos, req in enumerate(item.materials):
        status, note = materials.get(req.code, ("missing", ""))
        if status not in ("received", "missing", "defective"):
            raise WorkflowError(N_("材料“%(material)s”的状态无效：%(status)s"), field="materials",
                                params={"material": Name.of(req), "status": status})
        if status == "defective" and not (note or "").strip():
            raise WorkflowError(N_("材料“%(material)s”标为有误，请写明问题。"), field="materials",
                                params={"material": Name.of(req)})
        case.materials.append(ApplicationMaterial(
            code=req.code, name=req.name, core=req.core, defer_days=req.defer_days, position=pos,
            status=status, note=(note or "").strip()))
    db.session.add(case)
    db.session.flush()
    record(case, "submit", by=by, on=on, to_state="submitted", actor_name=None if by else "申请人",
           note=named(Name(Channel.text_of(channel))))
    return case, code


def material(case: Application, code: str) -> ApplicationMaterial:
    for m in case.materials:
        if m.code == code:
            return m
    raise WorkflowError(N_("本案没有编码为“%(code)s”的材料。"), field="materials", code="not_found", params={"code": code})


def gap_name(gap: CalendarGap) -> Name:
    """A missing holiday calendar, as the refusal names it (its message is bilingual already)."""
    detail = f": cannot tell whether {gap.date.isoformat()} is a working day" if gap.date else ""
    return Name(str(gap), f"No holiday calendar for {gap.year}{detail}")


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


def unrepaired_breaks(applicant: Applicant) -> list[CreditMark]:
    """Broken commitments not followed by a repair (whatever their age)."""
    open_marks: list[CreditMark] = []
    for mark in applicant.credit_marks:
        if mark.kind == "broken_commitment":
            open_marks.append(mark)
        else:
            open_marks = [m for m in open_marks if m.on > mark.on]
    return open_marks


def _calendar_add(start: date, days: int) -> date:
    try:
        return clock.load_calendar().add(start, days)
    except CalendarGap as gap:
        raise WorkflowError(N_("无法计算期限：%(gap)s。请管理员先录入节假日安排。"), code="calendar_gap",
                            params={"gap": gap_name(gap)}) from gap


def deferral_cap(case: Application, on: date) -> date:
    """The latest due date for deferred materials: the statutory (or, by setting, promised) deadline."""
    days = case.promised_days if current_app.config["DEFERRAL_CAP"] == "promised" else case.statutory_days
    return _calendar_add(on, days or 0)


def default_due(case: Application, m: ApplicationMaterial, on: date) -> date:
    """Acceptance + the material's defer_days working days, never after the cap."""
    return min(_calendar_add(on, m.defer_days or 1), deferral_cap(case, on))


def accept(case: Application, *, deferred: list[str] = (), commitment: dict | None = None,
           by: User, on: date) -> Application:
    """Accept the case; with `deferred` codes, on the applicant's signed commitment (容缺受理)."""
    ensure_can(case, "accept")
    deferred_materials = [material(case, code) for code in dict.fromkeys(deferred)]
    core = [Name.of(m) for m in deferred_materials if m.core]
    if core:
        raise WorkflowError(N_("核心材料不能容缺：%(materials)s。请一次性告知申请人补正。"), field="deferred_materials",
                            params={"materials": Names(core)})
    not_in_hand = [Name.of(m) for m in case.materials
                   if m.status in ("missing", "defective") and m not in deferred_materials]
    if not_in_hand:
        raise WorkflowError(N_("以下材料尚未齐备，不能受理：%(materials)s。请一次性告知补正，或将可容缺的材料列为容缺。"),
                            field="materials", params={"materials": Names(not_in_hand)})
    already = [Name.of(m) for m in deferred_materials if m.status not in ("missing", "defective")]
    if already:
        raise WorkflowError(N_("以下材料已收到，无需容缺：%(materials)s"), field="deferred_materials",
                            params={"materials": Names(already)})
    dues = {}
    if deferred_materials:
        dues = _check_commitment(case, deferred_materials, commitment, on)
    verb_note = (Msg(N_("容缺受理：%(materials)s"), materials=Names(Name.of(m) for m in deferred_materials))
                 if deferred_materials else "")
    prefix = current_app.config["OFFICE_DOC_PREFIX"]
    transition(case, "accept", by=by, on=on, note=verb_note, action="accept_deferred" if deferred_materials else "accept",
               changes={"accepted_on": on, "accepted_by_id": by.id,
                        "acceptance_doc_number": numbering.document_number(prefix, "受", on.year)})
    if deferred_materials:
        for m in deferred_materials:
            m.status, m.due_on, m.was_deferred = "deferred", dues[m.code], True
        case.commitments.append(Commitment(
            signed_by=commitment["signed_by"].strip(), signed_on=on, due_on=max(dues.values()),
            method=(commitment.get("method") or "").strip() or N_("窗口递交或网上上传"),
            materials=[m.code for m in deferred_materials],
            doc_number=numbering.document_number(prefix, "容", on.year)))
    clock.refresh(case, on)
    return case


def _check_commitment(case, deferred_materials, commitment, on) -> dict[str, date]:
    """Check the commitment; return each deferred material's due date."""
    if not commitment or not (commitment.get("signed_by") or "").strip():
        raise WorkflowError(N_("容缺受理须有申请人签署的《申请容缺受理承诺书》：请填写签署人。"), field="commitment.signed_by")
    broken = broken_commitment_on(case.applicant, on)
    if broken is not None:
        raise WorkflowError(
            N_("申请人于 %(on)s 有容缺承诺未履行的信用记录（%(reason)s），%(months)s 个月内不适用容缺受理，请一次性告知补正。"),
            field="deferred_materials", params={"on": broken.on.isoformat(), "reason": broken.reason,
                                                "months": current_app.config["CREDIT_BAN_MONTHS"]})
    due = commitment.get("due_on")
    cap = deferral_cap(case, on)
    if due is None:
        return {m.code: default_due(case, m, on) for m in deferred_materials}
    if due <= on:
        raise WorkflowError(N_("补齐材料的期限须晚于受理日。"), field="commitment.due_on")
    if due > cap:
        limit = N_("承诺办结期限") if current_app.config["DEFERRAL_CAP"] == "promised" else N_("法定办理期限")
        raise WorkflowError(N_("补齐期限 %(due)s 晚于%(limit)s届满日 %(cap)s，最晚只能定在 %(cap)s。"),
                            field="commitment.due_on",
                            params={"due": due.isoformat(), "limit": Name(limit), "cap": cap.isoformat()})
    return {m.code: due for m in deferred_materials}


def request_correction(case: Application, *, items: list[dict], by: User, on: date, reason: str = "") -> CorrectionNotice:
    """Tell the applicant everything missing or defective in one notice (一次性告知)."""
    if not items:
        raise WorkflowError(N_("一次性告知须列出至少一项需补正的材料。"), field="items")
    reason = (reason or "").strip()
    if case.correction_count >= 1 and not reason:
        raise WorkflowError(N_("本案已一次性告知补正 %(n)s 次；再次要求补正须写明理由（将记入补正统计，主管可见）。"),
                            field="reason", params={"n": case.correction_count})
    ensure_can(case, "request_correction")
    listed, seen = [], set()
    for it in items:
        m = material(case, str(it.get("material") or ""))
        if m.code in seen:
            raise WorkflowError(N_("材料“%(material)s”重复列出。"), field="items", params={"material": Name.of(m)})
        seen.add(m.code)
        problem = str(it.get("problem") or "").strip()
        if not problem:
            raise WorkflowError(N_("请写明材料“%(material)s”需要补正的内容。"), field="items", params={"material": Name.of(m)})
        listed.append((m, problem))
    left_out = [Name.of(m) for m in case.materials if m.status in ("missing", "defective") and m.code not in seen]
    if left_out:
        raise WorkflowError(N_("一次性告知须列出全部缺少或有误的材料，以下材料未列入：%(materials)s。"),
                            field="items", params={"materials": Names(left_out)})
    for m, problem in listed:
        m.status, m.note = ("missing" if m.status == "missing" else "defective"), problem
    case.correction_count += 1
    notice = CorrectionNotice(
        seq=case.correction_count, issued_on=on, reason=reason,
        items=[{"material": m.code, "name": m.name, "problem": p} for m, p in listed],
        doc_number=numbering.document_number(current_app.config["OFFICE_DOC_PREFIX"], "补", on.year))
    case.corrections.append(notice)
    note = named(Names((Msg(N_("%(material)s：%(reason)s"), material=Name.of(m), reason=p) for m, p in listed), sep="；"))
    if case.correction_count > 1:
        note = Msg(N_("第 %(n)s 次补正（理由：%(reason)s）。%(items)s"), n=case.correction_count, reason=reason,
                   items=note.params["name"])
    transition(case, "request_correction", by=by, on=on, note=note)
    return notice


def resubmit(case: Application, *, received: list[str], by: User | None, on: date, visit: bool = False) -> Application:
    """The corrected materials arrive; the case is back for an acceptance decision."""
    ensure_can(case, "resubmit")
    materials = [material(case, code) for code in dict.fromkeys(received)]
    if not materials:
        raise WorkflowError(N_("请勾选本次收到的补正材料。"), field="received")
    for m in materials:
        m.status, m.note = "received", ""
    for notice in case.corrections:
        notice.resolved_on = notice.resolved_on or on
    changes = {"visits": case.visits + 1} if visit else None
    transition(case, "resubmit", by=by, on=on, actor_name=None if by else "申请人", changes=changes,
               note=named(Names(Name.of(m) for m in materials)))
    return case


def refuse(case: Application, *, reason: str, by: User, on: date) -> Application:
    """不予受理, with the reason the decision states."""
    reason = (reason or "").strip()
    if not reason:
        raise WorkflowError(N_("不予受理须写明理由（将写入《不予受理决定书》）。"), field="reason")
    ensure_can(case, "refuse")
    doc = numbering.document_number(current_app.config["OFFICE_DOC_PREFIX"], "不受", on.year)
    transition(case, "refuse", by=by, on=on, note=reason,
               changes={"outcome_reason": reason, "completed_on": on, "outcome_doc_number": doc})
    return case


def supply(case: Application, code: str, *, by: User | None, on: date, note: str = "",
           received_on: date | None = None, supplied_from: str = "") -> ApplicationMaterial:
    """A deferred, missing or defective material arrives (on `received_on`, recorded on `on`)."""
    m = material(case, code)
    if m.status not in ("deferred", "missing", "defective"):
        raise WorkflowError(N_("材料“%(material)s”已齐备，无需补交。"), field="material", code="conflict",
                            params={"material": Name.of(m)})
    received_on = received_on or on
    if received_on > on:
        raise WorkflowError(N_("收到日期不能晚于今天。"), field="received_on")
    if received_on < case.received_on:
        raise WorkflowError(N_("收到日期不能早于收件日期 %(on)s。"), field="received_on",
                            params={"on": case.received_on.isoformat()})
    supplied_from = (supplied_from or "").strip()
    note = note if isinstance(note, Name) else (note or "").strip()     # a Name: a note the system gives
    if supplied_from and note:
        text = Msg(N_("%(material)s（递交人：%(by)s；%(note)s）"), material=Name.of(m), by=supplied_from, note=note)
    elif supplied_from:
        text = Msg(N_("%(material)s（递交人：%(by)s）"), material=Name.of(m), by=supplied_from)
    elif note:
        text = Msg(N_("%(material)s（%(note)s）"), material=Name.of(m), note=note)
    else:
        text = named(Name.of(m))
    in_place(case, "supply", by=by, on=received_on, note=text, actor_name=None if by else "申请人")
    late = m.status == "deferred" and m.due_on is not None and received_on > m.due_on
    m.supplied_on, m.supplied_by_id, m.supplied_from = received_on, by.id if by else None, supplied_from
    if m.status == "deferred" and by is None:
        # Uploaded online: received, not yet checked. The commitment is met once a clerk accepts it.
        m.status, m.note = "unchecked", ""
        return m
    m.status = "supplied" if m.status == "deferred" else "received"
    m.overdue = late
    _fulfil_commitments(case)
    return m


def _fulfil_commitments(case: Application) -> None:
    for c in case.commitments:
        if c.status == "open" and not any(material(case, k).status in ("deferred", "unchecked") for k in c.materials):
            c.status = "fulfilled"


def check_supplied(case: Application, code: str, *, accept: bool, by: User, on: date,
                   reason: str = "") -> ApplicationMaterial:
    """A clerk checks a deferred material uploaded online: accept it (the commitment is met) or return it with a
    reason (still owed; the applicant is told)."""
    m = material(case, code)
    if m.status != "unchecked":
        raise WorkflowError(N_("材料“%(material)s”没有待核对的网上上传。"), field="material", code="conflict",
                            params={"material": Name.of(m)})
    if accept:
        in_place(case, "check_material", by=by, on=on, note=Msg(N_("%(material)s：核对无误"), material=Name.of(m)))
        m.status = "supplied"
        m.overdue = m.due_on is not None and m.supplied_on is not None and m.supplied_on > m.due_on
        _fulfil_commitments(case)
        return m
    reason = (reason or "").strip()
    if not reason:
        raise WorkflowError(N_("退回材料须写明理由（将告知申请人）。"), field="reason")
    in_place(case, "return_material", by=by, on=on, note=Msg(N_("%(material)s：%(reason)s"), material=Name.of(m), reason=reason))
    m.status, m.note, m.supplied_on, m.supplied_by_id = "deferred", reason, None, None
    outbox.queue(kind="material_returned", recipient=case.agent_phone or case.applicant.phone, application=case,
                 dedupe_key=f"material_returned:{case.number}:{code}:{on.isoformat()}",
                 body=f"【{current_app.config['OFFICE_NAME']}】您为申请 {case.number} 上传的“{m.name}”未通过核对：{reason}。"
                      f"请于 {m.due_on.isoformat()} 前重新提交。")
    return m


def withdraw(case: Application, *, reason: str, by: User | None, on: date) -> Application:
    if not (reason or "").strip():
        raise WorkflowError(N_("撤回申请须写明原因。"), field="reason")
    transition(case, "withdraw", by=by, on=on, note=reason.strip(), actor_name=None if by else "申请人",
               changes={"outcome_reason": reason.strip(), "completed_on": on})
    clock.refresh(case, on)
    return case


def overdue_materials(case: Application, on: date) -> list[ApplicationMaterial]:
    """Deferred materials not handed in by their due date (an upload awaiting its check was handed in)."""
    return [m for m in case.outstanding_deferred if m.status == "deferred" and m.due_on < on]


def terminate(case: Application, *, reason: str, by: User, on: date) -> Application:
    """终止: a deferred material is overdue; the broken commitment goes on the credit record."""
    if not (reason or "").strip():
        raise WorkflowError(N_("终止办理须写明理由（将写入《终止办理通知书》）。"), field="reason")
    overdue = overdue_materials(case, on)
    if not overdue:
        raise WorkflowError(N_("只有容缺材料逾期未补齐的案件才能终止办理。"), code="conflict")
    ensure_can(case, "terminate")
    prefix = current_app.config["OFFICE_DOC_PREFIX"]
    doc = numbering.document_number(prefix, "终", on.year)
    decision = case.decision
    if case.state == "approved" and decision is not None and decision.outcome == "approve":
        # The approval was made before supply (DEFER_DECIDE_BEFORE_SUPPLY): terminating withdraws (撤回) it by
        # its own decision document, so the case never ends with an approval standing and no licence.
        decision.withdrawn_on, decision.withdrawal_reason = on, reason.strip()
        decision.withdrawal_doc_number = numbering.document_number(prefix, "撤", on.year)
        record(case, "withdraw_approval", by=by, on=on, obj=decision,
               note=Msg(N_("撤回准予行政许可决定（%(number)s）：%(reason)s"), number=decision.doc_number,
                        reason=reason.strip()))
    transition(case, "terminate", by=by, on=on, note=reason.strip(),
               changes={"outcome_reason": reason.strip(), "completed_on": on, "outcome_doc_number": doc})
    for c in case.commitments:
        if c.status == "open":
            c.status = "broken"
    db.session.add(CreditMark(applicant_id=case.applicant_id, application_id=case.id, kind="broken_commitment",
                              on=on, reason=f"{case.number} 容缺材料逾期未补齐：{'、'.join(m.name for m in overdue)}",
                              by_id=by.id))
    clock.refresh(case, on)
    return case


def repair_credit(applicant: Applicant, *, reason: str, by: User, on: date) -> CreditMark:
    """An admin records a credit repair (信用修复): deferred acceptance is open to the applicant again."""
    if by.role != "admin":
        raise WorkflowError(N_("信用修复只能由系统管理员登记。"), code="forbidden")
    if not (reason or "").strip():
        raise WorkflowError(N_("信用修复须写明理由。"), field="reason")
    if not unrepaired_breaks(applicant):
        raise WorkflowError(N_("申请人“%(name)s”没有待修复的失信记录。"), code="conflict", params={"name": applicant.name})
    mark = CreditMark(applicant_id=applicant.id, kind="repair", on=on, reason=reason.strip(), by_id=by.id)
    db.session.add(mark)
    applicant.credit_marks.append(mark)
    db.session.flush()
    record(None, "credit_repair", by=by, on=on, note=Msg(N_("%(name)s：%(reason)s"), name=applicant.name, reason=reason.strip()),
           obj=mark)
    return mark


def mark_overdue(today: date, by: User | None = None) -> list[ApplicationMaterial]:
    """Flag deferred materials past their due date (run daily); each flag is one event."""
    rows = db.session.scalars(select(ApplicationMaterial).where(
        ApplicationMaterial.status == "deferred", ApplicationMaterial.due_on < today,
        ApplicationMaterial.overdue.is_(False)).order_by(ApplicationMaterial.id)
        .options(selectinload(ApplicationMaterial.application))).all()
    for m in rows:
        m.overdue = True
        record(m.application, "overdue", by=by, on=today, note=Msg(N_("%(material)s（应于 %(due)s 前补齐）"), material=Name.of(m), due=m.due_on.isoformat()),
               from_state=m.application.state, to_state=m.application.state)
    return rows


def ensure_no_outstanding_deferred(case: Application) -> None:
    """Issue after supply: refuse while any deferred material is outstanding (the issue verb calls this first)."""
    outstanding = case.outstanding_deferred
    if outstanding:
        listed = Names(Msg(N_("%(material)s（应于 %(due)s 前补齐）"), material=Name.of(m), due=m.due_on.isoformat())
                       for m in outstanding)
        raise WorkflowError(N_("容缺材料尚未补齐，不能发证：%(materials)s。请先登记补齐。"), field="materials",
                            code="conflict", params={"materials": listed})
