"""/healthz: what an operator's monitoring polls (database, queue, disk, calendar); public, no secrets."""
import shutil
from datetime import datetime, timezone
from pathlib import Path

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text

from .access import public
from .extensions import db

bp = Blueprint("health", __name__)

MIN_FREE_BYTES = 1024 ** 3      # below this the check fails: uploads, job files and the WAL need room


def _database() -> dict:
    try:
        db.session.execute(text("SELECT 1"))
        db.session.rollback()
    except Exception:
        db.session.rollback()
        return {"ok": False, "kind": db.engine.dialect.name}
    return {"ok": True, "kind": db.engine.dialect.name}


def _queue() -> dict:
    from .jobs.queue import huey, reachable, storage_kind
    ok = reachable()
    out = {"ok": ok, "kind": storage_kind()}
    if ok:
        out["pending"] = huey.pending_count()
    return out


def _disk() -> dict:
    need = int(current_app.config.get("HEALTH_MIN_FREE_BYTES") or MIN_FREE_BYTES)
    folders = {"instance": current_app.instance_path, "uploads": current_app.config["UPLOAD_FOLDER"],
               "jobs": current_app.config["JOBS_FOLDER"]}
    out, ok = {}, True
    for name, folder in folders.items():
        path = Path(folder)
        while not path.exists() and path != path.parent:
            path = path.parent
        free = shutil.disk_usage(path).free
        out[name] = {"free_mb": free // (1024 * 1024), "ok": free >= need}
        ok = ok and free >= need
    return {"ok": ok, "min_free_mb": need // (1024 * 1024), **out}


def _calendar() -> dict:
    from .office_date import today
    from .workflow.clock import load_calendar
    year = today().year
    try:
        calendar = load_calendar()
        db.session.rollback()
    except Exception:
        db.session.rollback()
        return {"ok": False}
    # Every year can be counted (provisionally at worst: weekends and the statutory holidays), so the check
    # fails only outside the supported range; a year without the State Council's notice is "not covered",
    # which deserves a warning because deadlines reach into next year from the autumn on.
    computable = calendar.covers(year) and calendar.covers(year + 1)
    this, following = calendar.is_official(year), calendar.is_official(year + 1)
    return {"ok": computable, "year": year, "covered": this, "next_year": year + 1, "next_year_covered": following,
            "provisional_years": [y for y, official in ((year, this), (year + 1, following)) if not official]}


@bp.get("/healthz")
@public
def healthz():
    checks = {"database": _database(), "queue": _queue(), "disk": _disk(), "calendar": _calendar()}
    ok = all(c["ok"] for c in checks.values())
    body = {"status": "ok" if ok else "fail", "checked_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            **checks}
    if ok and not (checks["calendar"]["covered"] and checks["calendar"]["next_year_covered"]):
        body["status"] = "warn"
    return jsonify(body), 200 if ok else 503
