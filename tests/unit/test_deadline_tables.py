"""Deadline tables: every figure a reviewer sees, against hand counts on the official calendar.

The hand counts use the State Council's holiday notices: 2024 National Day 10-01..10-07 off, Sun 09-29 and
Sat 10-12 make-up working days; 2025 New Year 01-01 off; 2025 Spring Festival 01-28..02-04 off, Sun 01-26 and
Sat 02-08 make-up; 2025 May Day 05-01..05-05 off, Sun 04-27 make-up. The day of acceptance is not counted;
a stop paused on P and resumed on R stops the working days in (P, R].
"""
from datetime import date

import pytest

from radiolic.extensions import db
from radiolic.models import Application, ClockStop, HolidayOverride
from radiolic.workflow import clock

from ..conftest import item

D = date
# Working days after Fri 2024-09-27, numbered (the basis of most rows below):
#  1 09-29 (Sun, make-up)   2 09-30   -- 10-01..10-07 holiday --   3 10-08   4 10-09   5 10-10   6 10-11
#  7 10-12 (Sat, make-up)   8-12 10-14..10-18   13-17 10-21..10-25   18-22 10-28..11-01   23-27 11-04..11-08
#  28 11-11  29 11-12  30 11-13  31 11-14  32 11-15  33 11-18
SEPT_27 = D(2024, 9, 27)


def _case(applicant_id, accepted, *, statutory=30, promised=1, stops=(), completed=None, code="ST-NEW"):
    case = Application(number=f"T{accepted:%Y%m%d}", query_hash="x", service_item=item(code),
                       applicant_id=applicant_id, received_on=accepted, accepted_on=accepted,
                       state="rejected" if completed else "under_review", statutory_days=statutory,
                       promised_days=promised, completed_on=completed, decided_on=completed)
    for stop in stops:
        paused, resumed, kind, expected = (*stop, "expert_review", 5)[:4] if len(stop) == 2 else stop
        case.clock_stops.append(ClockStop(kind=kind, reason="原因", expected_days=expected,
                                          paused_on=paused, resumed_on=resumed))
    db.session.add(case)
    db.session.flush()
    return case


