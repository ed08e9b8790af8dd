"""Daily summary tables (models/stats.py): kept exact in the transaction of every change, rebuilt on demand.

How they stay exact: one hook. After every flush, the listener below notes which cases, ratings, work
orders and licence days the flush touched (with the dates the case had before, from the attribute
history). Before the transaction commits — and before any indicator reads — `settle()` recomputes the
summary rows of every day those cases are dated by (received, accepted, completed) and of every licence
day, from the records, with the same statements `rebuild()` uses over a whole period. A verb therefore
never has to remember to update a counter; the one Core bulk write (licence issuance) calls
`licences_issued(day)` itself because Core inserts bypass the ORM's flush.

Long periods read whole months from StatCaseMonth (folded from the daily rows of every month a change
touches) and only the partial months at either edge from StatCaseDay: see `case_source()`.

Adding a figure (e.g. `on_time_rate.unextended`, an extension count, deemed-acceptance dates):
- a measure of cases: add the column to `_CaseCounts` in models/stats.py and its name to CASE_MEASURES (both
  tables get it; one migration), and its SQL aggregate to the role that dates it in `_case_roles()` below
  (received_on / accepted_on / completed_on); read it with `func.sum()` over `case_source()`.
- a dimension (e.g. "extended" yes/no): the column in `_CaseCounts`, its name in CASE_DIMENSIONS and its
  expression over Application in `_CASE_DIMENSIONS`; every role groups by it, the months fold it.
- a new date role (e.g. cases by the day deemed acceptance started): an entry in `_case_roles()` keyed by
  the Application date column, and that column in `_CASE_DATES` so the hook recomputes its days.
Then `flask --app radiolic stats rebuild` fills the new column for the past, and tests/unit/test_summaries.py
(maintained == rebuilt after a random workflow) covers it once TABLES there lists the column.
"""
from calendar import monthrange
from datetime import date, timedelta

from sqlalchemy import (String, and_, case, cast, delete, event, exists, func, insert, inspect, literal, select,
                        union_all)
from sqlalchemy.orm import Session

from .models import (TERMINAL_STATES, Application, ApplicationMaterial, Licence, Rating, StatCaseDay, StatCaseMonth,
                     StatLicenceDay, StatRatingDay, StatTurnaroundDay, WorkOrder)
from .models.stats import CASE_DIMENSIONS, CASE_MEASURES, OUTCOME_MEASURES

_CASE_DATES = ("received_on", "accepted_on", "completed_on")
_PENDING = "stat_pending"


def _sum_if(condition):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _has_deferral():
    return exists().where(ApplicationMaterial.application_id == Application.id,
                          ApplicationMaterial.was_deferred.is_(True))


def _rated():
    return exists().where(Rating.application_id == Application.id, Rating.defaulted.is_(False))


_CASE_DIMENSIONS = {
    "service_item_id": Application.service_item_id,
    "channel": Application.channel,
    "reviewer_id": Application.reviewer_id,
    "outcome": Application.state,
}


def _case_roles():
    """date column -> (extra condition, {measure: aggregate}) for the three dates a case is counted by."""
    a = Application
    timed = a.workdays_used.is_not(None)
    return {
        "received_on": (None, {"received": func.count()}),
        "accepted_on": (None, {"accepted": func.count(), "accepted_with_deferral": _sum_if(_has_deferral()),
                               "single_window": _sum_if(a.single_window.is_(True)),
                               "first_time_right": _sum_if(a.correction_count == 0)}),
        "completed_on": (a.state.in_(TERMINAL_STATES), {
            "completed": func.count(), "zero_visit": _sum_if(a.visits == 0), "timed": _sum_if(timed),
            "workdays_used": func.coalesce(func.sum(a.workdays_used), 0),
            "statutory_days": func.coalesce(func.sum(case((timed, a.statutory_days), else_=0)), 0),
            "on_time_promised": _sum_if(and_(timed, a.completed_on <= a.due_promised)),
            "on_time_statutory": _sum_if(and_(timed, a.completed_on <= a.due_statutory)),
            "rated": _sum_if(_rated()),
            "on_time_unextended": _sum_if(and_(timed, a.completed_on <= func.coalesce(a.due_statutory_unextended,
                                                                                    a.due_statutory))),
            "extended": _sum_if(and_(timed, a.extension_days > 0)),
            "deemed_accepted": _sum_if(and_(timed, a.deemed_accepted.is_(True)))}),
    }


# ---- recomputation (shared by the hook and the rebuild) -----------------------------------------------

def _days_filter(column, days):
    """`days` is either a list of dates or a (start, end) tuple."""
    if isinstance(days, tuple):
        return column.between(*days)
    return column.in_(sorted(days))


