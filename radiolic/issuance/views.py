"""Issuance pages: stations, issue, licences, print and delivery, downloads, verification, the public register."""
import base64
import json
import os
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask import (Blueprint, Response, abort, current_app, flash, redirect, render_template, request, send_file,
                   stream_with_context, url_for)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from .. import instruments
from ..access import public, roles
from ..database import reading
from ..extensions import db
from ..inputs import arg_int
from .. import disclosure
from ..licence_public import find_for_verification, pdf_download, public_view
from ..licence_face import face_fields, live_status, shown_fields
from ..models import Applicant, Application, Delivery, Licence, PrintLog, Station
from .sealing import check, public_key
from .station_import import (ImportRejected, count_rows, errors_csv, parse_stations, template_csv,
                              template_xlsx)
from .station_import import COLUMNS as STATION_COLUMNS
from .station_import import validate_rows
from ..office_date import today
from ..texts import N_
from ..vocabulary import LicenceKind, StationType
from ..views_common import case_or_404 as _case, case_page, case_page_again, run_verb
from ..workflow import WorkflowError, clock
from ..workflow import issuance as verbs
from . import exports, followup
from .. import jobs
from .forms import (CancelForm, DeliveryForm, FormatForm, ImportForm, IssueForm, PrintForm, RevokeForm,
                    RestoreForm, StationForm, VerifyPdfForm)

bp = Blueprint("issuance", __name__)

CASE_STAFF = ("clerk", "reviewer", "supervisor")
HANDLERS = ("clerk", "reviewer")
PAGE = 50

MAX_PAGE = 10**6


@bp.app_template_filter("face_shown")
def face_shown(fields) -> list:
    """A licence face's fields in the page's language (labels, station type, generated lines, standard conditions)."""
    return shown_fields(fields)


@dataclass
class Panel:
    """What the case page's issuance partials show."""

    kind: str | None
    stations: list = field(default_factory=list)
    station_count: int = 0
    refused_count: int = 0
    licences: list = field(default_factory=list)
    licence_count: int = 0
    by_format: dict = field(default_factory=dict)
    by_status: dict = field(default_factory=dict)
    paper_count: int = 0
    deliveries: list = field(default_factory=list)
    printed: int = 0


@bp.app_template_global()
def issuance_panel(case: Application) -> Panel:
    """Counts and the first rows of the case's stations and licences (a case can carry 20,000)."""
    panel = Panel(kind=case.service_item.licence_kind)
    stations = select(Station).where(Station.application_id == case.id)
    panel.station_count = db.session.scalar(select(func.count()).select_from(stations.subquery())) or 0
    panel.refused_count = db.session.scalar(select(func.count()).select_from(
        stations.where(Station.refused_reason.is_not(None)).subquery())) or 0
    panel.stations = db.session.scalars(stations.order_by(Station.seq).limit(PAGE)).all()
    of_case = Licence.application_id == case.id
    panel.by_format = dict(db.session.execute(select(Licence.format, func.count()).where(of_case)
                                              .group_by(Licence.format)).all())
    panel.by_status = dict(db.session.execute(select(Licence.status, func.count()).where(of_case)
                                              .group_by(Licence.status)).all())
    panel.licence_count = sum(panel.by_format.values())
    panel.paper_count = panel.by_format.get("paper", 0)
    panel.licences = db.session.scalars(select(Licence).where(of_case).order_by(Licence.number).limit(20)).all()
    panel.deliveries = db.session.scalars(select(Delivery).where(Delivery.application_id == case.id)
                                          .order_by(Delivery.id)).all()
    panel.printed = db.session.scalar(select(func.count(func.distinct(PrintLog.licence_id))).join(
        Licence, PrintLog.licence_id == Licence.id).where(of_case)) or 0
    return panel


@bp.app_template_global()
def issuance_forms() -> dict:
    return {"station": StationForm(), "import": ImportForm(), "issue": IssueForm(), "print": PrintForm(),
            "delivery": DeliveryForm(), "cancel": CancelForm(), "format": FormatForm()}


