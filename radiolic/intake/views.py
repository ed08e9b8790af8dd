"""Window intake pages: applicants, the intake form, the pre-check queue, the four outcomes, the notices."""
import secrets
from urllib.parse import quote

from flask import Blueprint, Response, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from .. import instruments
from ..access import roles
from ..extensions import db
from ..inputs import arg_int
from ..identifiers import mask_id
from ..models import Applicant, Application, CreditMark, ServiceItem, Upload
from ..views_common import LIST_LOADS, case_or_404 as _case, case_page_again, moved, run_verb, show_refusal
from ..office_date import today
from ..workdays import CalendarGap
from ..texts import N_
from ..workflow import WorkflowError, can, clock
from ..workflow import intake as verbs
from . import counter, notices
from .forms import (AcceptForm, ApplicantForm, ContactForm, CorrectionForm, IntakeForm, RefuseForm, RepairForm,
                    ResubmitForm, WithdrawForm)

bp = Blueprint("intake", __name__)

OPEN_INTAKE = ("submitted", "awaiting_correction")


def _items() -> list[ServiceItem]:
    return db.session.scalars(select(ServiceItem).where(ServiceItem.active.is_(True)).order_by(ServiceItem.id)).all()


def _staff_upload_link(upload: Upload) -> str | None:
    if "lookup.staff_upload" in current_app.view_functions:
        return url_for("lookup.staff_upload", upload_id=upload.id)
    return None


# --- applicants -------------------------------------------------------------------------------------------

@bp.route("/intake/applicants")
@roles("clerk", "supervisor", "admin")
def applicants():
    q = (request.args.get("q") or "").strip()[:100]
    stmt = select(Applicant).order_by(Applicant.name).limit(100)
    if q:
        stmt = stmt.where(or_(Applicant.name.contains(q), Applicant.id_code.contains(q.upper())))
    return render_template("intake/applicants.html", rows=db.session.scalars(stmt).all(), q=q)


@bp.route("/intake/applicants/search.json")
@roles("clerk")
def applicant_search():
    q = (request.args.get("q") or "").strip()[:100]
    if len(q) < 2:
        return jsonify({"applicants": []})
    rows = db.session.scalars(select(Applicant).where(
        or_(Applicant.name.contains(q), Applicant.id_code.contains(q.upper()))).order_by(Applicant.name).limit(10))
    return jsonify({"applicants": [{"id": a.id, "kind": a.kind, "name": a.name, "id_code": a.id_code,
                                    "contact": a.contact, "phone": a.phone, "email": a.email, "address": a.address}
                                   for a in rows]})


@bp.route("/intake/applicants/new", methods=["GET", "POST"])
@roles("clerk")
def new_applicant():
    form = ApplicantForm()
    if form.validate_on_submit():
        applicant = run_verb(lambda: verbs.register_applicant(
            kind=form.kind.data, name=form.name.data, id_code=form.id_code.data, by=current_user, on=today(),
            contact=form.contact.data, phone=form.phone.data, email=form.email.data, address=form.address.data,
            override_reason=form.code_override_reason.data), form=form,
            again=lambda: (render_template("intake/applicant_new.html", form=form), 422))
        flash(_("已登记申请人“%(name)s”。", name=applicant.name), "success")
        return redirect(url_for("intake.applicant", applicant_id=applicant.id))
    return render_template("intake/applicant_new.html", form=form), 422 if form.errors else 200


@bp.route("/intake/applicants/<int:applicant_id>")
@roles("clerk", "supervisor", "admin")
def applicant(applicant_id: int):
    return _applicant_page(db.session.get(Applicant, applicant_id) or abort(404))


@bp.post("/intake/applicants/<int:applicant_id>/contact")
@roles("clerk")
def applicant_contact(applicant_id: int):
    a = db.session.get(Applicant, applicant_id) or abort(404)
    form = ContactForm()
    if not form.validate_on_submit():
        flash("；".join(str(e) for errs in form.errors.values() for e in errs), "danger")
        return redirect(url_for("intake.applicant", applicant_id=a.id))
    run_verb(lambda: verbs.update_contact(
        a, by=current_user, on=today(), contact=form.contact.data, phone=form.phone.data, email=form.email.data,
        address=form.address.data), done=_("联系方式已更新。"),
        again=lambda: (_applicant_page(db.session.get(Applicant, applicant_id)), 422))
    return redirect(url_for("intake.applicant", applicant_id=a.id))


