"""Bulk downloads: licence rows read a batch at a time, licences as a ZIP streamed while it is built, register
extracts as CSV or XLSX."""
import csv
import gc
import io
import zipfile
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context

from flask import current_app, has_app_context
from sqlalchemy import select

from .. import disclosure
from ..documents import cjk_font, render_licence
from ..extensions import db
from ..licence_face import face_of
from ..models import Applicant, Licence, Station
from ..spreadsheets import formula_safe
from ..vocabulary import Format, LicenceKind, LicenceStatus, StationType


# The first batch is small so the first bytes leave within a second; later ones keep both cores busy.
FIRST_BATCH, BATCH = 8, 400


def licence_rows(*conditions, batch: int = BATCH, first: int = FIRST_BATCH) -> Iterator[list[tuple[dict, dict]]]:
    """(licence, station) rows as plain dicts in id order, a batch at a time.

    The read transaction ends after each batch: on SQLite every transaction starts BEGIN IMMEDIATE,
    and a ZIP that takes minutes must not hold the write lock while it renders.
    """
    last, size = 0, first
    station_cols = [c.label(f"s_{c.name}") for c in Station.__table__.columns]
    while True:
        rows = db.session.execute(
            select(Licence.__table__, *station_cols).outerjoin(Station, Licence.station_id == Station.id)
            .where(Licence.id > last, *conditions).order_by(Licence.id).limit(size)).mappings().all()
        db.session.rollback()
        if not rows:
            return
        yield [(dict(r), {k[2:]: v for k, v in r.items() if k.startswith("s_")}) for r in rows]
        last, size = rows[-1]["id"], batch


class _Pipe:
    """Write end for zipfile that hands over what was written so far; unseekable, so zipfile streams."""

    def __init__(self):
        self._chunks: list[bytes] = []

    def write(self, data) -> int:
        self._chunks.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        out = b"".join(self._chunks)
        self._chunks.clear()
        return out


def pdf_name(licence: dict) -> str:
    return f"{licence['number']}.pdf"


def zip_stream(batches: Iterable[list[tuple[dict, dict]]], processes: int = 1) -> Iterator[bytes]:
    """Yield a ZIP (stored, not deflated: PDFs are compressed already) as each licence is rendered.

    Archived licences are served as archived (the archive job follows every large issue); the others are
    rendered, and nothing is written while streaming."""
    pipe = _Pipe()
    if has_app_context():
        cjk_font(current_app.config.get("PDF_FONT_PATH"))   # register once, before forking: workers inherit it
    executor = None
    if processes > 1:
        # Objects that exist before the fork are frozen out of the collector, so the children's collections
        # do not touch (and copy) the parent's pages: the render processes share them instead.
        gc.collect()
        gc.freeze()
        executor = ProcessPoolExecutor(processes, mp_context=get_context("fork"))
    try:
        archive = zipfile.ZipFile(pipe, "w", compression=zipfile.ZIP_STORED)
        for batch in batches:
            stored = _archived(batch)
            faces = [face_of(licence, station) for licence, station in batch if licence["number"] not in stored]
            rendered = iter(executor.map(render_licence, faces, chunksize=16) if executor
                            else map(render_licence, faces))
            # archived bytes where the licence is archived, else rendered lazily in batch order (streams at once)
            pdfs = (stored[licence["number"]] if licence["number"] in stored else next(rendered)
                    for licence, _station in batch)
            for (licence, _station), pdf in zip(batch, pdfs):
                day = licence["issued_on"]
                info = zipfile.ZipInfo(pdf_name(licence), date_time=(day.year, day.month, day.day, 0, 0, 0))
                archive.writestr(info, pdf)
                yield pipe.take()
        archive.close()
        yield pipe.take()
    finally:
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)
            gc.unfreeze()


def _archived(batch) -> dict[str, bytes]:
    """The archived (issued) bytes of the batch's licences that have them: a ZIP serves what was issued."""
    if not has_app_context():
        return {}
    from .. import archive
    from ..models import ArchivedDocument
    numbers = [licence["number"] for licence, _station in batch]
    docs = db.session.execute(select(ArchivedDocument.ref, ArchivedDocument.sha256).where(
        ArchivedDocument.kind == "licence", ArchivedDocument.ref.in_(numbers),
        ArchivedDocument.superseded_by_id.is_(None))).all()
    db.session.rollback()
    return {ref: archive.path_of(sha).read_bytes() for ref, sha in docs}


