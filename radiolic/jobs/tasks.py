"""The huey tasks: one that runs any recorded job, the job kinds, and the daily runs."""
import os
from datetime import date, timedelta

from flask import current_app
from huey import crontab
from sqlalchemy import func, select

from .. import outbox
from ..extensions import db
from ..models import Licence
from . import daily, execute, job_kind, resume_interrupted, task_app
from .queue import huey


@huey.task(name="jobs.run")
def run_job(job_id: str) -> None:
    with task_app().app_context():
        execute(job_id)


@huey.periodic_task(crontab(minute="*/5"), name="jobs.watchdog")
def watchdog() -> None:
    """Queue again jobs whose worker died on another host (or without a consumer restart)."""
    with task_app().app_context():
        resume_interrupted()


@huey.periodic_task(crontab(minute="*/5"), name="outbox.deliver")
def deliver_outbox() -> None:
    """Hand queued SMS and e-mail (reminders, invitations) to the sender, outside any business transaction."""
    with task_app().app_context():
        outbox.deliver()


# ------------------------------------------------------------------------------------------------ job kinds

def _render_processes(expected: int) -> int:
    configured = current_app.config.get("ISSUANCE_RENDER_PROCESSES") or os.cpu_count() or 1
    return 1 if expected < 50 else int(configured)


def licence_zip(conditions, out, progress, filename: str) -> tuple[str, str]:
    from ..issuance import exports
    total = db.session.scalar(select(func.count()).select_from(Licence).where(*conditions)) or 0
    db.session.rollback()
    progress(0, total, force=True)
    done = 0
    # Archived licences are served as issued (the archive job follows every large issue); the rest are rendered.
    for chunk in exports.zip_stream(exports.licence_rows(*conditions), _render_processes(total)):
        out.write(chunk)
        done = min(done + 1, total)
        progress(done)
    return filename, "application/zip"


@job_kind("licence_zip")
def case_licence_zip(params: dict, out, progress) -> tuple[str, str]:
    """The electronic licences of a case as one ZIP of PDFs."""
    conditions = (Licence.application_id == params["case_id"], Licence.format == "electronic")
    return licence_zip(conditions, out, progress, f"{params['number']}-licences.zip")


@job_kind("paper_bundle")
def paper_bundle(params: dict, out, progress) -> tuple[str, str]:
    """The paper licences of a case, ready to print, as one ZIP of PDFs."""
    conditions = (Licence.application_id == params["case_id"], Licence.format == "paper")
    return licence_zip(conditions, out, progress, f"{params['number']}-paper.zip")


# ------------------------------------------------------------------------------------------------ daily runs
# 17:xx UTC is 01:xx in Beijing: after midnight of the office's day, before anyone comes in.

@daily(17, 5)
def deferrals_check(on: date) -> None:
    from ..deferrals.reminders import check
    check(on)


@daily(17, 10)
def review_clocks(on: date) -> None:
    from ..review.commands import restate_open_clocks
    restate_open_clocks(on)


@daily(17, 15)
def licences_check(on: date) -> None:
    from ..workflow import issuance
    issuance.expire_licences(on)
    issuance.queue_renewal_reminders(on)


@daily(17, 20)
def ratings_invite(on: date) -> None:
    from ..workflow.ratings import invite_missing
    invite_missing(on)


@daily(17, 40)
def prune_attempts(on: date) -> None:
    from .. import throttle
    throttle.prune(timedelta(days=2))


@daily(17, 45)
def audit_checkpoint(on: date) -> None:
    """The signed daily checkpoint of the audit chain (audit verify checks the chain against each)."""
    from .. import audit
    audit.daily_checkpoint(on)


@daily(17, 50)
def archive_pending(on: date) -> None:
    """Archive any issued instrument not archived yet (a safety net behind the acts and the archive job)."""
    from .. import instruments
    instruments.archive_recent(on)
    instruments.archive_licences(on=on, processes=_render_processes(instruments.INLINE_LICENCES + 1))


@daily(18, 0)
def open_data_publish(on: date) -> None:
    """The public register's open-data files, once a day."""
    from .. import open_data
    open_data.publish(on)


@huey.task(name="open_data.publish")
def publish_register() -> None:
    """Refresh the open-data files after an issue (queued by issuance.followup.publish_after_issue)."""
    with task_app().app_context():
        from .. import open_data
        open_data.publish()


