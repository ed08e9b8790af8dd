"""`flask --app radiolic deferrals check`: the daily cron job of deferred-document acceptance."""

import click
from flask.cli import AppGroup

from .. import outbox
from ..office_date import date_option
from ..extensions import db
from ..office_date import today
from .reminders import check

deferrals_cli = AppGroup("deferrals", help="Deferred-document acceptance (容缺受理).")


@deferrals_cli.command("check")
@date_option
@click.option("--send", is_flag=True, help="also hand queued messages to the sender after the commit")
def check_command(on, send):
    """Mark overdue deferred materials and queue reminders (run daily from cron)."""
    day = on or today()
    flagged, queued = check(day)
    db.session.commit()
    click.echo(f"{day.isoformat()}：新标记逾期 {flagged} 项，排队提醒 {queued} 条。")
    if send:
        click.echo(f"已发送 {outbox.deliver()} 条。")


commands: list = [deferrals_cli]
