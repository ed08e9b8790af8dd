"""Deadlines of a case, derived from acceptance and clock stops (hand counts against the official calendar)."""
from datetime import date

import pytest

from radiolic.extensions import db
from radiolic.models import Application, ClockStop
from radiolic.workflow import clock

from ..conftest import item


def _case(ctx_applicant, accepted, statutory=20, promised=1, stops=(), completed=None):
    case = Application(number="T1", query_hash="x", service_item=item("FP-NEW"), applicant_id=ctx_applicant,
                       received_on=accepted, accepted_on=accepted, state="under_review",
                       statutory_days=statutory, promised_days=promised, completed_on=completed)
    for paused, resumed in stops:
        case.clock_stops.append(ClockStop(kind="expert_review", reason="专家评审", expected_days=5,
                                          paused_on=paused, resumed_on=resumed))
    db.session.add(case)
    db.session.flush()
    return case


def test_national_day_example(ctx, make_applicant):
    # Accepted Fri 2024-09-27. Working days after it: Sun 09-29 (make-up), Mon 09-30, then 10-01..10-07
    # are holidays, Tue 10-08, Wed 10-09, Thu 10-10 -> the 5th working day is 2024-10-10.
    case = _case(make_applicant(), date(2024, 9, 27), statutory=5, promised=1)
    c = clock.compute(case, date(2024, 9, 27))
    assert c.due_statutory == date(2024, 10, 10)
    assert c.due_promised == date(2024, 9, 29)
    assert c.left_statutory == 5


def test_stop_across_the_holiday_block_moves_both_deadlines(ctx, make_applicant):
    # Paused Mon 09-30, resumed Wed 10-09: stopped working days in (09-30, 10-09] are 10-08 and 10-09 = 2.
    # Working days after 09-27: 09-29 (Sun, make-up) 1, 09-30 2, 10-08..10-11 3-6, 10-12 (Sat, make-up) 7,
    # 10-14..10-18 8-12, 10-21..10-25 13-17, 10-28..10-30 18-20 -> without the stop the 20th is Wed 10-30;
    # with 2 stopped days the 22nd: 10-31 21, Fri 11-01 22.
    case = _case(make_applicant(), date(2024, 9, 27), stops=[(date(2024, 9, 30), date(2024, 10, 9))])
    c = clock.compute(case, date(2024, 10, 9))
    assert c.stopped == 2
    assert c.due_statutory == date(2024, 11, 1)
    # Used as of 10-09: working days 09-29, 09-30, 10-08, 10-09 = 4, less 2 stopped = 2.
    assert c.used == 2


def test_open_stop_keeps_moving_the_deadline(ctx, make_applicant):
    case = _case(make_applicant(), date(2024, 9, 23), stops=[(date(2024, 9, 24), None)])
    first = clock.compute(case, date(2024, 9, 25))
    later = clock.compute(case, date(2024, 9, 27))
    assert first.paused and later.paused
    assert (later.due_statutory - first.due_statutory).days >= 2


def test_same_day_completion_uses_zero(ctx, make_applicant):
    case = _case(make_applicant(), date(2024, 9, 23), completed=date(2024, 9, 23))
    assert clock.compute(case, date(2024, 12, 1)).used == 0


def test_year_without_notice_gives_provisional_dates(ctx, make_applicant):
    # Accepted Mon 2026-12-28, 20 working days: 12-29, 12-30, 12-31 (1-3), Fri 2027-01-01 元旦 off,
    # 01-04..01-08 (4-8), 01-11..01-15 (9-13), 01-18..01-22 (14-18), Mon 01-25 (19), Tue 01-26 (20).
    case = _case(make_applicant(), date(2026, 12, 28), statutory=20)
    c = clock.compute(case, date(2026, 12, 28))
    assert c.warning == ""
    assert c.due_statutory == date(2027, 1, 26) and c.due_promised == date(2026, 12, 29)
    assert c.provisional_from == 2027
    assert c.is_provisional(c.due_statutory) and not c.is_provisional(c.due_promised)
    clock.refresh(case, date(2026, 12, 28))
    assert case.provisional_from == 2027


def test_notice_with_make_up_day_restates_with_a_timeline_entry(ctx, make_applicant):
    from radiolic.models import CalendarYear, Event, HolidayOverride
    case = _case(make_applicant(), date(2026, 12, 28), statutory=20)
    old = clock.load_calendar()
    clock.refresh(case, date(2026, 12, 28), old)
    # A (hypothetical) notice makes Sat 2027-01-09 a working day: it is the 9th, so the 20th is Mon 01-25.
    db.session.add_all([HolidayOverride(day=date(2027, 1, 1), workday=False, note="元旦"),
                        HolidayOverride(day=date(2027, 1, 9), workday=True, note="调休上班"),
                        CalendarYear(year=2027, source="国办发明电〔2026〕1号")])
    db.session.flush()
    clock.forget_calendar()
    new = clock.load_calendar()
    assert clock.restate(case, date(2026, 12, 28), old, new, by=None, reason="录入 2027 年放假安排")
    assert case.due_statutory == date(2027, 1, 25) and case.provisional_from is None
    note = db.session.scalars(db.select(Event.note).where(Event.application_id == case.id,
                                                          Event.action == "calendar_restated")).one()
    assert note == "录入 2027 年放假安排：法定期限 2027-01-26（暂定） → 2027-01-25"
    # Nothing moves the second time: no second entry.
    assert not clock.restate(case, date(2026, 12, 28), new, new, by=None, reason="again")


@pytest.mark.parametrize("accepted,days,due", [
    # 2026 Spring Festival: 02-15..02-23 off; Sat 02-14 and Sat 02-28 are make-up working days.
    (date(2026, 2, 13), 1, date(2026, 2, 14)),
    (date(2026, 2, 14), 1, date(2026, 2, 24)),
    # 02-14 (Sat, make-up), 02-24, 02-25, 02-26, 02-27 -> the 5th working day is Fri 02-27.
    (date(2026, 2, 13), 5, date(2026, 2, 27)),
    # 02-27, Sat 02-28 (make-up), 03-02 -> the 3rd working day after Thu 02-26 is Mon 03-02.
    (date(2026, 2, 26), 3, date(2026, 3, 2)),
])
def test_spring_festival_2026(ctx, make_applicant, accepted, days, due):
    case = _case(make_applicant(), accepted, statutory=days, promised=1)
    c = clock.compute(case, accepted)
    assert c.due_statutory == due
