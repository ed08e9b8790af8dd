"""Supervisor pages: the indicators dashboard, the at-risk list, exports and the statistics report."""
from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user
from sqlalchemy import func, select

from .. import indicators, throttle
from ..access import roles
from ..extensions import db
from ..inputs import InputError
from ..models import Application, ServiceItem
from ..office_date import today
from ..web import select_locale
from ..workdays import CalendarGap
from ..texts import N_, Msg, Name
from ..vocabulary import CaseState, RatingChannel, RatingLevel, ThrottleScope
from ..workflow import clock, record
from . import exports, report
from .period import KINDS, PeriodError, parse

bp = Blueprint("supervisor", __name__)

OUTCOMES = ("issued", "rejected", "not_accepted", "withdrawn", "terminated")


def _period():
    """The period of the query string, or this year with the message saying what was wrong.

    With no query at all: the latest year in which cases were completed (a fresh demo opens on 2024).
    """
    on = today()
    if not request.args:
        latest = db.session.scalar(select(func.max(Application.completed_on)).where(Application.completed_on <= on))
        return parse({"period": "year", "year": str((latest or on).year)}, on), None
    try:
        return parse(request.args, on), None
    except PeriodError as err:
        return parse({}, on), str(err)


def chart_data(data: dict, names: dict[str, str] | None = None) -> dict:
    """What dashboard.js draws, with every label already translated (the script holds no text)."""
    d = data["indicators"]["deferrals"]
    names = names or {}
    return {
        "months": {"keys": [m["key"] for m in data["by_month"]],
                   "series": [{"name": str(CaseState(s).title), "data": [m[s] for m in data["by_month"]]}
                              for s in OUTCOMES]},
        "turnaround": {"keys": [str(h["days"]) for h in data["turnaround_histogram"]],
                       "data": [h["cases"] for h in data["turnaround_histogram"]],
                       "name": gettext("办结件数"), "axis": gettext("工作日")},
        "on_time": {"keys": [names.get(r["key"], r["key"]) for r in data["by_item"] if r["timed"]],
                    "series": [{"name": gettext("按承诺时限"),
                                "data": [round((r["on_time_promised"] or 0) * 100, 1) for r in data["by_item"] if r["timed"]]},
                               {"name": gettext("按法定时限"),
                                "data": [round((r["on_time_statutory"] or 0) * 100, 1) for r in data["by_item"] if r["timed"]]}]},
        "ratings": {"keys": [str(level.title) for level in RatingLevel],
                    "series": [{"name": str(channel.title),
                                "data": [sum(c["count"] for c in data["ratings_matrix"]
                                             if c["channel"] == channel and c["level"] == level)
                                         for level in (5, 4, 3, 2, 1)]}
                               for channel in RatingChannel]},
        "deferrals": {"keys": [gettext("容缺材料"), gettext("按期补齐"), gettext("逾期"), gettext("终止办理（件）")],
                      "data": [d["materials"], d["supplied_on_time"], d["overdue"], d["terminated"]]},
    }


@bp.get("/supervisor")
@roles("supervisor")
def dashboard():
    period, error = _period()
    on = today()
    data = indicators.dashboard(period.start, period.end, on)
    label = period.label(gettext)
    # A period view shows only that period: the live widgets (at-risk cases, open work orders, open cases by
    # days left) are on the supervisor's home page (main.views.home).
    return render_template(
        "supervisor/dashboard.html", period=period, kinds=KINDS, error=error, data=data, label=label,
        headline=report.headline(data["indicators"], label, gettext),
        rows=report.indicator_rows(data["indicators"], gettext), charts=chart_data(data, item_names()),
        item_names=item_names(),
        years=range(on.year, on.year - 6, -1),
        late_notices=late_notices(period.start, period.end, on, clock.load_calendar())), 400 if error else 200


def late_notices(start, end, on, cal) -> list[tuple[Application, str]]:
    """Art. 32: cases received in the period whose correction notice came (or is still missing) after day 5."""
    from sqlalchemy.orm import selectinload
    deemed = db.session.scalars(select(Application).where(
        Application.deemed_accepted.is_(True), Application.received_on.between(start, end))
        .options(selectinload(Application.corrections), selectinload(Application.service_item))
        .order_by(Application.received_on, Application.id).limit(200)).all()
    rows = [(c, gettext("视为自收件之日起受理")) for c in deemed]
    waiting = db.session.scalars(select(Application).where(
        Application.state == "submitted", Application.correction_count == 0,
        Application.received_on.between(start, end))
        .options(selectinload(Application.corrections), selectinload(Application.service_item))
        .order_by(Application.received_on, Application.id).limit(500)).all()
    for c in waiting:
        try:
            if clock.notice_due(c, cal) < on:
                rows.append((c, gettext("未在 5 个工作日内告知补正或受理")))
        except CalendarGap:
            continue
    return rows


