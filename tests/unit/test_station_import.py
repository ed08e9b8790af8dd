"""Tests for radiolic.issuance.station_import: CSV/XLSX/JSON station lists, validation and templates."""

import csv
import io
import pickle
import time
import zipfile
from datetime import datetime

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from radiolic.issuance import station_import as si
from radiolic.issuance.station_import import (
    COLUMN_LABELS, COLUMNS, STATION_TYPES, ImportRejected, RowError, errors_csv, parse_stations,
    template_csv, template_xlsx, validate_rows,
)

GOOD = {
    "station_name": "清远清城区东城街道基站",
    "station_type": "public_mobile_base",
    "address": "广东省清远市清城区东城街道广清大道 18 号",
    "longitude": "113.0732",
    "latitude": "23.6951",
    "altitude_m": "28",
    "tx_mhz": "1885-1915",
    "rx_mhz": "1885-1915",
    "bandwidth_khz": "20000",
    "emission": "20M0G7W",
    "power_w": "40",
    "antenna_gain_dbi": "15",
    "antenna_height_m": "30",
    "azimuth_deg": "120",
    "equipment_model": "RRU-8T8R-F",
    "type_approval_code": "CMIIT ID: 2019CP1234",
    "call_sign": "",
}


def station(i, **changes):
    """A valid row, distinct per i, with some cells overridden."""
    row = dict(GOOD)
    row["station_name"] = f"清远测试站 {i}"
    row["longitude"] = f"{113.0 + i * 0.0001:.4f}"
    row.update(changes)
    return row


