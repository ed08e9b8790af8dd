"""Review pages: the queue against the two clocks, and the review actions of the case page."""
from datetime import timezone

from flask import Response, abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from .. import instruments
from ..access import roles
from ..extensions import db
from ..inputs import arg_int
from ..models import Application, ClockStop, Decision, ExtensionRequest, ServiceItem, Station, User
from ..views_common import (CLOCK_LOADS, LIST_LOADS, case_or_404 as _case, case_page_again, moved, run_verb,
                            show_refusal)
from ..office_date import CHINA, today
from ..workdays import CalendarGap
from ..workflow import WorkflowError, clock, station_outcomes
from ..workflow import review as verbs
from . import bp
from . import notices as review_notices
from .forms import DecideForm, ExtensionDecisionForm, ExtensionRequestForm, PauseForm, ResumeForm, StartReviewForm


QUEUE_STATES = ("accepted", "under_review")
REFUSED_SHOWN = 100
STAFF_READ = ("clerk", "reviewer", "supervisor")
# A rule names the verb's argument; the form may call it differently.
FIELD_ALIASES = {"extension": {"expected_days": "days"}}
FORMS = {"start": StartReviewForm, "pause": PauseForm, "resume": ResumeForm, "extension": ExtensionRequestForm,
         "extension_decision": ExtensionDecisionForm, "decide": DecideForm}


def _forms() -> dict:
    """The review forms of the case page: fresh ones, or the one that just failed with its errors."""
    failed = g.get("case_forms", {})
    return {name: failed.get(f"{name}_form") or cls(formdata=None, prefix=name) for name, cls in FORMS.items()}


def _posted(name: str):
    """The form `name` filled from the request (each has its own prefix: several share one page)."""
    return FORMS[name](prefix=name)


@bp.app_context_processor
def review_context():
    def review_panel(case: Application) -> dict:
        on, cal = today(), clock.load_calendar()
        end = case.completed_on or on
        stops = []
        try:
            for stop, (paused, resumed) in zip(case.clock_stops, clock.stop_spans(case, cal)):
                stops.append((stop, cal.count(paused, min(resumed or end, end))))
        except CalendarGap:
            stops = [(stop, None) for stop in case.clock_stops]
        counted = station_outcomes.counts(case)
        # The decision card lists refused stations (at most REFUSED_SHOWN; the station page has them all).
        refused = db.session.scalars(select(Station).where(
            Station.application_id == case.id, Station.outcome == "refused").order_by(Station.seq)
            .limit(REFUSED_SHOWN)).all() if case.decision is not None else []
        station_count = counted["total"]
        return {"refused_marked": counted["refused"], "counts": counted, "forms": _forms(), "pending": verbs.pending_extension(case) if case.state == "under_review" else None,
                "stops": stops, "refused": refused, "station_count": station_count,
                "extension_used": case.extension_days > 0 or any(s.kind == "extension" for s in case.clock_stops),
                "extension": verbs.approved_extension(case) if case.extension_days else None,
                "extension_max": current_app.config["EXTENSION_MAX_WORKDAYS"],
                "two_person_blocked": current_app.config["TWO_PERSON_RULE"] and current_user.is_authenticated
                and case.accepted_by_id == current_user.id}
    return {"review_panel": review_panel, "event_time": event_time}


def event_time(at) -> str:
    """An event's UTC timestamp as the office's local time (the timeline shows when, in China time)."""
    return at.replace(tzinfo=timezone.utc).astimezone(CHINA).strftime("%Y-%m-%d %H:%M")


def _run(case: Application, name: str, form, step, done: str):
    """Validate `form`, run one verb, commit and go back to the case; on a refusal roll back and say why."""
    again = lambda: case_page_again(case, **{f"{name}_form": form})  # noqa: E731
    if not form.validate_on_submit():
        return again()
    run_verb(step, form=form, aliases=FIELD_ALIASES.get(name), done=done, again=again)
    return redirect(url_for("main.case", number=case.number))


def _me() -> User:
    return db.session.get(User, current_user.id)


@bp.post("/cases/<number>/start-review")
@roles("reviewer")
def start(number: str):
    case = _case(number)
    return _run(case, "start", _posted("start"), lambda: verbs.start_review(case, by=_me(), on=today()),
                _("已开始审查。"))


@bp.post("/cases/<number>/pause")
@roles("reviewer")
def pause(number: str):
    case, form = _case(number), _posted("pause")
    return _run(case, "pause", form, lambda: verbs.pause(
        case, kind=form.kind.data, reason=form.reason.data, expected_days=form.expected_days.data, by=_me(),
        on=today()), _("已暂停计时，请打印并送达告知书。"))


@bp.post("/cases/<number>/resume")
@roles("reviewer", "supervisor")
def resume(number: str):
    case, form = _case(number), _posted("resume")
    return _run(case, "resume", form, lambda: verbs.resume(case, by=_me(), on=today(), note=form.note.data or ""),
                _("已恢复计时。"))


