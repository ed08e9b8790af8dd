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
    """Send queued messages (outside any business transaction); return how many were sent."""
    sender = sender or LoggingSender()
    sent = 0
    for message in db.session.scalars(select(OutboxMessage).where(OutboxMessage.sent_at.is_(None))
                                      .order_by(OutboxMessage.id).limit(limit)):
        sender.send(message)
        message.sent_at = utcnow()
        db.session.commit()
        sent += 1
    return sent
