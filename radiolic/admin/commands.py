"""`flask --app radiolic calendar status|restate`: provisional years (for cron mail) and restatement."""
import click
from flask.cli import AppGroup

from ..office_date import date_option
from ..extensions import db
from ..office_date import today
from ..workflow import calendar as calendar_verbs

calendar_cli = AppGroup("calendar", help="Working-day calendar: provisional years and restatement.")


@calendar_cli.command("status")
@date_option
@click.option("--quiet", is_flag=True, help="print only a warning (for cron mail)")
def status_command(on, quiet):
    """Say whether this year and next are provisional and how many open deadlines depend on them."""
    state = calendar_verbs.status(on or today())
    if quiet and not (state.warn or state.stale):
        return
    click.echo(("【提醒】" if state.warn else "") + state.message())
    if state.stale:
        click.echo(f"{state.stale} 件在办案件的暂定期限所在年份已有正式安排，"
                   "请运行 flask --app radiolic calendar restate 重算。")


@calendar_cli.command("restate")
@date_option
def restate_command(on):
    """Restate open cases whose provisional dates now fall in a year with a published calendar."""
    day = on or today()
    seen, moved = calendar_verbs.restate_after_upgrade(day)
    db.session.commit()
    click.echo(f"{day.isoformat()}：{seen} 件案件的暂定期限已按正式放假安排重算，{moved} 件的届满日有变化（已记入办理过程）。")


commands: list = [calendar_cli]
