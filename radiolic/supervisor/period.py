"""The dashboard's period picker: a year, a quarter, a month or custom dates, read from a query string."""
from calendar import monthrange
from dataclasses import dataclass
from datetime import date

from ..inputs import InputError, is_plain_int, parse_date

KINDS = ("year", "quarter", "month", "custom")


class PeriodError(ValueError):
    """The query string does not name a period; the message says what to fix."""


@dataclass(frozen=True)
class Period:
    kind: str
    start: date
    end: date

    @property
    def year(self) -> int:
        return self.start.year

    @property
    def quarter(self) -> int:
        return (self.start.month - 1) // 3 + 1

    @property
    def is_year(self) -> bool:
        return self.kind == "year"

    def label(self, _=lambda s, **kw: s % kw) -> str:
        """How the report names the period (2024年, 2024年第1季度, 2024年3月, or the dates)."""
        if self.kind == "year":
            return _("%(year)s年", year=self.year)
        if self.kind == "quarter":
            return _("%(year)s年第%(q)s季度", year=self.year, q=self.quarter)
        if self.kind == "month":
            return _("%(year)s年%(month)s月", year=self.year, month=self.start.month)
        return _("%(start)s至%(end)s", start=self.start.isoformat(), end=self.end.isoformat())

    def query(self) -> dict:
        """The query-string arguments that name this period again (for links and exports)."""
        if self.kind == "custom":
            return {"period": "custom", "from": self.start.isoformat(), "to": self.end.isoformat()}
        args = {"period": self.kind, "year": self.year}
        if self.kind == "quarter":
            args["quarter"] = self.quarter
        if self.kind == "month":
            args["month"] = self.start.month
        return args


def _int(args, name: str, low: int, high: int, default: int) -> int:
    raw = args.get(name)
    if raw in (None, ""):
        return default
    if not is_plain_int(str(raw)) or not low <= int(raw) <= high:
        raise PeriodError(f"{name} 须为 {low}–{high} 之间的整数。")
    return int(raw)


def _date(args, name: str) -> date:
    try:
        return parse_date(name, args.get(name) or "")
    except InputError as err:
        raise PeriodError(err.message + "。") from None


def parse(args, today: date) -> Period:
    """Read ?period=year|quarter|month|custom&year=&quarter=&month=&from=&to= (default: this year)."""
    kind = args.get("period") or "year"
    if kind not in KINDS:
        raise PeriodError("统计周期须为年、季度、月或自定义。")
    if kind == "custom":
        start, end = _date(args, "from"), _date(args, "to")
        if start > end:
            raise PeriodError("开始日期不能晚于结束日期。")
        return Period(kind, start, end)
    year = _int(args, "year", 2000, 2100, today.year)
    if kind == "year":
        return Period(kind, date(year, 1, 1), date(year, 12, 31))
    if kind == "quarter":
        q = _int(args, "quarter", 1, 4, (today.month - 1) // 3 + 1)
        return Period(kind, date(year, 3 * q - 2, 1), date(year, 3 * q, monthrange(year, 3 * q)[1]))
    month = _int(args, "month", 1, 12, today.month)
    return Period(kind, date(year, month, 1), date(year, month, monthrange(year, month)[1]))
