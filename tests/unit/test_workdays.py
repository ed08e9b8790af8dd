"""Tests for radiolic.workdays against the official (State Council) holiday arrangements."""

import time
from datetime import date, timedelta

import chinese_calendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from radiolic.workdays import CalendarGap, WorkCalendar, statutory_holidays

D = date

# Official arrangements relied on below (State Council notices, as in chinesecalendar 1.11):
#   2024 National Day: 10-01..10-07 off; Sun 09-29 and Sat 10-12 are make-up working days.
#   2026 New Year: 01-01..01-03 off; Sun 01-04 is a make-up working day.
#   2026 Spring Festival: 02-15..02-23 off (9 days); Sat 02-14 and Sat 02-28 are make-up working days.


@pytest.fixture(scope="module")
def cal():
    return WorkCalendar()


def test_calendar_data_assumptions():
    # Guard the hand counts below against a changed package dataset.
    for d in (D(2024, 9, 29), D(2024, 10, 12), D(2026, 1, 4), D(2026, 2, 14), D(2026, 2, 28)):
        assert d.weekday() >= 5 and chinese_calendar.is_workday(d)
    for d in [D(2024, 10, 1) + timedelta(i) for i in range(7)] + [D(2026, 2, 15) + timedelta(i) for i in range(9)]:
        assert not chinese_calendar.is_workday(d)


def test_worked_example_national_day_2024(cal):
    # After Fri 09-27: Sun 09-29 (1), Mon 09-30 (2), 10-01..07 off, 10-08 (3), 10-09 (4), 10-10 (5).
    assert cal.add(D(2024, 9, 27), 5) == D(2024, 10, 10)
    assert cal.count(D(2024, 9, 27), D(2024, 10, 10)) == 5


@pytest.mark.parametrize(
    "start, n, expected",
    [
        (D(2024, 9, 27), 0, D(2024, 9, 27)),  # n == 0 is the start itself
        (D(2024, 9, 27), 1, D(2024, 9, 29)),  # Sat 09-28 off, Sun 09-29 make-up
        (D(2024, 9, 30), 1, D(2024, 10, 8)),  # whole Golden Week skipped
        (D(2024, 10, 11), 1, D(2024, 10, 12)),  # Sat 10-12 make-up
        (D(2024, 10, 12), 1, D(2024, 10, 14)),  # Sun 10-13 off
        # 20 days after 09-27: 09-29, 09-30, 10-08..11 (6), 10-12 (7), 10-14..18 (12), 10-21..25 (17), 10-28..30 (20)
        (D(2024, 9, 27), 20, D(2024, 10, 30)),
        # Start on a holiday: 10-08 is the first working day after it.
        (D(2024, 10, 3), 1, D(2024, 10, 8)),
        # Across the year end: 2026-01-01..03 off, Sun 01-04 make-up.
        (D(2025, 12, 31), 1, D(2026, 1, 4)),
        (D(2025, 12, 31), 2, D(2026, 1, 5)),
    ],
)
def test_add_2024_and_new_year(cal, start, n, expected):
    assert cal.add(start, n) == expected


@pytest.mark.parametrize(
    "start, n, expected",
    [
        (D(2026, 2, 13), 1, D(2026, 2, 14)),  # Fri -> make-up Sat 02-14
        (D(2026, 2, 13), 2, D(2026, 2, 24)),  # 02-14 (1), then 02-15..23 off, 02-24 (2)
        (D(2026, 2, 12), 3, D(2026, 2, 24)),  # 02-13 (1), 02-14 (2), 02-24 (3)
        (D(2026, 2, 14), 1, D(2026, 2, 24)),  # from the make-up Saturday itself
        (D(2026, 2, 18), 1, D(2026, 2, 24)),  # from inside the holiday
        (D(2026, 2, 24), 4, D(2026, 2, 28)),  # 02-25, 26, 27 (3), make-up Sat 02-28 (4)
        (D(2026, 2, 24), 5, D(2026, 3, 2)),  # Sun 03-01 off
        (D(2026, 2, 27), 1, D(2026, 2, 28)),
        # 02-14 (1), 02-24..27 (5), 02-28 (6), 03-02..05 (10)
        (D(2026, 2, 13), 10, D(2026, 3, 5)),
    ],
)
def test_add_spring_festival_2026(cal, start, n, expected):
    assert cal.add(start, n) == expected


