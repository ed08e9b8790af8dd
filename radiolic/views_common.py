"""Run one workflow verb for a page: commit it, or roll back and show the clerk why."""
from collections.abc import Callable
from typing import TypeVar

from flask import abort, flash
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from .extensions import db
from .models import Application
from .workflow import WorkflowError

T = TypeVar("T")
# What a row of a case list shows beside the case: loaded for the whole list at once, not once per row.
LIST_LOADS = (selectinload(Application.applicant), selectinload(Application.service_item))
# What workflow.clock.compute reads, for lists that show each case's deadlines.
CLOCK_LOADS = (selectinload(Application.clock_stops),)


def case_or_404(number: str) -> Application:
    """The case with this number, or a 404 page."""
    case = db.session.scalar(select(Application).where(Application.number == number))
    return case if case is not None else abort(404)


def show_refusal(err: WorkflowError, form=None, *, aliases: dict | None = None, prefix: str = "") -> None:
    """Flash a verb's refusal, and put it on the form field it names when the form has one."""
    name = (aliases or {}).get(err.field, err.field or "").split(".")[-1]
    field = getattr(form, name, None) if form is not None and name else None
    message = err.translated()
    if field is not None and hasattr(field, "errors") and not callable(field.errors):
        field.errors = [*field.errors, message]
    flash(prefix + message, "danger")


def commit_verb(step: Callable[[], T], form=None, **shown) -> tuple[T | None, WorkflowError | None]:
    """Run `step` (one verb) and commit; on a refusal roll back, show it, and return it second (nothing changed)."""
    try:
        result = step()
        db.session.commit()
    except WorkflowError as err:
        db.session.rollback()
        show_refusal(err, form, **shown)
        return None, err
    return result, None


def case_page_again(number: str):
    """The shared case page with status 422, after a refusal on it."""
    from .main.views import case
    return case(number), 422
