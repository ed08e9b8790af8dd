"""The daily deferral check: flag overdue materials and queue reminders before the due date."""
from collections import defaultdict
from datetime import date

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from .. import outbox
from ..extensions import db
from ..models import Application, ApplicationMaterial
from ..models.cases import TERMINAL_STATES
from ..workflow import clock
from ..workflow.intake import mark_overdue


def outstanding(open_only: bool = True) -> list[ApplicationMaterial]:
    """Every outstanding deferred material of an open case, overdue first, then by due date."""
    case = contains_eager(ApplicationMaterial.application)
    stmt = (select(ApplicationMaterial).join(Application)
            .options(case.selectinload(Application.applicant), case.selectinload(Application.commitments))
            .where(ApplicationMaterial.status == "deferred")
            .order_by(ApplicationMaterial.due_on, Application.number, ApplicationMaterial.position))
    if open_only:
        stmt = stmt.where(Application.state.not_in(TERMINAL_STATES))
    return db.session.scalars(stmt).all()


def days_left(m: ApplicationMaterial, today: date) -> int | None:
    """Working days from `today` to the due date (negative once overdue); None when the calendar has a gap."""
    cal = clock.load_calendar()
    try:
        return cal.count(today, m.due_on) if m.due_on >= today else -cal.count(m.due_on, today)
    except ValueError:
        return None


def _message(case: Application, materials: list[ApplicationMaterial], overdue: bool) -> tuple[str, str]:
    office, phone = current_app.config["OFFICE_NAME"], current_app.config["OFFICE_PHONE"]
    names = "、".join(f"“{m.name}”（{m.due_on.isoformat()}）" for m in materials)
    if overdue:
        body = (f"【{office}】您的申请 {case.number} 容缺材料 {names} 已逾期未补齐，"
                f"本局将依承诺书终止办理并记入信用记录。如有疑问请致电 {phone}。")
        return f"容缺材料逾期：{case.number}", body
    body = (f"【{office}】提醒：您的申请 {case.number} 容缺材料 {names} 即将到期，请按期通过窗口或网上补齐，"
            f"逾期将终止办理并记入信用记录。咨询电话 {phone}。")
    return f"容缺材料补齐提醒：{case.number}", body


def _queue(case: Application, materials: list[ApplicationMaterial], kind: str, overdue: bool) -> int:
    subject, body = _message(case, materials, overdue)
    tag = ",".join(f"{m.code}@{m.due_on.isoformat()}" for m in materials)
    queued = 0
    for channel, recipient in (("sms", case.applicant.phone), ("sms", case.agent_phone),
                               ("email", case.applicant.email)):
        if recipient and outbox.queue(kind=kind, channel=channel, recipient=recipient, subject=subject, body=body,
                                      dedupe_key=f"{kind}:{case.id}:{tag}:{channel}:{recipient}"[:120],
                                      application=case):
            queued += 1
    return queued


def check(today: date) -> tuple[int, int]:
    """Flag overdue materials and queue reminders (once each); return (newly overdue, messages queued)."""
    flagged = mark_overdue(today)
    horizon = current_app.config["REMINDER_WORKDAYS"]
    due_soon: dict[Application, list] = defaultdict(list)
    late: dict[Application, list] = defaultdict(list)
    for m in outstanding():
        left = days_left(m, today)
        if left is None:
            continue
        if left < 0 or m.due_on < today:
            late[m.application].append(m)
        elif left <= horizon:
            due_soon[m.application].append(m)
    queued = sum(_queue(case, ms, "deferral_reminder", False) for case, ms in due_soon.items())
    queued += sum(_queue(case, ms, "deferral_overdue", True) for case, ms in late.items())
    return len(flagged), queued
