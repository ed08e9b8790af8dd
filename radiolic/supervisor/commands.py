"""`flask --app radiolic demo` (the demo year) and `stats rebuild` (the daily summaries); registered by radiolic.cli."""
import time

import click
from flask.cli import AppGroup, with_appcontext

from ..extensions import db
from ..office_date import today
from ..workflow import WorkflowError


@click.command("demo")
@click.option("--year", type=int, default=2024, show_default=True, help="the demo year (2024 reproduces the report)")
@click.option("--force", is_flag=True, help="load even though the database already holds cases")
@click.option("--if-empty", is_flag=True, help="do nothing (exit 0) when the database already holds cases")
@with_appcontext
def demo_command(year, force, if_empty):
    """Build a realistic year through the workflow verbs, plus a few open cases before today."""
    from .. import demo
    started = time.perf_counter()
    try:
        summary = demo.build(year, today(), force=force)
    except demo.DemoRefused as refused:
        db.session.rollback()
        if if_empty:
            click.echo(f"跳过演示数据：{refused}")
            return
        raise click.ClickException(str(refused)) from None
    except WorkflowError as err:
        db.session.rollback()
        raise click.ClickException(f"演示数据未加载：{err.message}") from None
    db.session.commit()
    click.echo(f"已加载 {year} 年演示数据：办结 {summary['cases']} 件，另有在办 {summary['open']} 件"
               f"（{time.perf_counter() - started:.1f} 秒）。")
    for username, password in summary["created_users"]:
        click.echo(f"  新建演示账号 {username}\t{password}")


stats_cli = AppGroup("stats", help="The daily summary tables the indicators read.")


@stats_cli.command("rebuild")
@click.option("--from", "start", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="first day YYYY-MM-DD (default: the first day of the register)")
@click.option("--to", "end", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="last day YYYY-MM-DD (default: the last day of the register)")
def stats_rebuild(start, end):
    """Recompute the daily summaries of [--from, --to] from the records, in one transaction."""
    from .. import summaries
    start, end = (d.date() if d else None for d in (start, end))
    if start and end and start > end:
        raise click.BadParameter("起始日期不能晚于截止日期。", param_hint="--from")
    started = time.perf_counter()
    days = summaries.rebuild(db.session, start, end)
    db.session.commit()
    click.echo(f"已重算每日统计：{days} 天（{time.perf_counter() - started:.1f} 秒）。")


commands: list = [demo_command, stats_cli]
