"""One throttle for logins, status lookups and tablet pairing; attempts live in the database, so the
limits hold across gunicorn workers and hosts.

Failures slow attackers down without locking owners out:

- per (account or case, address): after THROTTLE_PAIR_FREE_FAILURES failures in the window, that
  address waits a growing delay before its next try;
- per account or case, all addresses together: after THROTTLE_KEY_FREE_FAILURES, a growing delay —
  except from an address this account or case has succeeded from before (its owner's own address),
  so strangers elsewhere cannot keep the owner out;
- per address, all accounts or cases of one kind (spraying): after THROTTLE_ADDRESS_FREE_FAILURES.

The delay doubles with each further failure, from THROTTLE_FIRST_DELAY_SECONDS up to
THROTTLE_MAX_DELAY_SECONDS, counted from the latest failure: never an hour-long wall. A supervisor
sees the accounts and cases being slowed down and can clear them (`locks`, `clear`).

`charge` is the one short write of a try: it counts the failures (an index covers the count), and
records the try as a failure before any hashing, so parallel guesses see it at once; the caller hashes
outside any transaction and calls `succeeded` only when the secret matched.
"""
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, delete, func, select, update

from .database import serialise
from .extensions import db
from .models import Attempt
from .models.base import utcnow
from .vocabulary import ThrottleScope

SCOPES = ThrottleScope.values()
# pg advisory lock keys serialising the count-then-charge of each kind of try
LOCK_KEYS = {"login": 7260011, "lookup": 7260010, "pair": 7260012}


class Throttled(Exception):
    """Refused before the secret is checked; `wait` is how many seconds to wait."""

    def __init__(self, wait: int):
        super().__init__(wait)
        self.wait = wait


def _setting(name: str) -> int:
    return int(current_app.config[name])


def _delay(failures: int, free: int) -> int:
    if failures < free:
        return 0
    first, cap = _setting("THROTTLE_FIRST_DELAY_SECONDS"), _setting("THROTTLE_MAX_DELAY_SECONDS")
    return min(cap, first * 2 ** min(failures - free, 30))


def _remaining(where, free: int, since: datetime, now: datetime) -> int:
    count, last = db.session.execute(
        select(func.count(), func.max(Attempt.at)).where(*where, Attempt.ok.is_(False), Attempt.at >= since)).one()
    delay = _delay(count or 0, free)
    if not delay or last is None:
        return 0
    left = (last + timedelta(seconds=delay) - now).total_seconds()
    return max(0, int(left + 0.999))


def trusted(scope: str, key: str, address: str) -> bool:
    """Has this account or case succeeded from this address before (within THROTTLE_TRUST_DAYS)?"""
    since = utcnow() - timedelta(days=_setting("THROTTLE_TRUST_DAYS"))
    return db.session.scalar(select(Attempt.id).where(
        Attempt.scope == scope, Attempt.key == key, Attempt.ok.is_(True), Attempt.address == address,
        Attempt.at >= since).limit(1)) is not None


def wait_seconds(scope: str, key: str, address: str, now: datetime | None = None) -> int:
    """How long this address must wait before it may try `key` again (0: go ahead)."""
    now = now or utcnow()
    since = now - timedelta(minutes=_setting("THROTTLE_WINDOW_MINUTES"))
    key, address = key[:128], address[:64]
    waits = [_remaining((Attempt.scope == scope, Attempt.key == key, Attempt.address == address),
                        _setting("THROTTLE_PAIR_FREE_FAILURES"), since, now)]
    if not trusted(scope, key, address):
        waits.append(_remaining((Attempt.scope == scope, Attempt.key == key),
                                _setting("THROTTLE_KEY_FREE_FAILURES"), since, now))
        waits.append(_remaining((Attempt.scope == scope, Attempt.address == address),
                                _setting("THROTTLE_ADDRESS_FREE_FAILURES"), since, now))
    return max(waits)


def charge(scope: str, key: str, address: str) -> int:
    """The one short write of a try: refuse it (Throttled) or record it as a failure; commits; returns its id."""
    serialise(LOCK_KEYS[scope])
    wait = wait_seconds(scope, key, address)
    if wait:
        db.session.rollback()
        raise Throttled(wait)
    attempt = Attempt(scope=scope, key=key[:128], address=address[:64], ok=False)
    db.session.add(attempt)
    db.session.flush()
    attempt_id = attempt.id       # read before the commit expires it (reading it after would reload it under the lock)
    db.session.commit()
    return attempt_id


def succeeded(attempt_id: int) -> None:
    """The secret matched: the charged try counts as a success (the caller commits)."""
    db.session.execute(update(Attempt).where(Attempt.id == attempt_id).values(ok=True))


def note(scope: str, key: str, ok: bool, address: str = "") -> None:
    db.session.add(Attempt(scope=scope, key=key[:128], address=address[:64], ok=ok))


def failures(scope: str, key: str, window: timedelta) -> int:
    since = utcnow() - window
    return db.session.scalar(select(func.count()).select_from(Attempt).where(
        Attempt.scope == scope, Attempt.key == key, Attempt.ok.is_(False), Attempt.at >= since)) or 0


@dataclass
class Lock:
    scope: str
    key: str
    failures: int
    addresses: int
    last: datetime
    wait: int          # seconds a new address still waits for this account or case


def locks(now: datetime | None = None) -> list[Lock]:
    """Accounts and cases with failures in the window at or above the free allowance, most failures first."""
    now = now or utcnow()
    since = now - timedelta(minutes=_setting("THROTTLE_WINDOW_MINUTES"))
    free = _setting("THROTTLE_KEY_FREE_FAILURES")
    rows = db.session.execute(
        select(Attempt.scope, Attempt.key, func.count(), func.count(Attempt.address.distinct()), func.max(Attempt.at))
        .where(Attempt.ok.is_(False), Attempt.at >= since, Attempt.scope.in_(SCOPES))
        .group_by(Attempt.scope, Attempt.key).having(func.count() >= free)
        .order_by(func.count().desc(), Attempt.scope, Attempt.key).limit(500)).all()
    out = []
    for scope, key, count, addresses, last in rows:
        left = max(0, int((last + timedelta(seconds=_delay(count, free)) - now).total_seconds() + 0.999))
        out.append(Lock(scope, key, count, addresses, last, left))
    return out


def clear(scope: str, key: str) -> int:
    """Forget the failures of one account or case (a supervisor's decision; the caller commits)."""
    return db.session.execute(delete(Attempt).where(
        Attempt.scope == scope, Attempt.key == key[:128], Attempt.ok.is_(False))).rowcount


def prune(older_than: timedelta = timedelta(days=2)) -> int:
    """Drop old failures; successes are kept for THROTTLE_TRUST_DAYS (they mark the owners' addresses)."""
    now = utcnow()
    trust = timedelta(days=_setting("THROTTLE_TRUST_DAYS"))
    return db.session.execute(delete(Attempt).where(
        (and_(Attempt.ok.is_(False), Attempt.at < now - older_than)) | (Attempt.at < now - max(trust, older_than))
    )).rowcount


def wait_text(seconds: int) -> str:
    """"3 分钟" / "40 秒" for the messages."""
    return f"{(seconds + 59) // 60} 分钟" if seconds >= 60 else f"{seconds} 秒"