def cell(value) -> str:
    """Text for a spreadsheet cell; a leading = + - @ is neutralised (formula injection)."""
    text = "" if value is None else (value.isoformat() if hasattr(value, "isoformat") else str(value))
    return formula_safe(text)


EXTRACT_COLUMNS = [
    ("编号", lambda l, s: l["number"]), ("证照类别", lambda l, s: LicenceKind.text_of(l["kind"])),
    ("形式", lambda l, s: Format.text_of(l["format"])), ("状态", lambda l, s: LicenceStatus.text_of(l["status"])),
    ("持证人", lambda l, s: l["holder_name"]), ("台站名称", lambda l, s: s.get("station_name") or ""),
    ("台站类型", lambda l, s: StationType.text_of(s.get("station_type"), "")),
    ("台址", lambda l, s: s.get("address") or l["area"]), ("经度", lambda l, s: s.get("longitude")),
    ("纬度", lambda l, s: s.get("latitude")), ("发射频率（MHz）", lambda l, s: s.get("tx_mhz") or l["frequencies"]),
    ("接收频率（MHz）", lambda l, s: s.get("rx_mhz") or ""), ("带宽（kHz）", lambda l, s: s.get("bandwidth_khz")),
    ("功率（W）", lambda l, s: s.get("power_w")), ("发证日期", lambda l, s: l["issued_on"]),
    ("有效期起", lambda l, s: l["valid_from"]), ("有效期至", lambda l, s: l["valid_until"]),
    ("核验码", lambda l, s: l["verify_code"]), ("内容摘要 SHA-256", lambda l, s: l["content_hash"]),
]


_PRIVATE_COLUMNS = ("核验码", "内容摘要 SHA-256", "经度", "纬度")


def public_columns(_holders: dict | None = None) -> list:
    """Register columns anyone may see (no verification codes, hashes or coordinates); rows go through
    `public_row`, which masks natural persons (radiolic.disclosure)."""
    return [(name, get) for name, get in EXTRACT_COLUMNS if name not in _PRIVATE_COLUMNS]


def public_row(licence: dict, station: dict, holders: dict) -> list:
    """One public register row: every column through disclosure.mask (a person's name, ID and phone never show)."""
    person = holders.get(licence["applicant_id"])
    values = {name: get(licence, station) for name, get in public_columns()}
    shown = disclosure.mask(values, person, station_type=StationType.text_of(station.get("station_type"), ""))
    return [shown.get(name, "") for name, _ in public_columns()]


def holder_kinds(batch: list[tuple[dict, dict]]) -> dict:
    """applicant id -> disclosure.Person for the natural persons among the holders of `batch`."""
    ids = {licence["applicant_id"] for licence, _ in batch}
    rows = db.session.execute(select(Applicant.id, Applicant.kind, Applicant.name, Applicant.id_code, Applicant.phone)
                              .where(Applicant.id.in_(ids), Applicant.kind == "person")).all()
    db.session.rollback()
    return {i: disclosure.person_of(kind, name, code, phone) for i, kind, name, code, phone in rows}


def csv_stream(batches: Iterable[list[tuple[dict, dict]]], public: bool = False) -> Iterator[bytes]:
    """CSV (UTF-8 with BOM for Excel), written as the batches come; `public` masks and drops private columns."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    header = [name for name, _ in (public_columns() if public else EXTRACT_COLUMNS)]
    yield ("\ufeff" + ",".join(header) + "\r\n").encode()
    for batch in batches:
        if public:
            holders = holder_kinds(batch)
            for licence, station in batch:
                writer.writerow([cell(v) for v in public_row(licence, station, holders)])
        else:
            for licence, station in batch:
                writer.writerow([cell(get(licence, station)) for _, get in EXTRACT_COLUMNS])
        yield buf.getvalue().encode()
        buf.seek(0)
        buf.truncate()


def xlsx_bytes(batches: Iterable[list[tuple[dict, dict]]]) -> bytes:
    """The register extract as an XLSX workbook (write-only mode: 20,000 rows in a few seconds)."""
    import openpyxl
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("证照登记")
    ws.append([name for name, _ in EXTRACT_COLUMNS])
    for batch in batches:
        for licence, station in batch:
            ws.append([cell(get(licence, station)) for _, get in EXTRACT_COLUMNS])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