def _applicant_page(a: Applicant, repair: RepairForm | None = None) -> str:
    cases = db.session.scalars(select(Application).where(Application.applicant_id == a.id)
                               .options(selectinload(Application.service_item)).order_by(Application.id.desc()).limit(200)).all()
    return render_template("intake/applicant.html", a=a, cases=cases, contact=ContactForm(obj=a),
                           repair=repair or RepairForm(), ban=verbs.broken_commitment_on(a, today()),
                           unrepaired=verbs.unrepaired_breaks(a))


@bp.post("/intake/applicants/<int:applicant_id>/repair")
@roles("admin")
def repair(applicant_id: int):
    a = db.session.get(Applicant, applicant_id) or abort(404)
    form = RepairForm()
    if not form.validate_on_submit():
        return _applicant_page(a, form), 422
    run_verb(lambda: verbs.repair_credit(a, reason=form.reason.data, by=current_user, on=today()),
             done=_("已为“%(name)s”登记信用修复，容缺受理恢复适用。", name=a.name),
             again=lambda: (_applicant_page(db.session.get(Applicant, applicant_id), form), 422))
    return redirect(url_for("intake.applicant", applicant_id=a.id))


@bp.route("/intake/credit")
@roles("supervisor", "admin")
def credit():
    marks = db.session.scalars(select(CreditMark).options(
        selectinload(CreditMark.applicant).selectinload(Applicant.credit_marks))
        .order_by(CreditMark.on.desc(), CreditMark.id.desc()).limit(300)).all()
    return render_template("intake/credit.html", marks=marks, on=today(), broken_on=verbs.broken_commitment_on)


@bp.route("/intake/corrections")
@roles("clerk", "supervisor")
def corrections():
    cases = db.session.scalars(select(Application).where(Application.correction_count >= 2)
                               .options(selectinload(Application.applicant), selectinload(Application.corrections))
                               .order_by(Application.received_on.desc()).limit(300)).all()
    return render_template("intake/corrections.html", cases=cases)


# --- the intake form and the queue --------------------------------------------------------------------------

def _intake_form() -> IntakeForm:
    form = IntakeForm()
    items = _items()
    form.service_item.choices = [(i.code, i.name) for i in items]
    return form


def _prefill(form: IntakeForm) -> None:
    picked = arg_int(request.args, "applicant")
    a = db.session.get(Applicant, picked) if picked else None
    if a is not None:
        for name in ("kind", "id_code", "name", "contact", "phone", "email", "address"):
            getattr(form, name).data = getattr(a, name)
    if request.args.get("item"):
        form.service_item.data = request.args["item"]


def _checklist(item: ServiceItem) -> dict[str, tuple[str, str]]:
    out = {}
    for req in item.materials:
        status = request.form.get(f"m-{item.code}-{req.code}", "missing")
        note = (request.form.get(f"n-{item.code}-{req.code}") or "").strip()[:500]
        out[req.code] = (status if status in ("received", "missing", "defective") else "missing", note)
    return out


def _applicant_for(form: IntakeForm, on) -> Applicant:
    return verbs.find_or_register_applicant(
        kind=form.kind.data, id_code=form.id_code.data, name=form.name.data, by=current_user, on=on,
        override_reason=form.code_override_reason.data, contact=form.contact.data, phone=form.phone.data,
        email=form.email.data, address=form.address.data)


def _same_day_cases(form: IntakeForm, item: ServiceItem, on) -> list[Application]:
    """Cases of the same applicant for the same item received today (a second case is probably a repeat)."""
    try:
        value = verbs.check_applicant_code(form.kind.data, form.id_code.data, form.code_override_reason.data, on)
    except WorkflowError:
        return []
    existing = verbs.find_applicant(form.kind.data, value)
    if existing is None:
        return []
    return db.session.scalars(select(Application).where(
        Application.applicant_id == existing.id, Application.service_item_id == item.id,
        Application.received_on == on).order_by(Application.id)).all()


