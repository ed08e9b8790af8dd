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


register_cli = AppGroup("register", help="The public register's open-data files.")


@register_cli.command("publish")
def publish_command():
    """Daily (and after issuance): write the public register CSV and XLSX served at /register.csv and .xlsx."""
    from .. import open_data
    meta = open_data.publish(today())
    click.echo(f"已生成开放数据文件：{meta['rows']} 行，截至 {meta['as_of']}（{open_data.folder()}）。")


commands: list = [licences_cli, register_cli]
