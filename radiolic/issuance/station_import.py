"""Parse and validate radio station lists (CSV, XLSX or JSON rows) for bulk import."""

from __future__ import annotations

import csv
import datetime
import difflib
import io
import math
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from decimal import Decimal

from ..spreadsheets import formula_safe
from ..vocabulary import StationType
from ..texts import N_

COLUMNS = (
    "station_name", "station_type", "address", "longitude", "latitude", "altitude_m",
    "tx_mhz", "rx_mhz", "bandwidth_khz", "emission", "power_w", "antenna_gain_dbi",
    "antenna_height_m", "azimuth_deg", "equipment_model", "type_approval_code", "call_sign",
)
REQUIRED = frozenset((
    "station_name", "station_type", "address", "longitude", "latitude", "tx_mhz",
    "bandwidth_khz", "power_w", "equipment_model",
))
COLUMN_LABELS = {
    "station_name": N_("台站名称"),
    "station_type": N_("台站类型"),
    "address": N_("地址"),
    "longitude": N_("经度"),
    "latitude": N_("纬度"),
    "altitude_m": N_("海拔高度（米）"),
    "tx_mhz": N_("发射频率（MHz）"),
    "rx_mhz": N_("接收频率（MHz）"),
    "bandwidth_khz": N_("带宽（kHz）"),
    "emission": N_("发射标识"),
    "power_w": N_("发射功率（W）"),
    "antenna_gain_dbi": N_("天线增益（dBi）"),
    "antenna_height_m": N_("天线高度（米）"),
    "azimuth_deg": N_("方位角（度）"),
    "equipment_model": N_("设备型号"),
    "type_approval_code": N_("型号核准代码"),
    "call_sign": N_("呼号"),
}
STATION_TYPES = StationType.texts()   # code -> Chinese name (the template and the import accept either)

MAX_ERRORS = 1000
# A 50,000-row station list unpacks to about 40 MB; the cap also bounds openpyxl's time and memory.
MAX_XLSX_UNCOMPRESSED = 100 * 1024 * 1024
# Office XML compresses about 5–20:1; a part above this ratio is a bomb (the measured one: 125 KB -> 51 MB).
MAX_XLSX_RATIO = 100
MAX_XLSX_RATIO_FREE = 1024 * 1024   # parts smaller than this unpacked may have any ratio
# A workbook saved by Excel/WPS has a few dozen parts; thousands means a crafted archive.
MAX_XLSX_MEMBERS = 1000
# Column IV, the old Excel limit: far more than the 17 columns, and it bounds per-row work,
# since openpyxl pads every row to its widest cell (XFD = 16384 cells per row otherwise).
MAX_SHEET_COLUMNS = 256
# Excel cannot address rows beyond this, so a sheet claiming more was not made by a spreadsheet.
EXCEL_MAX_ROWS = 1_048_576
MAX_FREQ_MHZ = 300_000.0

# 型号核准代码: optional "CMIIT ID" prefix, 4-digit year 1990–2099, 2 letters/digits
# (issuing category), then 4–10 letters/digits.  Real codes look like 2019CP1234 or
# 2021AJ14S2; the upper bound on length only exists to reject pasted garbage.
APPROVAL_CODE_PATTERN = r"(?:CMIIT\s*ID\s*[:：]?\s*)?((?:199\d|20\d\d)[A-Z0-9]{2}[A-Z0-9]{4,10})"
_APPROVAL_RE = re.compile(APPROVAL_CODE_PATTERN, re.ASCII)
# Emission designator (ITU RR Appendix 1): necessary bandwidth as 3–4 characters with one
# of H/K/M/G standing for the decimal point, then modulation type, signal nature and
# information type, then up to two optional extra symbols.
_EMISSION_RE = re.compile(r"([0-9]*[HKMG][0-9]*)([NAHRJBCFGDPKLMQVWX][0-9X][NABCDEFWX])([A-Z-]{0,2})")
_CONTROL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_LINEBREAK_RE = re.compile(r"\s*[\t\r\n]+\s*")
_LIST_SPLIT_RE = re.compile(r"[;；]")
_TYPE_LOOKUP = {**{c: c for c in STATION_TYPES}, **{n: c for c, n in STATION_TYPES.items()}}
_LABEL_TO_COLUMN = {label: col for col, label in COLUMN_LABELS.items()}
_XLSX_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@dataclass(frozen=True)
class RowError:
    """One problem found in the input, located by spreadsheet row and column."""

    row: int
    column: str
    message: str


