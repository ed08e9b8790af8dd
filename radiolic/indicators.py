"""The supervisor figures of domain.md §5: sums over the daily summaries (summaries.py), a few row-based figures."""
from collections import Counter
from datetime import date, timedelta

from sqlalchemy import and_, case, exists, func, literal, or_, select
from sqlalchemy.orm import selectinload

from . import summaries
from .extensions import db
from .models import (TERMINAL_STATES, Application, ApplicationMaterial, ClockStop, CorrectionNotice, Decision,
                     Rating, ServiceItem, StatLicenceDay, StatRatingDay, StatTurnaroundDay, User, WorkOrder)
from .workflow import clock

OPEN_ON_CLOCK = ("accepted", "under_review", "approved")


def _rate(numerator, denominator) -> float | None:
    """A fraction in [0, 1], None where the denominator is 0 (domain.md §5)."""
    return None if not denominator else (numerator or 0) / denominator


def _count_if(condition):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _between(column, start: date, end: date):
    return column.between(start, end)


def _completed(start: date, end: date):
    return and_(Application.state.in_(TERMINAL_STATES), _between(Application.completed_on, start, end))


def _fresh() -> None:
    """Summaries of days this transaction changed are brought up to date before they are read."""
    summaries.settle(db.session)


def _sum(column):
    """SUM (NULL over no rows: callers read it through _zeros; no COALESCE to build for each of ~200 columns)."""
    return func.sum(column)


def _zeros(row) -> tuple:
    return tuple(v or 0 for v in row)


def case_counts(start: date, end: date) -> dict:
    _fresh()
    s = summaries.case_source(start, end).c
    row = db.session.execute(select(
        _sum(s.received), _sum(s.accepted), _sum(s.accepted_with_deferral), _sum(s.completed),
        _sum(s.single_window), _sum(s.first_time_right))).one()
    row = _zeros(row)
    received, accepted, deferred, completed, single_window, first_time = row
    return {"received": received, "accepted": accepted, "accepted_with_deferral": deferred, "completed": completed,
            "_single_window": single_window, "_first_time_right": first_time}


def completed_figures(start: date, end: date) -> dict:
    """Aggregates over the cases completed in the period (turnaround, on-time, visits, rated)."""
    _fresh()
    s = summaries.case_source(start, end).c
    keys = ("completed", "zero_visit", "timed", "used", "statutory", "on_time_promised", "on_time_statutory",
            "rated", "on_time_unextended", "extended", "deemed_accepted")
    columns = (s.completed, s.zero_visit, s.timed, s.workdays_used, s.statutory_days, s.on_time_promised,
               s.on_time_statutory, s.rated, s.on_time_unextended, s.extended, s.deemed_accepted)
    row = _zeros(db.session.execute(select(*(_sum(c) for c in columns))).one())
    return dict(zip(keys, row))


def turnaround_histogram(start: date, end: date) -> list[tuple[int, int]]:
    """(working days used, cases) over completed accepted cases, ascending."""
    _fresh()
    t = StatTurnaroundDay
    rows = db.session.execute(
        select(t.workdays, func.sum(t.cases)).where(_between(t.day, start, end))
        .group_by(t.workdays).having(func.sum(t.cases) > 0).order_by(t.workdays)).all()
    return [(days, int(n)) for days, n in rows]


def _nearest_rank(histogram: list[tuple[int, int]], rank: int) -> int:
    """The value at 1-based position `rank` of the sorted values the histogram describes."""
    seen = 0
    for value, n in histogram:
        seen += n
        if seen >= rank:
            return value
    raise ValueError("rank beyond the histogram")