@bp.route("/intake/new", methods=["GET", "POST"])
@roles("clerk")
def new():
    """The intake form: post/redirect/get, one case per form (its idempotency key), a same-day warning."""
    form = _intake_form()
    if request.method == "GET":
        _prefill(form)
        form.form_key.data = secrets.token_urlsafe(16)
        return _render_new(form)
    already = counter.case_for_form(current_user, form.form_key.data or "")
    if already is not None:
        flash(_("这张收件单已保存为 %(number)s，没有重复建件。", number=already.number), "info")
        return redirect(url_for("intake.decide", number=already.number), 303)
    if not form.validate_on_submit():
        return _render_new(form), 422
    on = today()
    item = next(i for i in _items() if i.code == form.service_item.data)
    duplicates = _same_day_cases(form, item, on)
    if duplicates and not form.confirm_duplicate.data:
        return _render_new(form, duplicates=duplicates), 409
    key = form.form_key.data or ""

    def step():
        case, code = verbs.submit(
            item, _applicant_for(form, on), channel=form.channel.data, single_window=form.single_window.data,
            visits=form.visits.data or 0, materials=_checklist(item), by=current_user, on=on,
            agent_name=(form.agent_name.data or "").strip(), agent_phone=(form.agent_phone.data or "").strip(),
            summary=(form.summary.data or "").strip(), format=form.format.data)
        counter.remember(current_user, case, code, key)
        counter.queue_sms(case, code)
        return case
    # a wrong check digit: the message goes on the code itself too
    case = run_verb(step, form=form, aliases={"code_override_reason": ("code_override_reason", "id_code")},
                    again=lambda: (_render_new(form), 422))
    flash(_("已收件：申请编号 %(number)s。查询码在本次接待中（%(minutes)s 分钟内、下一位申请人之前）可打印，"
            "并已短信发送给申请人。", number=case.number, minutes=counter._minutes()), "success")
    return redirect(url_for("intake.decide", number=case.number), 303)


def _render_new(form: IntakeForm, duplicates: list[Application] = ()) -> str:
    return render_template("intake/new.html", form=form, items=_items(), duplicates=duplicates,
                           posted=request.form if request.method == "POST" else {})


@bp.route("/intake/queue")
@roles("clerk", "supervisor")
def queue():
    on = today()
    cal = clock.load_calendar()
    cases = db.session.scalars(select(Application).where(Application.state.in_(OPEN_INTAKE))
                               .options(*LIST_LOADS, selectinload(Application.materials), selectinload(Application.corrections))
                               .order_by(Application.received_on, Application.id).limit(500)).all()
    uploads = dict(db.session.execute(
        select(Upload.application_id, func.count(Upload.id))
        .where(Upload.application_id.in_([c.id for c in cases] or [0])).group_by(Upload.application_id)).all())
    rows = []
    for c in cases:
        rows.append((c, _notice_left(c, cal, on), uploads.get(c.id, 0)))
    return render_template("intake/queue.html", rows=rows)


def _notice_left(case: Application, cal, on) -> int | None:
    """Working days left to give the 一次性告知 (Art. 32), negative once late; None when it no longer applies."""
    if case.state != "submitted" or case.corrections:
        return None
    try:
        due = clock.notice_due(case, cal)
        return cal.count(on, due) if due >= on else -cal.count(due, on)
    except (ValueError, CalendarGap):
        return None


# --- the four outcomes --------------------------------------------------------------------------------------