def _recompute(session: Session, days) -> None:
    for table in (StatCaseDay, StatTurnaroundDay, StatRatingDay, StatLicenceDay):
        session.execute(delete(table).where(_days_filter(table.day, days)))
    dims = list(_CASE_DIMENSIONS.items())
    for date_name, (extra, measures) in _case_roles().items():
        day = getattr(Application, date_name)
        where = _days_filter(day, days)
        if extra is not None:
            where = and_(where, extra)
        columns = ["day", *(n for n, _e in dims), *measures]
        query = (select(day, *(e for _n, e in dims), *measures.values()).where(where)
                 .group_by(day, *(e for _n, e in dims)))
        session.execute(insert(StatCaseDay).from_select(columns, query))
    a = Application
    completed = and_(a.state.in_(TERMINAL_STATES), _days_filter(a.completed_on, days))
    session.execute(insert(StatTurnaroundDay).from_select(
        ["day", "workdays", "cases"],
        select(a.completed_on, a.workdays_used, func.count())
        .where(completed, a.workdays_used.is_not(None)).group_by(a.completed_on, a.workdays_used)))
    r, w = Rating, WorkOrder
    on_time = and_(r.level <= 2, w.id.is_not(None), func.coalesce(w.replied_on, w.closed_on) <= w.due_on)
    session.execute(insert(StatRatingDay).from_select(
        ["day", "channel", "level", "defaulted", "ratings", "bad_on_time"],
        select(a.completed_on, r.channel, r.level, r.defaulted, func.count(), _sum_if(on_time))
        .select_from(r).join(a, r.application_id == a.id).outerjoin(w, w.rating_id == r.id)
        .where(completed).group_by(a.completed_on, r.channel, r.level, r.defaulted)))
    lic = Licence
    session.execute(insert(StatLicenceDay).from_select(
        ["day", "kind", "format", "licences"],
        select(lic.issued_on, lic.kind, lic.format, func.count()).where(_days_filter(lic.issued_on, days))
        .group_by(lic.issued_on, lic.kind, lic.format)))


def _month_end(first: date) -> date:
    return first.replace(day=monthrange(first.year, first.month)[1])


def _day_key(dimension: str):
    """The monthly table's `key` for a daily row: the dimension's value as text ("" for "all" and no reviewer)."""
    if dimension == "all":
        return literal("", type_=String(40))
    return func.coalesce(cast(getattr(StatCaseDay, dimension), String(40)), "")


def _day_outcomes():
    d = StatCaseDay
    return [case((d.outcome == state, d.completed), else_=0) for state in TERMINAL_STATES]


def _recompute_months(session: Session, months) -> None:
    """Fold the daily case rows of each month (given by its first day) into the monthly table."""
    d = StatCaseDay
    for first in sorted(set(months)):
        session.execute(delete(StatCaseMonth).where(StatCaseMonth.day == first))
        for dimension in ("all", *CASE_DIMENSIONS):
            key = _day_key(dimension)
            session.execute(insert(StatCaseMonth).from_select(
                ["day", "dimension", "key", *CASE_MEASURES, *OUTCOME_MEASURES],
                select(literal(first, type_=d.day.type), literal(dimension, type_=String(16)), key,
                       *(func.sum(getattr(d, m)) for m in CASE_MEASURES), *(func.sum(o) for o in _day_outcomes()))
                .where(d.day.between(first, _month_end(first))).group_by(key)))


def _months_between(start: date, end: date) -> list[date]:
    months, first = [], start.replace(day=1)
    while first <= end:
        months.append(first)
        first = _month_end(first) + timedelta(days=1)
    return months


def case_source(start: date, end: date, dimension: str = "all"):
    """Case summary rows covering exactly [start, end] for one dimension ("all" or one of CASE_DIMENSIONS):
    whole months from the monthly table, the partial months at either edge from the daily one.

    A subquery with columns day, key (the dimension's value as text), CASE_MEASURES and OUTCOME_MEASURES.
    """
    first_full = start if start.day == 1 else _month_end(start) + timedelta(days=1)
    last_full = end if end == _month_end(end) else end.replace(day=1) - timedelta(days=1)
    d, m = StatCaseDay, StatCaseMonth

    def days(lo, hi):
        return select(d.day, _day_key(dimension).label("key"), *(getattr(d, c) for c in CASE_MEASURES),
                      *(o.label(name) for o, name in zip(_day_outcomes(), OUTCOME_MEASURES))).where(d.day.between(lo, hi))
    if first_full > last_full:
        return days(start, end).subquery("cases")
    parts = [select(m.day, m.key, *(getattr(m, c) for c in (*CASE_MEASURES, *OUTCOME_MEASURES)))
             .where(m.dimension == dimension, m.day.between(first_full, last_full))]
    if start < first_full:
        parts.append(days(start, first_full - timedelta(days=1)))
    if end > last_full:
        parts.append(days(last_full + timedelta(days=1), end))
    return (parts[0] if len(parts) == 1 else union_all(*parts)).subquery("cases")


