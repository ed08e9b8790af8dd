"""Instruments as issued: each notice, decision and licence PDF is rendered once, sealed (PAdES) and archived
at the act that issues it; downloads (GET) only ever serve the archived bytes and never write.

- Notices and decisions are archived right after the act that issues them commits (`archive_due`): after the
  write request (an `after_request` hook), or when the app context of a CLI command, a job or a daily run ends
  (a `teardown_appcontext` hook). A later clock stop or correction never changes an issued notice.
- Licences of the touched case are archived at the same moment when few are pending (`INLINE_LICENCES`);
  large issues are archived by the `licence_archive` job (progress bar), with a daily sweep behind it.
- A download (`case_pdf`, `licence_pdf`) is read-only: it serves the archived bytes. When the instrument is
  issued but not archived yet (a large batch the job has not reached) it raises `NotArchived`; the view answers
  503 with Retry-After and a page "正在归档，请稍候" (`pending_response`) that retries by itself. It never renders
  a copy to serve instead: a rendered copy would be signed at another moment, so its bytes would differ from
  the archived instrument and the verify page would call the applicant's file "not as issued".
- Previews of instruments not yet issued are rendered with the 样稿 mark and never archived.
- A re-issued instrument (e.g. a corrected licence) is a new archived document superseding the old one.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from multiprocessing import get_context

from flask import current_app
from sqlalchemy import func, select

from . import archive
from .documents import render_licence, render_notice
from .documents.fonts import cjk_font
from .extensions import db
from .models import Application, ArchivedDocument, ClockStop, Licence

log = logging.getLogger(__name__)
INLINE_LICENCES = 50          # issues up to this size are archived right after the issuing request
TOUCHED = "radiolic.touched_cases"
DUE = "radiolic.archive_due"


# ---------------------------------------------------------------------------------------------------- sealing

def seal_service():
    from . import seal_service as seals
    return seals.service() if seals.configured() else None


def seal_label() -> str:
    service = seal_service()
    return service.label if service is not None else ""


def sign(data: bytes, reason: str) -> bytes:
    """PAdES-sign `data` with the office seal when one is configured (init creates a demo one)."""
    service = seal_service()
    return service.sign_pdf(data, reason=reason) if service is not None else data


# ---------------------------------------------------------------------------------------------------- notices

def _ref(case: Application, kind: str, seq: int | None = None) -> str:
    return f"{case.number}/{kind}" + (f"/{seq}" if seq else "")


def case_instruments(case: Application) -> list[tuple[str, int | None, str]]:
    """(kind, seq, title) of every instrument the case has issued so far (intake notices, stop notices, the
    extension notice, the decision and its withdrawal)."""
    from .intake import notices
    out = []
    for kind, title, args in notices.available(case):
        out.append((kind, args.get("seq"), title))
    for stop in db.session.scalars(select(ClockStop).where(ClockStop.application_id == case.id)
                                   .order_by(ClockStop.id)):
        out.append(("stop", stop.id, "期限告知书"))
    from .workflow.review import approved_extension
    if approved_extension(case) is not None:
        out.append(("extension", None, "延长期限告知书"))
    if case.decision is not None:
        out.append(("decision", None, "决定书"))
        if case.decision.withdrawn_on is not None:
            out.append(("withdrawal", None, "撤回行政许可决定书"))
    return out


def notice_of(case: Application, kind: str, seq: int | None = None, *, query_code: str | None = None,
              draft_codes=(), on: date | None = None):
    """The Notice of an instrument (None when the case has none of that kind)."""
    from .intake import notices
    from .review import notices as review_notices
    if kind == "stop":
        stop = db.session.get(ClockStop, seq) if seq else None
        return review_notices.stop_notice(case, stop) if stop is not None and stop.application_id == case.id else None
    if kind == "decision":
        return review_notices.decision_notice(case) if case.decision is not None else None
    if kind == "extension":
        from .workflow.review import approved_extension
        req = approved_extension(case)
        return review_notices.extension_notice(case, req) if req is not None else None
    if kind == "withdrawal":
        withdrawn = case.decision is not None and case.decision.withdrawn_on is not None
        return review_notices.withdrawal_notice(case) if withdrawn else None
    return notices.build(case, kind, seq=seq, query_code=query_code, draft_codes=list(draft_codes), on=on)


def render_issued(doc) -> bytes:
    """An issued instrument's bytes: the red seal drawn in its seal place, PAdES-signed."""
    doc.sealed, doc.seal_label = True, seal_label()
    return sign(render_notice(doc), reason=f"{doc.title} {doc.doc_number}".strip())


