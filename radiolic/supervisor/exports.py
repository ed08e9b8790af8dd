"""The cases of a period as CSV or XLSX rows, with spreadsheet formulas neutralised."""
import csv
import io
from collections.abc import Iterator
from datetime import date

from openpyxl import Workbook
from sqlalchemy import func, or_, select

from ..extensions import db
from ..models import Applicant, Application, ServiceItem
from ..spreadsheets import formula_safe as escape_cell
from ..vocabulary import CaseState, Channel

HEADER = ["申请编号", "事项编码", "事项", "申请人", "渠道", "一窗受理", "跑动次数", "状态", "收件日期", "受理日期",
          "决定日期", "发证日期", "办结日期", "已用工作日", "暂停工作日", "承诺时限（工作日）", "法定时限（工作日）",
          "承诺期限届满日", "法定期限届满日"]
# A cell starting with one of these is read as a formula by Excel, LibreOffice and Sheets.


def _in_period(start: date, end: date):
    a = Application
    return or_(a.received_on.between(start, end), a.accepted_on.between(start, end),
               a.completed_on.between(start, end))


def count_cases(start: date, end: date) -> int:
    """How many rows case_rows(start, end) gives (one count query)."""
    return db.session.scalar(select(func.count(Application.id)).where(_in_period(start, end))) or 0


def case_rows(start: date, end: date) -> Iterator[list]:
    """One row per case received, accepted or completed in [start, end]."""
    a = Application
    query = (select(a.number, ServiceItem.code, ServiceItem.name, Applicant.name, a.channel, a.single_window,
                    a.visits, a.state, a.received_on, a.accepted_on, a.decided_on, a.issued_on, a.completed_on,
                    a.workdays_used, a.stopped_days, a.promised_days, a.statutory_days, a.due_promised,
                    a.due_statutory)
             .join(ServiceItem, ServiceItem.id == a.service_item_id).join(Applicant, Applicant.id == a.applicant_id)
             .where(_in_period(start, end))
             .order_by(a.received_on, a.id))
    for row in db.session.execute(query).yield_per(1000):
        row = list(row)
        row[4] = Channel.get(row[4]).short if Channel.get(row[4]) else row[4]
        row[5] = "是" if row[5] else "否"
        row[7] = CaseState.text_of(row[7])
        yield [escape_cell(v) for v in row]


def to_csv(start: date, end: date) -> bytes:
    """UTF-8 with a BOM, so Excel opens the Chinese text correctly."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    for row in case_rows(start, end):
        writer.writerow(["" if v is None else (v.isoformat() if isinstance(v, date) else v) for v in row])
    return out.getvalue().encode("utf-8-sig")


INDICATOR_HEADER = ["指标", "数值"]


def indicators_csv(rows: list[tuple[str, str]], label: str) -> bytes:
    """The period's indicators (name, value) as CSV, UTF-8 with a BOM."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([f"统计周期：{label}", ""])
    writer.writerow(INDICATOR_HEADER)
    for name, value in rows:
        writer.writerow([escape_cell(name), escape_cell(value)])
    return out.getvalue().encode("utf-8-sig")


def to_xlsx(start: date, end: date, indicators: list[tuple[str, str]] = (), label: str = "") -> bytes:
    """An indicator sheet for the period first (when given), then one row per case."""
    book = Workbook(write_only=True)
    if indicators:
        summary = book.create_sheet("指标")
        summary.append([f"统计周期：{label}" if label else f"{start.isoformat()}至{end.isoformat()}"])
        summary.append(INDICATOR_HEADER)
        for name, value in indicators:
            summary.append([escape_cell(name), escape_cell(value)])
    sheet = book.create_sheet(f"{start.isoformat()}至{end.isoformat()}"[:31])
    sheet.append(HEADER)
    for row in case_rows(start, end):
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