def rebuild(session: Session, start: date | None = None, end: date | None = None, *, chunk_days: int = 366) -> int:
    """Recompute every summary row of [start, end] (default: the whole register) from the records.

    Works a year at a time so a national register never holds one giant statement. Returns the days covered.
    """
    if start is None or end is None:
        bounds = [session.execute(select(func.min(c), func.max(c))).one()
                  for c in (Application.received_on, Application.completed_on, Licence.issued_on)]
        lows = [lo for lo, _hi in bounds if lo is not None]
        highs = [hi for _lo, hi in bounds if hi is not None]
        for table in (StatCaseDay, StatCaseMonth, StatTurnaroundDay, StatRatingDay, StatLicenceDay):
            lo_hi = session.execute(select(func.min(table.day), func.max(table.day))).one()
            if lo_hi[0] is not None:
                lows.append(lo_hi[0])
                highs.append(lo_hi[1])
        if not lows:
            return 0
        start = start or min(lows)
        end = end or max(highs)
    day = start
    while day <= end:
        last = min(day + timedelta(days=chunk_days - 1), end)
        _recompute(session, (day, last))
        _recompute_months(session, _months_between(day, last))
        day = last + timedelta(days=1)
    return (end - start).days + 1


def missing(session: Session) -> bool:
    """True when the register holds cases or licences but no summary row (a database upgraded in place)."""
    has_records = any(session.scalar(select(c).limit(1)) is not None for c in (Application.id, Licence.id))
    has_summaries = any(session.scalar(select(t.id).limit(1)) is not None for t in (StatCaseDay, StatLicenceDay))
    return has_records and not has_summaries


# ---- the hook ------------------------------------------------------------------------------------------

def _pending(session: Session) -> dict:
    return session.info.setdefault(_PENDING, {"cases": set(), "ratings": set(), "days": set()})


def licences_issued(session: Session, day: date) -> None:
    """Note a day whose licences were written with a Core insert (the ORM hook does not see those)."""
    _pending(session)["days"].add(day)


def _old_values(obj, *names):
    state = inspect(obj)
    for name in names:
        for value in state.attrs[name].history.deleted or ():
            if value is not None:
                yield value


@event.listens_for(Session, "after_flush")
def _note_changes(session, _context):
    pending = None
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Application):
            pending = pending or _pending(session)
            pending["cases"].add(obj.id)
            for name in _CASE_DATES:
                if getattr(obj, name, None) is not None:
                    pending["days"].add(getattr(obj, name))
            pending["days"].update(_old_values(obj, *_CASE_DATES))
        elif isinstance(obj, (Rating, ApplicationMaterial)):
            pending = pending or _pending(session)
            pending["cases"].add(obj.application_id)
            pending["cases"].update(_old_values(obj, "application_id"))
        elif isinstance(obj, WorkOrder):
            pending = pending or _pending(session)
            pending["ratings"].add(obj.rating_id)
        elif isinstance(obj, Licence):
            pending = pending or _pending(session)
            if obj.issued_on is not None:
                pending["days"].add(obj.issued_on)
            pending["days"].update(_old_values(obj, "issued_on"))


def settle(session: Session) -> None:
    """Bring the summaries of every day this transaction touched up to date (in this transaction)."""
    if not session.info.get(_PENDING):
        return
    session.flush()
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    cases, days = set(pending["cases"]) - {None}, set(pending["days"])
    ratings = sorted(pending["ratings"] - {None})
    for i in range(0, len(ratings), 500):
        cases.update(session.scalars(select(Rating.application_id).where(Rating.id.in_(ratings[i:i + 500]))))
    ids = sorted(cases)
    for i in range(0, len(ids), 500):
        for row in session.execute(select(*(getattr(Application, n) for n in _CASE_DATES))
                                   .where(Application.id.in_(ids[i:i + 500]))):
            days.update(d for d in row if d is not None)
    days = sorted(days)
    for i in range(0, len(days), 200):
        _recompute(session, days[i:i + 200])
    _recompute_months(session, {d.replace(day=1) for d in days})
    # The statements above do not flush ORM objects, so nothing new is pending; drop what they may have noted.
    session.info.pop(_PENDING, None)


@event.listens_for(Session, "before_commit")
def _settle_before_commit(session):
    settle(session)
