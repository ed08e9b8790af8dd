"""Attempt counting in the database, so limits hold across gunicorn workers and hosts."""
from datetime import timedelta

from sqlalchemy import delete, func, select

from .extensions import db
from .models import Attempt
from .models.base import utcnow


def failures(scope: str, key: str, window: timedelta) -> int:
    since = utcnow() - window
    return db.session.scalar(select(func.count()).select_from(Attempt).where(
        Attempt.scope == scope, Attempt.key == key, Attempt.ok.is_(False), Attempt.at >= since)) or 0


def note(scope: str, key: str, ok: bool) -> None:
    db.session.add(Attempt(scope=scope, key=key[:128], ok=ok))


def prune(older_than: timedelta = timedelta(days=2)) -> int:
    return db.session.execute(delete(Attempt).where(Attempt.at < utcnow() - older_than)).rowcount