def _licence(number: str) -> Licence:
    licence = db.session.scalar(select(Licence).where(Licence.number == number))
    return licence if licence is not None else abort(404)


def _back(case: Application):
    return redirect(url_for("main.case", number=case.number) + "#issuance")


# ---------------------------------------------------------------------------------------------------- queue

@bp.route("/issuance")
@roles(*CASE_STAFF)
def queue():
    # Each row shows the applicant, the item, the clock (stops) and outstanding materials: load them per page.
    waiting = db.session.scalars(select(Application).where(Application.state == "approved")
                                 .options(selectinload(Application.applicant), selectinload(Application.service_item),
                                          selectinload(Application.clock_stops), selectinload(Application.materials))
                                 .order_by(Application.due_issue.is_(None), Application.due_issue,
                                           Application.id).limit(200)).all()
    on = today()
    # Current work only: paper licences issued in the last PAPER_DELIVERY_WINDOW_DAYS with no delivery logged;
    # older ones (history loaded without delivery records) are counted, not listed.
    since = on - timedelta(days=current_app.config.get("PAPER_DELIVERY_WINDOW_DAYS", 60))
    pending = (Application.state == "issued",
               Application.id.in_(select(Licence.application_id).where(Licence.format == "paper",
                                                                       Licence.status == "valid")),
               Application.id.not_in(select(Delivery.application_id)))
    undelivered = db.session.scalars(
        select(Application).where(*pending, Application.issued_on >= since)
        .options(selectinload(Application.applicant)).order_by(Application.issued_on.desc()).limit(200)).all()
    older = db.session.scalar(select(func.count(Application.id)).where(*pending, Application.issued_on < since))
    cal = clock.load_calendar()
    return render_template("issuance/queue.html", waiting=[(c, clock.compute(c, on, cal)) for c in waiting],
                           undelivered=undelivered, undelivered_older=older or 0, undelivered_since=since)


# ---------------------------------------------------------------------------------------------------- stations