class ImportRejected(ValueError):
    """The whole import is refused; ``errors`` lists every problem found."""

    def __init__(self, errors, total=None):
        # Both values go to ValueError so the exception pickles and re-raises intact.
        super().__init__(list(errors), total)
        self.errors = list(errors)
        self.total = len(self.errors) if total is None else total

    def __str__(self):
        head = "; ".join(
            f"第 {e.row} 行 {e.column}：{e.message}" if e.column else
            (f"第 {e.row} 行：{e.message}" if e.row else e.message)
            for e in self.errors[:3]
        )
        more = "…" if len(self.errors) > 3 else ""
        return f"导入被拒绝，共 {self.total} 处错误：{head}{more}"


class _Invalid(Exception):
    """A single cell value failed validation; carries the user-facing message."""


class _ErrorLog:
    """Collects errors up to MAX_ERRORS while still counting the rest."""

    def __init__(self):
        self.items = []
        self.total = 0

    def add(self, row, column, message):
        self.total += 1
        if len(self.items) < MAX_ERRORS:
            self.items.append(RowError(row, column, message))

    def __bool__(self):
        return self.total > 0

    def rejected(self):
        items = list(self.items)
        if self.total > len(items):
            items.append(RowError(0, "", f"另有 {self.total - len(items)} 处错误未列出（共 {self.total} 处）"))
        return ImportRejected(items, self.total)


def _reject(message, row=0, column=""):
    """Build an ImportRejected holding one file-level error."""
    return ImportRejected([RowError(row, column, message)])


def _fmt(x):
    """Format a float the shortest way that round-trips, never in exponent form."""
    if x.is_integer() and abs(x) < 1e16:
        return str(int(x))
    s = repr(x)
    if "e" in s:
        s = format(Decimal(s), "f")
    return s


def _show(v):
    """Render a user value for an error message, shortened so messages stay readable."""
    if isinstance(v, str):
        s = v
    elif isinstance(v, float) and math.isfinite(v):
        s = _fmt(v)
    else:
        # repr() of a huge int would exceed Python's digit limit, so summarise instead.
        s = f"{type(v).__name__} 值" if isinstance(v, int) and abs(v) > 10**40 else str(v)
    return s if len(s) <= 40 else s[:40] + "…"


def _wrong_type(label, v):
    """Message for a cell whose type cannot hold the value at all."""
    if isinstance(v, bool):
        return f"{label}不能是逻辑值（TRUE/FALSE）"
    if isinstance(v, (datetime.date, datetime.time, datetime.timedelta)):
        return f"{label}被表格识别成了日期/时间（{v}），请将单元格格式设为“文本”后重新填写"
    return f"{label}的值类型不受支持（{type(v).__name__}）"


def _as_text(v, label):
    """Return a non-empty cell value as text; numbers from XLSX/JSON are accepted."""
    if isinstance(v, str):
        return v
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        try:
            x = float(v)
        except OverflowError:
            raise _Invalid(f"{label}数值过大") from None
        if math.isfinite(x):
            return _fmt(x)
    raise _Invalid(_wrong_type(label, v))


def _to_float(v, label):
    """Convert a non-empty cell to a finite float."""
    if isinstance(v, str):
        try:
            x = float(v)
        except ValueError:
            # Full-width digits and points come from Chinese input methods; only try on failure.
            try:
                x = float(unicodedata.normalize("NFKC", v).replace(" ", ""))
            except ValueError:
                raise _Invalid(f"{label}应为数字，实际为 “{_show(v)}”") from None
        if "_" in v:
            # float() accepts 1_000, which nobody types on purpose in a spreadsheet.
            raise _Invalid(f"{label}应为数字，实际为 “{_show(v)}”")
    elif isinstance(v, (int, float)) and not isinstance(v, bool):
        try:
            x = float(v)
        except OverflowError:
            raise _Invalid(f"{label}数值过大") from None
    else:
        raise _Invalid(_wrong_type(label, v))
    if not math.isfinite(x):
        raise _Invalid(f"{label}应为有限的数字，实际为 “{_show(v)}”")
    return x


def _any_number(label):
    """Parser for a number with no range restriction."""
    def parse(v):
        return _to_float(v, label)
    return parse


def _between(label, lo, hi, swapped_range=None):
    """Parser for a number within [lo, hi]; hints at swapped coordinates when plausible."""
    def parse(v):
        x = _to_float(v, label)
        if not lo <= x <= hi:
            hint = ""
            if swapped_range and swapped_range[0] <= x <= swapped_range[1]:
                hint = "（经度和纬度是否填反了？）"
            raise _Invalid(f"{label}应在 {_fmt(lo)}–{_fmt(hi)} 之间，实际为 {_show(v)}{hint}")
        return x
    return parse


