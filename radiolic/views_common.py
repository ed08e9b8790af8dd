"""Shared by the staff blueprints: find a case, run one workflow verb (run_verb: commit it, or roll back and show
the page again with the reason), and the case page that every stage contributes a section to."""
from collections.abc import Callable
from typing import TypeVar

from flask import Blueprint, abort, flash, g, make_response, redirect, render_template, request, url_for
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
    names = (aliases or {}).get(err.field, err.field or "")
    message = err.translated()
    for name in (names,) if isinstance(names, str) else names:    # an alias may name several fields
        name = name.split(".")[-1]
        field = getattr(form, name, None) if form is not None and name else None
        if field is not None and hasattr(field, "errors") and not callable(field.errors):
            field.errors = [*field.errors, message]
    flash(prefix + message, "danger")


def run_verb(step: Callable[[], T], *, again: Callable[[], object], form=None, done=None,
             aliases: dict | None = None, prefix: str = "", flash_refusal: bool = True) -> T:
    """The one way a page runs a workflow verb.

    Runs `step`, commits once and flashes `done` (a text, or a function of the verb's result); returns the
    result. On a WorkflowError: rolls back, puts the message on `form`'s field (through `aliases` when the form
    names it differently) and flashes it, and answers with `again()` — the same page shown again — so the view
    stops there (the response travels as an HTTPException, like abort()). A page that shows the refusal its own
    way (the tablet) passes flash_refusal=False and reads it with refusal().
    """
    try:
        result = step()
        db.session.commit()
    except WorkflowError as err:
        db.session.rollback()
        g.refusal = err
        if flash_refusal:
            show_refusal(err, form, aliases=aliases, prefix=prefix)
        abort(make_response(again()))
    if done is not None:
        flash(done(result) if callable(done) else done, "success")
    return result


def refusal() -> WorkflowError | None:
    """The refusal run_verb is showing the page again for (None outside `again`)."""
    return g.get("refusal")


def moved(bp: Blueprint, old_rule: str, view, methods=("POST",)) -> None:
    """Keep an old URL working: it answers with a 308 redirect to `view`'s URL (a POST stays a POST with its
    body, so a form opened before the move still works), under the same access rule as `view`."""
    endpoint = f"{bp.name}.{view.__name__}"

    def redirect_to_new(**values):
        target = url_for(endpoint, **values)
        if request.query_string:
            target += "?" + request.query_string.decode("latin-1")
        return redirect(target, 308)
    redirect_to_new.access = view.access
    bp.add_url_rule(old_rule, endpoint=f"{view.__name__}_moved", view_func=redirect_to_new, methods=list(methods))


def case_page(case: Application, status: int = 200, **extra):
    """The shared case page: the case, its clock and timeline, each stage's section (with `extra`, e.g. bound forms)."""
    events = db.session.scalars(select(Event).where(Event.application_id == case.id).order_by(Event.id)).all()
    return render_template("cases/detail.html", case=case, clock=clock.compute(case, today()), events=events,
                           case_sections=CASE_SECTIONS, case_actions=CASE_ACTIONS, **extra), status


def case_page_again(case: Application | str, **forms):
    """The shared case page with status 422, after a refusal on it, showing the `forms` that failed.

    `forms` are passed by name (`issue_form=form`) to the templates and kept in `g.case_forms`, where the
    stages' context helpers (review_panel) find them.
    """
    if isinstance(case, str):
        case = case_or_404(case)
    g.case_forms = forms
    return case_page(case, 422, **forms)