def _render_decide(case: Application, *, query_code: str = "", fresh: bool = False, accept: AcceptForm | None = None,
                   correction: CorrectionForm | None = None, refuse: RefuseForm | None = None,
                   posted_items: dict | None = None) -> str:
    on = today()
    deferrable = [m for m in case.materials if not m.core and m.status in ("missing", "defective")]
    if accept is None:      # a fresh form: suggest every deferrable gap and the person at the counter
        accept = AcceptForm(formdata=None)
        accept.signed_by.data = case.agent_name or case.applicant.contact
        accept.deferred.data = [m.code for m in deferrable]
    core_missing = [m for m in case.materials if m.core and m.status in ("missing", "defective")]
    defaults = {}
    for m in deferrable:
        try:
            defaults[m.code] = verbs.default_due(case, m, on)
        except WorkflowError:
            defaults[m.code] = None
    uploads = db.session.scalars(select(Upload).where(Upload.application_id == case.id).order_by(Upload.id)).all()
    return render_template(
        "intake/decide.html", case=case, query_code=query_code, fresh=fresh,
        accept=accept, correction=correction or CorrectionForm(formdata=None), refuse=refuse or RefuseForm(formdata=None),
        deferrable=deferrable, core_missing=core_missing, defaults=defaults,
        credit_warning=notices.credit_warning(case, on), uploads=[(u, _staff_upload_link(u)) for u in uploads],
        posted_items=posted_items, mask_id=mask_id)


def _valid_code(case: Application, raw: str | None) -> str:
    """The query code posted with a form when it is this case's, else the one of the clerk's counter visit."""
    if raw and verbs.query_code_matches(case, raw):
        return raw.strip().upper()
    return counter.code_for(current_user, case)


def _done(case: Application, query_code: str, message: str):
    """After an outcome: redirect (post/redirect/get) to the print page while the visit lasts, else the case."""
    flash(message, "success")
    if query_code:
        return redirect(url_for("intake.done", number=case.number), 303)
    return redirect(url_for("main.case", number=case.number), 303)


@bp.route("/cases/<number>/done")
@roles("clerk")
def done(number: str):
    case = _case(number)
    code = counter.code_for(current_user, case)
    if not code:
        return redirect(url_for("main.case", number=case.number))
    return render_template("intake/done.html", case=case, query_code=code, docs=notices.available(case))


@bp.route("/cases/<number>/bundle.pdf")
@roles("clerk")
def bundle(number: str):
    """One PDF for the counter: the receipt with the query code and every instrument the case has so far."""
    case = _case(number)
    code = counter.code_for(current_user, case)
    docs = notices.bundle(case, query_code=code or None)
    name = f"{case.number}-窗口打印.pdf"
    return Response(notices.bundle_pdf(docs), mimetype="application/pdf", headers={
        "Content-Disposition": f"inline; filename=\"{case.number}-bundle.pdf\"; filename*=UTF-8''{quote(name)}",
        "Cache-Control": "no-store"})


@bp.route("/cases/<number>/intake")
@roles("clerk")
def decide(number: str):
    case = _case(number)
    code = counter.code_for(current_user, case)
    return _render_decide(case, query_code=code, fresh=bool(code))


@bp.post("/cases/<number>/accept")
@roles("clerk")
def accept(number: str):
    case, form = _case(number), AcceptForm()
    code = _valid_code(case, form.query_code.data)
    if not form.validate_on_submit():
        flash("；".join(str(e) for errs in form.errors.values() for e in errs), "danger")
        return _render_decide(case, query_code=code, accept=form), 422
    deferred = [c for c in (form.deferred.data or []) if isinstance(c, str)]
    commitment = {"signed_by": form.signed_by.data or "", "due_on": form.due_on.data,
                  "method": form.method.data or ""} if deferred else None
    run_verb(lambda: verbs.accept(case, deferred=deferred, commitment=commitment, by=current_user, on=today()),
             form=form, again=lambda: (_render_decide(_case(number), query_code=code, accept=form), 422))
    if deferred:
        return _done(case, code, _("已容缺受理 %(number)s：请申请人签署《申请容缺受理承诺书》，"
                                   "并交付《受理通知书》和《容缺受理通知书》。", number=case.number))
    return _done(case, code, _("已受理 %(number)s，请交付《受理通知书》。", number=case.number))


def _posted_items(case: Application) -> tuple[list[dict], dict]:
    items, echo = [], {}
    for m in case.materials:
        ticked = request.form.get(f"c-{m.code}") == "on"
        problem = (request.form.get(f"p-{m.code}") or "").strip()[:500]
        echo[m.code] = (ticked, problem)
        if ticked:
            items.append({"material": m.code, "problem": problem})
    return items, echo