def render_draft(doc) -> bytes:
    """A preview of an instrument not yet issued: marked 样稿, not sealed, never archived."""
    doc.draft = True
    return render_notice(doc)


class NotArchived(Exception):
    """The instrument is issued but not archived yet (its archive job is still running)."""


def _seq_of(case: Application, kind: str, seq: int | None) -> int | None:
    """A link without `seq` names the case's first commitment (deferral) or correction notice, as notices.build
    reads it: the archive keeps each under its own seq, never a second copy under no seq."""
    if seq is None and kind in ("commitment", "deferral") and case.commitments:
        return case.commitments[0].id
    if seq is None and kind == "correction" and case.corrections:
        return case.corrections[0].seq
    return seq


def case_pdf(case: Application, kind: str, seq: int | None, on: date | None = None) -> bytes | None:
    """The archived bytes of an issued instrument (read-only); None when the case has no such instrument;
    NotArchived when it is issued but not archived yet."""
    seq = _seq_of(case, kind, seq)
    data = archive.fetch("notice", _ref(case, kind, seq))
    if data is not None:
        return data
    if notice_of(case, kind, seq, on=on) is None:
        return None
    raise NotArchived(_ref(case, kind, seq))


def archive_instrument(case: Application, kind: str, seq: int | None, on: date) -> bytes | None:
    """Render, seal and archive an issued instrument not archived yet (a write: the caller commits)."""
    seq = _seq_of(case, kind, seq)
    ref = _ref(case, kind, seq)
    data = archive.fetch("notice", ref)
    if data is not None:
        return data
    doc = notice_of(case, kind, seq, on=on)
    if doc is None:
        return None
    data = render_issued(doc)
    archive.store("notice", ref, data, case=case, on=on, filename=f"{case.number}-{kind}.pdf")
    return data


def archive_case(case: Application, on: date) -> int:
    """Archive every instrument of the case not archived yet, and its licences when few are pending (more are the
    archive job's); the caller commits. Returns how many notices were archived."""
    done = set(db.session.scalars(select(ArchivedDocument.ref).where(
        ArchivedDocument.kind == "notice", ArchivedDocument.application_id == case.id)))
    added = 0
    for kind, seq, _title in case_instruments(case):
        if _ref(case, kind, seq) not in done and archive_instrument(case, kind, seq, on) is not None:
            added += 1
    archived = select(ArchivedDocument.ref).where(ArchivedDocument.kind == "licence",
                                                  ArchivedDocument.application_id == case.id)
    pending = db.session.scalar(select(func.count()).select_from(Licence).where(
        Licence.application_id == case.id, Licence.number.not_in(archived)))
    if pending and pending <= INLINE_LICENCES:
        for lic in db.session.scalars(select(Licence).where(Licence.application_id == case.id,
                                                            Licence.number.not_in(archived))).all():
            archive_licence(lic, on)
    return added


def archive_due() -> int:
    """After an act committed: archive the new instruments of the cases it touched. Never raises."""
    due = db.session.info.pop(DUE, set())
    if not due:
        return 0
    from .office_date import today
    added = 0
    try:
        for case in db.session.scalars(select(Application).where(Application.id.in_(due))).all():
            added += archive_case(case, today())
        db.session.commit()
    except Exception:  # noqa: BLE001 - archiving must not undo or hide the act; the daily sweep archives it later
        db.session.rollback()
        log.exception("archiving instruments of cases %s failed", sorted(due))
    return added


def archive_recent(on: date, days: int = 3) -> int:
    """The safety net behind archive_due (the daily sweep): archive what the cases acted on in the last `days`
    days issued and is not archived yet (an archiving that failed after its act). Returns how many notices."""
    from datetime import timedelta
    from .models import Event
    ids = db.session.scalars(select(Event.application_id).where(Event.on >= on - timedelta(days=days),
                                                               Event.application_id.is_not(None)).distinct()).all()
    db.session.rollback()
    added = 0
    for case_id in ids:
        case = db.session.get(Application, case_id)
        if case is not None:
            added += archive_case(case, on)
            db.session.commit()
    return added


