"""Deadlines and working days used, derived from a case's dates and clock stops."""
from dataclasses import dataclass
from datetime import date

from flask import current_app, g, has_app_context
from sqlalchemy import select

from ..extensions import db
from ..models import Application, CalendarYear, HolidayOverride
from ..workdays import CalendarGap, WorkCalendar


def load_calendar() -> WorkCalendar:
    """The working-day calendar: chinesecalendar plus the admin's overrides (cached per request)."""
    if has_app_context() and "work_calendar" in g:
        return g.work_calendar
    overrides = {row.day: row.workday for row in db.session.scalars(select(HolidayOverride))}
    years = db.session.scalars(select(CalendarYear.year)).all()
    calendar = WorkCalendar(overrides, covered_years=years)
    if has_app_context():
        g.work_calendar = calendar
    return calendar


def forget_calendar() -> None:
    """Drop the cached calendar after the overrides change."""
    if has_app_context():
        g.pop("work_calendar", None)


@dataclass
class Clock:
    """What a reviewer sees: due dates, days used and left, and any calendar gap."""

    due_promised: date | None = None
    due_statutory: date | None = None
    due_issue: date | None = None
    used: int | None = None
    stopped: int = 0
    left_promised: int | None = None
    left_statutory: int | None = None
    left_issue: int | None = None
    paused: bool = False
    warning: str = ""


def _left(cal: WorkCalendar, today: date, due: date | None) -> int | None:
    if due is None:
        return None
    return cal.count(today, due) if due >= today else -cal.count(due, today)


def compute(case: Application, today: date, cal: WorkCalendar | None = None) -> Clock:
    """Derive the clock of `case` as of `today` (completed cases: as of completion)."""
    cal = cal or load_calendar()
    clock = Clock(paused=case.open_stop is not None)
    if case.accepted_on is None:
        return clock
    end = case.completed_on or today
    stops = [(s.paused_on, s.resumed_on) for s in case.clock_stops]
    try:
        clock.stopped = cal.stopped(stops, until=end)
        clock.used = max(cal.count(case.accepted_on, end) - clock.stopped, 0)
        clock.due_promised = cal.add(case.accepted_on, (case.promised_days or 0) + clock.stopped)
        clock.due_statutory = cal.add(case.accepted_on, (case.statutory_days or 0) + clock.stopped)
        if case.decided_on and case.state in ("approved", "issued"):
            clock.due_issue = cal.add(case.decided_on, current_app.config["ISSUE_LIMIT_WORKDAYS"])
        if case.is_open:
            clock.left_promised = _left(cal, today, clock.due_promised)
            clock.left_statutory = _left(cal, today, clock.due_statutory)
            clock.left_issue = _left(cal, today, clock.due_issue)
    except CalendarGap as gap:
        clock.warning = str(gap)
    return clock


def refresh(case: Application, today: date, cal: WorkCalendar | None = None) -> Clock:
    """Recompute and store the derived clock columns the statistics read."""
    clock = compute(case, today, cal)
    case.due_promised, case.due_statutory, case.due_issue = clock.due_promised, clock.due_statutory, clock.due_issue
    case.stopped_days = clock.stopped
    case.workdays_used = clock.used if case.completed_on else None
    return clock
