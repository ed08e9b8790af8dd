"""The public register as open-data files (CSV and XLSX), written by `publish()` and served as static files.

`publish()` is a plain function: run it daily (`flask --app radiolic register publish`, or register it as a
periodic job of the task queue) and after each issuance batch (queued by
`issuance.followup.publish_after_issue()`). Files are written beside the final name and renamed into place, so a
download never sees half a file; the web server answers with ETag / Last-Modified and 304s.
"""
import json
import os
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from flask import current_app

from .issuance import exports
from .models import Licence


FILES = {"csv": "radio-licence-register.csv", "xlsx": "radio-licence-register.xlsx"}
MIMETYPES = {"csv": "text/csv", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
META = "register.json"
XLSX_SHEET_ROWS = 1_000_000        # Excel shows at most 1,048,576 rows a sheet
BATCH = 5000


def folder() -> Path:
    return Path(current_app.config.get("OPEN_DATA_FOLDER") or Path(current_app.instance_path) / "open-data")


def path(fmt: str) -> Path:
    return folder() / FILES[fmt]


def info() -> dict | None:
    """When the files were generated, for which day, how many rows; None before the first run."""
    try:
        meta = json.loads((folder() / META).read_text("utf-8"))
        generated = datetime.fromisoformat(meta["generated_at"])
    except (OSError, ValueError, KeyError):
        return None
    meta["generated_local"] = (generated + timedelta(hours=8)).strftime("%Y-%m-%d %H:%M")
    return meta


def _batches(on: date):
    return exports.licence_rows(Licence.status == "valid", Licence.valid_until >= on, first=BATCH, batch=BATCH)


def _write_csv(target: Path, on: date) -> int:
    rows = 0

    def counted():
        nonlocal rows
        for batch in _batches(on):
            rows += len(batch)
            yield batch
    with open(target, "wb") as fh:
        for chunk in exports.csv_stream(counted(), public=True):
            fh.write(chunk)
    return rows


def _write_xlsx(target: Path, on: date) -> None:
    import openpyxl
    wb = openpyxl.Workbook(write_only=True)
    header = [name for name, _ in exports.public_columns()]
    sheet, in_sheet, sheets = None, XLSX_SHEET_ROWS, 0
    for batch in _batches(on):
        holders = exports.holder_kinds(batch)      # natural persons are masked (radiolic.disclosure)
        for licence, station in batch:
            if in_sheet >= XLSX_SHEET_ROWS:
                sheets += 1
                sheet = wb.create_sheet("证照登记" if sheets == 1 else f"证照登记{sheets}")
                sheet.append(header)
                in_sheet = 0
            sheet.append([exports.cell(v) for v in exports.public_row(licence, station, holders)])
            in_sheet += 1
    if sheet is None:
        wb.create_sheet("证照登记").append(header)
    wb.save(target)


def publish(on: date | None = None) -> dict:
    """Write both files for the register as of `on` (valid licences), atomically; returns the new info()."""
    from .office_date import today
    on = on or today()
    out = folder()
    out.mkdir(parents=True, exist_ok=True)
    generated = datetime.now(timezone.utc).replace(microsecond=0)
    tmp = {fmt: out / f".{name}.{os.getpid()}.tmp" for fmt, name in FILES.items()}
    try:
        rows = _write_csv(tmp["csv"], on)
        _write_xlsx(tmp["xlsx"], on)
        for fmt, name in FILES.items():
            os.replace(tmp[fmt], out / name)
    finally:
        for leftover in tmp.values():
            leftover.unlink(missing_ok=True)
    meta = {"generated_at": generated.isoformat(), "as_of": on.isoformat(), "rows": rows}
    meta_tmp = out / f".{META}.{os.getpid()}.tmp"
    meta_tmp.write_text(json.dumps(meta), "utf-8")
    os.replace(meta_tmp, out / META)
    return meta
