"""`flask --app radiolic …` commands; they call the same verbs as the pages and commit once."""
import secrets
from importlib import import_module
import sys
from datetime import date
from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup
from flask_migrate import upgrade
from sqlalchemy import select

from .auth import accounts, passwords
from .catalogue import load_catalogue
from .extensions import db
from .models import ROLES, Event, User
from .workflow import verify_chain

user_cli = AppGroup("user", help="Staff accounts.")
audit_cli = AppGroup("audit", help="The hash-chained audit trail.")


@click.command("init")
def init_command():
    """Create or upgrade the database and load the service catalogue."""
    upgrade()
    added = load_catalogue()
    db.session.commit()
    click.echo(f"数据库已就绪；服务目录新增 {added} 项。")


@user_cli.command("create")
@click.argument("name")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--display-name", default=None, help="姓名 (defaults to NAME)")
@click.option("--window", default=None, help="counter number for clerks")
@click.option("--password-stdin", is_flag=True, help="read the password from standard input")
def create_user(name, role, display_name, window, password_stdin):
    """Create a staff account."""
    if db.session.scalar(select(User).where(User.username == name)):
        raise click.ClickException(f"用户 {name} 已存在")
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("密码", hide_input=True, confirmation_prompt=True)
    if len(password) < 10:
        raise click.ClickException("密码至少 10 位")
    accounts.create(name, role=role, display_name=display_name or name, password=password, window_no=window, by=None,
                    on=date.today(), note=f"{name}（{role}），命令行创建")
    db.session.commit()
    click.echo(f"已创建 {name}（{role}）")


@user_cli.command("token")
@click.argument("name")
def user_token(name):
    """Print a new API token for NAME (the previous one stops working)."""
    user = db.session.scalar(select(User).where(User.username == name))
    if user is None or not user.active:
        raise click.ClickException(f"没有启用的用户 {name}")
    token = passwords.new_token(user)
    db.session.commit()
    click.echo(token)


@user_cli.command("list")
def list_users():
    for u in db.session.scalars(select(User).order_by(User.username)):
        click.echo(f"{u.username}\t{u.role}\t{'active' if u.active else 'disabled'}\t{u.display_name}")


@audit_cli.command("verify")
def audit_verify():
    """Walk the event chain and name the first broken row."""
    checked, broken = verify_chain()
    if broken is not None:
        raise click.ClickException(f"审计链在事件 #{broken} 处断裂（之前 {checked} 条完好）")
    click.echo(f"审计链完好：{checked} 条事件")


@audit_cli.command("head")
def audit_head():
    """Print the id and hash of the newest event (keep it elsewhere to detect truncation)."""
    last = db.session.scalars(select(Event).order_by(Event.id.desc()).limit(1)).first()
    click.echo(f"{last.id}\t{last.hash}" if last else "0\t" + "0" * 64)


@click.command("backup")
@click.argument("target")
def backup_command(target):
    """Copy the SQLite database consistently (VACUUM INTO), never by copying the file."""
    if db.engine.dialect.name != "sqlite":
        raise click.ClickException("PostgreSQL: use pg_dump")
    raw = db.engine.raw_connection()
    try:
        raw.driver_connection.execute("VACUUM INTO ?", (target,))
    finally:
        raw.close()
    click.echo(f"已备份到 {target}")


DEMO_ACCOUNTS = [("clerk", "clerk", "陈窗口", "1"), ("clerk2", "clerk", "李窗口", "2"),
                 ("reviewer", "reviewer", "张审核", None), ("reviewer2", "reviewer", "黄审核", None),
                 ("supervisor", "supervisor", "刘主管", None), ("admin", "admin", "系统管理员", None)]


@click.command("demo-accounts")
def demo_accounts_command():
    """Create the demo staff accounts once and print their logins (kept in instance/demo-logins.txt)."""
    from flask import current_app
    path = Path(current_app.instance_path) / "demo-logins.txt"
    lines = path.read_text("utf-8").splitlines() if path.exists() else []
    known = {line.split()[0] for line in lines}
    for username, role, name, window in DEMO_ACCOUNTS:
        if username in known or db.session.scalar(select(User).where(User.username == username)):
            continue
        password = secrets.token_urlsafe(9)
        accounts.create(username, role=role, display_name=name, password=password, window_no=window, by=None,
                        on=date.today(), note=f"{username}（{role}），演示账号")
        lines.append(f"{username}\t{password}\t{role}\t{name}")
    db.session.commit()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", "utf-8")
    path.chmod(0o600)
    click.echo("演示账号 (demo logins) — username, password, role:")
    for line in lines:
        click.echo("  " + line)


STAGE_COMMANDS = ["intake", "deferrals", "review", "issuance", "lookup", "ratings", "supervisor", "admin"]


def register(app: Flask) -> None:
    for command in (init_command, user_cli, audit_cli, backup_command, demo_accounts_command):
        app.cli.add_command(command)
    for stage in STAGE_COMMANDS:
        for command in import_module(f"radiolic.{stage}.commands").commands:
            app.cli.add_command(command)
