"""The counter visit: the query code stays in the clerk's hands while the applicant is at the window.

Kept server-side (table counter_visit, one row per clerk) until the clerk logs the next case or
COUNTER_VISIT_MINUTES have passed; an expired row is deleted when next looked at, so the code cannot be
recovered afterwards (only its hash stays on the case). The caller commits.
"""
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete

from ..extensions import db
from ..models import Application, CounterVisit, User
from ..models.base import utcnow
from .. import outbox

VISIT_MINUTES = 30


def _minutes() -> int:
    return int(current_app.config.get("COUNTER_VISIT_MINUTES", VISIT_MINUTES))


def purge() -> None:
    """Delete every visit older than the limit (its query code is gone for good)."""
    db.session.execute(delete(CounterVisit).where(CounterVisit.created_at < utcnow() - timedelta(minutes=_minutes())))


def remember(user: User, case: Application, query_code: str, form_key: str = "") -> CounterVisit:
    """Start a visit: this clerk's previous visit (and its code) is forgotten, and so is every expired one."""
    purge()
    db.session.execute(delete(CounterVisit).where(CounterVisit.user_id == user.id))
    visit = CounterVisit(user_id=user.id, application_id=case.id, query_code=query_code, form_key=form_key[:64],
                         created_at=utcnow())
    db.session.add(visit)
    return visit


def current(user: User) -> CounterVisit | None:
    """The clerk's visit while it lasts (an expired row is never read; purge() deletes it)."""
    if not getattr(user, "id", None):
        return None
    visit = db.session.get(CounterVisit, user.id)
    if visit is None or utcnow() - visit.created_at > timedelta(minutes=_minutes()):
        return None
    return visit


def code_for(user: User, case: Application) -> str:
    """The query code of `case` when the clerk is still serving it, else ''."""
    visit = current(user)
    return visit.query_code if visit is not None and visit.application_id == case.id else ""


def case_for_form(user: User, form_key: str) -> Application | None:
    """The case this very intake form already created (a reload or a second click), if the visit lasts."""
    if not form_key:
        return None
    visit = current(user)
    if visit is None or visit.form_key != form_key:
        return None
    return db.session.get(Application, visit.application_id)


def queue_sms(case: Application, query_code: str, office_phone: str = "") -> None:
    """An SMS with the case number and the query code to the applicant (and to the agent when one came)."""
    body = (f"【{current_app.config['OFFICE_NAME']}】您的{case.service_item.name}申请已收件，申请编号 {case.number}，"
            f"查询码 {query_code}，可在 {current_app.config['PUBLIC_BASE_URL'].rstrip('/')}/status 查询办理进度。"
            "查询码请妥善保管。")
    phones = [case.applicant.phone or "", case.agent_phone or ""]
    for n, phone in enumerate(dict.fromkeys(p for p in phones if p)):
        outbox.queue(kind="intake_receipt", recipient=phone, body=body, dedupe_key=f"intake_receipt:{case.id}:{n}",
                     application=case)
