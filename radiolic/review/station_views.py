"""The reviewer's per-station decisions: a filtered, paginated table of the case's stations (20,000 of them is
normal), refusals by selection, by filter or by an uploaded list, and undo. Everything works on the server's
filter: the page never carries more than one page of checkboxes."""
import base64

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from ..access import roles
from ..extensions import db
from ..inputs import arg_int
from ..models import Station, User
from ..issuance.station_import import STATION_TYPES
from ..views_common import case_or_404 as _case, moved, refusal, run_verb, show_refusal
from ..office_date import today
from ..texts import N_, Msg, Name
from ..workflow import WorkflowError
from ..workflow import station_outcomes as outcomes
from . import refusal_list
from .forms import RefusalUploadForm, StationMarkForm
from . import bp

PAGE = 50
MAX_PAGE = 10_000
OUTCOME_FILTERS = ("", "undecided", "refused", "approved")
FILTER_KEYS = ("type", "q", "freq", "outcome")


def _filter_from(values) -> tuple[outcomes.StationFilter, dict]:
    """The filter from query arguments (GET) or the form's hidden f_* fields (POST); unknown values are dropped."""
    raw = {k: (values.get(k) or "").strip()[:100] for k in FILTER_KEYS}
    if raw["type"] not in STATION_TYPES:
        raw["type"] = ""
    if raw["outcome"] not in OUTCOME_FILTERS:
        raw["outcome"] = ""
    return outcomes.StationFilter(station_type=raw["type"], text=raw["q"], freq=raw["freq"], outcome=raw["outcome"]), \
        {k: v for k, v in raw.items() if v}


def _posted_filter():
    return _filter_from({k: request.form.get("f_" + k, "") for k in FILTER_KEYS})


def _can_mark(case) -> bool:
    item = case.service_item
    return (current_user.role == "reviewer" and case.state == "under_review" and item.licence_kind == "station_licence"
            and item.action != "cancellation")


