"""Working-day arithmetic for statutory time limits (Chinese official calendar plus admin overrides).

Order of authority for a date: the admin's overrides (an entered notice, local closures), then the
`chinesecalendar` package, then a year the admin declared complete (Mon-Fri apart from overrides), then a
**provisional** calendar: weekends off plus the statutory holidays of 《全国年节及纪念日放假办法》 (2024
revision), with the lunar and solar-term dates computed by `lunar_python`. Work never stops for a missing
notice; callers ask `is_provisional(year)` to mark the dates that depend on it.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from functools import lru_cache

import chinese_calendar
from lunar_python import Lunar, Solar

__all__ = ["CalendarGap", "WorkCalendar", "package_years", "statutory_holidays"]

# Years the provisional calendar answers for (lunar_python's astronomy is good far beyond these).
PROVISIONAL_RANGE = range(1901, 2200)

Stop = tuple[date, date | None]  # (paused_on, resumed_on or None while still paused)


class CalendarGap(ValueError):
    """A date falls in a year for which no holiday calendar is known."""

    def __init__(self, year: int, day: date | None = None):
        self.year = year
        self.date = day
        detail = f"，无法判断 {day.isoformat()} 是否为工作日" if day else ""
        detail_en = f": cannot tell whether {day.isoformat()} is a working day" if day else ""
        super().__init__(
            f"{year} 年的节假日安排尚未录入{detail}（No holiday calendar for {year}{detail_en}）"
        )


@lru_cache(maxsize=None)
def _package_days(year: int) -> tuple[int, ...] | None:
    """Return the sorted ordinals of `year`'s working days per chinesecalendar, None if it lacks the year."""
    # Built once per process: the package's is_workday costs tens of microseconds a call.
    try:
        chinese_calendar.is_workday(date(year, 1, 1))
    except NotImplementedError:
        return None
    first, last = date(year, 1, 1).toordinal(), date(year, 12, 31).toordinal()
    return tuple(o for o in range(first, last + 1) if chinese_calendar.is_workday(date.fromordinal(o)))


def package_years(around: Iterable[int]) -> list[int]:
    """The years among `around` that the installed chinesecalendar covers."""
    return [y for y in around if _package_days(y) is not None]


@lru_cache(maxsize=None)
def statutory_holidays(year: int) -> dict[date, str]:
    """The statutory public holidays of `year` (《全国年节及纪念日放假办法》, as revised in 2024).

    元旦 1 day; 春节 4 days from 除夕 (lunar 12-29 or 12-30, the eve of lunar new year) to 初三;
    清明 on the solar term's day; 劳动节 05-01..05-02; 端午 (lunar 05-05); 中秋 (lunar 08-15);
    国庆 10-01..10-03. These are the days off; the State Council's notice adds bridge days and
    make-up working days around them, which no rule can predict.
    """
    if year not in PROVISIONAL_RANGE:
        raise CalendarGap(year)
    days: dict[date, str] = {date(year, 1, 1): "元旦"}
    new_year = Lunar.fromYmd(year, 1, 1).getSolar()
    first = date(new_year.getYear(), new_year.getMonth(), new_year.getDay())
    for i, name in enumerate(("除夕", "春节", "春节", "春节")):
        days[date.fromordinal(first.toordinal() - 1 + i)] = name
    # The solar-term table of the lunar year that contains April holds this year's 清明.
    qingming = Solar.fromYmd(year, 4, 15).getLunar().getJieQiTable()["清明"]
    days[date(qingming.getYear(), qingming.getMonth(), qingming.getDay())] = "清明节"
    days[date(year, 5, 1)] = days[date(year, 5, 2)] = "劳动节"
    for month, day, name in ((5, 5, "端午节"), (8, 15, "中秋节")):
        solar = Lunar.fromYmd(year, month, day).getSolar()
        days[date(solar.getYear(), solar.getMonth(), solar.getDay())] = name
    for d in (1, 2, 3):
        days[date(year, 10, d)] = "国庆节"
    return dict(sorted(days.items()))


@lru_cache(maxsize=None)
def _provisional_days(year: int) -> tuple[int, ...]:
    """Sorted ordinals of `year`'s working days by the provisional rule (weekends and statutory days off)."""
    off = {d.toordinal() for d in statutory_holidays(year)}
    first, last = date(year, 1, 1).toordinal(), date(year, 12, 31).toordinal()
    return tuple(o for o in range(first, last + 1) if o not in off and date.fromordinal(o).weekday() < 5)


@lru_cache(maxsize=None)
def _provisional_day_set(year: int) -> frozenset[int]:
    return frozenset(_provisional_days(year))


@lru_cache(maxsize=None)
def _package_day_set(year: int) -> frozenset[int] | None:
    days = _package_days(year)
    return None if days is None else frozenset(days)


def _as_date(d: date) -> date:
    # datetime is a date subclass but hashes differently; normalise so the caches and overrides match.
    if isinstance(d, datetime):
        return d.date()
    if not isinstance(d, date):
        raise TypeError(f"expected a date, got {type(d).__name__}")
    return d


