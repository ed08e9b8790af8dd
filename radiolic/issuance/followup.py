"""What follows an issue once it has committed: archive the licences as issued, refresh the open-data files."""
import logging
from datetime import date

from flask import current_app

from .. import instruments, jobs
from ..models import Application, Licence, User

log = logging.getLogger(__name__)


def after_issue(case: Application, count: int, *, by: User | None, on: date) -> None:
    """Small issues are rendered, sealed and archived now; larger ones by the archive job (with a progress bar on
    the job page); the public register files are refreshed by a queued task. Nothing here can undo the issue."""
    if count <= instruments.INLINE_LICENCES:
        instruments.archive_licences(Licence.application_id == case.id, on=on)
    else:
        jobs.start("licence_archive", {"case_id": case.id, "number": case.number}, user=by,
                   title=f"{case.number} 证照归档（{count} 份）", total=count)
    publish_after_issue()


def publish_after_issue() -> None:
    """After an issuance batch has committed: queue a refresh of the files; a failure is logged, never shown to the clerk."""
    if not current_app.config.get("OPEN_DATA_AFTER_ISSUE", True):
        return
    from ..jobs.tasks import publish_register
    try:
        publish_register()       # queued: a national register takes a while to write
    except Exception:        # the licences are issued already; tomorrow's daily run retries
        log.exception("open-data register files not refreshed after issuance")
