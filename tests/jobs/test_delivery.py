"""Reminders and outbox delivery are huey periodic tasks: the daily runs queue the reminders, `outbox.deliver`
(every five minutes) hands them to the sender; a message the sender refuses is retried, never blocks the rest."""
from datetime import date, datetime

from sqlalchemy import select

from radiolic import outbox
from radiolic.extensions import db
from radiolic.jobs import tasks
from radiolic.jobs.queue import huey
from radiolic.models import OutboxMessage


def _periodic(name: str):
    return next(task for task in huey._registry._periodic_tasks if task.__name__ == name)


def test_reminders_and_delivery_are_scheduled_without_cron():
    deliver = _periodic("outbox.deliver")
    assert all(deliver().validate_datetime(datetime(2024, 10, 9, 3, m)) for m in (0, 5, 55))
    assert not deliver().validate_datetime(datetime(2024, 10, 9, 3, 7))
    # deferral reminders, renewal reminders and rating invitations are queued by the daily runs
    for name in ("daily.deferrals_check", "daily.licences_check", "daily.ratings_invite"):
        task = _periodic(name)
        assert sum(task().validate_datetime(datetime(2024, 10, 9, h, m)) for h in range(24) for m in range(60)) == 1


def test_a_daily_run_queues_the_reminder_and_the_delivery_task_sends_it(app, make_case):
    make_case("ST-NEW", "accepted", deferred=["site_proof"])     # due 2024-10-11
    app.config["FIXED_TODAY"] = date(2024, 10, 9)
    with app.app_context():
        tasks.deferrals_check.task.call_local()
        queued = db.session.scalars(select(OutboxMessage)).all()
        assert [(m.kind, m.sent_at) for m in queued] == [("deferral_reminder", None)]
        db.session.rollback()
        tasks.deliver_outbox.call_local()
        assert db.session.scalar(select(OutboxMessage.sent_at)) is not None


class Refusing:
    """A gateway that refuses one recipient (e.g. a number it cannot reach) and takes the rest."""

    def __init__(self, refuse: str):
        self.refuse, self.sent = refuse, []

    def send(self, message):
        if message.recipient == self.refuse:
            raise OSError("gateway refused")
        self.sent.append(message.recipient)


def test_a_refused_message_does_not_hold_back_the_others_and_is_retried(ctx):
    for i, phone in enumerate(("13800000001", "13800000002", "13800000003")):
        outbox.queue(kind="deferral_reminder", recipient=phone, body="提醒", dedupe_key=f"t-{i}")
    db.session.commit()
    gateway = Refusing("13800000002")
    assert outbox.deliver(gateway) == 2 and gateway.sent == ["13800000001", "13800000003"]
    unsent = db.session.scalars(select(OutboxMessage.recipient).where(OutboxMessage.sent_at.is_(None))).all()
    assert unsent == ["13800000002"]
    gateway.refuse = ""
    assert outbox.deliver(gateway) == 1 and gateway.sent[-1] == "13800000002"
    assert outbox.deliver(gateway) == 0
