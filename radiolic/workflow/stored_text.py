"""Stored text is checked whoever writes it (verbs, CLI, imports, the demo): no lone surrogates and no
control characters other than tab and line breaks reach a text column, so no export or PDF can break on it.

The check runs before every ORM flush; a refusal is a WorkflowError naming the column, so the caller's
usual refusal path (rollback, message) applies and nothing is stored.
"""
from sqlalchemy import String, event, inspect
from sqlalchemy.orm import Session

from ..inputs import text_problem
from ..texts import N_
from .core import WorkflowError


_COLUMNS: dict = {}


def _text_columns(mapper) -> list[str]:
    cached = _COLUMNS.get(mapper)
    if cached is None:
        cached = _COLUMNS[mapper] = [attr.key for attr in mapper.column_attrs
                                     if len(attr.columns) == 1 and isinstance(attr.columns[0].type, String)]
    return cached


def check_object(obj, only_changed: bool = False) -> None:
    state = inspect(obj)
    for key in _text_columns(state.mapper):
        if only_changed and not state.attrs[key].history.has_changes():
            continue
        value = state.dict.get(key)
        if isinstance(value, str):
            problem = text_problem(value)
            if problem:
                raise WorkflowError(N_("%(column)s %(problem)s，未保存。"), field=key, code="invalid",
                                    params={"column": key, "problem": problem})


@event.listens_for(Session, "before_flush")
def _check_stored_text(session, _context, _instances) -> None:
    for obj in session.new:
        check_object(obj)
    for obj in session.dirty:
        check_object(obj, only_changed=True)