@bp.post("/cases/<number>/request-correction")
@roles("clerk")
def correction(number: str):
    case, form = _case(number), CorrectionForm()
    code = _valid_code(case, form.query_code.data)
    items, echo = _posted_items(case)
    if not form.validate_on_submit():
        return _render_decide(case, query_code=code, correction=form, posted_items=echo), 422
    notice = run_verb(lambda: verbs.request_correction(
        case, items=items, by=current_user, on=today(), reason=form.reason.data or ""), form=form,
        again=lambda: (_render_decide(_case(number), query_code=code, correction=form, posted_items=echo), 422))
    return _done(case, code, _("已一次性告知补正（%(doc_number)s），请交付《补正材料通知书》。",
                                 doc_number=notice.doc_number))


@bp.post("/cases/<number>/refuse")
@roles("clerk")
def refuse(number: str):
    """First submit: a confirmation page naming the case, the applicant, the reason and the 不予受理决定书
    (nothing changes); the refusal is made only by that page's confirm button."""
    case, form = _case(number), RefuseForm()
    code = _valid_code(case, form.query_code.data)
    if not form.validate_on_submit():
        flash(_("请写明不予受理的理由。"), "danger")
        return _render_decide(case, query_code=code, refuse=form), 422
    if form.confirm.data != "1":
        return _refuse_check(case, form, code)
    run_verb(lambda: verbs.refuse(case, reason=form.reason.data, by=current_user, on=today()), form=form,
             again=lambda: (_render_decide(_case(number), query_code=code, refuse=form), 422))
    return _done(case, code, _("已决定不予受理 %(number)s，请交付《不予受理决定书》。", number=case.number))


def _refuse_check(case: Application, form: RefuseForm, code: str):
    """The confirmation page. The refusal is tried and rolled back, so a rule that would refuse it (the case
    was decided meanwhile, say) refuses it here, before the clerk confirms."""
    number = case.number
    try:
        verbs.refuse(case, reason=form.reason.data, by=current_user, on=today())
    except WorkflowError as err:
        db.session.rollback()
        show_refusal(err, form)
        return _render_decide(_case(number), query_code=code, refuse=form), 422
    finally:
        db.session.info.pop(instruments.TOUCHED, None)
    db.session.rollback()
    return render_template("intake/refuse_check.html", case=_case(number), form=form, query_code=code,
                           title=notices.KINDS["refusal"])


@bp.post("/cases/<number>/refuse/preview")
@roles("clerk")
def refuse_preview(number: str):
    """The 不予受理决定书 as it would be issued, marked 样稿: not numbered, not sealed, not archived."""
    case, form = _case(number), RefuseForm()
    if not form.validate_on_submit() or not can(case.state, "refuse"):
        abort(409)
    doc = notices.refusal(case, draft=(form.reason.data.strip(), "（文号在决定作出时编定）", today()))   # the document is Chinese
    return Response(instruments.render_draft(doc), mimetype="application/pdf", headers={
        "Content-Disposition": f"inline; filename=\"{case.number}-refusal-draft.pdf\"", "Cache-Control": "no-store"})


@bp.post("/cases/<number>/resubmit")
@roles("clerk")
def resubmit(number: str):
    case, form = _case(number), ResubmitForm()
    if not form.validate_on_submit():
        flash(_("请勾选本次收到的补正材料。"), "danger")
        return case_page_again(number)
    run_verb(lambda: verbs.resubmit(
        case, received=[c for c in form.received.data or [] if isinstance(c, str)], by=current_user, on=today(),
        visit=form.visit.data), done=_("已登记补正材料，请重新作出受理决定。"), again=lambda: case_page_again(number))
    return redirect(url_for("intake.decide", number=number))


@bp.post("/cases/<number>/withdraw")
@roles("clerk")
def withdraw(number: str):
    case, form = _case(number), WithdrawForm()
    if not form.validate_on_submit():
        flash(_("请写明撤回原因。"), "danger")
        return case_page_again(number)
    run_verb(lambda: verbs.withdraw(case, reason=form.reason.data, by=current_user, on=today()),
             done=_("申请 %(number)s 已撤回。", number=number), again=lambda: case_page_again(number))
    return redirect(url_for("main.case", number=number))


# --- notices ------------------------------------------------------------------------------------------------