def _page(case, *, status: int = 200, mark_form=None, upload_form=None, problems=None, problem_total: int = 0,
          report: str = "", where=None, args=None):
    if where is None:
        where, args = _filter_from(request.args)
    page = arg_int(request.args, "page", high=MAX_PAGE, default=1)
    try:
        conditions = where.conditions(case)
    except WorkflowError as err:
        show_refusal(err)
        where, conditions = outcomes.StationFilter(), [Station.application_id == case.id]
        args = {}
        status = 422
    total = db.session.scalar(select(func.count(Station.id)).where(*conditions))
    undecided = db.session.scalar(select(func.count(Station.id)).where(*conditions, Station.outcome.is_(None)))
    refused_matching = db.session.scalar(select(func.count(Station.id)).where(*conditions,
                                                                              Station.outcome == "refused"))
    pages = max((total + PAGE - 1) // PAGE, 1)
    page = min(page, pages)
    stations = db.session.scalars(select(Station).where(*conditions).order_by(Station.seq)
                                  .offset((page - 1) * PAGE).limit(PAGE)).all()
    return render_template(
        "review/stations.html", case=case, stations=stations, total=total, undecided=undecided,
        refused_matching=refused_matching, page=page, pages=pages, args=args, counts=outcomes.counts(case),
        batches=outcomes.batches(case), types=STATION_TYPES, can_mark=_can_mark(case),
        mark_form=mark_form or StationMarkForm(formdata=None), upload_form=upload_form or RefusalUploadForm(formdata=None),
        problems=problems, problem_total=problem_total, report=report), status


def _back(case, args: dict):
    return redirect(url_for("review.stations", number=case.number, **args))


def _me() -> User:
    return db.session.get(User, current_user.id)


@bp.get("/cases/<number>/stations")
@roles("reviewer", "supervisor")
def stations(number: str):
    case = _case(number)
    if case.service_item.licence_kind != "station_licence":
        abort(404)
    return _page(case)


def _selection(form):
    """(filter or None, sequence numbers) of a mark form: the checked rows, or everything the filter matches."""
    if form.scope.data == "filter":
        return _posted_filter()[0], ()
    seqs = []
    for value in request.form.getlist("seq"):
        if not value.isdigit() or len(value) > 9:
            raise WorkflowError(N_("台站序号无效：%(v)s"), field="stations", params={"v": value[:20]})
        seqs.append(int(value))
    if not seqs:
        raise WorkflowError(N_("请先勾选台站，或选择“全部符合筛选条件的台站”。"), field="stations")
    return None, seqs


def _mark(number: str, verb: str):
    case = _case(number)
    if not _can_mark(case):
        abort(403)
    form = StationMarkForm()
    where, args = _posted_filter()
    if not form.validate_on_submit():
        return _page(case, status=422, mark_form=form, where=where, args=args)

    def step():
        chosen, seqs = _selection(form)
        if verb == "refuse":
            expected = form.expected.data if form.scope.data == "filter" else None
            _event, n = outcomes.refuse(case, where=chosen, seqs=seqs, reason=form.reason.data or "", by=_me(),
                                        on=today(), expected=expected)
            return _("已将 %(n)s 个台站标记为不予许可（可撤销，作出决定前均可修改）。", n=n)
        _event, n = outcomes.restore(case, where=chosen, seqs=seqs, by=_me(), on=today())
        return _("已取消 %(n)s 个台站的不予许可标记。", n=n)
    run_verb(step, form=form, done=lambda message: message,
             again=lambda: _page(_case(number), status=422, mark_form=form, where=where, args=args))
    return _back(case, args)


@bp.post("/cases/<number>/stations/refuse")
@roles("reviewer")
def refuse_stations(number: str):
    return _mark(number, "refuse")


@bp.post("/cases/<number>/stations/restore")
@roles("reviewer")
def restore_stations(number: str):
    return _mark(number, "restore")


@bp.post("/cases/<number>/stations/undo/<int:event_id>")
@roles("reviewer")
def undo_refusal(number: str, event_id: int):
    case = _case(number)
    if not _can_mark(case):
        abort(403)
    form = StationMarkForm()
    where, args = _posted_filter()
    if not form.validate_on_submit():          # CSRF only: no field is required
        return _page(case, status=422, mark_form=form, where=where, args=args)

    def again():
        if refusal().code == "not_found":
            abort(404)
        show_refusal(refusal())
        return _page(_case(number), status=422, where=where, args=args)
    _event, n = run_verb(lambda: outcomes.undo(case, event_id, by=_me(), on=today()), flash_refusal=False, again=again)
    flash(_("已撤销该次标记：%(n)s 个台站恢复为待决定（作出决定时准予）。", n=n), "success")
    return _back(case, args)


@bp.post("/cases/<number>/stations/upload")
@roles("reviewer")
def upload_refusals(number: str):
    case = _case(number)
    if not _can_mark(case):
        abort(403)
    form = RefusalUploadForm()
    if not form.validate_on_submit():
        return _page(case, status=422, upload_form=form)
    data = form.file.data.read(refusal_list.MAX_BYTES + 1)
    lines: list[int] = []

    def step():
        nonlocal lines
        entries, lines = refusal_list.entries_and_lines(refusal_list.parse(data))
        return outcomes.refuse_listed(case, entries, by=_me(), on=today(),
                                      source=Msg(N_("上传清单 %(file)s"), file=form.file.data.filename)
                                      if form.file.data.filename else Name(N_("上传清单")))

    def again():
        err = refusal()
        if not isinstance(err, outcomes.ListProblems):
            show_refusal(err, form)
            return _page(_case(number), status=422, upload_form=form)
        # The verb counts entries from 1; the report names the file's line numbers.
        problems = [(lines[row - 1] if 0 < row <= len(lines) else row, station, message)
                    for row, station, message in err.problems]
        flash(_("清单被拒绝：共 %(n)s 处错误，没有标记任何台站。请按错误报告修改后重新上传。", n=len(problems)), "danger")
        report = base64.b64encode(refusal_list.report_csv(problems)).decode("ascii")
        return _page(_case(number), status=422, upload_form=form, problems=problems[:200],
                     problem_total=len(problems), report=report)
    _event, n = run_verb(step, flash_refusal=False, again=again,
                         done=lambda done: _("已按上传清单将 %(n)s 个台站标记为不予许可。", n=done[1]))
    return _back(case, {})


@bp.get("/review/stations/refusal-template.csv")
@roles("reviewer", "supervisor")
def refusal_template():
    return Response(("\ufeff" + refusal_list.TEMPLATE).encode("utf-8"), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=refused-stations.csv"})


# Old URLs of these pages (before every case action lived under /cases/<number>/): a 308 redirect, so a
# form opened before the change still posts to the right place.
for _old, _view, _methods in (
        ("/review/<number>/stations", stations, ("GET",)),
        ("/review/<number>/stations/refuse", refuse_stations, ("POST",)),
        ("/review/<number>/stations/restore", restore_stations, ("POST",)),
        ("/review/<number>/stations/undo/<int:event_id>", undo_refusal, ("POST",)),
        ("/review/<number>/stations/upload", upload_refusals, ("POST",)),
):
    moved(bp, _old, _view, _methods)
