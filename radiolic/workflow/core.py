"""The event log (timeline and audit trail) and the guarded state change every verb uses."""
import hashlib
import json
from datetime import date

from sqlalchemy import select

from ..database import AUDIT_LOCK_KEY, serialise
from ..extensions import db
from ..models import Application, Event, User
from ..models.base import utcnow
from ..texts import N_, Msg, Name, to_json
from .states import ACTION_NAMES, STATE_NAMES, TRANSITIONS, can

GENESIS = "0" * 64


class WorkflowError(Exception):
    """A rule refused the step; the message tells the clerk what to do.

    `message` is a Chinese template marked with N_ (so it is in the catalogue); `params` fill its %(name)s
    placeholders. `message` (the attribute) is the Chinese text, as logs and the JSON API show it;
    `translated()` gives it in the page's language, with parameters that are names (radiolic.texts.Name,
    Names, Msg) in that language too.
    """

    def __init__(self, message: str, field: str | None = None, code: str = "refused", params: dict | None = None):
        self.text = Msg(message, **dict(params or {}))
        self.template, self.params = self.text.template, self.text.params
        self.message = str(self.text)
        super().__init__(self.message)
        self.field = field
        self.code = code

    def translated(self) -> str:
        return self.text.localised()


def actor_fields(by: User | None, name: str | None = None) -> dict:
    if by is None:
        return {"actor_id": None, "actor": name or "系统", "role": "applicant" if name == "申请人" else "system"}
    return {"actor_id": by.id, "actor": by.display_name, "role": by.role}


def event_digest(prev_hash: str, e: Event) -> str:
    body = json.dumps([e.application_id, e.at.isoformat(), e.on.isoformat(), e.actor_id, e.actor, e.role,
                       e.action, e.from_state, e.to_state, e.note, e.object_type, e.object_id],
                      ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256((prev_hash + body).encode()).hexdigest()


def named(value) -> Msg:
    """A note that is only a name or a list of names (a channel, the materials handed in), as a Msg."""
    return Msg(N_("%(name)s"), name=value)


def ensure_can(case: Application, verb: str) -> None:
    """Refuse (before anything changes) when the state graph does not allow `verb` from the case's state."""
    if not can(case.state, verb):
        raise WorkflowError(N_("当前状态为“%(state)s”，不能执行“%(action)s”。"), code="conflict",
                            params={"state": Name(STATE_NAMES[case.state]), "action": Name(ACTION_NAMES.get(verb, verb))})


def record(case: Application | None, action: str, *, by: User | None, on: date, note: str = "",
           from_state: str | None = None, to_state: str | None = None, actor_name: str | None = None,
           obj=None) -> Event:
    """Append one chained event in the caller's transaction.

    A `note` the system writes is a Msg (`Msg(N_("…%(n)s…"), n=…)`): the Chinese text is stored and hashed as
    the record, its template and parameters are kept beside it (not hashed) for pages in another language. A
    plain string (what a person typed) is stored as it is.
    """
    serialise(AUDIT_LOCK_KEY)
    key, args = (note.template, {k: to_json(v) for k, v in note.params.items()}) if isinstance(note, Msg) else (None, None)
    if case is not None and case.id is None:
        db.session.flush()
    prev = db.session.scalar(select(Event.hash).order_by(Event.id.desc()).limit(1)) or GENESIS
    event = Event(application_id=case.id if case is not None else None, at=utcnow(), on=on, action=action,
                  from_state=from_state, to_state=to_state, note=str(note or ""), note_key=key, note_args=args,
                  object_type=type(obj).__name__ if obj is not None else None,
                  object_id=getattr(obj, "id", None), prev_hash=prev, **actor_fields(by, actor_name))
    event.hash = event_digest(prev, event)
    db.session.add(event)
    db.session.flush()
    if event.application_id is not None:
        # instruments.archive_due archives the case's new instruments once this transaction commits
        db.session.info.setdefault("radiolic.touched_cases", set()).add(event.application_id)
    return event


def transition(case: Application, verb: str, *, by: User | None, on: date, note: str = "",
               action: str | None = None, actor_name: str | None = None, changes: dict | None = None) -> Event:
    """Move `case` along `verb` if the graph allows it, recording exactly one event.

    `changes` are attributes set together with the state (after the check, before the event's flush),
    so the database constraints that tie dates to states hold at every flush.
    """
    ensure_can(case, verb)
    target = TRANSITIONS[verb][1]
    before = case.state
    for name, value in (changes or {}).items():
        setattr(case, name, value)
    case.state = target
    return record(case, action or verb, by=by, on=on, note=note, from_state=before, to_state=target,
                  actor_name=actor_name)


def in_place(case: Application, verb: str, *, by: User | None, on: date, note: str = "",
             actor_name: str | None = None, obj=None) -> Event:
    """Record a step that keeps the state, if the state allows it."""
    ensure_can(case, verb)
    return record(case, verb, by=by, on=on, note=note, from_state=case.state, to_state=case.state,
                  actor_name=actor_name, obj=obj)


def verify_chain(batch: int = 5000) -> tuple[int, int | None]:
    """Walk the chain; return (events checked, id of the first broken event or None)."""
    prev, checked, last_id = GENESIS, 0, 0
    while True:
        rows = db.session.scalars(select(Event).where(Event.id > last_id).order_by(Event.id).limit(batch)).all()
        if not rows:
            return checked, None
        for e in rows:
            if e.prev_hash != prev or event_digest(prev, e) != e.hash:
                return checked, e.id
            prev, last_id, checked = e.hash, e.id, checked + 1
