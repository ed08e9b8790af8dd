"""Time parse_stations on a generated 20,000-row station list in CSV and XLSX form."""

import csv
import io
import random
import re
import sys
import time
import zipfile
from pathlib import Path

# Run as a plain script from anywhere, so the package is found without installing it.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import openpyxl  # noqa: E402

from radiolic.issuance.station_import import COLUMNS, STATION_TYPES, parse_stations  # noqa: E402

ROWS = 20_000
DISTRICTS = ("清城区", "清新区", "英德市", "连州市", "佛冈县", "阳山县")
STREETS = ("北江一路", "松岗大道", "人民路", "连江路", "银泉路", "广清大道", "凤翔大道")
# (type, tx, rx, bandwidth kHz, emission, power W, gain dBi): plausible combinations per service.
PROFILES = (
    ("public_mobile_base", "1885-1915;2010-2025", "1885-1915;2010-2025", 20000, "20M0G7W", 40, 15.5),
    ("public_mobile_base", "2515-2675", "2515-2675", 100000, "100MG7W", 200, 24),
    ("repeater", "460.125", "450.125", 12.5, "11K0F3E", 25, 6),
    ("walkie_talkie", "409.7625", "", 12.5, "11K0F3E", 0.5, 0),
    ("trunked", "351.0125;351.0375", "361.0125;361.0375", 25, "22K0G7W", 10, 9),
    ("microwave", "7125-7425", "7425-7725", 28000, "28M0D7W", 1, 38),
    ("amateur", "144.64", "144.64", 16, "16K0F3E", 50, 3),
)


def make_rows(n, seed=20250101):
    """Generate n distinct, valid station rows around Qingyuan."""
    rnd = random.Random(seed)
    type_names = list(STATION_TYPES.values())
    rows = []
    for i in range(n):
        kind, tx, rx, bw, em, pw, gain = PROFILES[i % len(PROFILES)]
        district = DISTRICTS[i % len(DISTRICTS)]
        rows.append({
            "station_name": f"清远{district}{kind}站点{i:05d}",
            # Half the rows use the Chinese type name to exercise both lookups.
            "station_type": kind if i % 2 else type_names[list(STATION_TYPES).index(kind)],
            "address": f"广东省清远市{district}{rnd.choice(STREETS)}{rnd.randint(1, 999)}号",
            "longitude": round(112.6 + rnd.random() * 1.0, 6),
            "latitude": round(23.4 + rnd.random() * 1.2, 6),
            "altitude_m": round(rnd.uniform(5, 900), 1),
            "tx_mhz": tx,
            "rx_mhz": rx,
            "bandwidth_khz": bw,
            "emission": em,
            "power_w": pw,
            "antenna_gain_dbi": gain,
            "antenna_height_m": round(rnd.uniform(3, 60), 1),
            "azimuth_deg": rnd.choice(("", 0, 120, 240, rnd.randint(0, 359))),
            "equipment_model": f"RM-{rnd.randint(100, 999)}",
            "type_approval_code": f"CMIIT ID: {rnd.randint(2005, 2024)}CP{rnd.randint(0, 9999):04d}",
            "call_sign": f"BA7{chr(65 + i % 26)}{chr(65 + i // 26 % 26)}" if kind == "amateur" else "",
        })
    return rows


def to_csv(rows):
    """Encode rows as a UTF-8 CSV with BOM, as Excel saves it."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for r in rows:
        writer.writerow([r[c] for c in COLUMNS])
    return buf.getvalue().encode("utf-8-sig")


def to_xlsx(rows, streamed=False):
    """Encode rows as XLSX with numbers stored as numbers."""
    # Default keeps the dimension up front like Excel; streamed=True mimics write-only
    # generators, which put no dimension first and so make openpyxl scan the sheet twice.
    if streamed:
        wb = openpyxl.Workbook(write_only=True)
        ws = wb.create_sheet("台站清单")
    else:
        wb = openpyxl.Workbook()
        ws = wb.active
        ws.title = "台站清单"
    ws.append(list(COLUMNS))
    for r in rows:
        ws.append([None if r[c] == "" else r[c] for c in COLUMNS])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


_INLINE_CELL = re.compile(rb'<c r="([A-Z]+[0-9]+)"([^>]*?) t="inlineStr"([^>]*)><is><t[^>]*>(.*?)</t></is></c>')


def with_shared_strings(xlsx):
    """Rewrite openpyxl's inline strings into a shared-string table, as Excel and WPS save."""
    table = {}

    def swap(m):
        idx = table.setdefault(m.group(4), len(table))
        return b'<c r="%s"%s t="s"%s><v>%d</v></c>' % (m.group(1), m.group(2), m.group(3), idx)

    src = zipfile.ZipFile(io.BytesIO(xlsx))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                body = _INLINE_CELL.sub(swap, body)
            elif info.filename == "[Content_Types].xml":
                body = body.replace(b"</Types>", (
                    b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                    b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>'))
            dst.writestr(info.filename, body)
        items = b"".join(b"<si><t>%s</t></si>" % text for text in table)
        dst.writestr("xl/sharedStrings.xml", (
            b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            b'count="%d" uniqueCount="%d">%s</sst>' % (len(table), len(table), items)))
    return out.getvalue()


def timed(label, data, filename, repeat):
    """Parse data `repeat` times and print the best wall time."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        result = parse_stations(data, filename)
        best = min(best, time.perf_counter() - start)
    assert len(result) == ROWS
    print(f"{label}: {len(data) / 1e6:.1f} MB, {ROWS} rows, best of {repeat}: {best:.3f} s")


def main():
    """Build both files in memory and time parsing them."""
    rows = make_rows(ROWS)
    csv_bytes = to_csv(rows)
    timed("CSV                   ", csv_bytes, "bench.csv", repeat=5)
    excel_like = with_shared_strings(to_xlsx(rows))
    timed("XLSX, shared strings  ", excel_like, "bench.xlsx", repeat=3)
    timed("XLSX, inline strings  ", to_xlsx(rows), "bench.xlsx", repeat=3)
    timed("XLSX, write-only      ", to_xlsx(rows, streamed=True), "bench.xlsx", repeat=3)


if __name__ == "__main__":
    main()