def pending_response(retry_after: int = 10):
    """The answer to a download of an instrument issued but not archived yet: 503, Retry-After, and a page that
    says so and asks again by itself (the GET never writes; the archive job is already on it)."""
    from flask import make_response, render_template
    response = make_response(render_template("archive_pending.html", retry_after=retry_after), 503)
    response.headers["Retry-After"] = str(retry_after)
    response.headers["Cache-Control"] = "no-store"
    return response


_listening = False


def init_app(app) -> None:
    """Archive the instruments of the acts a request committed, after the request (outside its transaction)."""
    global _listening
    if not _listening:
        from sqlalchemy import event
        from sqlalchemy.orm import Session

        @event.listens_for(Session, "after_commit")
        def _committed(session):
            touched = session.info.pop(TOUCHED, None)
            if touched:
                session.info.setdefault(DUE, set()).update(touched)

        @event.listens_for(Session, "after_rollback")
        def _rolled_back(session):
            session.info.pop(TOUCHED, None)

        _listening = True

    @app.after_request
    def _archive_after_act(response):
        from flask import request
        from .database import READ_METHODS
        if request.method not in READ_METHODS and db.session.info.get(DUE):
            archive_due()
        return response

    @app.teardown_appcontext
    def _archive_after_command(_exc):
        # a CLI command, a job or a daily run that committed an act (runs before the session is removed:
        # teardown functions run in reverse order of registration, Flask-SQLAlchemy's was registered first)
        if _exc is None and db.session.info.get(DUE):
            archive_due()


# ---------------------------------------------------------------------------------------------------- licences

_fork_service = None


def prepare_workers() -> None:
    """Load the seal service in this process before forking render workers (they inherit it)."""
    global _fork_service
    _fork_service = seal_service()


def issued_faces(rows) -> list:
    """Faces of (licence, station) rows as issued: electronic ones carry the seal label."""
    from .licence_face import face_of
    label, faces = seal_label(), []
    for licence, station in rows:
        face = face_of(licence, station if licence["station_id"] else None)
        face.seal_label = label if face.electronic else ""
        faces.append(face)
    return faces


def render_sealed(face) -> bytes:
    """Render a face; an electronic licence is PAdES-signed (in a worker: with the service prepare_workers loaded)."""
    data = render_licence(face)
    if face.electronic and _fork_service is not None:
        data = _fork_service.sign_pdf(data, reason=f"电子证照 {face.number}")
    return data


def licence_pdf_bytes(face) -> bytes:
    """One licence's issued bytes (electronic: seal drawn and PAdES-signed; paper: for printing and stamping)."""
    prepare_workers()
    face.seal_label = seal_label() if face.electronic else ""
    return render_sealed(face)


@dataclass
class ArchiveRun:
    total: int = 0
    done: int = 0


def archive_licences(*conditions, on: date, progress: Callable[[int, int], None] | None = None,
                     processes: int = 1, chunk: int = 500) -> ArchiveRun:
    """Render, seal and archive every licence matching `conditions` that has no archived copy, in chunks,
    committing after each chunk and calling `progress(done, total)`; safe to run again after a crash."""
    from .issuance.exports import licence_rows
    archived = select(ArchivedDocument.ref).where(ArchivedDocument.kind == "licence")
    pending = (*conditions, Licence.number.not_in(archived))
    run = ArchiveRun(total=db.session.scalar(select(func.count()).select_from(Licence).where(*pending)) or 0)
    db.session.rollback()
    if not run.total:
        return run
    cjk_font(current_app.config.get("PDF_FONT_PATH"))
    prepare_workers()
    executor = ProcessPoolExecutor(processes, mp_context=get_context("fork")) if processes > 1 else None
    try:
        for batch in licence_rows(*pending, batch=chunk, first=chunk):
            faces = issued_faces(batch)
            pdfs = list(executor.map(render_sealed, faces, chunksize=8) if executor else map(render_sealed, faces))
            archive.store_many("licence", [(lic["number"], data, lic["application_id"], f"{lic['number']}.pdf")
                                           for (lic, _s), data in zip(batch, pdfs)], on=on)
            db.session.commit()
            run.done += len(batch)
            if progress is not None:
                progress(run.done, run.total)
    finally:
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)
    return run


