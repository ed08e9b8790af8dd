from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask_login import current_user
from sqlalchemy import case as sql_case
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from .. import indicators
from ..access import STAFF, public, roles
from ..extensions import db
from ..models import Applicant, Application, ApplicationMaterial
from ..views_common import CLOCK_LOADS, LIST_LOADS, case_or_404, case_page
from ..office_date import today
from ..workflow import clock
from ..texts import N_

bp = Blueprint("main", __name__)

HOME_QUEUES = {
    "clerk": [(N_("待受理（含网上申请预审）"), ("submitted",)), (N_("待补正"), ("awaiting_correction",)),
              (N_("待发证"), ("approved",))],
    "reviewer": [(N_("待审查"), ("accepted",)), (N_("审查中"), ("under_review",)), (N_("待发证"), ("approved",))],
    "supervisor": [(N_("审查中"), ("accepted", "under_review")), (N_("待发证"), ("approved",))],
    "admin": [],
}


@bp.route("/")
@roles(*STAFF)
def home():
    on = today()
    cal = clock.load_calendar()
    queues = [(title, [(c, clock.compute(c, on, cal)) for c in cases])
              for title, cases in _queues(HOME_QUEUES[current_user.role])]
    overdue = db.session.scalars(select(ApplicationMaterial).where(
        ApplicationMaterial.status == "deferred", ApplicationMaterial.due_on < on)
        .options(selectinload(ApplicationMaterial.application))
        .order_by(ApplicationMaterial.due_on).limit(50)).all() if current_user.role != "admin" else []
    live = {}
    if current_user.role == "supervisor" and "supervisor.dashboard" in current_app.view_functions:
        live = _live_widgets(on, cal)
    return render_template("main/home.html", queues=queues, overdue=overdue, live_widgets=live)


def _queues(spec, size: int = 50) -> list[tuple[str, list[Application]]]:
    """The first `size` cases of each queue (nearest statutory deadline first), all queues in one statement: each
    case's queue and rank come from a window over the queue's states."""
    if not spec:
        return []
    queue = sql_case(*((Application.state.in_(states), i) for i, (_title, states) in enumerate(spec)))
    ranked = select(Application.id, queue.label("queue"), func.row_number().over(
        partition_by=queue, order_by=(Application.due_statutory.is_(None), Application.due_statutory,
                                      Application.id)).label("rank")).where(
        Application.state.in_([state for _title, states in spec for state in states])).subquery()
    rows = db.session.execute(select(Application, ranked.c.queue).join(ranked, ranked.c.id == Application.id)
                              .where(ranked.c.rank <= size).order_by(ranked.c.queue, ranked.c.rank)
                              .options(*LIST_LOADS, *CLOCK_LOADS)).all()
    cases: list[list[Application]] = [[] for _ in spec]
    for application, index in rows:
        cases[index].append(application)
    return [(title, found) for (title, _states), found in zip(spec, cases)]


def _live_widgets(on, cal) -> dict:
    """What the supervisor's home page shows as of today: cases at risk, the week's end, open cases by days left
    and open work orders."""
    return {"at_risk": [(case, clock.compute(case, on, cal)) for case in indicators.at_risk(on)],
            "week_end": indicators.week_end(on),
            "live": {"open_by_days_left": indicators.open_by_days_left(on),
                     "work_orders": indicators.work_orders(on)}}


@bp.route("/cases/<number>")
@roles(*STAFF)
def case(number: str):
    return case_page(case_or_404(number))


@bp.route("/cases")
@roles(*STAFF)
def find_case():
    """The navbar search: an exact case number opens it; part of a number or of an applicant's name lists the
    matches (newest first, at most 50); one match opens it."""
    raw = (request.args.get("number") or "").strip()[:100]
    number = raw.upper()
    if number:
        found = db.session.scalar(select(Application.number).where(Application.number == number))
        if found:
            return redirect(url_for("main.case", number=found))
    matches = []
    if len(raw) >= 2:
        matches = db.session.scalars(
            select(Application).join(Applicant, Applicant.id == Application.applicant_id)
            .where(or_(Application.number.contains(number, autoescape=True),
                       Applicant.name.contains(raw, autoescape=True)))
            .options(*LIST_LOADS).order_by(Application.id.desc()).limit(50)).all()
        if len(matches) == 1:
            return redirect(url_for("main.case", number=matches[0].number))
    if matches:
        return render_template("main/not_found.html", number=raw, matches=matches)
    return render_template("main/not_found.html", number=raw, matches=[]), 404


@bp.route("/lang/<code>")
@public
def set_language(code: str):
    if code in ("zh", "en"):
        session["lang"] = code
    target = request.referrer or url_for("main.home")
    if not target.startswith(request.host_url):
        target = url_for("main.home")
    return redirect(target)