def _number(label, ok, rule):
    """Parser for a number that `ok` accepts; `rule` is what the message says it must be."""
    def parse(v):
        x = _to_float(v, label)
        if not ok(x):
            raise _Invalid(f"{label}{rule}，实际为 {_show(v)}")
        return x
    return parse


def _positive(label):
    return _number(label, lambda x: x > 0, "应大于 0")


def _non_negative(label):
    return _number(label, lambda x: x >= 0, "不能小于 0")


def _text(label, max_len):
    """Parser for free text of bounded length."""
    def parse(v):
        s = _as_text(v, label)
        if not s.isprintable():
            # Slow path only for text with ideographic spaces, tabs or line breaks.
            if _CONTROL_RE.search(s):
                raise _Invalid(f"{label}含有不可见的控制字符")
            s = _LINEBREAK_RE.sub(" ", s)
        if len(s) > max_len:
            raise _Invalid(f"{label}不能超过 {max_len} 个字符，实际为 {len(s)} 个")
        return s
    return parse


def _station_type(v):
    """Map a station type code or its Chinese name to the code."""
    s = _as_text(v, "台站类型")
    code = _TYPE_LOOKUP.get(s) or _TYPE_LOOKUP.get(s.lower())
    if code is None:
        choices = "、".join(f"{c}（{n}）" for c, n in STATION_TYPES.items())
        raise _Invalid(f"台站类型 “{_show(s)}” 无效，应为以下之一：{choices}")
    return code


def _frequencies(label):
    """Parser for frequencies: values or low-high ranges in MHz, separated by semicolons."""
    def parse(v):
        if not isinstance(v, str):
            x = _to_float(v, label)
            if not 0 < x <= MAX_FREQ_MHZ:
                raise _Invalid(f"{label}应大于 0 且不超过 300000，实际为 {_show(v)}")
            return _fmt(x)
        s = v if v.isascii() else unicodedata.normalize("NFKC", v)
        # NFKC already turned full-width ～ and － into ASCII; dashes and the wave dash did not.
        s = s.replace("–", "-").replace("—", "-").replace("〜", "-").replace("~", "-")
        parts = []
        for part in _LIST_SPLIT_RE.split(s):
            part = part.strip()
            if not part:
                continue
            lo_s, dash, hi_s = part.partition("-")
            bounds = []
            for piece in ((lo_s, hi_s) if dash else (lo_s,)):
                piece = piece.strip()
                try:
                    x = float(piece)
                except ValueError:
                    x = math.nan
                if "_" in piece or not math.isfinite(x):
                    raise _Invalid(
                        f"{label}格式不正确：“{_show(part)}”，应为数值（如 460.125）"
                        f"或范围（如 1885-1915），多个用分号分隔")
                if not 0 < x <= MAX_FREQ_MHZ:
                    raise _Invalid(f"{label}应大于 0 且不超过 300000，实际为 {_show(piece)}")
                bounds.append(x)
            if dash and not bounds[0] < bounds[1]:
                raise _Invalid(f"{label}范围 “{_show(part)}” 的下限应小于上限")
            parts.append("-".join(_fmt(b) for b in bounds))
        if not parts:
            raise _Invalid(f"{label}格式不正确：“{_show(v)}”，没有找到频率")
        return ";".join(parts)
    return parse


def _emission(v):
    """Validate one or more emission designators such as 16K0F3E; returns them upper-cased."""
    s = _as_text(v, "发射标识").upper()
    out = []
    for part in _LIST_SPLIT_RE.split(s):
        part = part.strip()
        if not part:
            continue
        m = _EMISSION_RE.fullmatch(part)
        if m is None or not 3 <= len(m.group(1)) <= 4:
            raise _Invalid(f"发射标识 “{_show(part)}” 格式不正确，应类似 16K0F3E 或 5M00G7W")
        out.append(part)
    if not out:
        raise _Invalid(f"发射标识 “{_show(s)}” 格式不正确，应类似 16K0F3E 或 5M00G7W")
    return ";".join(out)


def _approval_code(v):
    """Validate a type approval code; returns the bare upper-case code without the CMIIT ID prefix."""
    s = _as_text(v, "型号核准代码")
    # NFKC folds full-width letters, digits and colon typed with a Chinese input method.
    m = _APPROVAL_RE.fullmatch(unicodedata.normalize("NFKC", s).upper())
    if m is None:
        raise _Invalid(
            f"型号核准代码 “{_show(s)}” 格式不正确，应类似 CMIIT ID: 2019CP1234"
            "（年份 + 2 位字母/数字 + 至少 4 位字母/数字）")
    return m.group(1)


