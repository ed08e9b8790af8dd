"""Staff accounts: creating one, the same way from the admin page, the CLI and the demo loader."""
from datetime import date

from ..extensions import db
from ..models import User
from ..texts import N_
from ..workflow import WorkflowError, record
from . import passwords, strength


def create(username: str, *, role: str, display_name: str, password: str, window_no: str | None = None,
           by: User | None, on: date, note: str) -> User:
    """Add the user with a hashed password and record `user_create`; the caller has checked the name is free.

    A guessable password is refused (radiolic.auth.strength) whoever creates the account."""
    reason = strength.problem(password, names=(username, display_name))
    if reason:
        raise WorkflowError(N_("%(reason)s"), field="password", code="invalid", params={"reason": reason})
    user = User(username=username, display_name=display_name, role=role, window_no=window_no)
    passwords.set_password(user, password)
    db.session.add(user)
    db.session.flush()
    record(None, "user_create", by=by, on=on, obj=user, note=note)
    return user
