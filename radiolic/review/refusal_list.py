"""An uploaded list of refused stations (CSV: station name or sequence number, reason), read all or none."""
import csv
import io

from ..spreadsheets import formula_safe
from ..workflow.station_outcomes import ListProblems

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 50_000
# Accepted header names of the two columns (Chinese first, the API's names too).
STATION_HEADERS = {"台站", "台站名称", "序号", "台站名称或序号", "station", "station_name", "seq"}
REASON_HEADERS = {"理由", "不予许可理由", "reason"}
TEMPLATE = "台站名称或序号,理由\n清远基站00002,台址位于机场净空保护区\n17,发射功率超出规定\n"


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ListProblems([(0, "", "文件编码无法识别，请另存为 UTF-8 编码的 CSV 文件")])


def parse(data: bytes) -> list[dict]:
    """The rows as [{"station": ..., "reason": ...}]; ListProblems names every row that cannot be read.

    Row numbers in the problems are the file's line numbers (the header is line 1), as a spreadsheet shows them.
    """
    if len(data) > MAX_BYTES:
        raise ListProblems([(0, "", f"文件过大（上限 {MAX_BYTES // 1024 // 1024} MB）")])
    text = _decode(data)
    rows = list(csv.reader(io.StringIO(text)))
    while rows and not any(c.strip() for c in rows[-1]):
        rows.pop()
    if not rows:
        raise ListProblems([(0, "", "文件是空的")])
    header = [c.strip().lstrip("\ufeff").lower() for c in rows[0]]
    try:
        s_col = next(i for i, h in enumerate(header) if h in STATION_HEADERS)
        r_col = next(i for i, h in enumerate(header) if h in REASON_HEADERS)
    except StopIteration:
        raise ListProblems([(1, "", "第一行须为表头：“台站名称或序号,理由”")]) from None
    if len(rows) - 1 > MAX_ROWS:
        raise ListProblems([(0, "", f"行数过多（上限 {MAX_ROWS} 行）")])
    out = []
    for cells in rows[1:]:
        if not any(c.strip() for c in cells):
            out.append(None)          # a blank line: kept so that row numbers stay the file's
            continue
        get = lambda i: cells[i].strip() if i < len(cells) else ""   # noqa: E731
        out.append({"station": get(s_col), "reason": get(r_col)})
    return out


def entries_and_lines(parsed: list) -> tuple[list[dict], list[int]]:
    """Drop blank lines, keeping each entry's file line number (header = line 1)."""
    entries, lines = [], []
    for i, entry in enumerate(parsed, start=2):
        if entry is not None:
            entries.append(entry)
            lines.append(i)
    return entries, lines


def report_csv(problems: list[tuple[int, str, str]]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(["行", "台站", "原因"])
    for row, station, message in problems:
        writer.writerow([row or "", formula_safe(station), formula_safe(message)])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")