# accepted, statutory, promised, stops, as of -> due promised, due statutory, stopped, used, left promised, left statutory
TABLE = [
    # No stop: the 1st working day is the Sunday make-up day; the 30th is 11-13.
    ("no stop", SEPT_27, 30, 1, [], SEPT_27, D(2024, 9, 29), D(2024, 11, 13), 0, 0, 1, 30),
    # The issue's example: paused Mon 09-30, resumed Wed 10-09 -> (09-30, 10-09] holds 10-08 and 10-09 = 2.
    # Statutory: 30 + 2 -> #32 = 11-15. Promised fell due on 09-29, before the stop: it does not move.
    # Used as of 10-09: #1..#4 = 4 working days, less 2 stopped = 2; left 30 - 2 = 28 (count 10-10..11-15 = 28).
    ("across National Day", SEPT_27, 30, 1, [(D(2024, 9, 30), D(2024, 10, 9))], D(2024, 10, 9),
     D(2024, 9, 29), D(2024, 11, 15), 2, 2, -1, 28),
    # Entirely inside the holiday block: (10-02, 10-06] holds no working day -> nothing moves.
    ("inside the holiday block", SEPT_27, 30, 1, [(D(2024, 10, 2), D(2024, 10, 6))], D(2024, 10, 8),
     D(2024, 9, 29), D(2024, 11, 13), 0, 3, -2, 27),
    # Paused on the make-up Sunday, resumed on the last holiday: (09-29, 10-07] holds only 09-30 -> #31 = 11-14.
    ("from the make-up Sunday into the holidays", SEPT_27, 30, 1, [(D(2024, 9, 29), D(2024, 10, 7))],
     D(2024, 10, 8), D(2024, 9, 29), D(2024, 11, 14), 1, 2, -1, 28),
    # Over the make-up Saturday: (10-11, 10-14] holds Sat 10-12 and Mon 10-14 = 2 -> #32 = 11-15.
    ("over the make-up Saturday", SEPT_27, 30, 1, [(D(2024, 10, 11), D(2024, 10, 14))], D(2024, 10, 14),
     D(2024, 9, 29), D(2024, 11, 15), 2, 6, -5, 24),
    # Paused the day of acceptance: (09-27, 10-08] holds 09-29, 09-30, 10-08 = 3. Promised: the first
    # unstopped working day is 10-09. Statutory: #33 = 11-18. Used as of 10-09: 4 - 3 = 1.
    ("paused on the day of acceptance", SEPT_27, 30, 1, [(SEPT_27, D(2024, 10, 8))], D(2024, 10, 9),
     D(2024, 10, 9), D(2024, 11, 18), 3, 1, 0, 29),
    # Two stops: (09-30, 10-09] = 2 and (10-11, 10-14] = 2 -> #34 = 11-19; used as of 10-15: #1..#9 = 9 - 4 = 5.
    ("two stops", SEPT_27, 30, 1, [(D(2024, 9, 30), D(2024, 10, 9)), (D(2024, 10, 11), D(2024, 10, 14))],
     D(2024, 10, 15), D(2024, 9, 29), D(2024, 11, 19), 4, 5, -4, 25),
    # Still paused (open stop) as of 10-10: (09-30, 10-10] = 10-08, 10-09, 10-10 = 3 -> #33 = 11-18.
    ("open stop", SEPT_27, 30, 1, [(D(2024, 9, 30), None)], D(2024, 10, 10),
     D(2024, 9, 29), D(2024, 11, 18), 3, 2, -1, 28),
    # Frequency permit (20), 2025 Spring Festival. After Fri 01-24: 1 01-26 (Sun make-up), 2 01-27,
    # -- 01-28..02-04 --, 3 02-05, 4 02-06, 5 02-07, 6 02-08 (Sat make-up), 7-11 02-10..14, 12-16 02-17..21,
    # 17-20 02-24..27 -> due Thu 02-27. Promised 1 -> Sun 01-26.
    ("Spring Festival 2025", D(2025, 1, 24), 20, 1, [], D(2025, 1, 24), D(2025, 1, 26), D(2025, 2, 27), 0, 0, 1, 20),
    # Paused Mon 01-27, resumed Thu 02-06: (01-27, 02-06] = 02-05, 02-06 = 2 -> #22: 02-28 (21), Mon 03-03 (22).
    ("stop across Spring Festival 2025", D(2025, 1, 24), 20, 1, [(D(2025, 1, 27), D(2025, 2, 6))], D(2025, 2, 6),
     D(2025, 1, 26), D(2025, 3, 3), 2, 2, -1, 18),
    # May Day 2025, 5 working days after Fri 04-25: 04-27 (Sun make-up), 04-28, 04-29, 04-30, 05-06.
    ("May Day 2025", D(2025, 4, 25), 5, 1, [], D(2025, 4, 25), D(2025, 4, 27), D(2025, 5, 6), 0, 0, 1, 5),
    # Over New Year: after Mon 2024-12-30: 12-31, (01-01 off), 01-02, 01-03, 01-06, 01-07.
    ("New Year 2025", D(2024, 12, 30), 5, 1, [], D(2024, 12, 30), D(2024, 12, 31), D(2025, 1, 7), 0, 0, 1, 5),
    # As of a holiday: accepted 09-27, as of Thu 10-03: used = 09-29, 09-30 = 2 (holidays count for nothing).
    ("as of a holiday", SEPT_27, 30, 1, [], D(2024, 10, 3), D(2024, 9, 29), D(2024, 11, 13), 0, 2, -1, 28),
]


@pytest.mark.parametrize("name,accepted,statutory,promised,stops,as_of,due_p,due_s,stopped,used,left_p,left_s",
                         TABLE, ids=[row[0] for row in TABLE])
def test_deadline_table(ctx, make_applicant, name, accepted, statutory, promised, stops, as_of, due_p, due_s,
                        stopped, used, left_p, left_s):
    case = _case(make_applicant(), accepted, statutory=statutory, promised=promised, stops=stops)
    c = clock.compute(case, as_of)
    assert (c.due_promised, c.due_statutory, c.stopped, c.used, c.left_promised, c.left_statutory) == \
        (due_p, due_s, stopped, used, left_p, left_s)