_PARSERS = {
    "station_name": _text("台站名称", 100),
    "station_type": _station_type,
    "address": _text("地址", 200),
    "longitude": _between("经度", 73.0, 136.0, swapped_range=(3.0, 54.0)),
    "latitude": _between("纬度", 3.0, 54.0, swapped_range=(73.0, 136.0)),
    "altitude_m": _any_number("海拔高度（米）"),
    "tx_mhz": _frequencies("发射频率（MHz）"),
    "rx_mhz": _frequencies("接收频率（MHz）"),
    "bandwidth_khz": _positive("带宽（kHz）"),
    "emission": _emission,
    "power_w": _positive("发射功率（W）"),
    "antenna_gain_dbi": _any_number("天线增益（dBi）"),
    "antenna_height_m": _non_negative("天线高度（米）"),
    "azimuth_deg": _between("方位角（度）", 0.0, 360.0),
    "equipment_model": _text("设备型号", 100),
    "type_approval_code": _approval_code,
    "call_sign": _text("呼号", 50),
}
_SPECS = tuple((c, COLUMN_LABELS[c], c in REQUIRED, _PARSERS[c]) for c in COLUMNS)


class _Validator:
    """Validates rows in order, remembering keys so later duplicates can name the first row."""

    def __init__(self):
        self.errors = _ErrorLog()
        self.by_name = {}
        self.by_site = {}

    def row(self, rownum, values):
        """Validate one row given as values in COLUMNS order; returns the typed dict."""
        out = {}
        bad = set()
        for (name, label, required, parse), v in zip(_SPECS, values):
            if v is None or (v.__class__ is str and not (v := v.strip())):
                if required:
                    self.errors.add(rownum, name, f"{label}不能为空")
                    bad.add(name)
                out[name] = None
                continue
            try:
                out[name] = parse(v)
            except _Invalid as exc:
                self.errors.add(rownum, name, str(exc))
                bad.add(name)
                out[name] = None
        if not bad & {"station_name", "address"}:
            key = (out["station_name"], out["address"])
            first = self.by_name.setdefault(key, rownum)
            if first != rownum:
                self.errors.add(rownum, "", f"与第 {first} 行重复：台站名称和地址都相同")
        if not bad & {"longitude", "latitude", "tx_mhz"}:
            key = (out["longitude"], out["latitude"], out["tx_mhz"])
            first = self.by_site.setdefault(key, rownum)
            if first != rownum:
                self.errors.add(rownum, "", f"与第 {first} 行重复：经纬度和发射频率都相同")
        return out


def _is_blank(row):
    """True when every cell is empty or whitespace (spreadsheets leave such rows behind)."""
    # count(None) matches by identity in C: the cheap answer for padded or gap rows.
    if row.count(None) == len(row):
        return True
    truthy = 0
    for v in filter(None, row):
        if v.__class__ is not str or v.strip():
            return False
        truthy += 1
    # filter() also skipped zeros and FALSE, which are data; only None and "" are empty.
    return row.count(None) + row.count("") + truthy == len(row)


def _header_problem(names):
    """Check the header row; returns the ImportRejected to raise, or None when usable."""
    present = [n for n in names if n]
    if not present:
        return _reject("第 1 行应为表头（列名），但该行为空", row=1)
    if len(present) == 1 and any(sep in present[0] for sep in ("\t", ";", "；", "，")):
        return _reject(f"表头只有一列 “{_show(present[0])}”，文件可能不是用英文逗号分隔的；"
                       "请使用逗号分隔的 CSV（Excel 另存为“CSV UTF-8（逗号分隔）”）或 XLSX", row=1)
    if not any(n in COLUMN_LABELS for n in present):
        shown = "、".join(_show(n) for n in present[:5]) + ("…" if len(present) > 5 else "")
        return _reject(f"第 1 行应为表头，但没有找到任何已知列名（读到：{shown}）。"
                       f"请使用模板中的列名：{'、'.join(COLUMN_LABELS[c] for c in COLUMNS)}", row=1)
    log = _ErrorLog()
    first_pos = {}
    for pos, n in enumerate(names, start=1):
        if not n:
            continue
        if n in first_pos:
            log.add(1, _show(n), f"列 “{_show(n)}” 重复出现（第 {first_pos[n]} 列和第 {pos} 列）")
            continue
        first_pos[n] = pos
        if n not in COLUMN_LABELS:
            hint = ""
            # difflib is slow; a header of thousands of junk names only needs the kept errors hinted.
            if len(log.items) < MAX_ERRORS:
                if n in _LABEL_TO_COLUMN:
                    hint = f"，请改用列名 “{_LABEL_TO_COLUMN[n]}”"
                else:
                    close = difflib.get_close_matches(n.lower(), COLUMNS, n=1, cutoff=0.75) or \
                        difflib.get_close_matches(n, list(_LABEL_TO_COLUMN), n=1, cutoff=0.6)
                    hint = f"，是否应为 “{COLUMN_LABELS.get(close[0], close[0])}”？" if close else ""
            log.add(1, _show(n), f"未知列 “{_show(n)}”（第 {pos} 列）{hint}")
    for col in COLUMNS:
        if col in REQUIRED and col not in first_pos:
            log.add(1, col, f"缺少必需的列 “{COLUMN_LABELS[col]}”（{col}）")
    return log.rejected() if log else None