@pytest.mark.parametrize(
    "start, end, expected",
    [
        (D(2026, 2, 13), D(2026, 2, 24), 2),  # 02-14, 02-24
        (D(2026, 2, 14), D(2026, 2, 23), 0),  # only holidays after the make-up Saturday
        (D(2026, 2, 9), D(2026, 3, 1), 10),  # 02-10..13 (4), 02-14 (5), 02-24..27 (9), 02-28 (10)
        (D(2026, 2, 8), D(2026, 2, 28), 11),  # 02-09..13 (5), 02-14 (6), 02-24..27 (10), 02-28 (11)
        (D(2026, 1, 31), D(2026, 2, 28), 16),  # 02-02..06 (5), 02-09..13 (10), 02-14 (11), 02-24..27 (15), 02-28 (16)
        (D(2025, 12, 30), D(2026, 1, 5), 3),  # 12-31, Sun 01-04 make-up, 01-05
        (D(2026, 2, 24), D(2026, 2, 24), 0),  # same day
        (D(2026, 2, 24), D(2026, 2, 13), 0),  # end before start
    ],
)
def test_count_spring_festival_2026(cal, start, end, expected):
    assert cal.count(start, end) == expected


def test_stop_moves_deadline_by_stopped_working_days(cal):
    # Paused 09-30, resumed 10-09: (09-30, 10-09] holds 10-01..07 (off), 10-08, 10-09 -> 2.
    stops = [(D(2024, 9, 30), D(2024, 10, 9))]
    assert cal.stopped(stops, until=D(2024, 10, 15)) == 2
    # Without the stop 20 days fall on 10-30; +2 gives 10-31, Fri 11-01.
    assert cal.add(D(2024, 9, 27), 20) == D(2024, 10, 30)
    assert cal.add(D(2024, 9, 27), 20 + cal.stopped(stops, until=D(2024, 10, 15))) == D(2024, 11, 1)


@pytest.mark.parametrize(
    "stops, until, expected",
    [
        ([], D(2024, 10, 31), 0),
        # Open stop paused 10-08, counted to 10-12: 10-09, 10, 11, Sat 10-12 make-up -> 4.
        ([(D(2024, 10, 8), None)], D(2024, 10, 12), 4),
        # Overlapping stops: union (09-30, 10-11] = 10-08..11 -> 4, not 2 + 4.
        ([(D(2024, 9, 30), D(2024, 10, 9)), (D(2024, 10, 8), D(2024, 10, 11))], D(2024, 10, 31), 4),
        # Same, given out of order.
        ([(D(2024, 10, 8), D(2024, 10, 11)), (D(2024, 9, 30), D(2024, 10, 9))], D(2024, 10, 31), 4),
        # Back-to-back stops: (09-30, 10-08] + (10-08, 10-10] = 10-08, 09, 10 -> 3.
        ([(D(2024, 9, 30), D(2024, 10, 8)), (D(2024, 10, 8), D(2024, 10, 10))], D(2024, 10, 31), 3),
        # Only days <= until count: (09-30, 10-31] clipped to (09-30, 10-09] -> 2.
        ([(D(2024, 9, 30), D(2024, 10, 31))], D(2024, 10, 9), 2),
        # Stop paused after until counts nothing.
        ([(D(2024, 10, 20), None)], D(2024, 10, 9), 0),
        # Paused and resumed the same day stops nothing.
        ([(D(2024, 10, 8), D(2024, 10, 8))], D(2024, 10, 31), 0),
    ],
)
def test_stopped(cal, stops, until, expected):
    assert cal.stopped(stops, until) == expected


def test_stop_resumed_before_paused_is_rejected(cal):
    with pytest.raises(ValueError):
        cal.stopped([(D(2024, 10, 9), D(2024, 10, 8))], D(2024, 10, 31))


@pytest.mark.parametrize("year", [1900, 2200])
def test_calendar_gap_outside_the_provisional_range(cal, year):
    assert not cal.covers(year)
    with pytest.raises(CalendarGap) as exc:
        cal.is_workday(D(year, 1, 5))
    assert exc.value.year == year
    assert f"{year} 年的节假日安排尚未录入" in str(exc.value)
    assert f"No holiday calendar for {year}" in str(exc.value) and f"{year}-01-05" in str(exc.value)
    assert isinstance(exc.value, ValueError)


