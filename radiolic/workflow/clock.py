"""Deadlines and working days used, derived from a case's dates and clock stops."""
from dataclasses import dataclass
from datetime import date

from flask import current_app, g, has_app_context
from sqlalchemy import cast, null, select, union_all

from ..extensions import db
from ..models import Application, CalendarYear, HolidayOverride
from ..texts import N_, Msg, Name, Names
from ..workdays import CalendarGap, WorkCalendar


def load_calendar(provisional_from: int | None = None) -> WorkCalendar:
    """The working-day calendar: the admin's notices, chinesecalendar, then provisional (cached per request).

    `provisional_from` builds the calendar as it was before the package covered that year (not cached).
    """
    if provisional_from is None and has_app_context() and "work_calendar" in g:
        return g.work_calendar
    # The admin's notices and the years they cover, in one statement (a public page reads them per request).
    rows = db.session.execute(union_all(
        select(HolidayOverride.day, HolidayOverride.workday, cast(null(), CalendarYear.year.type)),
        select(cast(null(), HolidayOverride.day.type), cast(null(), HolidayOverride.workday.type),
               CalendarYear.year))).all()
    overrides = tuple(sorted((day, workday) for day, workday, year in rows if year is None))
    years = tuple(sorted(year for _day, _workday, year in rows if year is not None))
    # The same overrides and years give the same calendar: it is kept for the process, with the working days
    # it has worked out (a year's list is built once, not on every request). Any change of either is a new key.
    # (The package's day functions are part of the key: a test that swaps them, as an upgrade would, gets a new one.)
    from .. import workdays
    key = (overrides, years, provisional_from, workdays._package_days, workdays._package_day_set)
    calendar = _CALENDARS.get(key)
    if calendar is None:
        calendar = WorkCalendar(dict(overrides), covered_years=years, provisional_from=provisional_from)
        if len(_CALENDARS) >= 8:
            _CALENDARS.clear()
        _CALENDARS[key] = calendar
    if provisional_from is None and has_app_context():
        g.work_calendar = calendar
    return calendar


_CALENDARS: dict[tuple, WorkCalendar] = {}


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
    used_to_decision: int | None = None     # working days from acceptance to the decision, less stops
    extension_ends: date | None = None      # last working day a (legacy) extension stop covers
    starts: date | None = None              # the statutory clock's day 0: acceptance, or receipt (Art. 32)
    deemed: bool = False                    # 视为自收件之日起受理
    due_statutory_unextended: date | None = None   # the statutory due date without an Art. 42 extension
    extension_days: int = 0
    provisional_from: int | None = None     # first year without a published notice the due dates depend on

    def is_provisional(self, due: date | None) -> bool:
        """Whether `due` (one of this clock's dates) depends on a provisional (暂定) working day."""
        return due is not None and self.provisional_from is not None and due.year >= self.provisional_from

    @property
    def dates(self) -> tuple[date | None, date | None, date | None]:
        return self.due_promised, self.due_statutory, self.due_issue


def _left(cal: WorkCalendar, today: date, due: date | None) -> int | None:
    if due is None:
        return None
    return cal.count(today, due) if due >= today else -cal.count(due, today)


def stop_spans(case: Application, cal: WorkCalendar) -> list[tuple[date, date | None]]:
    """Each stop as (paused, resumed); an extension counts at most its approved working days (Art. 42)."""
    spans = []
    for s in case.clock_stops:
        end = s.resumed_on
        if s.kind == "extension":
            cap = cal.add(s.paused_on, s.expected_days)
            end = cap if end is None or end > cap else end
        spans.append((s.paused_on, end))
    return spans


def due_date(cal: WorkCalendar, accepted: date, days: int, spans: list[tuple[date, date | None]], until: date) -> date:
    """The `days`-th working day after `accepted` that no stop covers (open stops run to `until`).

    Only stopped working days before the deadline move it: a stop that starts after a deadline has
    passed does not revive it, so "days left" always equals the limit less the working days used.
    """
    intervals = sorted((p, until if r is None else min(r, until)) for p, r in spans)
    cursor, remaining = accepted, days
    for start, end in intervals:
        start = max(start, cursor)
        if end <= start:
            continue
        free = cal.count(cursor, start)
        if free >= remaining:
            break
        remaining -= free
        cursor = end
    return cal.add(cursor, remaining)


def notice_due(case: Application, cal: WorkCalendar) -> date:
    """The last day to give the 一次性告知 (Art. 32: within 5 working days of receipt)."""
    return cal.add(case.received_on, current_app.config["CORRECTION_NOTICE_WORKDAYS"])


def deemed_from_receipt(case: Application, cal: WorkCalendar) -> bool:
    """Art. 32: a late correction notice, or an acceptance after the notice period without one, means the case
    counts as accepted from the day the materials were received."""
    if case.accepted_on is None:
        return False
    last = notice_due(case, cal)
    if case.corrections:
        return case.corrections[0].issued_on > last
    return case.accepted_on > last