def make_csv(rows, columns=COLUMNS, bom=True):
    """Encode rows (dicts) as CSV the way Excel's “CSV UTF-8” does."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(columns)
    for r in rows:
        writer.writerow([r.get(c, "") for c in columns])
    return buf.getvalue().encode("utf-8-sig" if bom else "utf-8")


def make_xlsx(rows):
    """Encode rows (lists of cell values, header first) as an XLSX workbook."""
    wb = openpyxl.Workbook()
    ws = wb.active
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def rejected(data, filename="stations.csv", **kw):
    """Parse data expecting rejection; returns the error list."""
    with pytest.raises(ImportRejected) as info:
        parse_stations(data, filename, **kw)
    return info.value.errors


# --- valid input -------------------------------------------------------------------------


def test_valid_csv_round_trip_gives_typed_values():
    result = parse_stations(make_csv([station(1), station(2, station_type="中继站", tx_mhz="460.125",
                                                         rx_mhz="", azimuth_deg="", call_sign=" BA7AA ")]),
                            "stations.csv")
    assert len(result) == 2
    first, second = result
    assert list(first) == list(COLUMNS)
    assert first["station_name"] == "清远测试站 1"
    assert first["longitude"] == pytest.approx(113.0001)
    assert first["latitude"] == 23.6951
    assert first["altitude_m"] == 28.0 and isinstance(first["altitude_m"], float)
    assert first["tx_mhz"] == "1885-1915"
    assert first["type_approval_code"] == "2019CP1234"
    assert first["call_sign"] is None
    assert second["station_type"] == "repeater"
    assert second["rx_mhz"] is None and second["azimuth_deg"] is None
    assert second["call_sign"] == "BA7AA"


def test_bom_is_optional():
    rows = [station(1), station(2)]
    assert parse_stations(make_csv(rows, bom=True), "a.csv") == parse_stations(make_csv(rows, bom=False), "a.csv")


@pytest.mark.parametrize("code,name", list(STATION_TYPES.items()))
def test_station_type_accepts_code_or_chinese_name(code, name):
    result = parse_stations(make_csv([station(1, station_type=name), station(2, station_type=code),
                                      station(3, station_type=code.upper())]), "a.csv")
    assert [r["station_type"] for r in result] == [code, code, code]


def test_columns_in_any_order_and_optional_columns_may_be_absent():
    columns = list(reversed([c for c in COLUMNS if c in si.REQUIRED]))
    result = parse_stations(make_csv([station(1)], columns=columns), "a.csv")
    assert result[0]["station_type"] == "public_mobile_base"
    assert result[0]["emission"] is None and result[0]["altitude_m"] is None


@pytest.mark.parametrize("column,raw,expected", [
    ("tx_mhz", "460.125；1885-1915", "460.125;1885-1915"),
    ("tx_mhz", " 460.1250 ; 1885 - 1915 ;", "460.125;1885-1915"),
    ("tx_mhz", "1885–1915", "1885-1915"),
    ("tx_mhz", "１８８５～１９１５", "1885-1915"),
    ("tx_mhz", "0.00001", "0.00001"),
    ("tx_mhz", "300000", "300000"),
    ("emission", "16k0f3e", "16K0F3E"),
    ("emission", "5M00G7W;16K0F3E", "5M00G7W;16K0F3E"),
    ("emission", "400HA3E", "400HA3E"),
    ("type_approval_code", "2021aj14s2", "2021AJ14S2"),
    ("type_approval_code", "CMIIT ID：1999XX0001", "1999XX0001"),
    ("type_approval_code", "cmiit id 2099AB123456", "2099AB123456"),
    ("type_approval_code", "ＣＭＩＩＴ　ＩＤ：２０２０ＡＰ０００１", "2020AP0001"),
    ("tx_mhz", "1885〜1915", "1885-1915"),
    ("station_name", "  站名\t带制表符\r\n换行  ", "站名 带制表符 换行"),
    ("station_name", "清远\u3000全角空格站", "清远\u3000全角空格站"),
    ("azimuth_deg", "0", 0.0),
    ("azimuth_deg", "360", 360.0),
    ("antenna_height_m", "0", 0.0),
    ("altitude_m", "-12.5", -12.5),
    ("antenna_gain_dbi", "-3", -3.0),
    ("longitude", "73", 73.0),
    ("latitude", "５４", 54.0),
    ("power_w", "１２．５", 12.5),
])
def test_lenient_values_are_normalised(column, raw, expected):
    assert parse_stations(make_csv([station(1, **{column: raw})]), "a.csv")[0][column] == expected


def test_blank_rows_are_skipped_but_row_numbers_stay_true():
    data = make_csv([station(1)]) + b",,,,\r\n\r\n" + make_csv([station(2, power_w="0")]).split(b"\r\n", 1)[1]
    errors = rejected(data)
    assert [(e.row, e.column) for e in errors] == [(5, "power_w")]


def test_row_numbers_count_records_not_lines():
    data = make_csv([station(1, address="第一行\n第二行"), station(2, power_w="abc")])
    assert [(e.row, e.column) for e in rejected(data)] == [(3, "power_w")]


# --- one error per rule, with row and column --------------------------------------------

RULES = [
    ("station_name", "", "台站名称不能为空"),
    ("station_name", "站" * 101, "不能超过 100 个字符"),
    ("station_name", "站\x00名", "控制字符"),
    ("station_type", "广播电台", "台站类型 “广播电台” 无效"),
    ("address", "", "地址不能为空"),
    ("address", "路" * 201, "不能超过 200 个字符"),
    ("longitude", "200", "经度应在 73–136 之间，实际为 200"),
    ("longitude", "23.6951", "经度和纬度是否填反了"),
    ("longitude", "113°04′", "经度应为数字"),
    ("longitude", "nan", "有限"),
    ("longitude", "", "经度不能为空"),
    ("latitude", "60", "纬度应在 3–54 之间，实际为 60"),
    ("latitude", "1e400", "有限"),
    ("altitude_m", "高", "海拔高度（米）应为数字"),
    ("altitude_m", "1_000", "应为数字"),
    ("tx_mhz", "", "发射频率（MHz）不能为空"),
    ("tx_mhz", "0", "应大于 0 且不超过 300000"),
    ("tx_mhz", "300000.5", "应大于 0 且不超过 300000"),
    ("tx_mhz", "1915-1885", "下限应小于上限"),
    ("tx_mhz", "1885-1885", "下限应小于上限"),
    ("tx_mhz", "460.125MHz", "格式不正确"),
    ("tx_mhz", "1-2-3", "格式不正确"),
    ("tx_mhz", ";;", "没有找到频率"),
    ("rx_mhz", "-450", "格式不正确"),
    ("bandwidth_khz", "0", "带宽（kHz）应大于 0，实际为 0"),
    ("bandwidth_khz", "-12.5", "应大于 0"),
    ("emission", "FM", "发射标识 “FM” 格式不正确"),
    ("emission", "16K00000F3E", "格式不正确"),
    ("emission", "16K0Z3E", "格式不正确"),
    ("power_w", "0", "发射功率（W）应大于 0"),
    ("power_w", "", "发射功率（W）不能为空"),
    ("antenna_gain_dbi", "high", "天线增益（dBi）应为数字"),
    ("antenna_height_m", "-1", "天线高度（米）不能小于 0，实际为 -1"),
    ("azimuth_deg", "361", "方位角（度）应在 0–360 之间，实际为 361"),
    ("azimuth_deg", "-1", "方位角（度）应在 0–360 之间"),
    ("equipment_model", "", "设备型号不能为空"),
    ("type_approval_code", "12345", "型号核准代码 “12345” 格式不正确"),
    ("type_approval_code", "1989CP1234", "格式不正确"),
    ("type_approval_code", "2019CP12", "格式不正确"),
    ("type_approval_code", "2019CP1234XXXXXXXXXX", "格式不正确"),
    ("type_approval_code", "CMIIT 2019CP1234 见附件", "格式不正确"),
    ("call_sign", "B" * 51, "呼号不能超过 50 个字符"),
]


@pytest.mark.parametrize("column,raw,fragment", RULES)
def test_each_rule_reports_its_row_and_column(column, raw, fragment):
    errors = rejected(make_csv([station(1), station(2), station(3, **{column: raw}), station(4)]))
    assert len(errors) == 1, errors
    assert (errors[0].row, errors[0].column) == (4, column)
    assert fragment in errors[0].message


def test_rules_agree_for_json_rows():
    for column, raw, fragment in RULES:
        with pytest.raises(ImportRejected) as info:
            validate_rows([station(1), station(2, **{column: raw})])
        [error] = info.value.errors
        assert (error.row, error.column) == (2, column) and fragment in error.message


def test_three_bad_rows_among_a_hundred_reject_everything():
    rows = [station(i) for i in range(100)]
    rows[6]["latitude"] = "99"
    rows[41]["station_type"] = "电台"
    rows[97]["bandwidth_khz"] = ""
    errors = rejected(make_csv(rows))
    assert [(e.row, e.column) for e in errors] == [(8, "latitude"), (43, "station_type"), (99, "bandwidth_khz")]


def test_several_errors_in_one_row_are_all_reported():
    errors = rejected(make_csv([station(1, longitude="x", power_w="-5", emission="??")]))
    assert {(e.row, e.column) for e in errors} == {(2, "longitude"), (2, "power_w"), (2, "emission")}


# --- duplicates --------------------------------------------------------------------------


def test_duplicate_name_and_address_names_both_rows():
    rows = [station(1), station(2), station(3, station_name="清远测试站 1", longitude="113.5")]
    [error] = rejected(make_csv(rows))
    assert error.row == 4 and "第 2 行" in error.message and "台站名称和地址" in error.message


def test_duplicate_site_and_frequency_names_both_rows():
    rows = [station(1), station(2, longitude="113.0001", tx_mhz=" 1885 - 1915 ")]
    [error] = rejected(make_csv(rows))
    assert error.row == 3 and "第 2 行" in error.message and "经纬度和发射频率" in error.message


def test_same_site_with_other_frequency_or_name_at_other_address_is_fine():
    rows = [station(1), station(2, longitude="113.0001", tx_mhz="2010-2025"),
            station(3, station_name="清远测试站 1", address="广东省清远市英德市某镇")]
    assert len(parse_stations(make_csv(rows), "a.csv")) == 3


# --- header problems ---------------------------------------------------------------------


def test_unknown_and_missing_columns_are_named():
    columns = [c for c in COLUMNS if c not in ("power_w", "latitude")] + ["remarks", "antena_gain_dbi"]
    errors = rejected(make_csv([station(1)], columns=columns))
    assert all(e.row == 1 for e in errors)
    by_column = {e.column: e.message for e in errors}
    assert set(by_column) == {"remarks", "antena_gain_dbi", "power_w", "latitude"}
    assert "未知列 “remarks”" in by_column["remarks"]
    assert "天线增益（dBi）" in by_column["antena_gain_dbi"]
    assert "缺少必需的列 “发射功率（W）”（power_w）" in by_column["power_w"]


def test_chinese_column_names_are_read_like_the_english_ones():
    chinese = [COLUMN_LABELS[c] for c in COLUMNS]
    rows = parse_stations(make_csv([station(1)], columns=COLUMNS).replace(
        ",".join(COLUMNS).encode(), ",".join(chinese).encode(), 1), "s.csv")
    assert len(rows) == 1 and rows[0]["longitude"] == parse_stations(make_csv([station(1)]), "s.csv")[0]["longitude"]


def test_a_column_given_in_both_languages_is_a_duplicate():
    columns = list(COLUMNS) + ["经度", "address"]
    errors = rejected(make_csv([station(1)], columns=columns))
    messages = {e.column: e.message for e in errors}
    assert "重复" in messages["longitude"] and "重复" in messages["address"]


def test_headerless_file_gets_one_clear_error():
    data = make_csv([station(2)]).split(b"\r\n", 1)[1]
    [error] = rejected(data)
    assert error.row == 1 and "表头" in error.message


def test_semicolon_separated_file_is_explained():
    data = ";".join(COLUMNS).encode() + b"\n" + b";".join(v.encode() for v in station(1).values())
    [error] = rejected(data)
    assert "逗号" in error.message


def test_cells_outside_the_header_are_rejected():
    data = make_csv([station(1)]).rstrip(b"\r\n") + b",stray note\r\n"
    [error] = rejected(data)
    assert error.row == 2 and "第 18 列" in error.message


def test_trailing_empty_cells_and_unnamed_empty_columns_are_tolerated():
    columns = list(COLUMNS) + [""]
    data = make_csv([station(1)], columns=columns).replace(b"\r\n", b",,\r\n")
    assert len(parse_stations(data, "a.csv")) == 1


# --- file-level problems -----------------------------------------------------------------


@pytest.mark.parametrize("data", [b"", b"\xef\xbb\xbf", b" \r\n\r\n"])
def test_empty_file(data):
    [error] = rejected(data)
    assert error.row == 0 and "空" in error.message


def test_header_only():
    [error] = rejected(make_csv([]))
    assert "没有任何台站数据" in error.message


def test_non_utf8_is_a_clear_error():
    [error] = rejected(make_csv([station(1)], bom=False).decode("utf-8").encode("gbk"), "台站.csv")
    assert "“台站.csv” 不是 UTF-8 编码" in error.message and "GBK" in error.message
    [error] = rejected("a,b".encode("utf-16"))
    assert "UTF-16" in error.message


def test_legacy_xls_is_explained():
    [error] = rejected(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "old.xls")
    assert ".xls" in error.message


def test_too_many_rows():
    [error] = rejected(make_csv([station(i) for i in range(6)]), max_rows=5)
    assert "5" in error.message and "上限" in error.message
    assert len(parse_stations(make_csv([station(i) for i in range(5)]), "a.csv", max_rows=5)) == 5


def test_error_list_is_capped_with_a_note():
    rows = [station(i, power_w="0", bandwidth_khz="0") for i in range(600)]
    with pytest.raises(ImportRejected) as info:
        parse_stations(make_csv(rows), "a.csv")
    exc = info.value
    assert exc.total == 1200
    assert len(exc.errors) == si.MAX_ERRORS + 1
    assert exc.errors[-1].row == 0 and "另有 200 处错误" in exc.errors[-1].message
    assert "1200" in str(exc)


def test_import_rejected_pickles():
    exc = ImportRejected([RowError(2, "power_w", "发射功率（W）应大于 0")])
    clone = pickle.loads(pickle.dumps(exc))
    assert clone.errors == exc.errors and clone.total == 1 and isinstance(clone, ValueError)


# --- XLSX --------------------------------------------------------------------------------


def test_template_xlsx_round_trip_matches_template_csv():
    from_xlsx = parse_stations(template_xlsx(), "模板.xlsx")
    from_csv = parse_stations(template_csv(), "模板.csv")
    assert from_xlsx == from_csv and len(from_csv) == 2
    for row in from_csv:
        assert 112.5 < row["longitude"] < 113.5 and 23.3 < row["latitude"] < 24.1


def test_template_csv_opens_in_excel():
    data = template_csv()
    assert data.startswith(b"\xef\xbb\xbf")
    lines = data.decode("utf-8-sig").splitlines()
    assert lines[0] == ",".join(COLUMN_LABELS[c] for c in COLUMNS) and len(lines) == 3
    assert parse_stations(data, "template.csv")          # the template's own rows import as they are


def test_template_xlsx_has_data_sheet_first():
    wb = openpyxl.load_workbook(io.BytesIO(template_xlsx()))
    assert wb.sheetnames[0] == "台站清单"
    assert [c.value for c in wb.worksheets[0][1]] == [COLUMN_LABELS[c] for c in COLUMNS]


def test_xlsx_typed_cells_and_gaps():
    header = list(COLUMNS)
    good = [GOOD[c] for c in COLUMNS]
    numeric = list(good)
    numeric[COLUMNS.index("station_name")] = 2024  # a number where text is expected is fine
    numeric[COLUMNS.index("longitude")] = 113.5
    numeric[COLUMNS.index("tx_mhz")] = 460.125
    numeric[COLUMNS.index("power_w")] = 5
    result = parse_stations(make_xlsx([header, good, [], [None] * 5, numeric]), "a.xlsx")
    assert result[1]["station_name"] == "2024" and result[1]["tx_mhz"] == "460.125"
    assert result[1]["longitude"] == 113.5 and result[1]["power_w"] == 5.0


def test_xlsx_errors_use_sheet_row_numbers_and_flag_dates_and_booleans():
    header = list(COLUMNS)
    good = [GOOD[c] for c in COLUMNS]
    dated = list(good)
    dated[COLUMNS.index("tx_mhz")] = datetime(2024, 1, 2)
    dated[COLUMNS.index("station_name")] = "另一个站"
    flagged = list(good)
    flagged[COLUMNS.index("power_w")] = True
    flagged[COLUMNS.index("station_name")] = "第三个站"
    flagged[COLUMNS.index("longitude")] = 113.4
    errors = rejected(make_xlsx([header, good, [], dated, flagged]), "a.xlsx")
    assert [(e.row, e.column) for e in errors] == [(4, "tx_mhz"), (5, "power_w")]
    assert "日期" in errors[0].message and "逻辑值" in errors[1].message


def test_xlsx_reads_only_the_first_sheet():
    wb = openpyxl.Workbook()
    wb.active.append(list(COLUMNS))
    wb.active.append([GOOD[c] for c in COLUMNS])
    wb.create_sheet("说明").append(["随便写点什么"])
    buf = io.BytesIO()
    wb.save(buf)
    assert len(parse_stations(buf.getvalue(), "a.xlsx")) == 1


def test_xlsx_cell_right_of_the_header_is_an_error():
    data = make_xlsx([list(COLUMNS), [GOOD[c] for c in COLUMNS] + [None] * 8 + ["备注"]])
    [error] = rejected(data, "a.xlsx")
    assert error.row == 2 and "第 26 列" in error.message


def test_xlsx_with_a_used_range_past_the_column_cap_is_refused():
    wb = openpyxl.Workbook()
    wb.active.append(list(COLUMNS))
    wb.active.cell(row=2, column=si.MAX_SHEET_COLUMNS + 1, value="远处的单元格")
    buf = io.BytesIO()
    wb.save(buf)
    [error] = rejected(buf.getvalue(), "a.xlsx")
    assert f"{si.MAX_SHEET_COLUMNS + 1} 列" in error.message


def _replace_sheet(xlsx, edit):
    """Return xlsx with its first worksheet's XML passed through edit()."""
    src = zipfile.ZipFile(io.BytesIO(xlsx))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info)
            dst.writestr(info.filename, edit(body) if info.filename == "xl/worksheets/sheet1.xml" else body)
    return out.getvalue()