def turnaround(histogram: list[tuple[int, int]]) -> dict:
    """Mean, median (mean of the middle two for an even count) and p90 (nearest rank: ⌈0.9 n⌉)."""
    n = sum(count for _v, count in histogram)
    if not n:
        return {"mean": None, "median": None, "p90": None}
    total = sum(value * count for value, count in histogram)
    middle = (_nearest_rank(histogram, (n + 1) // 2) + _nearest_rank(histogram, n // 2 + 1)) / 2
    return {"mean": total / n, "median": middle, "p90": _nearest_rank(histogram, -(-9 * n // 10))}


def _month_of(column):
    """'YYYY-MM' of a date column, in SQL (grouping by month returns 72 rows for six years, not 2,190)."""
    if db.engine.dialect.name == "postgresql":
        return func.to_char(column, "YYYY-MM")
    return func.substr(column, 1, 7)


def licence_counts(start: date, end: date) -> dict:
    t = StatLicenceDay
    _fresh()
    rows = db.session.execute(select(t.kind, t.format, func.sum(t.licences)).where(_between(t.day, start, end))
                              .group_by(t.kind, t.format)).all()
    by = Counter()
    for kind, fmt, n in rows:
        by[(kind, fmt)] += int(n)
    paper, electronic = by.get(("station_licence", "paper"), 0), by.get(("station_licence", "electronic"), 0)
    return {"permits_issued": by.get(("frequency_permit", "paper"), 0) + by.get(("frequency_permit", "electronic"), 0),
            "station_licences_issued": {"total": paper + electronic, "paper": paper, "electronic": electronic}}


def catalogue_figures() -> dict:
    item = ServiceItem
    row = db.session.execute(select(
        func.count(), _count_if(item.zero_trip.is_(True)),
        func.avg((item.statutory_days - item.promised_days) * literal(1.0) / item.statutory_days),
        func.min(item.online_depth), _count_if(item.online_depth == 4),
    ).where(item.active.is_(True))).one()
    items, zero_trip, reduction, min_level, level4 = row
    return {"zero_trip_item_rate": _rate(zero_trip, items),
            "time_reduction_rate": None if reduction is None else float(reduction),
            "online_depth": {"min_level": min_level, "level4_item_rate": _rate(level4, items)}}


def deferral_figures(start: date, end: date, as_of: date) -> dict:
    """容缺 outcomes of the cases accepted with deferral in the period.

    A material is overdue when supplied after its due date, or still outstanding with its due date
    before `as_of` (the day after the period, or today if earlier: later days have not happened yet).
    """
    m = ApplicationMaterial
    row = db.session.execute(select(
        func.count(func.distinct(m.application_id)), func.count(),
        _count_if(and_(m.supplied_on.is_not(None), m.supplied_on <= m.due_on)),
        _count_if(or_(m.supplied_on > m.due_on, and_(m.status == "deferred", m.due_on < as_of))),
        func.count(func.distinct(case((Application.state == "terminated", Application.id)))),
    ).join(Application, m.application_id == Application.id)
        .where(m.was_deferred.is_(True), _between(Application.accepted_on, start, end))).one()
    return dict(zip(("cases", "materials", "supplied_on_time", "overdue", "terminated"), row))


def rating_figures(start: date, end: date, completed: int, rated: int, as_of: date | None = None) -> dict:
    """Rating figures from the daily summaries; 差评按时整改率 counts only the bad ratings whose work order is due
    by `as_of` or already answered (one still inside its time limit is neither on time nor late yet: None when
    none is due). Bad ratings are few, so that one count reads the rows."""
    _fresh()
    r = StatRatingDay
    counted = r.defaulted.is_(False)

    def total(*conditions, column=r.ratings):
        return _sum(case((and_(*conditions), column), else_=0))

    row = db.session.execute(select(
        total(counted), total(counted, r.level == 5), total(counted, r.channel == "window"),
        total(counted, r.channel == "window", r.level == 5), total(counted, r.level >= 3),
        total(counted, r.level <= 2), total(counted, r.level <= 2, column=r.bad_on_time),
        total(r.defaulted.is_(True)),
    ).where(_between(r.day, start, end))).one()
    row = _zeros(row)
    count, very, window, window_very, good, bad_n, bad_on_time, defaulted = row
    # Bad ratings whose work order is neither answered nor due yet: read from the open work orders (few), so the
    # figure costs the same on a national register; every other bad rating of the period is due.
    # In steps, so no planner starts from the period's cases (or every rating) instead.
    answered = func.coalesce(WorkOrder.replied_on, WorkOrder.closed_on)
    open_orders = list(db.session.scalars(select(WorkOrder.rating_id).where(
        answered.is_(None), WorkOrder.due_on >= (as_of or end + timedelta(days=1)))))
    waiting = []
    for at in range(0, len(open_orders), 500):
        waiting += db.session.scalars(select(Rating.application_id).where(
            Rating.id.in_(open_orders[at:at + 500]), Rating.defaulted.is_(False), Rating.level <= 2))
    in_period = set()
    distinct = sorted(set(waiting))
    for at in range(0, len(distinct), 500):
        in_period.update(db.session.scalars(select(Application.id).where(
            Application.id.in_(distinct[at:at + 500]), _completed(start, end))))
    bad_due = bad_n - sum(1 for case_id in waiting if case_id in in_period)
    return {"count": count, "coverage": _rate(rated, completed), "very_satisfied_rate": _rate(very, count),
            "window_very_satisfied_rate": _rate(window_very, window), "good_rate": _rate(good, count),
            "bad": bad_n, "bad_rectified_on_time_rate": _rate(bad_on_time, bad_due), "defaulted": defaulted}


def compute(start: date, end: date, today: date | None = None, histogram: list[tuple[int, int]] | None = None) -> dict:
    """Every key of domain.md §5 over [start, end], nested as the dotted names suggest.

    `histogram` is the period's turnaround_histogram() where the caller already has it.
    """
    if histogram is None:
        histogram = turnaround_histogram(start, end)
    as_of = min(end + timedelta(days=1), today or end + timedelta(days=1))
    counts = case_counts(start, end)
    done = completed_figures(start, end)
    return {
        "period": {"from": start.isoformat(), "to": end.isoformat()},
        "cases": {k: v for k, v in counts.items() if not k.startswith("_")},
        **licence_counts(start, end),
        "single_window_rate": _rate(counts["_single_window"], counts["accepted"]),
        "zero_trip_case_rate": _rate(done["zero_visit"], done["completed"]),
        "actual_time_reduction_rate": None if not done["statutory"] else 1 - done["used"] / done["statutory"],
        **catalogue_figures(),
        "turnaround_workdays": turnaround(histogram),
        "on_time_rate": {"promised": _rate(done["on_time_promised"], done["timed"]),
                         "statutory": _rate(done["on_time_statutory"], done["timed"]),
                         "unextended": _rate(done["on_time_unextended"], done["timed"])},
        "extended_cases": done["extended"], "deemed_accepted_cases": done["deemed_accepted"],
        "deferrals": deferral_figures(start, end, as_of),
        "ratings": rating_figures(start, end, done["completed"], done["rated"], as_of),
        "first_time_right_rate": _rate(counts["_first_time_right"], counts["accepted"]),
    }


# ---- breakdowns -------------------------------------------------------------------------------

_BREAKDOWN_DIMENSIONS = {"item": "service_item_id", "channel": "channel", "reviewer": "reviewer_id", "month": "all"}


def _key_names(name: str) -> dict | None:
    """Summary keys (ids as text) -> the key a breakdown shows: item code, reviewer name; None: the key itself."""
    if name == "item":
        return {str(i): code for i, code in db.session.execute(select(ServiceItem.id, ServiceItem.code))}
    if name == "reviewer":
        return {str(i): display for i, display in db.session.execute(select(User.id, User.display_name))}
    return None


def _month_key(day: date | str) -> str:
    return str(day)[:7]


def breakdown(name: str, start: date, end: date) -> list[dict]:
    """Per item, channel, reviewer or month: counts, turnaround, on-time rates, outcomes."""
    if name not in _BREAKDOWN_DIMENSIONS:
        raise ValueError(name)
    _fresh()
    s = summaries.case_source(start, end, _BREAKDOWN_DIMENSIONS[name]).c
    group = s.day if name == "month" else s.key
    summed = ("received", "accepted", "completed", *TERMINAL_STATES, "timed", "_used", "_promised", "_statutory")
    fields = ("received", "accepted", "completed", "timed", "_used", "_promised", "_statutory", *TERMINAL_STATES)
    query = select(group, _sum(s.received), _sum(s.accepted), _sum(s.completed), _sum(s.timed), _sum(s.workdays_used),
                   _sum(s.on_time_promised), _sum(s.on_time_statutory),
                   *(_sum(getattr(s, f"completed_{state}")) for state in TERMINAL_STATES)).group_by(group)
    names = _key_names(name)
    rows: dict = {}
    for k, *values in db.session.execute(query):
        values = _zeros(values)
        if name == "month":
            k = _month_key(k)
        elif names is not None:
            k = names.get(k, "") or ""
        r = rows.setdefault(k, {"key": k, **{f: 0 for f in summed}})
        for field, value in zip(fields, values):
            r[field] += value
    out = []
    for r in rows.values():
        if not (r["received"] or r["accepted"] or r["completed"]):
            continue
        used, promised, statutory = r.pop("_used"), r.pop("_promised"), r.pop("_statutory")
        r.update(turnaround_mean=_rate(used, r["timed"]) if r["timed"] else None,
                 on_time_promised=_rate(promised, r["timed"]), on_time_statutory=_rate(statutory, r["timed"]))
        out.append(r)
    return sorted(out, key=lambda r: r["key"])


def licences_by_month(start: date, end: date) -> list[dict]:
    _fresh()
    t = StatLicenceDay
    month = _month_of(t.day)
    months: dict = {}
    for key, kind, fmt, n in db.session.execute(
            select(month, t.kind, t.format, func.sum(t.licences)).where(_between(t.day, start, end))
            .group_by(month, t.kind, t.format)):
        entry = months.setdefault(key, {"key": key, "frequency_permit": 0, "paper": 0, "electronic": 0})
        entry["frequency_permit" if kind == "frequency_permit" else fmt] += int(n)
    return sorted(months.values(), key=lambda r: r["key"])


def ratings_matrix(start: date, end: date) -> list[dict]:
    _fresh()
    r = StatRatingDay
    rows = db.session.execute(
        select(r.channel, r.level, func.sum(r.ratings)).where(_between(r.day, start, end), r.defaulted.is_(False))
        .group_by(r.channel, r.level).having(func.sum(r.ratings) > 0).order_by(r.channel, r.level)).all()
    return [{"channel": c, "level": level, "count": int(n)} for c, level, n in rows]


def reasons(start: date, end: date, top: int = 10) -> dict:
    """What corrections asked for, and why cases were refused (不予受理) or rejected (不予许可)."""
    # One JSON list per notice (not per case): counted here because SQLite and PostgreSQL unnest JSON differently.
    materials = Counter()
    for items in db.session.scalars(select(CorrectionNotice.items)
                                    .where(_between(CorrectionNotice.issued_on, start, end))):
        materials.update(i.get("name") or i.get("material") for i in items or ())
    refused = db.session.execute(
        select(Application.outcome_reason, func.count()).where(Application.state == "not_accepted",
                                                               _between(Application.completed_on, start, end))
        .group_by(Application.outcome_reason).order_by(func.count().desc()).limit(top)).all()
    rejected = db.session.execute(
        # a rejected case is completed on the day of its decision (workflow.review.decide)
        select(Decision.reason, func.count()).join(Application, Decision.application_id == Application.id)
        .where(Application.state == "rejected", _between(Application.completed_on, start, end))
        .group_by(Decision.reason).order_by(func.count().desc()).limit(top)).all()
    return {"corrections": materials.most_common(top), "refusals": [tuple(r) for r in refused],
            "rejections": [tuple(r) for r in rejected]}


def work_orders(today: date) -> dict:
    """差评 work orders still open, and those past their reply deadline."""
    is_open = WorkOrder.status.in_(("open", "appealed"))
    open_n, overdue = db.session.execute(select(_count_if(is_open),
                                                _count_if(and_(is_open, WorkOrder.due_on < today)))).one()
    return {"open": open_n, "overdue": overdue}


# ---- open cases, as of today ------------------------------------------------------------------

OPEN_BUCKETS = ("overdue", "0-2", "3-5", "6-10", "11+", "paused")


def _paused():
    return exists().where(ClockStop.application_id == Application.id, ClockStop.resumed_on.is_(None))


def _due_now():
    """The deadline that runs now: issue (Art. 44) once approved, else the statutory decision limit."""
    return case((Application.state == "approved", Application.due_issue), else_=Application.due_statutory)


def open_by_days_left(today: date) -> dict:
    """Open cases on the clock, bucketed by statutory working days left (paused cases apart)."""
    cal = clock.load_calendar()
    two, five, ten = (cal.add(today, n) for n in (2, 5, 10))
    due = _due_now()
    bucket = case((_paused(), "paused"), (due < today, "overdue"), (due <= two, "0-2"), (due <= five, "3-5"),
                  (due <= ten, "6-10"), else_="11+")
    rows = db.session.execute(select(bucket, func.count()).where(Application.state.in_(OPEN_ON_CLOCK))
                              .group_by(bucket)).all()
    found = dict(rows)
    return {b: found.get(b, 0) for b in OPEN_BUCKETS}


def week_end(today: date) -> date:
    return today + timedelta(days=6 - today.weekday())


def at_risk(today: date, limit: int = 100) -> list[Application]:
    """Open cases with a deadline (promised, statutory, issue, deferred material) by the end of this week."""
    until = week_end(today)
    material_due = exists().where(ApplicationMaterial.application_id == Application.id,
                                  ApplicationMaterial.status == "deferred", ApplicationMaterial.due_on <= until)
    return db.session.scalars(
        select(Application).where(Application.state.in_(OPEN_ON_CLOCK), or_(
            and_(~_paused(), or_(_due_now() <= until, Application.due_promised <= until)), material_due))
        .order_by(_due_now(), Application.id).limit(limit)
        # The list shows each case's clock and outstanding materials: load them in two queries, not two per row.
        .options(selectinload(Application.clock_stops), selectinload(Application.materials))).all()


def dashboard(start: date, end: date, today: date) -> dict:
    """Everything the supervisor dashboard and the annual report draw: figures, breakdowns, charts."""
    histogram = turnaround_histogram(start, end)
    return {
        "indicators": compute(start, end, today, histogram),
        "by_month": breakdown("month", start, end),
        "by_item": breakdown("item", start, end),
        "by_channel": breakdown("channel", start, end),
        "by_reviewer": breakdown("reviewer", start, end),
        "licences_by_month": licences_by_month(start, end),
        "turnaround_histogram": [{"days": d, "cases": n} for d, n in histogram],
        "ratings_matrix": ratings_matrix(start, end),
        "reasons": reasons(start, end),
    }