def item_names() -> dict[str, str]:
    """Service item code → its name in the page's language (people read names, not FP-NEW)."""
    lang_en = select_locale() == "en"
    return {i.code: (i.name_en if lang_en and i.name_en else i.name) for i in db.session.scalars(select(ServiceItem))}


def _chinese_item_names() -> dict[str, str]:
    return {i.code: i.name for i in db.session.scalars(select(ServiceItem))}


def _period_or_400():
    period, error = _period()
    if error:
        raise InputError("period", error)      # the normal 400 page, naming the field
    return period


def _download(body: bytes, mimetype: str, filename: str) -> Response:
    return Response(body, mimetype=mimetype,
                    headers={"Content-Disposition": f"attachment; filename={filename}"})


def _too_many_rows(period, fmt: str):
    """Over INLINE_EXPORT_ROWS rows the export is a job: a page whose button POSTs to start it (a GET never
    creates a job row); None when the export fits inside the request."""
    rows, limit = exports.count_cases(period.start, period.end), current_app.config["INLINE_EXPORT_ROWS"]
    if rows <= limit:
        return None
    return render_template("jobs/start_export.html", rows=rows, limit=limit, fmt=fmt.upper(),
                           label=period.label(gettext), action=url_for("jobs.start_export", fmt=fmt),
                           fields=period.query(), back=url_for("supervisor.dashboard", **period.query()))


@bp.get("/supervisor/export.csv")
@roles("supervisor")
def export_csv():
    period = _period_or_400()
    big = _too_many_rows(period, "csv")
    if big is not None:
        return big
    return _download(exports.to_csv(period.start, period.end), "text/csv; charset=utf-8",
                     f"cases-{period.start.isoformat()}-{period.end.isoformat()}.csv")


def _indicator_list(period) -> list[tuple[str, str]]:
    data = indicators.compute(period.start, period.end, today())
    return [(name, value) for name, _key, value in report.indicator_rows(data, gettext)]


@bp.get("/supervisor/indicators.csv")
@roles("supervisor")
def export_indicators_csv():
    period = _period_or_400()
    return _download(exports.indicators_csv(_indicator_list(period), period.label(gettext)),
                     "text/csv; charset=utf-8",
                     f"indicators-{period.start.isoformat()}-{period.end.isoformat()}.csv")


@bp.get("/supervisor/export.xlsx")
@roles("supervisor")
def export_xlsx():
    period = _period_or_400()
    big = _too_many_rows(period, "xlsx")
    if big is not None:
        return big
    return _download(exports.to_xlsx(period.start, period.end, _indicator_list(period), period.label(gettext)),
                     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                     f"cases-{period.start.isoformat()}-{period.end.isoformat()}.xlsx")


@bp.get("/supervisor/report.pdf")
@roles("supervisor")
def report_pdf():
    period = _period_or_400()
    on = today()
    data = indicators.dashboard(period.start, period.end, on)
    body = report.render(data, label=period.label(), office=current_app.config["OFFICE_NAME"], generated_on=on,
                         font_path=current_app.config.get("PDF_FONT_PATH"), annual=period.is_year,
                         item_names=_chinese_item_names())
    return _download(body, "application/pdf", f"report-{period.start.isoformat()}-{period.end.isoformat()}.pdf")


# --- accounts and cases being slowed down by failed tries (radiolic.throttle) ----------------------------------

@bp.get("/supervisor/locks")
@roles("supervisor")
def locks():
    return render_template("supervisor/locks.html", locks=throttle.locks())


@bp.post("/supervisor/locks/clear")
@roles("supervisor")
def clear_lock():
    scope, key = request.form.get("scope", ""), (request.form.get("key") or "").strip()
    if scope not in throttle.SCOPES or not key:
        abort(400, gettext("请选择要解除的账号或申请。"))
    cleared = throttle.clear(scope, key)
    record(None, "throttle_clear", by=current_user, on=today(),
           note=Msg(N_("%(scope)s %(key)s：清除 %(n)s 次失败记录"), scope=Name(ThrottleScope.text_of(scope)), key=key, n=cleared))
    db.session.commit()
    flash(gettext("已解除 %(key)s 的限制（清除 %(n)s 次失败记录）。", key=key, n=cleared), "success")
    return redirect(url_for("supervisor.locks"))
