"""What follows an issue once it has committed: archive the licences as issued, refresh the open-data files."""
from datetime import date

from .. import instruments, jobs
from ..models import Application, Licence, User


def after_issue(case: Application, count: int, *, by: User | None, on: date) -> None:
    """Small issues are rendered, sealed and archived now; larger ones by the archive job (with a progress bar on
    the job page); the public register files are refreshed by a queued task. Nothing here can undo the issue."""
    if count <= instruments.INLINE_LICENCES:
        instruments.archive_licences(Licence.application_id == case.id, on=on)
    else:
        jobs.start("licence_archive", {"case_id": case.id, "number": case.number}, user=by,
                   title=f"{case.number} 证照归档（{count} 份）", total=count)
    from .. import open_data
    open_data.publish_after_issue()