def _header_name(v):
    """Header cell as a trimmed string (XLSX may give numbers or None)."""
    if v is None:
        return ""
    s = v if isinstance(v, str) else str(v)
    return s.strip().lstrip("\ufeff").strip()


def _parse_table(rows, max_rows):
    """Validate (row number, cells) pairs whose first pair is the header row."""
    first = next(rows, None)
    if first is None:
        raise _reject("文件为空，没有表头和数据")
    # the template's Chinese column names and the English ones of domain.md §8 are both accepted
    names = [_LABEL_TO_COLUMN.get(n, n) for n in (_header_name(c) for c in first[1])]
    while names and not names[-1]:
        names.pop()
    problem = _header_problem(names)
    if problem is not None:
        raise problem
    positions = [names.index(c) if c in names else None for c in COLUMNS]
    # Columns without a header are tolerated only while they stay empty.  They are checked
    # as slices (runs) so a sheet with a cell in column XFD costs C-speed scans, not a loop.
    runs = []
    start = None
    for i, n in enumerate(names):
        if not n and start is None:
            start = i
        elif n and start is not None:
            runs.append((start, i))
            start = None
    runs.append((len(names), None))  # trailing unnamed headers were dropped above

    validator = _Validator()
    out = []
    count = 0
    for rownum, row in rows:
        if _is_blank(row):
            continue
        count += 1
        if count > max_rows:
            raise _reject(f"数据行数超过上限 {max_rows} 行，请拆分后分批导入")
        for lo, hi in runs:
            segment = row[lo:hi]
            if segment and not _is_blank(segment):
                where = ""
                # Locating the cell is a Python loop; skip it once no more errors will be kept.
                if len(validator.errors.items) < MAX_ERRORS:
                    offset = next(i for i, v in enumerate(segment) if not _is_blank((v,)))
                    where = f"第 {lo + offset + 1} 列"
                validator.errors.add(rownum, "", f"{where}有数据但没有列名（表头之外的列不允许填写）")
                break
        n = len(row)
        values = [row[p] if p is not None and p < n else None for p in positions]
        out.append(validator.row(rownum, values))
    if count == 0:
        raise _reject("文件只有表头，没有任何台站数据行")
    if validator.errors:
        raise validator.errors.rejected()
    return out


def _guard(rows, what, row_limit=None):
    """Turn reader failures into ImportRejected without catching our own errors."""
    it = iter(rows)
    while True:
        try:
            item = next(it)
        except StopIteration:
            return
        except Exception as exc:
            raise _reject(f"{what}无法读取：{type(exc).__name__}") from exc
        if row_limit is not None and item[0] > row_limit:
            raise _reject(f"{what}的行数超出 Excel 的最大行数 {row_limit}")
        yield item


def _decode_error_hint(data):
    """Guess the encoding of a non-UTF-8 file so the message can say how to fix it."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return "（看起来是 UTF-16 编码）"
    try:
        data.decode("gb18030")
    except UnicodeDecodeError:
        return ""
    return "（看起来是 GBK/GB18030 编码）"


def _parse_csv(data, filename, max_rows):
    """Decode UTF-8 (optionally with BOM) and parse as comma-separated values."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _reject(
            f"“{filename}” 不是 UTF-8 编码{_decode_error_hint(data)}，第 {exc.start + 1} 个字节无法识别。"
            "用 Excel 保存时请选择“CSV UTF-8（逗号分隔）”，或直接上传 XLSX 文件") from None
    if not text.strip():
        raise _reject(f"“{filename}” 是空文件")
    reader = csv.reader(io.StringIO(text, newline=""))
    return _parse_table(_guard(enumerate(reader, start=1), f"CSV 文件 “{filename}” "), max_rows)