def licence_pdf(lic: Licence) -> bytes:
    """The archived bytes of a licence (read-only); NotArchived when the archive job has not reached it yet."""
    data = archive.fetch("licence", lic.number)
    if data is None:
        raise NotArchived(lic.number)
    return data


def archive_licence(lic: Licence, on: date) -> bytes:
    """Render, seal and archive one licence not archived yet (a write: the caller commits)."""
    from .licence_face import face_of
    data = archive.fetch("licence", lic.number)
    if data is not None:
        return data
    data = licence_pdf_bytes(face_of(lic, lic.station))
    archive.store("licence", lic.number, data, case=lic.application, on=on, filename=f"{lic.number}.pdf")
    return data


def licence_preview(lic_or_row, station=None) -> bytes:
    """A licence face rendered as a preview (样稿): not sealed, not archived."""
    from .licence_face import face_of
    face = face_of(lic_or_row, station)
    face.draft = True
    return render_licence(face)


# ---------------------------------------------------------------------------------------------------- checking a PDF

@dataclass
class PdfReport:
    """What an offline check of a PDF found (verify-pdf and the verify page's upload)."""

    sha256: str
    signatures: list = field(default_factory=list)
    archived: dict | None = None          # kind, ref, on, superseded of the archived document with these bytes
    licence: dict | None = None           # number, status, status_name, record_check of a licence's live record
    problems: list = field(default_factory=list)
    notes: list = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def check_pdf(data: bytes, *, on: date, with_db: bool = True) -> PdfReport:
    """Check a PDF: its PAdES signature(s) against the configured CA, whether these exact bytes are an archived
    instrument, and (for a licence) its live record and status."""
    import hashlib
    from . import seal_service as seals
    report = PdfReport(sha256=hashlib.sha256(data).hexdigest())
    if not data.startswith(b"%PDF-"):
        report.problems.append("不是 PDF 文件")
        return report
    if seals.configured():
        report.signatures = seals.service().check_pdf(data)
    else:
        report.notes.append("未配置印章证书，无法校验签名")
    for sig in report.signatures:
        if not sig.ok:
            report.problems.append(f"签名 {sig.field or '?'}：{sig.problem}")
    if not with_db:
        report.notes.append("未连接登记数据库：只校验了签名")
        if not report.signatures:
            report.problems.append("文件没有电子签章")
        return report
    doc = db.session.scalar(select(ArchivedDocument).where(ArchivedDocument.sha256 == report.sha256)
                            .order_by(ArchivedDocument.id.desc()).limit(1))
    paper = False
    if doc is None:
        report.problems.append("文件与发证机关存档的文书不一致（可能被改动或伪造）")
    else:
        report.archived = {"kind": doc.kind, "ref": doc.ref, "on": doc.on.isoformat(),
                           "superseded": doc.superseded_by_id is not None}
        if doc.superseded_by_id is not None:
            report.problems.append("该文书已被重新签发的文书替换")
        try:
            archive.read(doc)
        except archive.ArchiveError as err:
            report.problems.append(str(err))
        if doc.kind == "licence":
            paper = _licence_status(report, doc.ref, on)
    if not report.signatures and not paper:
        report.problems.append("文件没有电子签章")
    return report


def _licence_status(report: PdfReport, number: str, on: date) -> bool:
    """Add the licence's live record check and status to the report; True when it is a paper licence."""
    from .issuance.sealing import check
    from .licence_face import live_status
    from .vocabulary import LicenceStatus
    lic = db.session.scalar(select(Licence).where(Licence.number == number))
    if lic is None:
        report.problems.append(f"登记簿中没有证照 {number}")
        return False
    result = check(lic)
    status = live_status(lic, on)
    report.licence = {"number": lic.number, "status": status, "status_name": LicenceStatus.text_of(status),
                      "record_check": "intact" if result.ok else "failed", "verify_code": lic.verify_code}
    if not result.ok:
        report.problems.append("记录校验失败：" + "；".join(result.problems))
    elif status != "valid":
        report.problems.append(f"证照 {lic.number} 当前状态：{LicenceStatus.text_of(status)}")
    return lic.format == "paper"
