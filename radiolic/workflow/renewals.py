"""Licences over their life: the last day to apply for renewal, renewal reminders, and Art. 50 ¶2 (a licence
whose renewal was applied for in time stays valid until the renewal is decided)."""
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from .. import outbox
from ..extensions import db
from ..models import Application, Licence, ServiceItem, Station
from ..models.cases import TERMINAL_STATES
from ..vocabulary import LicenceKind
from ..workdays import WorkCalendar
from . import clock

# 条例 Arts. 19 and 33: apply for renewal 30 working days before expiry.
APPLY_BEFORE_WORKDAYS = 30
# Reminders before that last day: (stage key, calendar days or None, working days or None).
REMINDER_STAGES = (("90d", 90, None), ("45wd", None, 45), ("60d", 60, None))


def last_day_to_apply(valid_until: date, cal: WorkCalendar | None = None) -> date:
    """The latest working day from which at least 30 working days remain up to and including the expiry date."""
    cal = cal or clock.load_calendar()
    day = valid_until - timedelta(days=1)
    while not (cal.count(day, valid_until) >= APPLY_BEFORE_WORKDAYS and cal.is_workday(day)):
        day -= timedelta(days=1)
    return day


def _working_days_before(cal: WorkCalendar, day: date, n: int) -> date:
    """The working day from which `day` is the n-th working day after."""
    back = day - timedelta(days=1)
    while cal.count(back, day) < n:
        back -= timedelta(days=1)
    while not cal.is_workday(back):
        back -= timedelta(days=1)
    return back


def reminder_dates(valid_until: date, cal: WorkCalendar | None = None) -> dict[str, date]:
    """When each reminder is due: 90 and 60 calendar days and 45 working days before the last day to apply."""
    cal = cal or clock.load_calendar()
    last = last_day_to_apply(valid_until, cal)
    return {key: (last - timedelta(days=days)) if days else _working_days_before(cal, last, wd)
            for key, days, wd in REMINDER_STAGES}


def queue_reminders(today: date) -> int:
    """Queue the renewal reminder now due for each case, licence kind and expiry date (once per stage).

    Only the latest stage due is sent: a missed run does not send three messages at once.
    """
    cal = clock.load_calendar()
    horizon = today + timedelta(days=90 + 120)
    groups = db.session.execute(select(Licence.application_id, Licence.valid_until, Licence.kind,
                                       db.func.count(), db.func.min(Licence.number)).where(
        Licence.status == "valid", Licence.valid_until >= today, Licence.valid_until <= horizon)
        .group_by(Licence.application_id, Licence.valid_until, Licence.kind)).all()
    cases = {c.id: c for c in db.session.scalars(select(Application).where(
        Application.id.in_({g[0] for g in groups} or {0})).options(selectinload(Application.applicant)))}
    queued = 0
    for application_id, until, kind, n, first in groups:
        last = last_day_to_apply(until, cal)
        if today > last:
            continue
        due = [(when, key) for key, when in reminder_dates(until, cal).items() if when <= today]
        if not due:
            continue
        _when, stage = max(due)
        case = cases[application_id]
        more = f"等 {n} 份" if n > 1 else ""
        message = outbox.queue(
            kind="renewal_reminder", recipient=case.applicant.phone, application=case,
            dedupe_key=f"renew:{case.number}:{kind}:{until.isoformat()}:{stage}",
            body=f"【{current_app.config['OFFICE_NAME']}】您的{LicenceKind.text_of(kind)} {first}{more}将于 {until.isoformat()} "
                 f"有效期届满。需要继续使用的，请于 {last.isoformat()}（有效期届满三十个工作日前）前申请延续；"
                 "逾期未申请的，证照到期失效。")
        if message is not None:
            db.session.flush()
            queued += 1
    return queued


# --- Art. 50 ¶2 -------------------------------------------------------------------------------------------------

def _open_renewals(applicant_ids) -> list[Application]:
    return db.session.scalars(select(Application).join(ServiceItem).where(
        Application.applicant_id.in_(set(applicant_ids) or {0}), ServiceItem.action == "renewal",
        Application.state.not_in(TERMINAL_STATES)).options(selectinload(Application.service_item))
        .order_by(Application.received_on, Application.id)).all()


def _named_licences(case_ids) -> dict[int, set[int]]:
    """Per renewal case, the licences its stations name (empty: the case covers the holder's licences of the kind)."""
    named: dict[int, set[int]] = {}
    for case_id, licence_id in db.session.execute(select(Station.application_id, Station.replaces_licence_id).where(
            Station.application_id.in_(set(case_ids) or {0}), Station.replaces_licence_id.is_not(None))):
        named.setdefault(case_id, set()).add(licence_id)
    return named


def pending_renewals(licences, cal: WorkCalendar | None = None) -> dict[int, Application]:
    """For each licence whose renewal was applied for in time and is still undecided: the renewal case."""
    licences = list(licences)
    if not licences:
        return {}
    cal = cal or clock.load_calendar()
    renewals = _open_renewals(lic.applicant_id for lic in licences)
    if not renewals:
        return {}
    named = _named_licences(c.id for c in renewals)
    last_days: dict[date, date] = {}
    out = {}
    for lic in licences:
        last = last_days.get(lic.valid_until) or last_days.setdefault(lic.valid_until,
                                                                     last_day_to_apply(lic.valid_until, cal))
        for case in renewals:
            if (case.applicant_id == lic.applicant_id and case.service_item.licence_kind == lic.kind
                    and case.received_on <= last and (case.id not in named or lic.id in named[case.id])):
                out[lic.id] = case
                break
    return out


def renewal_pending(licence: Licence, cal: WorkCalendar | None = None) -> Application | None:
    return pending_renewals([licence], cal).get(licence.id)