def _check_zip(data, filename, max_rows=None):
    """Refuse archives that are corrupt, not workbooks, would inflate too far or hold too many rows.

    Everything here reads the ZIP directory and, for the row count, streams the first worksheet
    through zlib; openpyxl (which loads all shared strings up front) only sees files that passed,
    so a bomb is refused in well under a second and before any database work.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
            _check_members(infos, len(data), filename)
            if max_rows is not None:
                _check_row_count(zf, filename, max_rows)
    except ImportRejected:
        raise
    except Exception:
        raise _reject(f"“{filename}” 看起来是 XLSX/ZIP 文件，但已损坏，无法打开") from None


def _check_members(infos, size, filename):
    if len(infos) > MAX_XLSX_MEMBERS:
        raise _reject(f"“{filename}” 内含 {len(infos)} 个部件，超过上限 {MAX_XLSX_MEMBERS}，不像正常的 Excel 文件")
    # zipfile stops inflating a member at its declared size, so the declared total is a real bound.
    total = sum(i.file_size for i in infos)
    if total > MAX_XLSX_UNCOMPRESSED:
        raise _reject(f"“{filename}” 解压后大小为 {total // (1024 * 1024)} MB，超过上限 "
                      f"{MAX_XLSX_UNCOMPRESSED // (1024 * 1024)} MB")
    for info in infos:
        if info.file_size > MAX_XLSX_RATIO_FREE and info.file_size > MAX_XLSX_RATIO * max(info.compress_size, 1):
            raise _reject(f"“{filename}” 的部件 {_show(info.filename)} 压缩比超过 {MAX_XLSX_RATIO}:1"
                          f"（{max(info.compress_size, 1)} 字节解压为 {info.file_size} 字节），疑似压缩炸弹，已拒绝")
    if not any(i.filename == "xl/workbook.xml" for i in infos):
        raise _reject(f"“{filename}” 是 ZIP 压缩包，但不是 Excel 工作簿（XLSX）")


_SHEET_RID_RE = re.compile(rb"<(?:\w+:)?sheet\b[^>]*?\br:id=\"([^\"]+)\"")
_ROW_TAG_RE = re.compile(rb"<(?:\w{1,8}:)?row[\s/>]")


def _first_sheet_member(zf):
    """The archive member of the workbook's first sheet, found as openpyxl finds it (workbook order)."""
    names = set(zf.namelist())
    with zf.open("xl/workbook.xml") as fh:
        workbook = fh.read(MAX_XLSX_RATIO_FREE)
    match = _SHEET_RID_RE.search(workbook)
    if match and "xl/_rels/workbook.xml.rels" in names:
        with zf.open("xl/_rels/workbook.xml.rels") as fh:
            rels = fh.read(MAX_XLSX_RATIO_FREE)
        rel = re.search(rb"<(?:\w+:)?Relationship\b[^>]*?\bId=\"" + re.escape(match.group(1)) + rb"\"[^>]*>", rels)
        target = re.search(rb"\bTarget=\"([^\"]+)\"", rel.group(0)) if rel else None
        if target:
            path = target.group(1).decode("utf-8", "replace")
            path = path.lstrip("/") if path.startswith("/") else "xl/" + path
            if path in names:
                return path
    return "xl/worksheets/sheet1.xml" if "xl/worksheets/sheet1.xml" in names else None


def _check_row_count(zf, filename, max_rows):
    """Count the rows of the first sheet by streaming its XML (bounded memory, no XML parser)."""
    member = _first_sheet_member(zf)
    if member is None:
        return
    cap = max_rows + 1          # the header row
    rows, tail, keep = 0, b"", 16   # a row tag is at most 14 bytes (prefix of up to 8)
    with zf.open(member) as fh:
        while True:
            chunk = fh.read(1 << 20)
            block = tail + chunk
            if not chunk:
                rows += len(_ROW_TAG_RE.findall(block))
            else:
                # Matches starting in the last `keep` bytes are counted with the next block.
                rows += sum(1 for m in _ROW_TAG_RE.finditer(block) if m.start() < len(block) - keep)
                tail = block[-keep:]
            if rows > cap:
                raise _reject(f"“{filename}” 的工作表超过 {max_rows} 行数据，请拆分后分批导入")
            if not chunk:
                return


