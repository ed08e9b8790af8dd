"""Applicants' pages: status lookup, online application, supplying materials; staff download of uploads."""
import io
import threading
from collections import OrderedDict
from datetime import timedelta

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import get_locale, gettext as _
from markupsafe import Markup
from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import joinedload, selectinload

from .. import throttle, uploads
from ..access import public, roles
from ..database import reading
from ..extensions import db
from ..licence_public import pdf_download
from ..models import ITEM_ACTIONS, Applicant, Application, Attempt, Decision, Event, Licence, Rating, ServiceItem, Upload
from ..models.base import utcnow
from ..ratings.forms import RatingForm
from ..ratings.submit import submit_rating
from ..issuance.station_import import ImportRejected, parse_stations
from ..office_date import today
from ..texts import N_, Name
from ..views_common import refusal, run_verb
from ..workflow import WorkflowError, clock, intake, issuance
from ..workflow.ratings import ONLINE_CHANNELS, TAGS, already_rated_message, intake_has_outcome
from . import gate
from .forms import ApplyForm, CorrectionForm, SupplyForm
from .progress import progress

bp = Blueprint("lookup", __name__)

STATION_LIST = "station_list"


@bp.app_context_processor
def _helpers():
    return {"case_uploads": case_uploads, "china_time": china_time}