@job_kind("register_extract")
def register_extract(params: dict, out, progress) -> tuple[str, str]:
    """A case's licence register extract as CSV or XLSX, however many rows."""
    from ..issuance import exports
    conditions = (Licence.application_id == params["case_id"],)
    total = db.session.scalar(select(func.count()).select_from(Licence).where(*conditions)) or 0
    db.session.rollback()
    progress(0, total, force=True)
    done = 0

    def counted(batches):
        nonlocal done
        for batch in batches:
            yield batch
            done += len(batch)
            progress(min(done, total))
    batches = counted(exports.licence_rows(*conditions, first=exports.BATCH))
    name = f"{params['number']}-register"
    if params.get("fmt") == "xlsx":
        out.write(exports.xlsx_bytes(batches))
        return name + ".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    for chunk in exports.csv_stream(batches):
        out.write(chunk)
    return name + ".csv", "text/csv; charset=utf-8"


@job_kind("licence_archive")
def licence_archive(params: dict, out, progress) -> tuple[str, str, str]:
    """Render, PAdES-seal and archive a case's issued licences (the instruments as issued)."""
    from .. import instruments
    from ..office_date import today
    progress(0, 1, force=True)

    def step(done: int, total: int) -> None:
        progress(done, total)
    run = instruments.archive_licences(Licence.application_id == params["case_id"], on=today(), progress=step,
                                       processes=_render_processes(instruments.INLINE_LICENCES + 1))
    summary = f"{params['number']}：已归档 {run.done} 份证照（共 {run.total} 份待归档）。"
    out.write(summary.encode("utf-8-sig"))
    return f"{params['number']}-archive.txt", "text/plain; charset=utf-8", summary


@job_kind("station_import")
def station_import(params: dict, out, progress) -> tuple[str, str, str]:
    """A big station list: parsed with no transaction open, then added in one short write transaction."""
    from ..models import Application, User
    from ..issuance.station_import import ImportRejected, errors_csv, parse_stations
    from ..office_date import today
    from ..workflow import WorkflowError
    from ..workflow import issuance as verbs
    from . import upload_path
    path, number = upload_path(params["upload"]), params["number"]
    try:
        data = path.read_bytes()
        progress(0, 3, force=True)
        try:
            rows = parse_stations(data, params["filename"])
        except ImportRejected as rejected:
            out.write(errors_csv(rejected))
            return (f"{number}-import-errors.csv", "text/csv; charset=utf-8",
                    f"导入被拒绝：共 {rejected.total} 处错误，没有导入任何台站。请下载错误报告，修改后重新导入。")
        progress(1, force=True)
        case, by = db.session.get(Application, params["case_id"]), db.session.get(User, params["user_id"])
        try:
            count = verbs.add_stations(case, rows, mode=params["mode"], by=by, on=today())
            db.session.commit()
        except WorkflowError as err:
            db.session.rollback()
            out.write(err.message.encode("utf-8-sig"))
            return f"{number}-import-refused.txt", "text/plain; charset=utf-8", f"导入被拒绝：{err.message}"
        progress(2, force=True)
        summary = f"已导入 {count} 个台站（{'替换' if params['mode'] == 'replace' else '追加'}）。"
        out.write(summary.encode("utf-8-sig"))
        return f"{number}-import.txt", "text/plain; charset=utf-8", summary
    finally:
        path.unlink(missing_ok=True)


# ------------------------------------------------------------------------------------------------ supervisor

def _period(params: dict):
    from ..supervisor.period import parse
    from ..office_date import today
    return parse(params.get("period") or {}, today())


@job_kind("statistics_report")
def statistics_report(params: dict, out, progress) -> tuple[str, str]:
    """The statistics report of a period (the annual report for a year) as a PDF."""
    from .. import indicators
    from ..supervisor import report
    from ..office_date import today
    period, on = _period(params), today()
    progress(0, 2, force=True)
    data = indicators.dashboard(period.start, period.end, on)
    db.session.rollback()
    progress(1, force=True)
    out.write(report.render(data, label=period.label(), office=current_app.config["OFFICE_NAME"], generated_on=on,
                            font_path=current_app.config.get("PDF_FONT_PATH"), annual=period.is_year))
    return f"report-{period.start.isoformat()}-{period.end.isoformat()}.pdf", "application/pdf"


@job_kind("cases_export")
def cases_export(params: dict, out, progress) -> tuple[str, str]:
    """The cases of a period as CSV or XLSX, however many rows."""
    from ..supervisor import exports
    period = _period(params)
    name = f"cases-{period.start.isoformat()}-{period.end.isoformat()}"
    progress(0, 1, force=True)
    if params.get("fmt") == "xlsx":
        # the same workbook as the page's inline export: the period's indicators first, then the cases
        from .. import indicators
        from ..office_date import today
        from ..supervisor import report
        data = indicators.compute(period.start, period.end, today())
        rows = [(name, value) for name, _key, value in report.indicator_rows(data)]
        out.write(exports.to_xlsx(period.start, period.end, rows, period.label()))
        mime, name = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", name + ".xlsx"
    else:
        out.write(exports.to_csv(period.start, period.end))
        mime, name = "text/csv; charset=utf-8", name + ".csv"
    db.session.rollback()
    return name, mime
