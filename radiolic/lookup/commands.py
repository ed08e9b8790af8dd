"""`flask --app radiolic` commands of this blueprint (registered by radiolic.cli)."""
from datetime import timedelta

import click
from flask.cli import AppGroup

from .. import throttle
from ..extensions import db

lookup_cli = AppGroup("lookup", help="The public status lookup.")


@lookup_cli.command("prune")
@click.option("--days", default=2, show_default=True, help="keep attempts this many days")
def prune_command(days):
    """Delete old lookup and login attempts (the limits only look back one hour)."""
    n = throttle.prune(timedelta(days=days))
    db.session.commit()
    click.echo(f"已删除 {n} 条尝试记录。")


commands: list = [lookup_cli]