class WorkCalendar:
    """Working-day calendar: admin overrides, chinesecalendar, covered_years (Mon-Fri), then provisional.

    `provisional_from` treats the package's years from that one on as still unknown (provisional),
    which is how the calendar looked before an upgrade of the package: restatement compares the two.
    """

    def __init__(
        self,
        overrides: Mapping[date, bool] | None = None,
        covered_years: Iterable[int] = (),
        provisional_from: int | None = None,
    ):
        self._overrides: dict[date, bool] = {}
        for d, v in (overrides or {}).items():
            # Reject e.g. the string "0", which would silently read as True.
            if v not in (True, False):
                raise TypeError(f"override for {d} must be a bool, got {v!r}")
            self._overrides[_as_date(d)] = bool(v)
        self._covered = frozenset(int(y) for y in covered_years)
        self._provisional_from = provisional_from
        self._override_years = frozenset(d.year for d in self._overrides)
        # year -> sorted ordinals of that year's working days; only built for covered years.
        self._year_days: dict[int, Sequence[int]] = {}

    def _package(self, year: int) -> tuple[int, ...] | None:
        if self._provisional_from is not None and year >= self._provisional_from:
            return None
        return _package_days(year)

    def covers(self, year: int) -> bool:
        """Return whether every date of `year` can be classified (officially or provisionally)."""
        return year in PROVISIONAL_RANGE or self.is_official(year)

    def is_official(self, year: int) -> bool:
        """Return whether `year` follows a published notice (the package's or one the admin entered)."""
        return self._package(year) is not None or year in self._covered

    def is_provisional(self, year: int) -> bool:
        """Return whether `year`'s working days are only the statutory estimate (暂定)."""
        return not self.is_official(year)

    def provisional_from(self, start: date, end: date) -> int | None:
        """The first provisional year among the years of start..end (the dates a span depends on), or None."""
        start, end = _as_date(start), _as_date(end)
        for year in range(min(start, end).year, max(start, end).year + 1):
            if self.is_provisional(year):
                return year
        return None

    def is_workday(self, d: date) -> bool:
        d = _as_date(d)
        override = self._overrides.get(d)
        if override is not None:
            return override
        package = _package_day_set(d.year) if self._package(d.year) is not None else None
        if package is not None:
            # The package wins over the Mon-Fri fallback so that declaring a year covered while
            # entering only corrections does not wipe the published holidays.
            return d.toordinal() in package
        if d.year in self._covered:
            return d.weekday() < 5
        if d.year in PROVISIONAL_RANGE:
            return d.toordinal() in _provisional_day_set(d.year)
        raise CalendarGap(d.year, d)

    def _days_of(self, year: int) -> Sequence[int]:
        days = self._year_days.get(year)
        if days is None:
            if year not in self._override_years and self._package(year) is not None:
                days = _package_days(year)  # shared, immutable tuple
            elif year not in self._override_years and not self.is_official(year) and year in PROVISIONAL_RANGE:
                days = _provisional_days(year)
            else:
                first = date(year, 1, 1).toordinal()
                last = date(year, 12, 31).toordinal()
                days = [o for o in range(first, last + 1) if self.is_workday(date.fromordinal(o))]
            self._year_days[year] = days
        return days

    def _count_ordinals(self, lo: int, hi: int) -> int:
        """Count working days with ordinal in [lo, hi]."""
        total = 0
        year = date.fromordinal(lo).year
        while True:
            y_first = date(year, 1, 1).toordinal()
            y_last = date(year, 12, 31).toordinal()
            a, b = max(lo, y_first), min(hi, y_last)
            if self.covers(year):
                days = self._days_of(year)
                total += bisect_right(days, b) - bisect_left(days, a)
            else:
                # Day by day: succeeds only if every date is overridden, otherwise raises CalendarGap.
                total += sum(self.is_workday(date.fromordinal(o)) for o in range(a, b + 1))
            if hi <= y_last:
                return total
            year += 1

    def count(self, start: date, end: date) -> int:
        """Return the number of working days d with start < d <= end."""
        start, end = _as_date(start), _as_date(end)
        if end <= start:
            return 0
        return self._count_ordinals(start.toordinal() + 1, end.toordinal())

    def add(self, start: date, n: int) -> date:
        """Return the n-th working day after start (start itself is not counted)."""
        start = _as_date(start)
        if n < 0:
            raise ValueError(f"n must be >= 0, got {n}")
        if n == 0:
            return start
        cursor = start.toordinal()  # count working days strictly after this ordinal
        year = start.year
        while True:
            y_last = date(year, 12, 31).toordinal()
            if cursor < y_last:
                if self.covers(year):
                    days = self._days_of(year)
                    i = bisect_right(days, cursor)
                    available = len(days) - i
                    if n <= available:
                        return date.fromordinal(days[i + n - 1])
                    n -= available
                else:
                    for o in range(cursor + 1, y_last + 1):
                        if self.is_workday(date.fromordinal(o)):
                            n -= 1
                            if n == 0:
                                return date.fromordinal(o)
            cursor = y_last
            year += 1

    def stopped(self, stops: Iterable[Stop], until: date) -> int:
        """Return the working days covered by clock stops, each stopping (paused, resumed], up to `until`."""
        until = _as_date(until)
        intervals = []
        for paused, resumed in stops:
            paused = _as_date(paused)
            if resumed is None:
                end = until
            else:
                resumed = _as_date(resumed)
                if resumed < paused:
                    raise ValueError(f"clock stop resumed ({resumed}) before it was paused ({paused})")
                end = min(resumed, until)
            if end > paused:
                intervals.append((paused, end))
        intervals.sort()
        total = 0
        current: list[date] | None = None
        for a, b in intervals:
            # (a, b] and (c, d] with c <= b form the single interval (a, max(b, d)].
            if current is not None and a <= current[1]:
                current[1] = max(current[1], b)
                continue
            if current is not None:
                total += self.count(current[0], current[1])
            current = [a, b]
        if current is not None:
            total += self.count(current[0], current[1])
        return total