@bp.route("/cases/<number>/notices/<kind>.pdf", methods=["GET", "POST"])
@roles("clerk", "reviewer", "supervisor")
def notice(number: str, kind: str):
    """An instrument as issued (archived bytes); POST carries the query code from the counter, never the URL."""
    if kind not in notices.KINDS:
        abort(404)
    case = _case(number)
    code = _valid_code(case, request.form.get("query_code")) if request.method == "POST" else ""
    draft = [c for c in request.args.getlist("material") if any(m.code == c and not m.core for m in case.materials)]
    try:
        doc = notices.build(case, kind, seq=arg_int(request.args, "seq", high=99), query_code=code or None,
                            draft_codes=draft, on=today())
    except WorkflowError as err:
        flash(err.translated(), "danger")
        return case_page_again(number)
    if doc is None:
        abort(404)
    seq = request.args.get("seq", type=int)
    if kind == "commitment" and draft and not case.commitments:
        body = instruments.render_draft(doc)          # a letter to sign, not yet an instrument: 样稿
    elif code:
        body = instruments.render_issued(doc)         # the counter copy carrying the query code: never archived
    elif request.method == "POST":
        body = instruments.archive_instrument(case, kind, seq, today())
        db.session.commit()
    else:                                             # a GET never writes: the archived bytes as issued
        try:
            body = instruments.case_pdf(case, kind, seq, today())
        except instruments.NotArchived:
            return instruments.pending_response()
        if body is None:
            abort(404)
    name = f"{case.number}-{notices.KINDS[kind]}.pdf"
    return Response(body, mimetype="application/pdf", headers={
        "Content-Disposition": f"inline; filename=\"{case.number}-{kind}.pdf\"; filename*=UTF-8''{quote(name)}"})


def case_documents(case: Application) -> list[tuple[str, str, str]]:
    """(kind, title, url) of every instrument issued on the case: intake notices, stop and extension notices,
    the decision and a withdrawal of an approval — the 文书 list of the case page."""
    from ..models import ExtensionRequest
    docs = [(kind, title, url_for("intake.notice", number=case.number, kind=kind, **args))
            for kind, title, args in notices.available(case)]
    for stop in case.clock_stops:
        docs.append(("stop", N_("延长行政许可期限告知书") if stop.kind == "extension" else N_("特别程序期限告知书"),
                     url_for("review.stop_pdf", number=case.number, stop_id=stop.id)))
    if db.session.scalar(select(ExtensionRequest.id).where(ExtensionRequest.application_id == case.id,
                                                           ExtensionRequest.status == "approved")):
        docs.append(("extension", N_("延长行政许可期限告知书"), url_for("review.extension_pdf", number=case.number)))
    if case.decision is not None:
        docs.append(("decision", N_("准予行政许可决定书") if case.decision.outcome == "approve" else N_("不予行政许可决定书"),
                     url_for("review.decision_pdf", number=case.number)))
        if case.decision.withdrawn_on is not None:
            docs.append(("withdrawal", N_("撤回行政许可决定书"), url_for("review.withdrawal_pdf", number=case.number)))
    return docs


@bp.app_context_processor
def _case_page_helpers():
    return {"intake_documents": notices.available, "case_documents": case_documents}


# Old URLs of these pages (before every case action lived under /cases/<number>/): a 308 redirect, so a
# form opened before the change still posts to the right place.
for _old, _view, _methods in (
        ("/intake/cases/<number>/done", done, ("GET",)),
        ("/intake/cases/<number>/bundle.pdf", bundle, ("GET",)),
        ("/intake/cases/<number>/decide", decide, ("GET",)),
        ("/intake/cases/<number>/accept", accept, ("POST",)),
        ("/intake/cases/<number>/correction", correction, ("POST",)),
        ("/intake/cases/<number>/refuse", refuse, ("POST",)),
        ("/intake/cases/<number>/resubmit", resubmit, ("POST",)),
        ("/intake/cases/<number>/withdraw", withdraw, ("POST",)),
        ("/intake/cases/<number>/notices/<kind>.pdf", notice, ("GET", "POST")),
):
    moved(bp, _old, _view, _methods)