@bp.post("/cases/<number>/extension-request")
@roles("reviewer")
def request_extension(number: str):
    case, form = _case(number), _posted("extension")
    return _run(case, "extension", form, lambda: verbs.request_extension(
        case, days=form.days.data, reason=form.reason.data, by=_me(), on=today()), _("延期申请已提交主管审批。"))


@bp.post("/cases/<number>/extension-request/<int:request_id>/decide")
@roles("supervisor")
def decide_extension(number: str, request_id: int):
    case, form = _case(number), _posted("extension_decision")
    req = db.session.get(ExtensionRequest, request_id)
    if req is None or req.application_id != case.id:
        abort(404)
    if form.approve.data:
        return _run(case, "extension_decision", form, lambda: verbs.approve_extension(req, by=_me(), on=today()),
                    _("已批准延期，法定审查期限已相应延长；请打印并送达延长期限告知书。"))
    return _run(case, "extension_decision", form, lambda: verbs.decline_extension(
        req, by=_me(), on=today(), note=form.note.data or ""), _("已不批准延期。"))


def _stations_seen(case: Application) -> str:
    c = station_outcomes.counts(case)
    return f"{c['refused']}/{c['total']}"


@bp.post("/cases/<number>/decide")
@roles("reviewer")
def decide(number: str):
    """First submit: check the answers (nothing is decided); the check page's confirm makes the decision."""
    case, form = _case(number), _posted("decide")
    if not form.validate_on_submit():
        return case_page_again(case, decide_form=form)
    if form.confirm.data != "1" or form.stations_seen.data != _stations_seen(case):
        if form.confirm.data == "1":
            flash(_("核对之后台站的决定有变化，请重新核对。"), "warning")
        return _check(case, form)
    return _run(case, "decide", form, lambda: verbs.decide(
        case, outcome=form.outcome.data, reason=form.reason.data or "", legal_basis=form.legal_basis.data or "",
        by=_me(), on=today()), _("决定已作出，请打印并送达决定书。"))


def _check(case: Application, form):
    """The "check your answers" page: the decision is tried and rolled back, so every rule that would refuse it
    refuses it here, before the reviewer confirms."""
    number = case.number
    try:
        verbs.decide(case, outcome=form.outcome.data, reason=form.reason.data or "",
                     legal_basis=form.legal_basis.data or "", by=_me(), on=today())
    except WorkflowError as err:
        db.session.rollback()
        show_refusal(err, form, aliases=FIELD_ALIASES.get("decide"))
        return case_page_again(number, decide_form=form)
    finally:
        db.session.info.pop(instruments.TOUCHED, None)
    db.session.rollback()
    case = _case(number)
    counts = station_outcomes.counts(case)
    outcome = form.outcome.data
    station_case = case.service_item.licence_kind == "station_licence" and counts["total"] > 0
    return render_template(
        "review/decide_check.html", case=case, form=form, outcome=outcome, counts=counts, station_case=station_case,
        approved=counts["total"] - counts["refused"] if outcome == "approve" else 0,
        refused=counts["refused"] if outcome == "approve" else counts["total"],
        basis=review_notices.decision_basis(case, outcome, form.legal_basis.data or ""),
        title=review_notices.decision_title(outcome), sms=verbs.decision_sms(case, outcome),
        phone=case.applicant.phone, stations_seen=_stations_seen(case),
        issue_limit=current_app.config["ISSUE_LIMIT_WORKDAYS"])


@bp.post("/cases/<number>/decide/preview")
@roles("reviewer")
def decide_preview(number: str):
    """The decision as it would be issued, marked 样稿: not sealed, not numbered, not archived."""
    case, form = _case(number), _posted("decide")
    if not form.validate_on_submit() or case.decision is not None:
        return case_page_again(case, decide_form=form)
    draft = Decision(outcome=form.outcome.data, reason=(form.reason.data or "").strip(),
                     legal_basis=(form.legal_basis.data or "").strip(), decided_on=today(),
                     doc_number=_("（文号在决定作出时编定）"))
    data = instruments.render_draft(review_notices.decision_notice(case, draft))
    return _pdf(data, f"{case.number}-decision-draft.pdf")


def _pdf(data: bytes, name: str) -> Response:
    return Response(data, mimetype="application/pdf",
                    headers={"Content-Disposition": f"inline; filename={name}"})


def _instrument(case, kind: str, seq: int | None, name: str) -> Response:
    """An issued instrument of the case as archived (read-only; 503 "正在归档" if it is not archived yet)."""
    try:
        data = instruments.case_pdf(case, kind, seq, today())
    except instruments.NotArchived:
        return instruments.pending_response()
    if data is None:
        abort(404)
    return _pdf(data, f"{case.number}-{name}.pdf")


