"""A year's holiday notice (国务院办公厅 放假安排) as the admin pastes or uploads it: parse and check.

Accepted input, one entry per line (blank lines and lines starting with # are ignored):

    2027-02-05~2027-02-11,休,春节          a range of days off (also "..", "至", or two columns)
    2027-02-14,班,春节调休上班              a make-up working day
    2027-01-01 休 元旦                      spaces or tabs instead of commas

A CSV with a header (start,end,kind,note or 日期,类型,说明) and an iCalendar (.ics) file with all-day
VEVENTs (SUMMARY containing 班 or 上班 marks a working day, anything else a day off) are read too.
Nothing here touches the database: `parse` answers entries and errors, `missing_statutory` the
statutory days a notice leaves out.
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from .workdays import statutory_holidays

WORK_WORDS = ("班", "上班", "工作日", "调休上班", "workday", "work", "w")
OFF_WORDS = ("休", "休息", "假", "放假", "休息日", "节假日", "holiday", "off", "h")
_RANGE = re.compile(r"^\s*(\d{4}-?\d{1,2}-?\d{1,2})\s*(?:~|\.\.|至|到|—|–|/)\s*(\d{4}-?\d{1,2}-?\d{1,2})\s*$")
MAX_DAYS = 60   # a notice lists a few dozen days; more is a mistake (or a whole-year range)


@dataclass
class Notice:
    year: int
    days: dict[date, tuple[bool, str]] = field(default_factory=dict)   # day -> (working day?, note)
    errors: list[str] = field(default_factory=list)

    @property
    def holidays(self) -> list[date]:
        return [d for d, (work, _) in sorted(self.days.items()) if not work]

    @property
    def workdays(self) -> list[date]:
        return [d for d, (work, _) in sorted(self.days.items()) if work]

    def canonical(self) -> str:
        """The notice as plain lines (one day each), which the confirm step posts back."""
        return "\n".join(f"{d.isoformat()},{'班' if work else '休'},{note}" for d, (work, note) in sorted(self.days.items()))


def _day(text: str) -> date:
    text = text.strip()
    if re.fullmatch(r"\d{8}", text):
        return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    y, m, d = (int(p) for p in text.split("-"))
    return date(y, m, d)


def _kind(text: str) -> bool | None:
    t = text.strip().lower()
    if t in WORK_WORDS:
        return True
    if t in OFF_WORDS:
        return False
    return None


def _add(notice: Notice, where: str, start: date, end: date, work: bool, note: str) -> None:
    if end < start:
        notice.errors.append(f"{where}：结束日期 {end.isoformat()} 早于开始日期 {start.isoformat()}")
        return
    if (end - start).days >= MAX_DAYS:
        notice.errors.append(f"{where}：一段超过 {MAX_DAYS} 天，请检查日期")
        return
    day = start
    while day <= end:
        if day.year != notice.year:
            notice.errors.append(f"{where}：{day.isoformat()} 不在 {notice.year} 年内")
            return
        previous = notice.days.get(day)
        if previous is not None and previous[0] != work:
            notice.errors.append(f"{where}：{day.isoformat()} 同时被列为休息日和工作日")
            return
        notice.days[day] = (work, note.strip()[:200])
        day += timedelta(days=1)


def _rows(text: str) -> list[list[str]]:
    rows = []
    for line in text.splitlines():
        line = line.strip().lstrip("\ufeff")
        if not line or line.startswith("#"):
            rows.append([])
            continue
        if "," in line or "，" in line or "\t" in line:
            rows.append([c.strip() for c in next(csv.reader([line.replace("，", ",").replace("\t", ",")]))])
        else:
            rows.append(line.split(None, 2))
    return rows


def _parse_lines(notice: Notice, text: str) -> None:
    seen_row = False
    for number, cells in enumerate(_rows(text), start=1):
        if not cells:
            continue
        where = f"第 {number} 行"
        ranged = _RANGE.match(cells[0])
        try:
            if ranged:
                start, end, rest = _day(ranged.group(1)), _day(ranged.group(2)), cells[1:]
            else:
                start = _day(cells[0])
                rest = cells[1:]
                end = start
                if rest and re.fullmatch(r"\d{4}-?\d{1,2}-?\d{1,2}", rest[0].strip()):
                    end, rest = _day(rest[0]), rest[1:]
                elif rest and not rest[0].strip():
                    rest = rest[1:]   # an empty end-date column
        except ValueError:
            if not seen_row and not re.match(r"\d", cells[0]):
                seen_row = True
                continue   # a CSV header such as start,end,kind,note
            notice.errors.append(f"{where}：无法识别日期“{cells[0][:40]}”（格式 2027-02-05）")
            continue
        seen_row = True
        work = _kind(rest[0]) if rest else None
        if work is None:
            notice.errors.append(f"{where}：请注明“休”或“班”")
            continue
        _add(notice, where, start, end, work, " ".join(rest[1:]))


def _unfold(text: str) -> list[str]:
    lines: list[str] = []
    for raw in text.splitlines():
        if raw[:1] in (" ", "\t") and lines:
            lines[-1] += raw[1:]
        else:
            lines.append(raw.rstrip("\r"))
    return lines


def _parse_ics(notice: Notice, text: str) -> None:
    event: dict[str, str] | None = None
    count = 0
    for line in _unfold(text):
        if line == "BEGIN:VEVENT":
            event, count = {}, count + 1
        elif line == "END:VEVENT" and event is not None:
            where = f"第 {count} 个日程"
            summary = event.get("SUMMARY", "")
            try:
                start = _day(event["DTSTART"][:8])
                # DTEND of an all-day event is exclusive; without it the event is one day.
                end = _day(event["DTEND"][:8]) - timedelta(days=1) if "DTEND" in event else start
            except (KeyError, ValueError):
                notice.errors.append(f"{where}：缺少或无法识别 DTSTART/DTEND")
            else:
                work = "班" in summary or "workday" in summary.lower()
                _add(notice, where, start, end, work, summary)
            event = None
        elif event is not None and ":" in line:
            name, value = line.split(":", 1)
            event[name.split(";", 1)[0].upper()] = value.strip()


def parse(year: int, text: str) -> Notice:
    """Read a notice for `year` from pasted text, a CSV or an iCalendar file's text."""
    notice = Notice(year=year)
    if "BEGIN:VCALENDAR" in text[:2000]:
        _parse_ics(notice, text)
    else:
        _parse_lines(notice, text)
    if not notice.days and not notice.errors:
        notice.errors.append("没有读到任何日期")
    return notice


def missing_statutory(notice: Notice) -> list[tuple[date, str]]:
    """The statutory holidays of the year that the notice does not give as days off."""
    return [(d, name) for d, name in statutory_holidays(notice.year).items()
            if notice.days.get(d, (True, ""))[0]]