@pytest.mark.slow
def test_xlsx_rows_past_the_excel_grid_are_refused_quickly():
    far = b'<row r="1048577"><c r="A1048577" t="inlineStr"><is><t>x</t></is></c></row></sheetData>'
    data = _replace_sheet(template_xlsx(), lambda body: body.replace(b"</sheetData>", far))
    start = time.perf_counter()
    [error] = rejected(data, "a.xlsx")
    assert "最大行数" in error.message and time.perf_counter() - start < 10


def test_crafted_xlsx_with_cells_in_column_xfd_stays_cheap():
    rows = b"".join(b'<row r="%d"><c r="XFD%d"><v>1</v></c></row>' % (i, i) for i in range(10, 3000))
    data = _replace_sheet(template_xlsx(), lambda body: body.replace(b"</sheetData>", rows + b"</sheetData>"))
    start = time.perf_counter()
    # The stored used range says A1:Q3, so cells past the column cap are not read at all.
    assert len(parse_stations(data, "a.xlsx")) == 2
    assert time.perf_counter() - start < 5


def _zip(members, inflate=None):
    """Build a zip; `inflate` maps a member name to the uncompressed size to declare for it."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, body in members.items():
            zf.writestr(name, body)
        for info in zf.filelist:
            if inflate and info.filename in inflate:
                # The central directory is written on close, so this is what readers will see.
                info.file_size = inflate[info.filename]
    return buf.getvalue()


def test_zip_bomb_is_rejected_before_openpyxl_parses(monkeypatch):
    def boom(*args, **kwargs):
        raise AssertionError("openpyxl must not be reached")

    monkeypatch.setattr(openpyxl, "load_workbook", boom)
    data = _zip({"[Content_Types].xml": "<Types/>", "xl/workbook.xml": "<workbook/>",
                 "xl/worksheets/sheet1.xml": "<worksheet/>"},
                inflate={"xl/worksheets/sheet1.xml": 300 * 1024 * 1024})
    [error] = rejected(data, "bomb.xlsx")
    assert f"{si.MAX_XLSX_UNCOMPRESSED // (1024 * 1024)} MB" in error.message and "bomb.xlsx" in error.message


def test_zip_with_too_many_members_is_rejected_before_openpyxl_parses(monkeypatch):
    monkeypatch.setattr(openpyxl, "load_workbook", lambda *a, **k: pytest.fail("parsed"))
    members = {"xl/workbook.xml": "<workbook/>"}
    members.update({f"xl/media/p{i}.bin": "" for i in range(si.MAX_XLSX_MEMBERS)})
    [error] = rejected(_zip(members), "many.xlsx")
    assert "上限" in error.message


def test_zip_that_is_not_a_workbook():
    [error] = rejected(_zip({"word/document.xml": "<w/>"}), "report.docx")
    assert "不是 Excel 工作簿" in error.message


@pytest.mark.parametrize("data", [b"PK\x03\x04garbage", b"PK\x05\x06" + b"\x00" * 18])
def test_broken_zip(data):
    [error] = rejected(data, "x.xlsx")
    assert "x.xlsx" in error.message


def test_workbook_xml_that_openpyxl_cannot_read():
    data = _zip({"[Content_Types].xml": "<Types/>", "xl/workbook.xml": "<not-closed"})
    [error] = rejected(data, "x.xlsx")
    assert "XLSX" in error.message


# --- validate_rows (JSON API) ------------------------------------------------------------


def test_validate_rows_accepts_numbers_or_strings():
    rows = [station(1), {**station(2), "longitude": 113.2, "latitude": 23.7, "tx_mhz": 460.125,
                         "power_w": 5, "azimuth_deg": None, "call_sign": None}]
    del rows[1]["rx_mhz"]
    result = validate_rows(rows)
    assert result[1]["longitude"] == 113.2 and result[1]["tx_mhz"] == "460.125"
    assert result[1]["rx_mhz"] is None and result[1]["power_w"] == 5.0


def test_validate_rows_errors():
    rows = [station(1, longitude=True), "not a dict", {**station(3), "colour": "red"}, {}]
    with pytest.raises(ImportRejected) as info:
        validate_rows(rows)
    located = {(e.row, e.column) for e in info.value.errors}
    assert (1, "longitude") in located and (2, "") in located and (3, "colour") in located
    assert {(4, c) for c in si.REQUIRED} <= located


@pytest.mark.parametrize("rows", [[], None, "[]", {"station_name": "x"}])
def test_validate_rows_needs_a_non_empty_list(rows):
    with pytest.raises(ImportRejected):
        validate_rows(rows)


# --- error report ------------------------------------------------------------------------


def test_errors_csv_escapes_formulas():
    data = errors_csv([
        RowError(0, "", "文件为空"),
        RowError(1, "=HYPERLINK(\"http://x\")", "未知列"),
        RowError(2, "power_w", "+1 是什么"),
        RowError(3, "@SUM(A1)", "-2"),
        RowError(4, "latitude", "纬度应在 3–54 之间，实际为 =1+1"),
    ])
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == ["行号", "列", "问题"]
    assert rows[1] == ["", "", "文件为空"]
    assert rows[2][1] == "'=HYPERLINK(\"http://x\")"
    assert rows[3][2] == "'+1 是什么"
    assert rows[4][1:] == ["'@SUM(A1)", "'-2"]
    assert rows[5] == ["4", "纬度", "纬度应在 3–54 之间，实际为 =1+1"]


def test_errors_csv_takes_the_exception_too():
    exc = ImportRejected([RowError(2, "power_w", "发射功率（W）应大于 0")])
    assert errors_csv(exc) == errors_csv(exc.errors)


# --- robustness and speed ----------------------------------------------------------------


def _only_rejections(data, filename="fuzz"):
    try:
        result = parse_stations(data, filename)
    except ImportRejected as exc:
        assert exc.errors and all(isinstance(e, RowError) for e in exc.errors)
    else:
        assert isinstance(result, list)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_only_raise_import_rejected(data):
    _only_rejections(data)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=500))
def test_arbitrary_text_after_a_real_header_only_raises_import_rejected(text):
    _only_rejections(",".join(COLUMNS).encode() + b"\n" + text.encode("utf-8", "surrogatepass"))


@settings(max_examples=150, deadline=None)
@given(st.lists(st.text(max_size=20), min_size=len(COLUMNS), max_size=len(COLUMNS) + 2))
def test_arbitrary_cells_only_raise_import_rejected(cells):
    buf = io.StringIO()
    csv.writer(buf).writerows([COLUMNS, cells])
    _only_rejections(buf.getvalue().encode("utf-8"))


_JSON_VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=30),
    st.sampled_from(["113.05", "23.7", "460.125", "1885-1915", "中继站", "16K0F3E", "2019CP1234"]),
    st.lists(st.integers(), max_size=2), st.dictionaries(st.text(max_size=3), st.integers(), max_size=1),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(
    st.fixed_dictionaries({}, optional={c: _JSON_VALUES for c in COLUMNS}),
    st.dictionaries(st.text(max_size=12), _JSON_VALUES, max_size=4),
    _JSON_VALUES,
), max_size=4))
def test_arbitrary_json_rows_only_raise_import_rejected(rows):
    try:
        result = validate_rows(rows)
    except ImportRejected as exc:
        assert exc.errors
    else:
        assert len(result) == len(rows)


def test_json_extremes_are_reported_not_raised():
    with pytest.raises(ImportRejected) as info:
        validate_rows([station(1, station_name=10**5000, power_w=10**400, longitude=float("nan"))])
    assert {e.column for e in info.value.errors} == {"station_name", "power_w", "longitude"}


_TEMPLATE = template_xlsx()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, len(_TEMPLATE) - 1), st.integers(0, 255), st.booleans())
def test_corrupted_xlsx_only_raises_import_rejected(pos, byte, truncate):
    data = _TEMPLATE[:pos] if truncate else _TEMPLATE[:pos] + bytes([byte]) + _TEMPLATE[pos + 1:]
    _only_rejections(data, "fuzz.xlsx")


@pytest.mark.slow
def test_twenty_thousand_row_csv_is_fast():
    rows = [station(i, address=f"广东省清远市清城区测试路 {i} 号") for i in range(20_000)]
    data = make_csv(rows)
    start = time.perf_counter()
    assert len(parse_stations(data, "big.csv")) == 20_000
    assert time.perf_counter() - start < 5