@bp.get("/issuance/station-template.<fmt>")
@roles(*CASE_STAFF)
def station_template(fmt: str):
    if fmt == "csv":
        return Response(template_csv(), mimetype="text/csv",
                        headers={"Content-Disposition": "attachment; filename=stations-template.csv"})
    if fmt == "xlsx":
        return Response(template_xlsx(), headers={"Content-Disposition": "attachment; filename=stations-template.xlsx"},
                        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    abort(404)


@bp.post("/cases/<number>/stations")
@roles(*HANDLERS)
def add_station(number: str):
    case, form = _case(number), StationForm()
    if not form.validate_on_submit():
        return case_page(case, 422, station_form=form)
    raw = {name: getattr(form, name).data for name in STATION_COLUMNS}
    try:
        row = validate_rows([raw])[0]
    except ImportRejected as rejected:
        for error in rejected.errors:
            target = getattr(form, error.column, None) if error.column else None
            (target.errors if target is not None else form.station_name.errors).append(error.message)
        return case_page(case, 422, station_form=form)
    row["format_override"] = form.format_override.data or None

    def step():
        if form.replaces.data:
            row["replaces_licence_id"] = _replaced_id(case, form.replaces.data.strip())
        verbs.add_stations(case, [row], mode="append", by=current_user, on=today())
    run_verb(step, form=form, done=_("已添加台站“%(name)s”。", name=row["station_name"]),
             again=lambda: case_page_again(case, station_form=form))
    return _back(case)


def _replaced_id(case: Application, number: str) -> int:
    lid = db.session.scalar(select(Licence.id).where(Licence.number == number,
                                                     Licence.applicant_id == case.applicant_id))
    if lid is None:
        raise WorkflowError(N_("申请人没有编号为 %(number)s 的证照。"), field="replaces", params={"number": number})
    return lid


@bp.post("/cases/<number>/stations/import")
@roles(*HANDLERS)
def import_stations(number: str):
    case, form = _case(number), ImportForm()
    if not form.validate_on_submit():
        return case_page(case, 422, import_form=form)
    upload = form.file.data
    data = upload.read(current_app.config["UPLOAD_MAX_BYTES"] + 1)
    if len(data) > current_app.config["UPLOAD_MAX_BYTES"]:
        form.file.errors.append(_("文件过大。"))
        return case_page(case, 422, import_form=form)
    with reading():     # counting rows reads the file, not the database: no lock for it
        big = count_rows(data) > current_app.config["IMPORT_INLINE_MAX"]
    if big:
        # A big list is parsed and added by the job queue; its page shows the progress and the outcome.
        job = jobs.start("station_import", {"case_id": case.id, "number": case.number, "user_id": current_user.id,
                                            "upload": jobs.keep_upload(data), "filename": upload.filename or "stations",
                                            "mode": form.mode.data},
                         user=current_user, title=_("%(number)s 台站导入", number=case.number), total=3)
        return redirect(url_for("jobs.show", job_id=job.id))
    try:
        with reading():     # parse outside the write lock; the verb below takes it
            rows = parse_stations(data, upload.filename or "stations")
    except ImportRejected as rejected:
        report = base64.b64encode(errors_csv(rejected)).decode("ascii")
        flash(_("导入被拒绝：共 %(total)s 处错误，没有导入任何台站。请按错误报告修改后重新导入。", total=rejected.total),
              "danger")
        return case_page(case, 422, import_form=form, import_errors=rejected.errors[:200],
                          import_error_total=rejected.total, import_report=report)
    count = run_verb(lambda: verbs.add_stations(case, rows, mode=form.mode.data, by=current_user, on=today()),
                     form=form, again=lambda: case_page_again(case, import_form=form))
    if form.mode.data == "replace":
        flash(_("已导入 %(count)s 个台站（替换）。", count=count), "success")
    else:
        flash(_("已导入 %(count)s 个台站（追加）。", count=count), "success")
    return _back(case)


@bp.post("/cases/<number>/stations/<int:seq>/format")
@roles(*HANDLERS)
def set_format(number: str, seq: int):
    case, form = _case(number), FormatForm()
    if not form.validate_on_submit():
        abort(400)
    run_verb(lambda: verbs.set_format_override(case, seq, form.format_override.data or None, by=current_user,
                                               on=today()),
             done=_("已调整该台站的执照形式。"), again=lambda: case_page_again(case))
    return _back(case)


# ---------------------------------------------------------------------------------------------------- issue

@bp.post("/cases/<number>/issue")
@roles(*HANDLERS)
def issue(number: str):
    case, form = _case(number), IssueForm()
    if not form.validate_on_submit():
        return case_page(case, 422, issue_form=form)
    permit = form.permit() if case.service_item.licence_kind == "frequency_permit" else None
    result = run_verb(lambda: verbs.issue(case, format=form.format.data, by=current_user, on=today(), permit=permit,
                                          valid_until=form.valid_until.data if permit is None else None),
                      form=form, again=lambda: case_page_again(case, issue_form=form))
    followup.after_issue(case, result.count, by=current_user, on=today())
    if result.count > 1:
        flash(_("已发证 %(count)s 份：%(first)s 至 %(last)s。", count=result.count, first=result.first_number,
                last=result.last_number), "success")
    else:
        flash(_("已发证 %(count)s 份：%(first)s。", count=result.count, first=result.first_number), "success")
    return _back(case)


@bp.post("/cases/<number>/cancel-licences")
@roles(*HANDLERS)
def cancel(number: str):
    case, form = _case(number), CancelForm()
    if not form.validate_on_submit():
        return case_page(case, 422, cancel_form=form)
    run_verb(lambda: verbs.cancel_licences(case, numbers=form.numbers.data.split(), returned=form.returned.data,
                                           reason=form.reason.data or "", by=current_user, on=today()),
             form=form, done=lambda n: _("已注销 %(count)s 份证照，案件办结。", count=n),
             again=lambda: case_page_again(case, cancel_form=form))
    return _back(case)


# ---------------------------------------------------------------------------------------------------- licences

@bp.route("/cases/<number>/licences")
@roles(*CASE_STAFF)
def case_licences(number: str):
    case = _case(number)
    page = arg_int(request.args, "page", high=MAX_PAGE, default=1)
    query = select(Licence).where(Licence.application_id == case.id).order_by(Licence.number)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    licences = db.session.scalars(query.options(selectinload(Licence.station))
                                  .offset((page - 1) * PAGE).limit(PAGE)).all()
    return render_template("issuance/case_licences.html", case=case, licences=licences, page=page, total=total,
                           pages=max((total + PAGE - 1) // PAGE, 1))


@bp.route("/licences/<number>")
@roles(*CASE_STAFF)
def licence(number: str):
    lic = _licence(number)
    prints = db.session.scalars(select(PrintLog).where(PrintLog.licence_id == lic.id).order_by(PrintLog.id)).all()
    related = {lid: db.session.get(Licence, lid) for lid in (lic.supersedes_id, lic.superseded_by_id) if lid}
    return render_template("issuance/licence.html", licence=lic, fields=face_fields(lic, lic.station),
                           check=check(lic), prints=prints, related=related, print_form=PrintForm(),
                           revoke_form=RevokeForm(), restore_form=RestoreForm(), status=live_status(lic, today()))


@bp.get("/licences/<number>/pdf")
@roles(*CASE_STAFF)
def licence_pdf(number: str):
    return pdf_download(_licence(number))


@bp.post("/licences/<number>/print")
@roles(*HANDLERS)
def print_licence(number: str):
    lic, form = _licence(number), PrintForm()
    if not form.validate_on_submit():
        flash(_("打印份数须为 1–10。"), "danger")
        return redirect(url_for("issuance.licence", number=number))
    run_verb(lambda: verbs.record_print(lic.application, [lic], copies=form.copies.data, by=current_user, on=today()),
             again=lambda: redirect(url_for("issuance.licence", number=number)))
    return pdf_download(lic, archive_missing=True)


def _licence_status_change(number: str, form, verb, missing: str, done: str):
    """Revoke or restore one licence: the reason is required; a refusal is flashed; one commit."""
    lic = _licence(number)
    back = redirect(url_for("issuance.licence", number=number))
    if not form.validate_on_submit():
        flash(missing, "danger")
        return back
    run_verb(lambda: verb(lic, reason=form.reason.data, by=current_user, on=today()), done=done, again=lambda: back)
    return back


@bp.post("/licences/<number>/revoke")
@roles("reviewer", "supervisor")
def revoke(number: str):
    return _licence_status_change(number, RevokeForm(), verbs.revoke_licence, _("请写明撤销的理由和依据。"),
                                  _("证照 %(number)s 已撤销。", number=number))


@bp.post("/licences/<number>/restore")
@roles("supervisor")
def restore(number: str):
    """恢复: a revoked or cancelled licence made valid again (e.g. the revocation set aside), re-sealed."""
    return _licence_status_change(number, RestoreForm(), verbs.restore_licence, _("请写明恢复的理由和依据。"),
                                  _("证照 %(number)s 已恢复有效。", number=number))


@bp.post("/cases/<number>/print")
@roles(*HANDLERS)
def print_case(number: str):
    """Log the print of every paper licence of the case and hand them over as one ZIP."""
    case, form = _case(number), PrintForm()
    if not form.validate_on_submit():
        flash(_("打印份数须为 1–10。"), "danger")
        return _back(case)
    paper = db.session.scalars(select(Licence).where(Licence.application_id == case.id, Licence.format == "paper")
                               .order_by(Licence.number)).all()
    run_verb(lambda: verbs.record_print(case, paper, copies=form.copies.data, by=current_user, on=today()),
             again=lambda: case_page_again(case))
    if len(paper) > current_app.config["ZIP_INLINE_MAX"]:
        # A big bundle is built by the job queue; the page shows its progress, then the download.
        job = jobs.start("paper_bundle", {"case_id": case.id, "number": case.number}, user=current_user,
                         title=_("%(number)s 纸质证照打印包", number=case.number), total=len(paper))
        return redirect(url_for("jobs.show", job_id=job.id))
    batches = exports.licence_rows(Licence.application_id == case.id, Licence.format == "paper")
    return _zip_response(batches, f"{case.number}-paper.zip")


@bp.post("/cases/<number>/delivery")
@roles(*HANDLERS)
def delivery(number: str):
    case, form = _case(number), DeliveryForm()
    if not form.validate_on_submit():
        return case_page(case, 422, delivery_form=form)
    run_verb(lambda: verbs.record_delivery(case, method=form.method.data, receiver=form.receiver.data or "",
                                           tracking_no=form.tracking_no.data or "", by=current_user, on=today()),
             form=form, done=_("已登记送达。"), again=lambda: case_page_again(case, delivery_form=form))
    return _back(case)


# ---------------------------------------------------------------------------------------------------- downloads

def _render_processes(expected: int) -> int:
    configured = current_app.config.get("ISSUANCE_RENDER_PROCESSES") or os.cpu_count() or 1
    return 1 if expected < 50 else int(configured)


def _zip_response(batches, filename: str, expected: int = 0) -> Response:
    # Archived licences stream as archived, the rest are rendered; a GET never writes (the archive job that
    # follows every large issue, and the daily sweep, archive them).
    body = stream_with_context(exports.zip_stream(batches, _render_processes(expected)))
    return Response(body, mimetype="application/zip",
                    headers={"Content-Disposition": f"attachment; filename={filename}"})


def _electronic(case) -> tuple[tuple, int]:
    """The conditions selecting the case's electronic licences, and how many there are."""
    conditions = (Licence.application_id == case.id, Licence.format == "electronic")
    return conditions, db.session.scalar(select(func.count()).select_from(Licence).where(*conditions)) or 0


@bp.get("/cases/<number>/licences.zip")
@roles(*CASE_STAFF)
def licences_zip(number: str):
    case = _case(number)
    conditions, expected = _electronic(case)
    if not expected:
        flash(_("本案没有电子证照可下载。"), "warning")
        return _back(case)
    if expected > current_app.config["ZIP_INLINE_MAX"]:
        flash(_("证照较多，请用“生成电子证照 ZIP”按钮在后台生成，完成后下载。"), "warning")
        return _back(case)
    db.session.rollback()
    return _zip_response(exports.licence_rows(*conditions), f"{case.number}-licences.zip", expected)


@bp.post("/cases/<number>/licences.zip/job")
@roles(*CASE_STAFF)
def licences_zip_job(number: str):
    """Build the ZIP of the case's electronic licences as a job; its page shows the progress, then the download."""
    case = _case(number)
    _conditions, expected = _electronic(case)
    if not expected:
        flash(_("本案没有电子证照可下载。"), "warning")
        return _back(case)
    job = jobs.start("licence_zip", {"case_id": case.id, "number": case.number}, user=current_user,
                     title=_("%(number)s 电子证照 ZIP", number=case.number), total=expected)
    return redirect(url_for("jobs.show", job_id=job.id))


@bp.get("/cases/<number>/register.<fmt>")
@roles(*CASE_STAFF)
def extract(number: str, fmt: str):
    """The case's licences as CSV or XLSX; over INLINE_EXPORT_ROWS rows, a page whose button starts a job."""
    if fmt not in ("csv", "xlsx"):
        abort(404)
    case = _case(number)
    rows = db.session.scalar(select(func.count(Licence.id)).where(Licence.application_id == case.id)) or 0
    limit = current_app.config["INLINE_EXPORT_ROWS"]
    if rows > limit:
        return render_template("jobs/start_export.html", rows=rows, limit=limit, fmt=fmt.upper(), label=case.number,
                               action=url_for("issuance.extract_job", number=case.number, fmt=fmt), fields={},
                               back=url_for("issuance.case_licences", number=case.number))
    batches = exports.licence_rows(Licence.application_id == case.id, first=exports.BATCH)
    if fmt == "csv":
        return Response(stream_with_context(exports.csv_stream(batches)), mimetype="text/csv",
                        headers={"Content-Disposition": f"attachment; filename={case.number}-register.csv"})
    if fmt == "xlsx":
        return Response(exports.xlsx_bytes(batches),
                        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        headers={"Content-Disposition": f"attachment; filename={case.number}-register.xlsx"})
    abort(404)


@bp.post("/cases/<number>/register.<fmt>/job")
@roles(*CASE_STAFF)
def extract_job(number: str, fmt: str):
    """The case's licence register extract (CSV or XLSX, any number of rows) built by the job queue."""
    if fmt not in ("csv", "xlsx"):
        abort(404)
    case = _case(number)
    rows = db.session.scalar(select(func.count(Licence.id)).where(Licence.application_id == case.id)) or 0
    job = jobs.start("register_extract", {"case_id": case.id, "number": case.number, "fmt": fmt}, user=current_user,
                     title=_("%(number)s 证照登记导出 %(fmt)s", number=case.number, fmt=fmt.upper()), total=rows)
    return redirect(url_for("jobs.show", job_id=job.id))


# ---------------------------------------------------------------------------------------------------- expiry

@bp.route("/issuance/expiring")
@roles(*CASE_STAFF)
def expiring():
    on = today()
    days = arg_int(request.args, "days", low=1, high=250, default=min(current_app.config["RENEWAL_REMINDER_WORKDAYS"], 250))
    horizon = clock.load_calendar().add(on, days)
    groups = db.session.execute(
        select(Application.number, Applicant.name, Licence.kind, Licence.valid_until, func.count(),
               func.min(Licence.number), func.max(Licence.number))
        .join(Application, Licence.application_id == Application.id).join(Applicant, Licence.applicant_id == Applicant.id)
        .where(Licence.status == "valid", Licence.valid_until <= horizon)
        .group_by(Application.number, Applicant.name, Licence.kind, Licence.valid_until)
        .order_by(Licence.valid_until, Application.number).limit(500)).all()
    return render_template("issuance/expiring.html", groups=groups, days=days, horizon=horizon)


# ---------------------------------------------------------------------------------------------------- public

@bp.route("/verify/public-key")
@public
def verify_public_key():
    return Response(public_key(), mimetype="text/plain",
                    headers={"Content-Disposition": "inline; filename=radiolic-ed25519-public.pem"})


VERIFY_PDF_MAX = 20 * 1024 * 1024


@bp.route("/verify/pdf", methods=["GET", "POST"])
@public
def verify_pdf():
    """Upload a PDF: its PAdES seal and certificate chain, the archived copy, the live record and status."""
    form, report = VerifyPdfForm(), None
    if form.validate_on_submit():
        data = form.file.data.read(VERIFY_PDF_MAX + 1)
        if len(data) > VERIFY_PDF_MAX:
            form.file.errors = [_("文件超过 20 MB。")]
        else:
            report = instruments.check_pdf(data, on=today())
            db.session.rollback()
    status = 422 if form.errors else 200
    return render_template("issuance/verify_pdf.html", form=form, report=report), status


@bp.route("/verify/checkpoints")
@public
def checkpoints():
    """The signed checkpoints of the audit chain: anyone may keep a copy and compare it later."""
    from .. import audit
    return render_template("issuance/checkpoints.html", rows=audit.checkpoint_rows()[::-1])


@bp.route("/verify/checkpoints.json")
@public
def checkpoints_json():
    from .. import audit
    body = json.dumps({"office": current_app.config["OFFICE_NAME"], "public_key": public_key(),
                       "statement": "radiolic-checkpoint|{date}|{event_count}|{last_event_id}|{head_hash}",
                       "checkpoints": audit.checkpoint_rows()}, ensure_ascii=False, indent=1)
    return Response(body, mimetype="application/json",
                    headers={"Content-Disposition": "attachment; filename=radiolic-checkpoints.json"})


@bp.route("/verify/<code>")
@public
def verify(code: str):
    found = find_for_verification(code)
    if found is None:
        return render_template("issuance/verify.html", view=None), 404
    return render_template("issuance/verify.html", view=public_view(found[0], today(), found[1], found[2]))


def _register_filters(args, on: date) -> tuple[list, dict]:
    """Search conditions of the public register from the query string (bad numbers are ignored)."""
    q = {k: (args.get(k) or "").strip()[:100] for k in ("holder", "number", "station_type", "area", "low", "high",
                                                         "kind")}
    conditions = [Licence.status == "valid", Licence.valid_until >= on]
    if q["holder"]:
        # only organisations are found by name: a search must not confirm that a person holds a licence
        conditions.append(Licence.holder_name.contains(q["holder"], autoescape=True))
        conditions.append(Licence.applicant_id.in_(select(Applicant.id).where(Applicant.kind == "organisation")))
    if q["number"]:
        conditions.append(Licence.number.startswith(q["number"], autoescape=True))
    if q["kind"] in LicenceKind.values():
        conditions.append(Licence.kind == q["kind"])
    if q["station_type"] in StationType.values():
        conditions.append(Station.station_type == q["station_type"])
    if q["area"]:
        conditions.append(or_(Station.address.contains(q["area"], autoescape=True),
                              Licence.area.contains(q["area"], autoescape=True)))
    for key, column, compare in (("low", Licence.freq_high_mhz, "ge"), ("high", Licence.freq_low_mhz, "le")):
        try:
            value = float(q[key]) if q[key] else None
            if value is not None and not 0 <= value <= 1e7:
                raise ValueError(key)
        except ValueError:
            q[key] = ""
            continue
        if value is not None:
            conditions.append(column >= value if compare == "ge" else column <= value)
    return conditions, q


@bp.route("/register")
@public
def register():
    on = today()
    conditions, q = _register_filters(request.args, on)
    page = arg_int(request.args, "page", high=MAX_PAGE, default=1)
    base = select(Licence, Station, Applicant).outerjoin(Station, Licence.station_id == Station.id).join(
        Applicant, Licence.applicant_id == Applicant.id).where(*conditions)
    total = db.session.scalar(select(func.count()).select_from(base.subquery()))
    rows = db.session.execute(base.order_by(Licence.number).offset((page - 1) * PAGE).limit(PAGE)).all()
    shown = []
    for lic, st, a in rows:
        person = disclosure.person_of(a.kind, lic.holder_name, lic.holder_code, a.phone)
        row = {"number": lic.number, "kind": lic.kind, "holder": lic.holder_name,
               "station": st.station_name if st else "", "type": StationType.text_of(st.station_type, "") if st else "",
               "frequencies": (st.tx_mhz if st else lic.frequencies), "place": st.address if st else lic.area,
               "valid_until": lic.valid_until}
        shown.append(disclosure.mask(row, person, station_type=row["type"]))
    from .. import open_data
    return render_template("issuance/register.html", rows=shown, q=q, page=page, total=total,
                           pages=max((total + PAGE - 1) // PAGE, 1), open_data=open_data.info())


def _open_data_file(fmt: str):
    """The published register file with ETag and Last-Modified (304 when unchanged); written once if missing."""
    from .. import open_data
    path = open_data.path(fmt)
    if not path.exists():
        open_data.publish()
    return send_file(path, mimetype=open_data.MIMETYPES[fmt], as_attachment=True,
                     download_name=open_data.FILES[fmt], conditional=True, etag=True, max_age=300)


@bp.route("/register.xlsx")
@public
def register_xlsx():
    return _open_data_file("xlsx")


@bp.route("/register.csv")
@public
def register_csv():
    if not any(request.args.get(k) for k in ("holder", "number", "station_type", "area", "low", "high", "kind")):
        return _open_data_file("csv")
    # A filtered extract is built for the request (the whole register is the published file).
    conditions, _q = _register_filters(request.args, today())
    ids = select(Licence.id).outerjoin(Station, Licence.station_id == Station.id).where(*conditions)
    batches = exports.licence_rows(Licence.id.in_(ids), first=exports.BATCH, batch=2000)
    return Response(stream_with_context(exports.csv_stream(batches, public=True)), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=radio-licence-register.csv"})
