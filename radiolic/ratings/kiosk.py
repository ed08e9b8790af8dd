"""The window evaluator: counter tablets paired to a window, and the case last served there.

Why a device token and not the clerk's login: ratings are the applicant's, never the clerk's. The
tablet holds a random token that a supervisor or admin issues through a one-time pairing code; it
carries no staff rights, and a staff login carries no rating rights (every rating POST refuses a
request with a staff session, and POST /api/v1/ratings refuses staff API tokens). The clerk's own
browser therefore cannot rate, and the tablet cannot do anything but show the served case and rate it.
"""
import hashlib
import secrets
from datetime import date, timedelta

from sqlalchemy import select

from ..extensions import db
from ..models import Application, Event, Rating, RatingDevice, User
from ..models.base import utcnow
from ..texts import N_, Msg
from ..workflow import WorkflowError, record
from ..workflow import ratings as rating_verbs
from ..workflow.intake import QUERY_ALPHABET

COOKIE = "radiolic_window"
PAIR_CODE_LENGTH = 10
PAIR_VALID = timedelta(hours=1)
TOKEN_PREFIX = "rd_"


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _pair_code_normal(raw: str) -> str:
    return "".join(c for c in (raw or "").upper() if c.isalnum())


def issue(*, window_no: str, label: str, by: User, on: date) -> tuple[RatingDevice, str]:
    """A new device waiting for pairing; returns it and its one-time pairing code (shown once)."""
    window_no = (window_no or "").strip()
    if not window_no:
        raise WorkflowError(N_("请填写窗口号。"), field="window_no")
    code = "".join(secrets.choice(QUERY_ALPHABET) for _ in range(PAIR_CODE_LENGTH))
    device = RatingDevice(window_no=window_no, label=(label or "").strip() or f"{window_no} 号窗口评价器",
                          pair_hash=digest(code), pair_expires_at=utcnow() + PAIR_VALID, issued_by_id=by.id)
    db.session.add(device)
    db.session.flush()
    record(None, "rating_device_issue", by=by, on=on, obj=device, note=Msg(N_("%(device)s（%(window)s 号窗口）"), device=device.label,
                                                                                  window=window_no))
    return device, f"{code[:5]}-{code[5:]}"


def pair(code: str, *, on: date) -> tuple[RatingDevice, str]:
    """Exchange a valid pairing code for the tablet's long-lived token (the code then stops working)."""
    device = db.session.scalar(select(RatingDevice).where(RatingDevice.pair_hash == digest(_pair_code_normal(code))))
    if device is None or device.revoked_at is not None or device.pair_expires_at < utcnow():
        raise WorkflowError(N_("配对码无效或已过期，请联系主管重新生成。"), field="code", code="invalid")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    device.token_hash, device.pair_hash, device.paired_at = digest(token), None, utcnow()
    record(None, "rating_device_pair", by=None, on=on, obj=device, note=Msg(N_("%(device)s 已配对"), device=device.label))
    return device, token


def revoke(device: RatingDevice, *, by: User, on: date) -> RatingDevice:
    if device.revoked_at is not None:
        raise WorkflowError(N_("该设备已停用。"), code="conflict")
    device.revoked_at, device.token_hash, device.pair_hash = utcnow(), None, None
    record(None, "rating_device_revoke", by=by, on=on, obj=device, note=device.label)
    return device


def device_for(token: str | None) -> RatingDevice | None:
    if not token or not token.startswith(TOKEN_PREFIX):
        return None
    return db.session.scalar(select(RatingDevice).where(RatingDevice.token_hash == digest(token),
                                                        RatingDevice.revoked_at.is_(None)))


def _served_events(window_no: str, on: date):
    # Service steps only: a clerk's work on a 差评 work order is not serving an applicant.
    return (select(Event, User).join(User, Event.actor_id == User.id)
            .where(User.window_no == window_no, User.role == "clerk", Event.application_id.is_not(None),
                   Event.on == on, Event.action.not_like("work_order%"), Event.action != "rate")
            .order_by(Event.id.desc()))


def served(window_no: str, on: date) -> tuple[Application, User] | None:
    """The case the clerk at this window served last today, and that clerk."""
    row = db.session.execute(_served_events(window_no, on).limit(1)).first()
    if row is None:
        return None
    event, clerk = row
    return db.session.get(Application, event.application_id), clerk


def clerk_who_served(case: Application, window_no: str, on: date) -> User | None:
    """The window's clerk who served `case` today (latest), or None if it was not served here today."""
    row = db.session.execute(_served_events(window_no, on).where(Event.application_id == case.id).limit(1)).first()
    return row[1] if row else None


def rate(device: RatingDevice, case: Application | None, *, level: int, tags=(), comment: str = "",
         on: date) -> Rating:
    """Rate on this window's tablet: only a case its clerk served today, and the rating names that clerk."""
    clerk = clerk_who_served(case, device.window_no, on) if case is not None else None
    if clerk is None:
        raise WorkflowError(N_("该案件今天未在本窗口办理，不能在此评价。"), field="application", code="conflict")
    return rating_verbs.rate(case, channel="window", level=level, tags=tags, comment=comment, on=on,
                             window_user=clerk)