def _parse_xlsx(data, filename, max_rows):
    """Read the first worksheet of an XLSX workbook."""
    _check_zip(data, filename, max_rows)
    import openpyxl  # deferred: CSV-only callers should not pay for importing it

    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:
        raise _reject(f"“{filename}” 不是有效的 XLSX 文件，或文件已损坏") from None
    rows = None
    try:
        if not wb.worksheets:
            raise _reject(f"“{filename}” 中没有工作表")
        ws = wb.worksheets[0]
        # Excel records the used range up front; trust it only to refuse, never to size rows,
        # because a crafted file can understate it (cells past the cap are then not read).
        if (ws.max_column or 0) > MAX_SHEET_COLUMNS:
            raise _reject(f"工作表 “{ws.title}” 使用了 {ws.max_column} 列，超过上限 {MAX_SHEET_COLUMNS} 列；"
                          "请只保留模板中的列")
        ws.reset_dimensions()
        rows = ws.iter_rows(max_col=MAX_SHEET_COLUMNS, values_only=True)
        return _parse_table(
            _guard(enumerate(rows, start=1), f"工作表 “{ws.title}” ", EXCEL_MAX_ROWS), max_rows)
    finally:
        if rows is not None:
            rows.close()
        wb.close()


def count_rows(data: bytes) -> int:
    """About how many data rows a CSV or XLSX holds, without parsing it (to choose inline or a job).

    XLSX: the row tags of the first sheet, streamed; CSV: the line breaks. Both minus the header.
    Files that would be refused anyway count as 0 (the parse then says why).
    """
    if data[:4] in _XLSX_MAGIC:
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                _check_members(zf.infolist(), len(data), "")
                member = _first_sheet_member(zf)
                if member is None:
                    return 0
                rows, tail = 0, b""
                with zf.open(member) as fh:
                    while chunk := fh.read(1 << 20):
                        block = tail + chunk
                        rows += sum(1 for m in _ROW_TAG_RE.finditer(block) if m.start() < len(block) - 16)
                        tail = block[-16:]
                rows += len(_ROW_TAG_RE.findall(tail))
                return max(rows - 1, 0)
        except Exception:
            return 0
    return max(data.count(b"\n") - 1 + (0 if data.endswith(b"\n") else 1), 0)


def parse_stations(data: bytes, filename: str, *, max_rows: int = 50000) -> list[dict]:
    """Parse a CSV or XLSX station list (type sniffed from content) into validated dicts."""
    if isinstance(data, (bytearray, memoryview)):
        data = bytes(data)
    if not isinstance(data, bytes):
        raise TypeError("data must be bytes")
    filename = filename or "上传的文件"
    if not data:
        raise _reject(f"“{filename}” 是空文件")
    if data[:4] in _XLSX_MAGIC:
        return _parse_xlsx(data, filename, max_rows)
    if data.startswith(_OLE_MAGIC):
        raise _reject(f"“{filename}” 是旧版 Excel（.xls）或加密的工作簿，请另存为 .xlsx 或“CSV UTF-8”后上传")
    return _parse_csv(data, filename, max_rows)


def validate_rows(rows: list[dict], *, max_rows: int = 50000) -> list[dict]:
    """Validate JSON-style station dicts with the same rules; row numbers are index + 1."""
    if not isinstance(rows, (list, tuple)):
        raise _reject("台站数据应为列表（数组）")
    if not rows:
        raise _reject("没有任何台站数据")
    if len(rows) > max_rows:
        raise _reject(f"数据行数超过上限 {max_rows} 行，请拆分后分批导入")
    validator = _Validator()
    out = []
    for rownum, item in enumerate(rows, start=1):
        if not isinstance(item, dict):
            validator.errors.add(rownum, "", f"第 {rownum} 项应为对象（键为列名），实际为 {type(item).__name__}")
            continue
        for key in item:
            if key not in COLUMN_LABELS:
                validator.errors.add(rownum, str(key), f"未知字段 “{_show(str(key))}”")
        out.append(validator.row(rownum, [item.get(c) for c in COLUMNS]))
    if validator.errors:
        raise validator.errors.rejected()
    return out


_EXAMPLES = (
    {
        "station_name": "清远清城凤城街道 TD-LTE 基站",
        "station_type": "public_mobile_base",
        "address": "广东省清远市清城区凤城街道北江一路 88 号楼顶",
        "longitude": 113.0512, "latitude": 23.6817, "altitude_m": 36,
        "tx_mhz": "1885-1915;2010-2025", "rx_mhz": "1885-1915;2010-2025",
        "bandwidth_khz": 20000, "emission": "20M0G7W", "power_w": 40,
        "antenna_gain_dbi": 15.5, "antenna_height_m": 30, "azimuth_deg": 120,
        "equipment_model": "RRU-8T8R-F", "type_approval_code": "CMIIT ID: 2019CP1234",
        "call_sign": None,
    },
    {
        "station_name": "清远市公交调度中继台",
        "station_type": "中继站",
        "address": "广东省清远市清城区松岗大道公交总站调度楼",
        "longitude": 113.0389, "latitude": 23.7012, "altitude_m": 42.5,
        "tx_mhz": "460.125", "rx_mhz": "450.125",
        "bandwidth_khz": 12.5, "emission": "11K0F3E", "power_w": 25,
        "antenna_gain_dbi": 6, "antenna_height_m": 25, "azimuth_deg": None,
        "equipment_model": "RP-460U 中继台", "type_approval_code": "2018FP3456",
        "call_sign": None,
    },
)


