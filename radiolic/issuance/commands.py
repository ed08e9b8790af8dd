"""`flask --app radiolic` commands of this blueprint (registered by radiolic.cli)."""
import click
from flask.cli import AppGroup

from ..extensions import db
from ..web import today
from ..workflow import issuance

licences_cli = AppGroup("licences", help="Issued permits and licences.")


@licences_cli.command("check")
def check_command():
    """Daily: mark expired licences and queue renewal reminders 30 working days before expiry (run from cron)."""
    on = today()
    expired = issuance.expire_licences(on)
    reminders = issuance.queue_renewal_reminders(on)
    db.session.commit()
    click.echo(f"{on.isoformat()}：{expired} 份证照到期失效；排队续期提醒 {reminders} 条。")


commands: list = [licences_cli]
