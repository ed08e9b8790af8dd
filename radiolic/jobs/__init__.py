"""Long work as jobs on huey: a record with progress, a file written whole or not at all.

A job kind is a builder ``build(params, out, progress) -> (filename, mime[, note])`` registered with
``@job_kind("name")``: it writes its result to ``out`` (a temporary file) and calls
``progress(done, total)`` as it goes.  ``start(kind, params, user=…, title=…)`` records the job and
queues it; the page ``/jobs/<id>`` shows a progress bar until the download is ready.

The result is written to ``<id>.part`` and renamed when complete, so a download is never half a
file.  A job whose worker died is queued again when a consumer starts (``resume_interrupted``)
and starts over from nothing.

Daily work is a huey periodic task: ``@daily(hour, minute)`` (UTC) on a function taking the
office date; ``flask`` CLI commands for the same work stay.
"""
import json
import os
import secrets
import socket
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from flask import Flask, current_app, has_app_context
from huey import crontab
from sqlalchemy import select, update

from ..extensions import db
from ..models import Job
from ..models.base import utcnow
from .queue import huey

KINDS: dict[str, Callable] = {}
PROGRESS_EVERY = 0.3        # seconds between progress writes (the page polls every second)
STALE_AFTER = timedelta(minutes=10)   # a running job this quiet on another host is taken as dead

_bound: dict[str, Flask] = {}


def bind(app: Flask) -> None:
    """The app tasks run in when they are not called inside one (the consumer's)."""
    _bound["app"] = app


def task_app() -> Flask:
    if has_app_context():
        return current_app._get_current_object()
    if "app" not in _bound:
        from .. import create_app
        bind(create_app())
    return _bound["app"]


def job_kind(name: str):
    """Register a builder for jobs of kind `name`."""
    def register(build: Callable) -> Callable:
        KINDS[name] = build
        return build
    return register


def daily(hour: int, minute: int = 0):
    """A huey periodic task run once a day at hour:minute UTC in an app context; it gets the office date."""
    def register(fn: Callable) -> Callable:
        def run():
            with task_app().app_context():
                from ..office_date import today
                try:
                    fn(today())
                    db.session.commit()
                except Exception:
                    db.session.rollback()
                    raise
        run.__name__ = run.__qualname__ = f"daily_{fn.__name__}"
        run.__module__ = fn.__module__
        task = huey.periodic_task(crontab(minute=str(minute), hour=str(hour)), name=f"daily.{fn.__name__}")(run)
        fn.task = task
        return fn
    return register


def folder() -> Path:
    path = Path(current_app.config["JOBS_FOLDER"]).resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def start(kind: str, params: dict, *, user=None, title: str = "", total: int = 0) -> Job:
    """Record a job and queue it (commits: the worker must see the row)."""
    from . import tasks  # noqa: F401  (registers the job kinds: a web worker may not have imported them yet)
    if kind not in KINDS:
        raise KeyError(kind)
    job_id = secrets.token_hex(16)
    db.session.add(Job(id=job_id, kind=kind, params=json.dumps(params, ensure_ascii=False), title=title,
                       user_id=getattr(user, "id", None), total=total))
    db.session.commit()
    # Nothing touches the session until the job is queued: no transaction (no lock) is held while a
    # job runs inline (immediate mode) or while the queue is written.
    from .tasks import run_job
    try:
        run_job(job_id)
    except Exception as exc:         # the queue's store is down: say so on the job's page
        current_app.logger.exception("could not queue job %s", job_id)
        db.session.rollback()
        _set(job_id, state="failed", error=f"任务队列不可用（{type(exc).__name__}），请稍后重试。", finished_at=utcnow())
    return db.session.get(Job, job_id)


def _identity() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _set(job_id: str, **values) -> None:
    db.session.execute(update(Job).where(Job.id == job_id).values(updated_at=utcnow(), **values))
    db.session.commit()


