"""Calendar changes and what they do to cases: enter a year's notice, restate, report provisional years.

Verbs here never commit; the caller commits once.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import Application, CalendarYear, HolidayOverride
from ..models.cases import TERMINAL_STATES
from ..texts import N_, Msg, Name
from ..workdays import WorkCalendar
from . import clock
from .core import record


def _accepted_cases(open_only: bool):
    query = select(Application).where(Application.accepted_on.is_not(None)).options(
        selectinload(Application.clock_stops))
    if open_only:
        query = query.where(Application.state.not_in(TERMINAL_STATES))
    return db.session.scalars(query.order_by(Application.id))


def restate_all(on: date, old: WorkCalendar, new: WorkCalendar, *, by, reason: str) -> tuple[int, int]:
    """Restate every accepted case on the `new` calendar; open cases whose dates moved get a timeline entry.

    Returns (open cases seen, open cases whose dates moved). Closed cases are refreshed silently (their
    stored due dates feed the statistics).
    """
    seen = moved = 0
    for case in _accepted_cases(open_only=False):
        if case.is_open:
            seen += 1
            moved += clock.restate(case, on, old, new, by=by, reason=reason)
        else:
            clock.refresh(case, on, new)
    return seen, moved


def apply_notice(year: int, days: dict[date, tuple[bool, str]], source: str, *, by, on: date) -> tuple[int, int]:
    """Enter a year's notice (days off and make-up working days), mark the year complete, restate the cases."""
    old = clock.load_calendar()
    for day, (workday, note) in sorted(days.items()):
        row = db.session.get(HolidayOverride, day) or HolidayOverride(day=day)
        row.workday, row.note = workday, note
        db.session.add(row)
    row = db.session.get(CalendarYear, year) or CalendarYear(year=year)
    row.source = source
    db.session.add(row)
    db.session.flush()
    clock.forget_calendar()
    new = clock.load_calendar()
    offs = sum(1 for w, _ in days.values() if not w)
    record(None, "calendar_edit", by=by, on=on,
           note=Msg(N_("录入 %(year)s 年放假安排（%(source)s）：休息日 %(off)s 天，调休上班 %(on)s 天"), year=year, source=source,
                    off=offs, on=len(days) - offs))
    return restate_all(on, old, new, by=by, reason=Msg(N_("按 %(year)s 年放假安排（%(source)s）重算"), year=year, source=source))


def _restate(note: Msg, old: WorkCalendar, *, by, on: date) -> tuple[int, int]:
    """After one calendar change in this transaction: record it and restate every case on the new calendar.

    `old` is the calendar before the change: open cases whose dates moved get a timeline entry."""
    db.session.flush()
    clock.forget_calendar()
    record(None, "calendar_edit", by=by, on=on, note=note)
    return restate_all(on, old, clock.load_calendar(), by=by, reason=Msg(N_("日历调整（%(change)s）"), change=note))


def set_day(day: date, *, workday: bool, note: str, by, on: date) -> tuple[int, int]:
    """Make `day` a working day (a make-up day) or a day off, whatever the statutory calendar says."""
    old = clock.load_calendar()
    row = db.session.get(HolidayOverride, day) or HolidayOverride(day=day)
    row.workday, row.note = workday, note or ""
    db.session.add(row)
    return _restate(Msg(N_("%(day)s 设为%(kind)s"), day=day.isoformat(), kind=Name(N_("工作日") if workday else N_("休息日"))),
                    old, by=by, on=on)


def remove_day(row: HolidayOverride, *, by, on: date) -> tuple[int, int]:
    """Drop one adjustment: the day falls back to the statutory calendar."""
    old = clock.load_calendar()
    db.session.delete(row)
    return _restate(Msg(N_("删除日历调整 %(day)s"), day=row.day.isoformat()), old, by=by, on=on)


def mark_year_complete(year: int, source: str, *, by, on: date) -> tuple[int, int]:
    """Declare the year's days off and make-up days entered in full (on `source`): its dates stop being provisional."""
    row = db.session.get(CalendarYear, year) or CalendarYear(year=year)
    old = clock.load_calendar()
    row.source = source
    db.session.add(row)
    return _restate(Msg(N_("%(year)s 年节假日录入完整：%(source)s"), year=row.year, source=row.source), old, by=by, on=on)


def restate_after_upgrade(on: date, *, by=None) -> tuple[int, int]:
    """Restate the open cases whose dates were provisional for a year the calendar now knows officially.

    This is what happens when the installed chinesecalendar gains a year: each such case is compared with
    the calendar as it was (that year still provisional) and gets a timeline entry if a date moved.
    Returns (cases restated, cases whose dates moved).
    """
    new = clock.load_calendar()
    olds: dict[int, WorkCalendar] = {}
    seen = moved = 0
    query = select(Application).where(Application.accepted_on.is_not(None), Application.provisional_from.is_not(None),
                                      Application.state.not_in(TERMINAL_STATES)).options(
        selectinload(Application.clock_stops)).order_by(Application.id)
    for case in db.session.scalars(query):
        year = case.provisional_from
        if new.is_provisional(year):
            continue
        if year not in olds:
            olds[year] = clock.load_calendar(provisional_from=year)
        seen += 1
        moved += clock.restate(case, on, olds[year], new, by=by,
                               reason=Msg(N_("%(year)s 年放假安排已公布（chinesecalendar 已收录），期限按正式安排重算"), year=year))
    return seen, moved


@dataclass
class Status:
    on: date
    provisional_years: list[int]     # this year and next, where still provisional
    depending: int                   # open cases whose due dates depend on a provisional year
    stale: int                       # open cases still marked provisional for a year now known (restate pending)
    warn: bool                       # from 1 October while next year is provisional (or this year is)

    def message(self) -> str:
        if not self.provisional_years:
            return f"{self.on.year} 年和 {self.on.year + 1} 年的放假安排均已公布，期限均为正式日期。"
        years = "、".join(f"{y} 年" for y in self.provisional_years)
        return (f"{years}的放假安排尚未录入，按法定节假日暂定推算；"
                f"{self.depending} 件在办案件的期限依赖暂定工作日。")


def status(on: date) -> Status:
    """Which of this year and next are provisional, and how many open deadlines depend on them."""
    cal = clock.load_calendar()
    years = [y for y in (on.year, on.year + 1) if cal.is_provisional(y)]
    rows = db.session.execute(
        select(Application.provisional_from, func.count()).where(
            Application.provisional_from.is_not(None), Application.state.not_in(TERMINAL_STATES))
        .group_by(Application.provisional_from)).all()
    depending = sum(n for year, n in rows if cal.is_provisional(year))
    stale = sum(n for year, n in rows if not cal.is_provisional(year))
    warn = on.year in years or (on.month >= 10 and on.year + 1 in years)
    return Status(on=on, provisional_years=years, depending=depending, stale=stale, warn=warn)
