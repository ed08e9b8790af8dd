"""`flask --app radiolic` commands of this blueprint (registered by radiolic.cli)."""
import click
from flask.cli import AppGroup

from ..extensions import db
from ..office_date import date_option, today

ratings_cli = AppGroup("ratings", help="好差评: rating invitations.")


@ratings_cli.command("invite")
@date_option
def invite_command(on):
    """Queue rating invitations for completed cases that have none yet (run daily)."""
    from ..workflow.ratings import invite_missing
    n = invite_missing(on or today())
    db.session.commit()
    click.echo(f"已排队 {n} 条评价邀请。")


commands: list = [ratings_cli]
