"""Reading a year's holiday notice from pasted text, CSV or ICS, and the statutory completeness check."""
from datetime import date

from radiolic.calendar_notice import missing_statutory, parse

D = date


def test_csv_with_header_ranges_and_make_up_days():
    notice = parse(2027, "start,end,kind,note\n2027-02-05,2027-02-08,休,春节\n2027-02-20,,班,春节调休\n")
    assert notice.errors == []
    assert notice.holidays == [D(2027, 2, 5), D(2027, 2, 6), D(2027, 2, 7), D(2027, 2, 8)]
    assert notice.workdays == [D(2027, 2, 20)]
    assert notice.days[D(2027, 2, 20)] == (True, "春节调休")


def test_pasted_lines_with_spaces_and_chinese_range_word():
    notice = parse(2027, "2027-10-01至2027-10-07 放假 国庆节\n20271009 上班\n\n# comment\n")
    assert notice.errors == []
    assert len(notice.holidays) == 7 and notice.workdays == [D(2027, 10, 9)]
    assert notice.canonical().splitlines()[0] == "2027-10-01,休,国庆节"


def test_errors_name_the_line_and_refuse_contradictions():
    notice = parse(2027, "2027-01-01,休\n2027-01-01,班\n2028-01-01,休\n2027-02-30,休\n2027-03-01,maybe\n"
                         "2027-01-01~2027-12-31,休")
    assert notice.errors == [
        "第 2 行：2027-01-01 同时被列为休息日和工作日",
        "第 3 行：2028-01-01 不在 2027 年内",
        "第 4 行：无法识别日期“2027-02-30”（格式 2027-02-05）",
        "第 5 行：请注明“休”或“班”",
        "第 6 行：一段超过 60 天，请检查日期",
    ]
    assert parse(2027, "\n\n").errors == ["没有读到任何日期"]


def test_ics_all_day_events_with_folded_lines():
    ics = ("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20270101\r\nDTEND;VALUE=DATE:20270104\r\n"
           "SUMMARY:元\r\n 旦\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20270109\r\n"
           "SUMMARY:调休上班\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
    notice = parse(2027, ics)
    assert notice.errors == []
    assert notice.holidays == [D(2027, 1, 1), D(2027, 1, 2), D(2027, 1, 3)]   # DTEND is exclusive
    assert notice.days[D(2027, 1, 1)] == (False, "元旦")
    assert notice.workdays == [D(2027, 1, 9)]


def test_missing_statutory_days_are_named():
    notice = parse(2027, "2027-01-01,休,元旦\n2027-02-05~2027-02-08,休,春节\n2027-05-01,班,x")
    missing = missing_statutory(notice)
    assert (D(2027, 5, 1), "劳动节") in missing    # listed, but as a working day
    assert (D(2027, 4, 5), "清明节") in missing
    assert all(d not in dict(missing) for d in (D(2027, 1, 1), D(2027, 2, 5), D(2027, 2, 8)))
    assert len(missing) == 13 - 5