def test_year_without_notice_is_provisional_not_an_error(cal):
    # chinesecalendar 1.11 covers 2004-2026; if an upgrade adds 2027, move this to the next year.
    assert cal.covers(2027) and cal.is_provisional(2027) and not cal.is_provisional(2026)
    assert cal.provisional_from(D(2026, 12, 1), D(2026, 12, 31)) is None
    assert cal.provisional_from(D(2026, 12, 1), D(2027, 1, 5)) == 2027
    # 2026-12-28..31 are the last four working days of 2026; Fri 2027-01-01 (元旦) off, weekend,
    # Mon 01-04 is the 5th.
    assert cal.add(D(2026, 12, 25), 4) == D(2026, 12, 31)
    assert cal.add(D(2026, 12, 25), 5) == D(2027, 1, 4)
    # (12-01, 2027-01-05]: 22 working days after Tue 12-01 in December (3+5+5+5+4), + 01-04, 01-05.
    assert cal.count(D(2026, 12, 1), D(2027, 1, 5)) == 24
    assert cal.stopped([(D(2026, 12, 30), None)], until=D(2027, 1, 5)) == 3  # 12-31, 01-04, 01-05


def test_provisional_2027_statutory_days():
    # Computed by hand from the lunar calendar: 春节 2027-02-06 (除夕 Fri 02-05), 清明 Mon 04-05,
    # 端午 Wed 06-09, 中秋 Wed 09-15.
    days = statutory_holidays(2027)
    assert [d.isoformat() for d in days] == [
        "2027-01-01", "2027-02-05", "2027-02-06", "2027-02-07", "2027-02-08", "2027-04-05", "2027-05-01",
        "2027-05-02", "2027-06-09", "2027-09-15", "2027-10-01", "2027-10-02", "2027-10-03"]
    cal = WorkCalendar()
    assert not cal.is_workday(D(2027, 2, 5)) and not cal.is_workday(D(2027, 2, 8))  # Fri 除夕, Mon 初三
    assert cal.is_workday(D(2027, 2, 9))  # Tue after the holiday
    # After Wed 02-03: Thu 02-04 (1), [02-05..02-08 off], Tue 02-09 (2).
    assert cal.add(D(2027, 2, 3), 2) == D(2027, 2, 9)


@pytest.mark.parametrize("year", [2025, 2026])
def test_statutory_days_match_chinesecalendar(year):
    # Under the 2024 revision (from 2025) every statutory day is a holiday of the published notice, with the
    # package's name for it.
    english = {"元旦": "New Year's Day", "除夕": "Spring Festival", "春节": "Spring Festival",
               "清明节": "Tomb-sweeping Day", "劳动节": "Labour Day", "端午节": "Dragon Boat Festival",
               "中秋节": "Mid-autumn Festival", "国庆节": "National Day"}
    days = statutory_holidays(year)
    assert len(days) == 13
    for d, name in days.items():
        on_holiday, detail = chinese_calendar.get_holiday_detail(d)
        assert on_holiday and detail == english[name], (d, name, detail)


def test_statutory_days_2024_match_except_the_eve():
    # 2024 predates the revision: 除夕 (Fri 02-09) was still a working day; every other day matches.
    for d, name in statutory_holidays(2024).items():
        assert chinese_calendar.is_holiday(d) == (name != "除夕"), (d, name)


def test_provisional_from_treats_package_years_as_unknown():
    # The calendar as it stood before the package covered 2026: 2026 New Year make-up day Sun 01-04 is off.
    old = WorkCalendar(provisional_from=2026)
    assert old.is_provisional(2026) and not old.is_provisional(2025)
    assert not old.is_workday(D(2026, 1, 4)) and WorkCalendar().is_workday(D(2026, 1, 4))
    assert old.is_workday(D(2026, 1, 2)) and not WorkCalendar().is_workday(D(2026, 1, 2))  # Fri 01-02: a bridge day


# A hypothetical 2027 notice for New Year: Fri 01-01 off; Sat 01-02/Sun 01-03 are ordinary weekend days.
NOTICE_2027 = {D(2027, 1, 1): False}