def late_notice_days(case: Application, cal: WorkCalendar) -> int:
    """Working days the first correction notice came after its last day (0 when on time or none)."""
    if not case.corrections:
        return 0
    last, given = notice_due(case, cal), case.corrections[0].issued_on
    return cal.count(last, given) if given > last else 0


def compute(case: Application, today: date, cal: WorkCalendar | None = None) -> Clock:
    """Derive the clock of `case` as of `today` (completed cases: as of completion).

    Days left against the review limits are shown until the decision; after an approval, the days left
    to issue (Art. 44) until issuance.
    """
    cal = cal or load_calendar()
    clock = Clock(paused=case.open_stop is not None)
    if case.accepted_on is None:
        return clock
    end = case.completed_on or today
    try:
        start = case.received_on if case.deemed_accepted else case.accepted_on
        clock.starts, clock.deemed, clock.extension_days = start, bool(case.deemed_accepted), case.extension_days or 0
        stops = stop_spans(case, cal)
        extension = next((s for s in case.clock_stops if s.kind == "extension"), None)
        if extension is not None:
            clock.extension_ends = cal.add(extension.paused_on, extension.expected_days)
        clock.stopped = cal.stopped(stops, until=end)
        clock.used = max(cal.count(start, end) - clock.stopped, 0)
        clock.due_promised = due_date(cal, start, case.promised_days or 0, stops, end)
        # Art. 42: an approved extension adds its working days to the statutory limit; the clock keeps running.
        clock.due_statutory_unextended = due_date(cal, start, case.statutory_days or 0, stops, end)
        clock.due_statutory = due_date(cal, start, (case.statutory_days or 0) + clock.extension_days, stops, end)
        if case.decided_on:
            clock.used_to_decision = max(cal.count(start, case.decided_on)
                                         - cal.stopped(stops, until=case.decided_on), 0)
        if case.decided_on and case.state in ("approved", "issued"):
            clock.due_issue = cal.add(case.decided_on, current_app.config["ISSUE_LIMIT_WORKDAYS"])
        if case.is_open and case.decided_on is None:
            # The limit less the working days used: stopped days count neither way, overdue or not.
            clock.left_promised = (case.promised_days or 0) - clock.used
            clock.left_statutory = (case.statutory_days or 0) + clock.extension_days - clock.used
        if case.state == "approved":
            clock.left_issue = _left(cal, today, clock.due_issue)
        dues = [d for d in clock.dates if d is not None]
        if dues:
            clock.provisional_from = cal.provisional_from(start, max(dues))
    except CalendarGap as gap:
        clock.warning = str(gap)
    return clock


def refresh(case: Application, today: date, cal: WorkCalendar | None = None) -> Clock:
    """Recompute and store the derived clock columns the statistics read."""
    cal = cal or load_calendar()
    try:
        case.deemed_accepted = deemed_from_receipt(case, cal)
    except CalendarGap:
        pass
    clock = compute(case, today, cal)
    case.due_promised, case.due_statutory, case.due_issue = clock.due_promised, clock.due_statutory, clock.due_issue
    case.due_statutory_unextended = clock.due_statutory_unextended
    case.stopped_days = clock.stopped
    case.workdays_used = clock.used if case.completed_on else None
    case.provisional_from = clock.provisional_from
    return clock


def _fmt(d: date | None) -> str:
    return d.isoformat() if d else "—"


def restate_note(before: Clock, after: Clock) -> Names:
    """One line naming each due date that moved, old → new (暂定 marked)."""
    parts = []
    for label, old, new in ((N_("承诺期限"), before.due_promised, after.due_promised),
                            (N_("法定期限"), before.due_statutory, after.due_statutory),
                            (N_("发证期限"), before.due_issue, after.due_issue)):
        if old != new:
            marks = {"old_mark": Name(N_("（暂定）")) if before.is_provisional(old) else "",
                     "new_mark": Name(N_("（暂定）")) if after.is_provisional(new) else ""}
            parts.append(Msg(N_("%(label)s %(old)s%(old_mark)s → %(new)s%(new_mark)s"), label=Name(label), old=_fmt(old),
                             new=_fmt(new), **marks))
    return Names(parts, sep="；")


def restate(case: Application, on: date, old: WorkCalendar, new: WorkCalendar, *, by, reason: str) -> bool:
    """Restate `case` from its events on the `new` calendar; a timeline entry (old → new) if a date moved.

    Both clocks are computed as of the same day, so only the calendar change shows (not a paused case's
    daily drift). Returns whether a date moved. The caller commits.
    """
    from .core import record
    before = compute(case, on, old)
    after = refresh(case, on, new)
    if before.dates == after.dates:
        return False
    record(case, "calendar_restated", by=by, on=on, note=Msg(N_("%(reason)s：%(dates)s"), reason=reason,
                                                             dates=restate_note(before, after)))
    return True
