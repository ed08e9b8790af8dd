"""The page of a job (progress bar, then the download), its JSON for the page's script, the file."""
from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..access import STAFF, roles
from ..extensions import db
from ..models import Job
from . import result_path, start

bp = Blueprint("jobs", __name__)


def _own(job_id: str) -> Job:
    """A job of the signed-in user (anyone else's, or an unknown id, is 404 alike)."""
    job = db.session.get(Job, job_id[:32])
    if job is None or job.user_id != current_user.id:
        abort(404)
    return job


def status(job: Job) -> dict:
    elapsed = ((job.updated_at - job.started_at).total_seconds()
               if job.started_at and job.updated_at and job.state == "running" else None)
    left = None
    if elapsed and job.done and job.total and job.done < job.total:
        left = round(elapsed / job.done * (job.total - job.done))
    return {"id": job.id, "kind": job.kind, "title": job.title, "state": job.state, "done": job.done,
            "total": job.total, "seconds_left": left, "error": job.error if job.state == "failed" else "",
            "download": f"/jobs/{job.id}/download" if job.state == "done" else None,
            "filename": job.filename if job.state == "done" else None, "note": job.note}


@bp.get("/jobs/<job_id>")
@roles(*STAFF)
def show(job_id: str):
    return render_template("jobs/job.html", job=_own(job_id), status=status(_own(job_id)))


@bp.get("/jobs/<job_id>.json")
@roles(*STAFF)
def show_json(job_id: str):
    return jsonify(status(_own(job_id)))


@bp.get("/jobs/<job_id>/download")
@roles(*STAFF)
def download(job_id: str):
    job = _own(job_id)
    path = result_path(job)
    if path is None:
        abort(404)
    return send_file(path, mimetype=job.mime or "application/octet-stream", as_attachment=True,
                     download_name=job.filename or path.name)


# ---------------------------------------------------------------------------- starting the supervisor's jobs

def _period_args() -> dict | None:
    from ..supervisor.period import PeriodError, parse
    from ..office_date import today
    args = {k: request.form.get(k, "") for k in ("period", "year", "quarter", "month", "from", "to")
            if request.form.get(k)}
    try:
        period = parse(args, today())
    except PeriodError as err:
        flash(_("统计周期无效：%(reason)s", reason=str(err)), "danger")
        return None
    return {"args": args, "label": period.label(_)}


@bp.post("/supervisor/report.pdf/job")
@roles("supervisor")
def start_report():
    """The statistics (annual) report PDF, built by the job queue."""
    chosen = _period_args()
    if chosen is None:
        return redirect(url_for("supervisor.dashboard"))
    job = start("statistics_report", {"period": chosen["args"]}, user=current_user,
                title=_("统计报告 PDF · %(label)s", label=chosen["label"]), total=2)
    return redirect(url_for("jobs.show", job_id=job.id))


@bp.post("/supervisor/export.<fmt>/job")
@roles("supervisor")
def start_export(fmt: str):
    """The cases of a period as CSV or XLSX, built by the job queue (any number of rows)."""
    if fmt not in ("csv", "xlsx"):
        abort(404)
    chosen = _period_args()
    if chosen is None:
        return redirect(url_for("supervisor.dashboard"))
    job = start("cases_export", {"period": chosen["args"], "fmt": fmt}, user=current_user,
                title=_("案件导出 %(fmt)s · %(label)s", fmt=fmt.upper(), label=chosen["label"]), total=1)
    return redirect(url_for("jobs.show", job_id=job.id))