def test_overrides_with_covered_year_fill_the_gap():
    cal = WorkCalendar(NOTICE_2027, covered_years=[2027])
    assert cal.covers(2027)
    assert not cal.is_workday(D(2027, 1, 1))
    assert not cal.is_workday(D(2027, 1, 2))  # Saturday, not in overrides
    assert cal.is_workday(D(2027, 1, 4))  # Monday, not in overrides
    # After Thu 2026-12-31: 01-01 off, weekend, Mon 01-04 (1), Tue 01-05 (2).
    assert cal.add(D(2026, 12, 31), 2) == D(2027, 1, 5)
    # 12-28..31 (4) + 01-04, 01-05 (6)
    assert cal.count(D(2026, 12, 25), D(2027, 1, 5)) == 6


def test_single_override_makes_a_weekday_a_holiday_in_covered_year():
    cal = WorkCalendar({D(2027, 3, 3): False}, covered_years=[2027])
    assert not cal.is_workday(D(2027, 3, 3))  # a Wednesday
    # (Mon 03-01, Fri 03-05]: 03-02, 03-04, 03-05 -> 3
    assert cal.count(D(2027, 3, 1), D(2027, 3, 5)) == 3
    assert cal.add(D(2027, 3, 2), 1) == D(2027, 3, 4)


def test_overrides_beat_the_package():
    # Pretend 2024-10-08 became a holiday and 2024-10-01 a working day.
    cal = WorkCalendar({D(2024, 10, 8): False, D(2024, 10, 1): True})
    # After 09-27: 09-29 (1), 09-30 (2), 10-01 (3), 10-09 (4), 10-10 (5)
    assert cal.add(D(2024, 9, 27), 5) == D(2024, 10, 10)
    cal = WorkCalendar({D(2024, 10, 8): False})
    # 09-29 (1), 09-30 (2), 10-09 (3), 10-10 (4), 10-11 (5)
    assert cal.add(D(2024, 9, 27), 5) == D(2024, 10, 11)


def test_override_in_provisional_year_beats_the_estimate():
    cal = WorkCalendar({D(2027, 1, 4): False, D(2027, 2, 5): True})
    assert cal.is_provisional(2027)
    assert not cal.is_workday(D(2027, 1, 4))  # a local closure on a Monday
    assert cal.is_workday(D(2027, 2, 5))      # 除夕 made a working day
    assert cal.is_workday(D(2027, 1, 5))      # the estimate answers the rest
    # After Thu 2026-12-31: 01-01 off (statutory), weekend, 01-04 off (override), Tue 01-05 (1).
    assert cal.add(D(2026, 12, 31), 1) == D(2027, 1, 5)


def test_override_values_must_be_booleans():
    with pytest.raises(TypeError):
        WorkCalendar({D(2027, 1, 4): "0"})


def test_add_rejects_negative(cal):
    with pytest.raises(ValueError):
        cal.add(D(2024, 9, 27), -1)


# Independent oracle: every working day 2004-2026 straight from the package, walked day by day.
_FIRST, _LAST = D(2004, 1, 1), D(2026, 12, 31)
_WORKDAYS = frozenset(
    o for o in range(_FIRST.toordinal(), _LAST.toordinal() + 1) if chinese_calendar.is_workday(date.fromordinal(o))
)


def _naive_add(start, n):
    o = start.toordinal()
    while n:
        o += 1
        n -= o in _WORKDAYS
    return date.fromordinal(o)


@settings(max_examples=100, deadline=None)
@given(start=st.dates(_FIRST, D(2025, 1, 1)), n=st.integers(0, 300))
def test_add_and_count_match_day_by_day_walk(cal, start, n):
    end = _naive_add(start, n)
    assert cal.add(start, n) == end
    assert cal.count(start, end) == n
    if n:
        assert cal.is_workday(end)


@settings(max_examples=100, deadline=None)
@given(start=st.dates(_FIRST, _LAST), span=st.integers(-5, 800))
def test_count_matches_day_by_day(cal, start, span):
    end = min(start + timedelta(span), _LAST)
    naive = sum(o in _WORKDAYS for o in range(start.toordinal() + 1, end.toordinal() + 1))
    assert cal.count(start, end) == naive


def test_count_is_fast():
    cal = WorkCalendar()
    base = D(2015, 1, 1).toordinal()
    t0 = time.perf_counter()
    for i in range(50_000):
        s = date.fromordinal(base + (i * 37) % 4000)
        cal.count(s, s + timedelta(30))
    assert time.perf_counter() - t0 < 1.0
