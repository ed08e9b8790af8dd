"""Shared by the staff blueprints: find a case, run one workflow verb (commit it, or roll back and show the clerk
why), and the case page that every stage contributes a section to."""
from collections.abc import Callable
from typing import TypeVar

from flask import abort, flash, render_template
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from .extensions import db
from .models import Application, Event
from .office_date import today
from .workflow import WorkflowError, clock

T = TypeVar("T")
# What a row of a case list shows beside the case: loaded for the whole list at once, not once per row.
LIST_LOADS = (selectinload(Application.applicant), selectinload(Application.service_item))
# What workflow.clock.compute reads, for lists that show each case's deadlines.
CLOCK_LOADS = (selectinload(Application.clock_stops),)

# Partials each stage contributes to the shared case page (missing ones are skipped).
CASE_SECTIONS = ["deferrals/_case.html", "review/_case.html", "issuance/_case.html", "lookup/_uploads.html",
                 "ratings/_case.html"]
CASE_ACTIONS = ["intake/_actions.html", "deferrals/_actions.html", "review/_actions.html", "issuance/_actions.html"]


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


def case_page(case: Application, status: int = 200, **extra):
    """The shared case page: the case, its clock and timeline, each stage's section (with `extra`, e.g. bound forms)."""
    events = db.session.scalars(select(Event).where(Event.application_id == case.id).order_by(Event.id)).all()
    return render_template("cases/detail.html", case=case, clock=clock.compute(case, today()), events=events,
                           case_sections=CASE_SECTIONS, case_actions=CASE_ACTIONS, **extra), status


def case_page_again(number: str):
    """The shared case page with status 422, after a refusal on it."""
    return case_page(case_or_404(number), 422)