def test_days_left_is_the_limit_less_the_days_used(ctx, make_applicant):
    # Not overdue: counting the working days from today to the due date gives the same figure.
    case = _case(make_applicant(), SEPT_27, stops=[(D(2024, 9, 30), D(2024, 10, 9))])
    cal = clock.load_calendar()
    for as_of in (D(2024, 10, 9), D(2024, 10, 12), D(2024, 10, 20), D(2024, 11, 14)):
        c = clock.compute(case, as_of, cal)
        assert c.left_statutory == cal.count(as_of, c.due_statutory) == 30 - c.used


def test_overdue_counts_working_days_past_the_due_date(ctx, make_applicant):
    # Statutory 5 after 09-27 -> 10-10; as of Mon 10-14: 10-11, Sat 10-12 (make-up), 10-14 -> 3 days over.
    case = _case(make_applicant(), SEPT_27, statutory=5)
    assert clock.compute(case, D(2024, 10, 14)).left_statutory == -3


def test_extension_counts_at_most_its_approved_days(ctx, make_applicant):
    # Accepted Mon 09-23; extension of 3 working days from Tue 09-24, never resumed: it covers 09-25..09-27.
    case = _case(make_applicant(), D(2024, 9, 23), statutory=20,
                 stops=[(D(2024, 9, 24), None, "extension", 3)])
    c = clock.compute(case, D(2024, 10, 14))
    assert c.stopped == 3 and c.extension_ends == D(2024, 9, 27)
    # 20 working days after 09-23 without the stop: 09-24..09-27 (4), 09-29, 09-30 (6), 10-08..10-12 (11),
    # 10-14..10-18 (16), 10-21..10-24 (20) -> 10-24; three more: 10-25, 10-28, 10-29.
    assert c.due_statutory == D(2024, 10, 29)


def test_completed_case_is_frozen_at_completion(ctx, make_applicant):
    case = _case(make_applicant(), SEPT_27, completed=D(2024, 10, 10), stops=[(D(2024, 9, 30), D(2024, 10, 9))])
    c = clock.compute(case, D(2025, 3, 1))
    # Working days to 10-10: 09-29, 09-30, 10-08, 10-09, 10-10 = 5, less 2 stopped.
    assert (c.used, c.used_to_decision, c.left_statutory) == (3, 3, None)


def test_a_corrected_calendar_restates_the_deadlines(ctx, make_applicant):
    case = _case(make_applicant(), SEPT_27, statutory=5)
    assert clock.compute(case, SEPT_27).due_statutory == D(2024, 10, 10)
    # A local closure on Thu 10-10 entered by the admin: the 5th working day becomes Fri 10-11.
    db.session.add(HolidayOverride(day=D(2024, 10, 10), workday=False, note="台风停工"))
    db.session.flush()
    clock.forget_calendar()
    refreshed = clock.refresh(case, SEPT_27)
    assert refreshed.due_statutory == case.due_statutory == D(2024, 10, 11)


def test_issue_deadline_is_ten_working_days_from_the_decision(ctx, make_applicant):
    # Approved Mon 09-30: 10-08, 10-09, 10-10, 10-11, Sat 10-12, 10-14..10-18 -> the 10th is Fri 10-18.
    case = _case(make_applicant(), SEPT_27)
    case.state, case.decided_on = "approved", D(2024, 9, 30)
    c = clock.compute(case, D(2024, 10, 14))
    assert c.due_issue == D(2024, 10, 18)
    # As of 10-14 four working days remain: 10-15, 10-16, 10-17, 10-18.
    assert (c.left_issue, c.left_statutory) == (4, None)
    case.state, case.issued_on, case.completed_on = "issued", D(2024, 10, 16), D(2024, 10, 16)
    c = clock.compute(case, D(2024, 10, 20))
    assert c.due_issue == D(2024, 10, 18) and c.left_issue is None