def china_time(at, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A stored UTC timestamp in the office's time (China Standard Time), as the timelines show it."""
    from datetime import timezone
    from ..office_date import CHINA
    return at.replace(tzinfo=timezone.utc).astimezone(CHINA).strftime(fmt) if at else ""


def case_uploads(case: Application) -> list[Upload]:
    """The case page partial lists these (clerk pre-check of online applications)."""
    return db.session.scalars(select(Upload).where(Upload.application_id == case.id).order_by(Upload.id)).all()


# --- lookup --------------------------------------------------------------------------------------------------

@bp.route("/status", methods=["GET", "POST"])
@public
def status():
    return gate.sign_in_page("lookup/status.html", "lookup.case")


def _authorised_or_redirect(number: str, *options):
    case = gate.authorised_case(number, *options)
    if case is None:
        flash(_("请先输入申请编号和查询码。"), "warning")
    return case


# What the status page reads of a case, loaded with the case in one query (each collection holds a few rows:
# stops, notices and commitments multiply to a handful) and one for its materials, instead of a lazy load each.
PAGE_LOADS = (joinedload(Application.service_item), joinedload(Application.applicant),
              joinedload(Application.decision), joinedload(Application.clock_stops),
              joinedload(Application.corrections), joinedload(Application.commitments),
              selectinload(Application.materials))


@bp.route("/status/case/<number>")
@public
def case(number: str):
    number = gate.normalise(number, gate.NUMBER_MAX)
    stamp = _case_stamp(number)
    if stamp is None:
        flash(_("请先输入申请编号和查询码。"), "warning")
        return redirect(url_for("lookup.status"))
    key = (tuple(map(_hashable, stamp)), str(get_locale()), today(), clock.load_calendar())
    content = _CASE_PAGES.get(current_app, key)
    if content is None:
        case = db.session.scalar(select(Application).where(Application.id == stamp.case_id).options(*PAGE_LOADS))
        content = _case_content(case)
        _CASE_PAGES.put(current_app, key, content)
    return _page(number, content, _csrf_field())


def _case_page(case: Application, error: str | None = None, status: int = 200):
    """The status page again after a refused POST (its error shown; not kept)."""
    return _page(case.number, _case_content(case, error), _csrf_field()), status


def _page(number: str, content: str, csrf_field) -> str:
    return render_template("lookup/case.html", number=number,
                           content=Markup(content.replace(_CSRF_SLOT, str(csrf_field))))


# The case content of the status page is the same for everyone who may see it, until something it shows changes:
# rendered once per process for a stamp that changes with all of that (below), the language, the office date and
# the working-day calendar, and kept in a bounded LRU. The grant is checked by the stamp's own query on every request.
_CSRF_SLOT = "\x00radiolic-csrf\x00"


def _csrf_field():
    """The forms' hidden CSRF input for this session (nothing when CSRF protection is off)."""
    form = SupplyForm()
    return form.csrf_token if "csrf_token" in form else ""


def _case_content(case: Application, error: str | None = None) -> str:
    ratings = db.session.scalars(select(Rating).where(Rating.application_id == case.id).order_by(Rating.id)).all()
    view = progress(case, today(), ratings=ratings)
    mine = [u for u in case_uploads(case) if u.by_applicant]
    rated = next((r for r in ratings if r.channel in ONLINE_CHANNELS), None)
    return render_template("lookup/_case_content.html", case=case, p=view, uploads=mine,
                           csrf_field=Markup(_CSRF_SLOT), documents=applicant_documents(case),
                           rating_form=RatingForm(meta={"csrf": False}), tags=TAGS,
                           rate_action=url_for("lookup.rate", number=case.number),
                           rated=rated, already_rated_message=already_rated_message,
                           rating_open=intake_has_outcome(case), error=error)


def _case_stamp(number: str):
    """The case's row as the status page's cache key, or None unless this session's grant opens it (one query).

    Every step of a case (state, dates, stops, materials, decision, licences' status changes, calendar
    restatements...) records an Event on it, so the latest event id stands for them; the case's own columns,
    its decision, the applicant's and the service item's shown columns, ratings and uploads (written without an
    event of the case) are read as they are.
    """
    grant = gate._grant(number)
    if grant is None:
        return None
    return db.session.execute(_STAMP, {"number": number, "grant": grant}).first()


def _hashable(value):
    return repr(value) if isinstance(value, (dict, list)) else value


def _latest(column, owner):
    return select(func.max(column)).where(owner == Application.id).correlate(Application).scalar_subquery()


def _count(table, owner):
    return select(func.count()).select_from(table).where(owner == Application.id).correlate(Application).scalar_subquery()


_STAMP = (select(Application.id.label("case_id"), Application.__table__, Applicant.kind, Applicant.name,
                 Applicant.id_code, Applicant.phone,
                 ServiceItem.code, ServiceItem.name, ServiceItem.name_en,
                 Decision.id.label("decision_id"), Decision.outcome, Decision.doc_number, Decision.reason, Decision.legal_basis,
                 _latest(Event.id, Event.application_id), _latest(Rating.id, Rating.application_id),
                 _count(Rating, Rating.application_id), _latest(Upload.id, Upload.application_id),
                 _count(Upload, Upload.application_id))
          .join(Applicant, Applicant.id == Application.applicant_id)
          .join(ServiceItem, ServiceItem.id == Application.service_item_id)
          .outerjoin(Decision, Decision.application_id == Application.id)
          .where(Application.number == bindparam("number"),      # built once, not per request
                 gate.open_grant(bindparam("grant"), bindparam("number")).exists()))


class _PageCache:
    """Rendered case contents per app (each test app has its own database) and process, least recently used
    dropped beyond CASE_PAGES_KEPT."""

    def __init__(self):
        self.lock = threading.Lock()

    def _pages(self, app) -> OrderedDict:
        return app.extensions.setdefault("radiolic.case_pages", OrderedDict())

    def get(self, app, key):
        pages = self._pages(app)
        with self.lock:
            content = pages.get(key)
            if content is not None:
                pages.move_to_end(key)
            return content

    def put(self, app, key, content: str) -> None:
        pages = self._pages(app)
        with self.lock:
            pages[key] = content
            while len(pages) > app.config["CASE_PAGES_KEPT"]:
                pages.popitem(last=False)


_CASE_PAGES = _PageCache()


@bp.route("/status/forget", methods=["POST"])
@public
def forget():
    gate.forget_all()
    db.session.commit()
    flash(_("已退出查询。"), "info")
    return redirect(url_for("lookup.status"))


# --- supplying materials --------------------------------------------------------------------------------------

@bp.route("/status/case/<number>/supply", methods=["POST"])
@public
def supply(number: str):
    case = _authorised_or_redirect(number)
    if case is None:
        return redirect(url_for("lookup.status"))
    form = SupplyForm()
    if not form.validate_on_submit():
        return _case_page(case, _("请选择要补交的材料和文件。"), 422)
    saved = []

    def step():
        checked = uploads.check(request.files.get("file") or _missing_file())
        m = intake.supply(case, form.material.data, by=None, on=today(), note=Name(N_("网上上传")))
        saved.append(uploads.save(checked, case, m.code, note="补交容缺材料"))
    run_verb(step, done=_("材料已上传，窗口工作人员会尽快核对。"), flash_refusal=False,
             again=lambda: _refused_upload(case, saved))
    return redirect(url_for("lookup.case", number=case.number))


def _refused_upload(case: Application, saved: list):
    """The case page again after a refused upload: the files saved before the refusal are removed."""
    uploads.discard(saved)
    return _case_page(case, refusal().translated(), 422)


def _missing_file():
    raise uploads.UploadRefused(N_("请选择要上传的文件。"))


@bp.route("/status/case/<number>/correct", methods=["POST"])
@public
def correct(number: str):
    """Upload every item of the correction notice at once; the case returns to the clerk for acceptance."""
    case = _authorised_or_redirect(number)
    if case is None:
        return redirect(url_for("lookup.status"))
    if not CorrectionForm().validate_on_submit():
        return _case_page(case, _("表单已过期，请重试。"), 422)
    items = [m for m in case.materials if m.status in ("missing", "defective")] \
        if case.state == "awaiting_correction" else []
    saved = []

    def step():
        if not items:
            raise WorkflowError(N_("本案当前没有需要补正的材料。"), code="conflict")
        checked = {}
        for m in items:
            storage = request.files.get(f"material_{m.code}")
            if storage is None or not storage.filename:
                raise uploads.UploadRefused(N_("请上传“%(material)s”。"), params={"material": Name.of(m)})
            checked[m.code] = uploads.check(storage)
        intake.resubmit(case, received=list(checked), by=None, on=today())
        for code, c in checked.items():
            saved.append(uploads.save(c, case, code, note="补正材料"))
    run_verb(step, done=_("补正材料已提交，窗口工作人员会重新审核是否受理。"), flash_refusal=False,
             again=lambda: _refused_upload(case, saved))
    return redirect(url_for("lookup.case", number=case.number))


@bp.route("/status/case/<number>/rate", methods=["POST"])
@public
def rate(number: str):
    case = _authorised_or_redirect(number)
    if case is None:
        return redirect(url_for("lookup.status"))
    return submit_rating(case, "online", on_error=lambda msg: _case_page(case, msg, 422),
                         done=url_for("lookup.case", number=case.number))


@bp.route("/status/case/<number>/extension.pdf")
@public
def extension_pdf(number: str):
    """The applicant's copy of the 延长期限告知书."""
    from .. import instruments
    from ..workflow.review import approved_extension
    case = gate.authorised_case(number)
    if case is None or approved_extension(case) is None:
        abort(404)
    try:
        data = instruments.case_pdf(case, "extension", None, today())
    except instruments.NotArchived:
        return instruments.pending_response()
    if data is None:
        abort(404)
    return send_file(io.BytesIO(data), mimetype="application/pdf", download_name=f"{case.number}-extension.pdf")


@bp.route("/status/case/<number>/uploads/<int:upload_id>")
@public
def own_upload(number: str, upload_id: int):
    case = gate.authorised_case(number)
    upload = db.session.get(Upload, upload_id) if case is not None else None
    if upload is None or upload.application_id != case.id or not upload.by_applicant:
        abort(404)
    return _send(upload)


@bp.route("/status/case/<number>/licences/<licence>.pdf")
@public
def licence_pdf(number: str, licence: str):
    """The applicant downloads their own electronic licence (rendered on demand from the stored record)."""
    case = gate.authorised_case(number)
    lic = db.session.scalar(select(Licence).where(Licence.number == licence[:32])) if case is not None else None
    if lic is None or lic.application_id != case.id or lic.format != "electronic" or lic.status != "valid":
        abort(404)
    return pdf_download(lic)


def applicant_documents(case: Application) -> list[dict]:
    """Every instrument the applicant may download from the status page (the receipt and the acceptance notice
    without the query code: it was handed over at the counter and is not kept)."""
    from ..intake import notices as intake_notices
    docs = [{"kind": kind, "title": title, "seq": args.get("seq"),
             "url": url_for("lookup.document_pdf", number=case.number, kind=kind, **args)}
            for kind, title, args in intake_notices.available(case)]
    if case.decision is not None and case.decision.doc_number:
        title = "准予行政许可决定书" if case.decision.outcome == "approve" else "不予行政许可决定书"
        docs.append({"kind": "decision", "title": title, "seq": None,
                     "url": url_for("lookup.document_pdf", number=case.number, kind="decision")})
    return docs


@bp.route("/status/case/<number>/documents/<kind>.pdf")
@public
def document_pdf(number: str, kind: str):
    """One of the applicant's own instruments as issued and archived (only in the session that looked the case up;
    read-only: 503 "正在归档" in the moment before it is archived)."""
    from flask import Response

    from .. import instruments
    from ..intake import notices as intake_notices
    case = gate.authorised_case(number)
    if case is None:
        abort(404)
    if kind == "decision":
        if case.decision is None or not case.decision.doc_number:
            abort(404)
    elif kind not in intake_notices.KINDS:
        abort(404)
    try:
        data = instruments.case_pdf(case, kind, request.args.get("seq", type=int), today())
    except instruments.NotArchived:
        return instruments.pending_response()
    if data is None:
        abort(404)
    return Response(data, mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="{case.number}-{kind}.pdf"', "Cache-Control": "no-store"})


@bp.route("/uploads/<int:upload_id>")
@roles("clerk", "reviewer", "supervisor")
def staff_upload(upload_id: int):
    upload = db.session.get(Upload, upload_id)
    if upload is None:
        abort(404)
    return _send(upload)


def _send(upload: Upload):
    path = uploads.path_for(upload)
    if path is None or not path.is_file():
        abort(404)
    return send_file(path, mimetype=upload.mime, as_attachment=True, download_name=upload.filename)


# --- online application ---------------------------------------------------------------------------------------

@bp.route("/apply")
@public
def apply_items():
    items = db.session.scalars(select(ServiceItem).where(ServiceItem.active.is_(True)).order_by(ServiceItem.code)).all()
    # what most people come for first: new licences, then renewals and changes, 注销 last
    order = {action: n for n, action in enumerate(ITEM_ACTIONS)}
    items = sorted(items, key=lambda i: (order.get(i.action, len(order)), i.code))
    return render_template("lookup/apply_items.html", items=items)


@bp.route("/apply/<code>/guide")
@public
def guide(code: str):
    """办事指南 of one service item: conditions, materials with their samples, legal basis, limits, fees, window;
    a page that prints on A4 (the browser's print)."""
    item = db.session.scalar(select(ServiceItem).where(ServiceItem.code == code[:32], ServiceItem.active.is_(True)))
    if item is None:
        abort(404)
    return render_template("lookup/guide.html", item=item)


@bp.route("/apply/<code>", methods=["GET", "POST"])
@public
def apply(code: str):
    saved = []
    try:
        # Read the form and parse the files outside the write lock (a bad or bomb file is refused without
        # ever taking it); only submitting below opens the write transaction.
        with reading():
            item = db.session.scalar(select(ServiceItem).where(ServiceItem.code == code, ServiceItem.active.is_(True)))
            if item is None:
                abort(404)
            form = ApplyForm()
            if not form.validate_on_submit():
                status = 422 if form.is_submitted() else 200
                return render_template("lookup/apply.html", item=item, form=form, error=None), status
            refusal = _applications_refused(gate.address())
            if refusal:
                return render_template("lookup/apply.html", item=item, form=form, error=refusal), 429
            files, stations = _checked_files(item, form)
        case, query_code = _submit_online(item, form, files, stations, saved)
        throttle.note("apply", "online", True, gate.address())
        db.session.commit()
    except WorkflowError as err:
        db.session.rollback()
        uploads.discard(saved)
        if err.field in form._fields and err.field != "stations":
            form[err.field].errors.append(err.translated())
        with reading():     # a refusal changed nothing: show it without the write lock
            return render_template("lookup/apply.html", item=item, form=form, error=err.translated()), 422
    gate.remember(case.number)
    return render_template("lookup/submitted.html", case=case, query_code=query_code)


def _applications_refused(address: str) -> str | None:
    """Online applications per address and for the whole public side in the last 24 hours (settings)."""
    since = utcnow() - timedelta(days=1)
    counted = select(func.count()).select_from(Attempt).where(
        Attempt.scope == "apply", Attempt.ok.is_(True), Attempt.at >= since)
    per_address = current_app.config["PUBLIC_APPLICATIONS_PER_ADDRESS_DAY"]
    if db.session.scalar(counted.where(Attempt.address == address[:64])) >= per_address:
        return _("同一网络地址 24 小时内最多提交 %(n)s 件网上申请，请明天再试，或到窗口办理。", n=per_address)
    if db.session.scalar(counted) >= current_app.config["PUBLIC_APPLICATIONS_PER_DAY"]:
        return _("今日网上申请数量已达上限，请明天再试，或到窗口办理。")
    return None


def _checked_files(item: ServiceItem, form: ApplyForm):
    """Check every file before anything is written (a refused file leaves no trace)."""
    files = {}
    for m in item.materials:
        storage = request.files.get(f"material_{m.code}")
        if storage is not None and storage.filename:
            try:
                files[m.code] = uploads.check(storage)
            except uploads.UploadRefused as err:
                raise uploads.UploadRefused(N_("“%(material)s”：%(problem)s"), field=f"material_{m.code}",
                                            params={"material": Name.of(m), "problem": err.text}) from None
    stations = None
    storage = request.files.get("stations")
    if storage is not None and storage.filename:
        if item.licence_kind != "station_licence":
            raise uploads.UploadRefused(N_("本事项不需要台站清单。"), field="stations")
        checked = uploads.check(storage, kinds=uploads.STATION_TYPES, allow_csv=True)
        try:
            rows = parse_stations(checked.data, checked.filename)
        except ImportRejected as err:
            raise uploads.UploadRefused(N_("%(error)s"), field="stations", params={"error": str(err)}) from None
        stations = (checked, rows)
    if not files:
        raise uploads.UploadRefused(N_("请至少上传一份申请材料（申请表等）。"), field="files")
    return files, stations


def _applicant(form: ApplyForm):
    kind = form.kind.data
    try:
        value = intake.check_applicant_code(kind, form.id_code.data, "", today())
    except WorkflowError as err:
        if err.code == "warning":
            raise WorkflowError(N_("%(warning)s。请核对号码；如确为早期试点代码，请联系窗口办理。"), field="id_code",
                                params={"warning": err.params["warning"]}) from None
        raise
    existing = intake.find_applicant(kind, value)
    if existing is not None:
        # A public form never edits an existing applicant's record (its phone receives every notice);
        # this submission's contact details travel with the case as the agent's.
        return existing
    return intake.register_applicant(kind=kind, name=form.name.data, id_code=value, by=None, on=today(),
                                     contact=form.contact.data, phone=form.phone.data, email=form.email.data or "",
                                     address=form.address.data or "")


def _submit_online(item, form, files, stations, saved):
    applicant = _applicant(form)
    materials = {code: ("received", "网上上传") for code in files}
    case, query_code = intake.submit(item, applicant, channel="online", single_window=True, visits=0,
                                     materials=materials, by=None, on=today(), agent_name=form.contact.data.strip(),
                                     agent_phone=form.phone.data.strip(), summary=form.summary.data.strip(),
                                     format=form.format.data)
    for code, checked in files.items():
        saved.append(uploads.save(checked, case, code, note="网上申请"))
    if stations is not None:
        checked, rows = stations
        issuance.add_stations(case, rows, by=None, on=today())
        saved.append(uploads.save(checked, case, STATION_LIST, note=f"台站清单 {len(rows)} 个台站"))
    return case, query_code
