"""Staff accounts: the account rules and every change to an account, the same from the admin page, the
`flask user` commands and the demo loader.

The rules live here and nowhere else: a username is taken once; a password has at least
radiolic.auth.strength.MIN_LENGTH characters and is not guessable (strength.problem, which the forms' Strong
validator calls too). Verbs never commit.
"""
from datetime import date

from sqlalchemy import select

from ..auth import passwords, strength
from ..extensions import db
from ..models import User
from ..texts import N_
from .core import WorkflowError, record


def check_username(username: str) -> None:
    """Refuse a username some account already has."""
    if db.session.scalar(select(User.id).where(User.username == username)) is not None:
        raise WorkflowError(N_("该用户名已存在"), field="username", code="conflict")


def check_password(password: str, *, names=()) -> None:
    """Refuse a password that is too short or guessable; `names` are the account's own words."""
    reason = strength.problem(password, names=names)
    if reason:
        raise WorkflowError(N_("%(reason)s"), field="password", code="invalid", params={"reason": reason})


def create(username: str, *, role: str, display_name: str, password: str, window_no: str | None = None,
           by: User | None, on: date, note: str) -> User:
    """Add the user with a hashed password and record `user_create`, after the account rules."""
    check_username(username)
    check_password(password, names=(username, display_name))
    user = User(username=username, display_name=display_name, role=role, window_no=window_no)
    passwords.set_password(user, password)
    db.session.add(user)
    db.session.flush()
    record(None, "user_create", by=by, on=on, obj=user, note=note)
    return user


def toggle_active(user: User, *, by: User, on: date) -> User:
    """Enable a disabled account or disable an enabled one (ending its sessions and API token); not one's own."""
    if user.id == by.id:
        raise WorkflowError(N_("不能停用自己的账号。"), field="active")
    user.active = not user.active
    user.session_version += 1
    if not user.active:
        passwords.revoke_token(user)
    record(None, "user_enable" if user.active else "user_disable", by=by, on=on, obj=user, note=user.username)
    return user


def reset_password(user: User, password: str, *, by: User, on: date) -> User:
    """Give `user` a new password (ending its sessions and API token) after the password rule."""
    check_password(password, names=(user.username, user.display_name))
    passwords.set_password(user, password)
    record(None, "user_password_reset", by=by, on=on, obj=user, note=user.username)
    return user


def change_password(user: User, current: str, new: str) -> User:
    """A user changes their own password: the current one must match, the new one pass the password rule."""
    if not passwords.check(user, current):
        raise WorkflowError(N_("当前密码不正确"), field="current")
    check_password(new, names=(user.username, user.display_name))
    passwords.set_password(user, new)
    return user


def end_sessions(user: User) -> None:
    """Every signed-in copy of the user's session stops working (logging out ends them all)."""
    user.session_version += 1


def new_token(user: User) -> str:
    """A fresh API token for an enabled account (the previous one stops working); only its hash is stored."""
    if not user.active:
        raise WorkflowError(N_("账号已停用。"), field="username", code="conflict")
    return passwords.new_token(user)
