"""Messages to applicants (SMS, e-mail) queued in the outbox and handed to a sender after the commit."""
import logging
from typing import Protocol

from sqlalchemy import select

from .extensions import db
from .models import Application, OutboxMessage
from .models.base import utcnow

log = logging.getLogger("radiolic.outbox")


def queue(*, kind: str, recipient: str, body: str, dedupe_key: str, channel: str = "sms", subject: str = "",
          application: Application | None = None) -> OutboxMessage | None:
    """Queue one message in the caller's transaction; a message with the same dedupe_key is queued once."""
    if not recipient:
        return None
    exists = db.session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key))
    if exists:
        return None
    message = OutboxMessage(kind=kind, channel=channel, recipient=recipient, subject=subject, body=body,
                            dedupe_key=dedupe_key, application_id=application.id if application else None)
    db.session.add(message)
    return message


class Sender(Protocol):
    def send(self, message: OutboxMessage) -> None: ...


class LoggingSender:
    """The default sender: writes each message to the log (an office plugs its SMS gateway in here)."""

    def send(self, message: OutboxMessage) -> None:
        log.info("%s to %s: %s", message.channel, message.recipient, message.body)


def deliver(sender: Sender | None = None, limit: int = 500) -> int:
    """Send queued messages (outside any business transaction), each marked sent in its own short commit; return
    how many were sent. A message the sender refuses is logged and left queued for the next run (every 5 minutes,
    `jobs.tasks.deliver_outbox`); it never stops the messages behind it."""
    sender = sender or LoggingSender()
    sent = 0
    ids = db.session.scalars(select(OutboxMessage.id).where(OutboxMessage.sent_at.is_(None))
                             .order_by(OutboxMessage.id).limit(limit)).all()
    db.session.rollback()
    for message_id in ids:
        message = db.session.get(OutboxMessage, message_id)
        if message is None or message.sent_at is not None:     # another worker sent it meanwhile
            db.session.rollback()
            continue
        try:
            sender.send(message)
        except Exception:  # noqa: BLE001 - one refused message must not hold back the others
            db.session.rollback()
            log.exception("outbox message %s (%s to %s) not sent; retried on the next run",
                          message_id, message.kind, message.recipient)
            continue
        message.sent_at = utcnow()
        db.session.commit()
        sent += 1
    return sent