@bp.get("/cases/<number>/stops/<int:stop_id>.pdf")
@roles(*STAFF_READ)
def stop_pdf(number: str, stop_id: int):
    case = _case(number)
    stop = db.session.get(ClockStop, stop_id)
    if stop is None or stop.application_id != case.id:
        abort(404)
    return _instrument(case, "stop", stop.id, f"stop-{stop.id}")


@bp.get("/cases/<number>/extension.pdf")
@roles(*STAFF_READ)
def extension_pdf(number: str):
    case = _case(number)
    if verbs.approved_extension(case) is None:
        abort(404)
    return _instrument(case, "extension", None, "extension")


@bp.get("/cases/<number>/withdrawal.pdf")
@roles(*STAFF_READ)
def withdrawal_pdf(number: str):
    case = _case(number)
    if case.decision is None or case.decision.withdrawn_on is None:
        abort(404)
    return _instrument(case, "withdrawal", None, "withdrawal")


@bp.get("/cases/<number>/decision.pdf")
@roles(*STAFF_READ)
def decision_pdf(number: str):
    case = _case(number)
    if case.decision is None:
        abort(404)
    return _instrument(case, "decision", None, "decision")


def _urgency(c: clock.Clock) -> tuple[int | None, str]:
    """Days left against the nearer deadline, and the row's colour: red overdue, amber within 2 days."""
    lefts = [n for n in (c.left_promised, c.left_statutory) if n is not None]
    nearest = min(lefts) if lefts else None
    if nearest is None:
        return None, ""
    return nearest, "overdue" if nearest < 0 else "soon" if nearest <= 2 else ""


@bp.get("/review/queue")
@roles("reviewer", "supervisor")
def queue():
    on, cal = today(), clock.load_calendar()
    args = request.args
    query = select(Application).where(Application.state.in_(QUEUE_STATES)).options(
        *LIST_LOADS, *CLOCK_LOADS, selectinload(Application.reviewer))
    state = args.get("state", "")
    if state in QUEUE_STATES:
        query = query.where(Application.state == state)
    item_code = args.get("item", "")
    if item_code:
        query = query.join(ServiceItem).where(ServiceItem.code == item_code)
    mine = args.get("mine") == "1"
    reviewer = args.get("reviewer", "")
    if mine:
        query = query.where(Application.reviewer_id == current_user.id)
    elif reviewer:
        query = query.where(Application.reviewer_id == arg_int(args, "reviewer"))
    rows = []
    for case in db.session.scalars(query):
        c = clock.compute(case, on, cal)
        nearest, urgency = _urgency(c)
        rows.append((case, c, nearest, urgency))
    rows.sort(key=lambda r: (r[2] is None, r[2] if r[2] is not None else 0, r[1].due_statutory or on, r[0].id))
    pending = db.session.scalars(select(ExtensionRequest).join(Application).options(
        selectinload(ExtensionRequest.application).selectinload(Application.applicant),
        selectinload(ExtensionRequest.requested_by)).where(
        ExtensionRequest.status == "requested", Application.state == "under_review")
        .order_by(ExtensionRequest.id)).all()
    awaiting = [(case, clock.compute(case, on, cal)) for case in db.session.scalars(
        select(Application).where(Application.state == "approved").options(*LIST_LOADS, *CLOCK_LOADS).order_by(Application.decided_on, Application.id))]
    awaiting.sort(key=lambda r: (r[1].left_issue is None, r[1].left_issue or 0))
    return render_template(
        "review/queue.html", rows=rows, pending=pending, awaiting=awaiting, mine=mine, state=state,
        item_code=item_code, reviewer=reviewer,
        items=db.session.scalars(select(ServiceItem).order_by(ServiceItem.code)).all(),
        reviewers=db.session.scalars(select(User).where(User.role == "reviewer").order_by(User.display_name)).all())
from . import station_views  # noqa: E402,F401 - registers the per-station pages on bp


# Old URLs of these pages (before every case action lived under /cases/<number>/): a 308 redirect, so a
# form opened before the change still posts to the right place.
for _old, _view, _methods in (
        ("/review/<number>/start", start, ("POST",)),
        ("/review/<number>/pause", pause, ("POST",)),
        ("/review/<number>/resume", resume, ("POST",)),
        ("/review/<number>/extension", request_extension, ("POST",)),
        ("/review/<number>/extension/<int:request_id>", decide_extension, ("POST",)),
        ("/review/<number>/decide", decide, ("POST",)),
        ("/review/<number>/decide/preview", decide_preview, ("POST",)),
        ("/review/<number>/stops/<int:stop_id>.pdf", stop_pdf, ("GET",)),
        ("/review/<number>/extension.pdf", extension_pdf, ("GET",)),
        ("/review/<number>/withdrawal.pdf", withdrawal_pdf, ("GET",)),
        ("/review/<number>/decision.pdf", decision_pdf, ("GET",)),
):
    moved(bp, _old, _view, _methods)