class Progress:
    """progress(done, total): stored at most every PROGRESS_EVERY seconds, and always the first time."""

    def __init__(self, job_id: str):
        self.job_id, self.last = job_id, 0.0

    def __call__(self, done: int, total: int | None = None, *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and self.last and now - self.last < PROGRESS_EVERY:
            return
        self.last = now
        values = {"done": done} if total is None else {"done": done, "total": total}
        _set(self.job_id, **values)


def execute(job_id: str) -> None:
    """Run one job to its end (called by the huey task, in an app context)."""
    job = db.session.get(Job, job_id)
    if job is None or job.state in ("done", "failed"):
        db.session.rollback()
        return
    build, params = KINDS.get(job.kind), json.loads(job.params or "{}")
    db.session.rollback()
    if build is None:
        _set(job_id, state="failed", error=f"unknown job kind {job.kind}", finished_at=utcnow())
        return
    _set(job_id, state="running", worker=_identity(), done=0, started_at=utcnow(), attempts=Job.attempts + 1)
    root = folder()
    part = root / f"{job_id}.part"
    try:
        with open(part, "wb") as out:
            filename, mime, *note = build(params, out, Progress(job_id))
            out.flush()
            os.fsync(out.fileno())
        stored = f"{job_id}{Path(filename).suffix[:10]}"
        os.chmod(part, 0o600)
        os.replace(part, root / stored)      # the complete file appears at once, never a half one
    except Exception as exc:
        db.session.rollback()
        part.unlink(missing_ok=True)
        current_app.logger.exception("job %s (%s) failed", job_id, job.kind)
        _set(job_id, state="failed", error=f"{type(exc).__name__}: {exc}"[:2000], finished_at=utcnow())
        return
    total = db.session.scalar(select(Job.total).where(Job.id == job_id)) or 0
    _set(job_id, state="done", done=total, filename=filename, stored_name=stored, mime=mime, note=(note or [""])[0],
         finished_at=utcnow())


def _alive(worker: str) -> bool:
    host, _, pid = worker.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return True             # another host's worker: judged by its heartbeat instead
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def resume_interrupted(*, starting: bool = False) -> list[str]:
    """Queue again the jobs whose worker died (run when a consumer starts, and every few minutes).

    A job counts as interrupted when it is queued but not in the queue (its message was taken by a
    worker that died before starting it; ``starting`` skips the grace period of a fresh job), or
    running under a process of this host that is gone, or running anywhere with no progress for
    STALE_AFTER.
    """
    pending = set()
    for task in huey.pending():
        pending.update(a for a in (task.args or ()) if isinstance(a, str))
    again = []
    now = utcnow()
    for job in db.session.scalars(select(Job).where(Job.state.in_(("queued", "running")))):
        if job.id in pending:
            continue
        if job.state == "running":
            host = job.worker.rpartition(":")[0]
            mine = host == socket.gethostname()
            dead = (mine and not _alive(job.worker)) or (
                job.updated_at is not None and now - job.updated_at > STALE_AFTER)
            if not dead:
                continue
        elif job.created_at and now - job.created_at < timedelta(seconds=30) and not starting:
            continue            # just created: its message may be on its way
        again.append(job.id)
    for job_id in again:
        _set(job_id, state="queued", worker="", done=0)
        (folder() / f"{job_id}.part").unlink(missing_ok=True)
    db.session.rollback()
    from .tasks import run_job
    for job_id in again:
        run_job(job_id)
    return again


def keep_upload(data: bytes) -> str:
    """Keep an uploaded file for a job to read (mode 0600, random name); the job deletes it when done."""
    name = f"{secrets.token_hex(16)}.upload"
    fd = os.open(folder() / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    return name


def upload_path(name: str) -> Path:
    """The kept upload of a job (only names keep_upload makes)."""
    if len(name) != 39 or not name.endswith(".upload") or not all(c in "0123456789abcdef" for c in name[:32]):
        raise ValueError("not a kept upload")
    return folder() / name


def result_path(job: Job) -> Path | None:
    """The finished file of a job, if it is there (names are ours: hex id + short suffix)."""
    if job.state != "done" or not job.stored_name or not job.stored_name.startswith(job.id):
        return None
    path = folder() / job.stored_name
    return path if path.is_file() else None