def template_csv() -> bytes:
    """Blank import template as CSV: header plus two example rows, UTF-8 with BOM for Excel."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow([COLUMN_LABELS[c] for c in COLUMNS])
    for ex in _EXAMPLES:
        writer.writerow(["" if ex[c] is None else (ex[c] if isinstance(ex[c], str) else _fmt(float(ex[c])))
                         for c in COLUMNS])
    return buf.getvalue().encode("utf-8-sig")


def template_xlsx() -> bytes:
    """Blank import template as XLSX: data sheet first, filling instructions on a second sheet."""
    import openpyxl
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "台站清单"
    ws.append([COLUMN_LABELS[c] for c in COLUMNS])
    for ex in _EXAMPLES:
        ws.append([ex[c] for c in COLUMNS])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    ws.freeze_panes = "A2"
    text_columns = {"tx_mhz", "rx_mhz", "emission", "type_approval_code", "call_sign", "equipment_model"}
    for idx, col in enumerate(COLUMNS, start=1):
        letter = get_column_letter(idx)
        ws.column_dimensions[letter].width = max(14, 2 * len(COLUMN_LABELS[col]) + 4)
        if col in text_columns:
            # Text format stops Excel turning entries like 1-2 into dates.
            ws.column_dimensions[letter].number_format = "@"
    type_col = get_column_letter(COLUMNS.index("station_type") + 1)
    # A suggestion list only: codes typed by hand must stay acceptable, so no error popup.
    dv = DataValidation(type="list", formula1='"' + ",".join(STATION_TYPES.values()) + '"',
                        allow_blank=True, showErrorMessage=False)
    dv.add(f"{type_col}2:{type_col}50001")
    ws.add_data_validation(dv)

    notes = wb.create_sheet("填写说明")
    notes.append(["列名", "英文列名（也可使用）", "是否必填", "填写要求"])
    rules = {
        "station_name": "不超过 100 个字符；同一文件内台站名称+地址不能重复",
        "station_type": "填代码或中文名：" + "、".join(f"{c}（{n}）" for c, n in STATION_TYPES.items()),
        "address": "不超过 200 个字符",
        "longitude": "十进制度数，73–136",
        "latitude": "十进制度数，3–54",
        "altitude_m": "数字",
        "tx_mhz": "单位 MHz；单个频点如 460.125，或范围如 1885-1915，多个用分号分隔",
        "rx_mhz": "同发射频率",
        "bandwidth_khz": "大于 0",
        "emission": "如 16K0F3E、5M00G7W",
        "power_w": "大于 0",
        "antenna_gain_dbi": "数字",
        "antenna_height_m": "不小于 0",
        "azimuth_deg": "0–360，全向天线可留空",
        "equipment_model": "不超过 100 个字符",
        "type_approval_code": "如 CMIIT ID: 2019CP1234（前缀可省略）",
        "call_sign": "不超过 50 个字符",
    }
    for col in COLUMNS:
        notes.append([COLUMN_LABELS[col], col, "必填" if col in REQUIRED else "选填", rules[col]])
    for cell in notes[1]:
        cell.font = Font(bold=True)
    for letter, width in zip("ABCD", (18, 22, 10, 70)):
        notes.column_dimensions[letter].width = width

    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _csv_safe(value):
    """Neutralise cells a spreadsheet would run as a formula."""
    return formula_safe("" if value is None else str(value))


def errors_csv(errors) -> bytes:
    """Error report as CSV (row, column, message), UTF-8 with BOM, formula-escaped."""
    if isinstance(errors, ImportRejected):
        errors = errors.errors
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(("行号", "列", "问题"))
    for e in errors:
        # Row 0 marks file-wide problems; a blank cell reads better than "0".
        writer.writerow((e.row or "", _csv_safe(COLUMN_LABELS.get(e.column, e.column)), _csv_safe(e.message)))
    return buf.getvalue().encode("utf-8-sig")
