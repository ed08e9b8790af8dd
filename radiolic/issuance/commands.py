"""`flask --app radiolic` commands of this blueprint (registered by radiolic.cli)."""
import click
from flask.cli import AppGroup

from ..extensions import db
from ..office_date import date_option, today
from ..workflow import issuance

licences_cli = AppGroup("licences", help="Issued permits and licences.")


@licences_cli.command("check")
@date_option
def check_command(on):
    """Daily: mark expired licences and queue renewal reminders 30 working days before expiry (run from cron)."""
    on = on or today()
    expired = issuance.expire_licences(on)
    reminders = issuance.queue_renewal_reminders(on)
    db.session.commit()
    click.echo(f"{on.isoformat()}：{expired} 份证照到期失效；排队续期提醒 {reminders} 条。")


@licences_cli.command("archive")
@click.option("--case", "case_number", default=None, help="only this case's licences")
@click.option("--processes", type=int, default=None, help="worker processes (default: all cores)")
@date_option
def archive_command(case_number, processes, on):
    """Render, seal and archive every issued licence not archived yet (what a background job runs)."""
    import os
    from sqlalchemy import select
    from .. import instruments
    from ..models import Application, Licence
    conditions = []
    if case_number:
        case = db.session.scalar(select(Application).where(Application.number == case_number))
        if case is None:
            raise click.ClickException(f"没有案件 {case_number}")
        conditions.append(Licence.application_id == case.id)
    with click.progressbar(length=1, label="归档证照") as bar:
        def progress(done, total):
            bar.length = total
            bar.update(done - bar.pos)
        run = instruments.archive_licences(*conditions, on=on or today(), progress=progress,
                                           processes=processes or os.cpu_count() or 1)
    click.echo(f"已归档 {run.done} 份证照。")


register_cli = AppGroup("register", help="The public register's open-data files.")


@register_cli.command("publish")
@date_option
def publish_command(on):
    """Daily (and after issuance): write the public register CSV and XLSX served at /register.csv and .xlsx."""
    from .. import open_data
    meta = open_data.publish(on or today())
    click.echo(f"已生成开放数据文件：{meta['rows']} 行，截至 {meta['as_of']}（{open_data.folder()}）。")


commands: list = [licences_cli, register_cli]
