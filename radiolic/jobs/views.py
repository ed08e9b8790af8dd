"""The page of a job (progress bar, then the download), its JSON for the page's script, the file."""
from flask import Blueprint, abort, jsonify, render_template, send_file
from flask_login import current_user

from ..access import STAFF, roles
from ..extensions import db
from ..models import Job
from . import result_path

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
            "filename": job.filename if job.state == "done" else None}


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
