"""`flask --app radiolic …` commands; they call the same verbs as the pages and commit once."""
import secrets
from importlib import import_module
import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from flask_migrate import upgrade
from sqlalchemy import select

from .auth import passwords
from .workflow import accounts
from .catalogue import load_catalogue
from .extensions import db
from .inputs import text_problem
from .models import ROLES, Event, User
from .office_date import date_option, today
from .texts import N_, Msg
from .workflow import WorkflowError

user_cli = AppGroup("user", help="Staff accounts.")
audit_cli = AppGroup("audit", help="The hash-chained audit trail.")


@click.command("init")
def init_command():
    """Create or upgrade the database and load the service catalogue."""
    upgrade()
    added = load_catalogue()
    db.session.commit()
    click.echo(f"数据库已就绪；服务目录新增 {added} 项。")
    from . import summaries
    if summaries.missing(db.session):
        days = summaries.rebuild(db.session)
        db.session.commit()
        click.echo(f"已生成每日统计：{days} 天。")
    from flask import current_app
    from . import seal_service
    if seal_service.create_demo_seal(current_app.config["OFFICE_NAME"]):
        click.echo(f"未配置印章证书：已创建演示 CA 和演示印章证书 {seal_service.pkcs12_path()}（文书将标注“演示印章”）。")


@click.command("verify-pdf")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@with_appcontext
def verify_pdf_command(file):
    """Check a PDF offline: PAdES signature and chain to the configured CA, archived hash, live status."""
    import logging
    from sqlalchemy.exc import SQLAlchemyError
    from . import instruments
    logging.getLogger("pyhanko").setLevel(logging.CRITICAL)   # the findings are printed below, not as tracebacks
    logging.getLogger("pyhanko_certvalidator").setLevel(logging.CRITICAL)
    data = Path(file).read_bytes()
    try:
        db.session.execute(select(1))
        with_db = True
    except SQLAlchemyError:
        db.session.rollback()
        with_db = False
    try:
        report = instruments.check_pdf(data, on=today(), with_db=with_db)
    except SQLAlchemyError:
        db.session.rollback()
        report = instruments.check_pdf(data, on=today(), with_db=False)
    click.echo(f"SHA-256: {report.sha256}")
    for sig in report.signatures:
        click.echo(f"签名 {sig.field}：{sig.signer}；签名时间 {sig.signed_at}；"
                   f"{'完整' if sig.intact else '不完整'}，{'证书链可信' if sig.trusted else '证书链不可信'}，"
                   f"{'覆盖整个文件' if sig.whole_file else '签名后有改动'}")
    if report.archived:
        a = report.archived
        click.echo(f"存档：{a['kind']} {a['ref']}（{a['on']}）" + ("，已被替换" if a["superseded"] else ""))
    if report.licence:
        lic = report.licence
        click.echo(f"证照 {lic['number']}：{lic['status_name']}；记录校验 {'一致' if lic['record_check'] == 'intact' else '失败'}")
    for note in report.notes:
        click.echo(f"注：{note}")
    for problem in report.problems:
        click.echo(f"失败：{problem}")
    if not report.ok:
        sys.exit(1)
    click.echo("校验通过")


def _check_name(name: str) -> None:
    """The input layer for command-line names: no control characters or lone surrogates reach a query."""
    problem = text_problem(name, multiline=False)
    if problem:
        raise click.ClickException(f"用户名{problem}")


@user_cli.command("create")
@click.argument("name")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--display-name", default=None, help="姓名 (defaults to NAME)")
@click.option("--window", default=None, help="counter number for clerks")
@click.option("--password-stdin", is_flag=True, help="read the password from standard input")
def create_user(name, role, display_name, window, password_stdin):
    """Create a staff account."""
    _check_name(name)
    try:
        accounts.check_username(name)     # before asking for the password
    except WorkflowError:
        raise click.ClickException(f"用户 {name} 已存在") from None
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("密码", hide_input=True, confirmation_prompt=True)
    try:
        accounts.create(name, role=role, display_name=display_name or name, password=password, window_no=window,
                        by=None, on=today(), note=Msg(N_("%(user)s（%(role)s），命令行创建"), user=name, role=role))
        db.session.commit()
    except WorkflowError as err:
        db.session.rollback()
        raise click.ClickException(err.message) from None
    click.echo(f"已创建 {name}（{role}）")


@user_cli.command("token")
@click.argument("name")
def user_token(name):
    """Print a new API token for NAME (the previous one stops working)."""
    _check_name(name)
    user = db.session.scalar(select(User).where(User.username == name))
    none = click.ClickException(f"没有启用的用户 {name}")
    if user is None:
        raise none
    try:
        token = accounts.new_token(user)
    except WorkflowError:
        raise none from None
    db.session.commit()
    click.echo(token)
    # the expiry goes to standard error, so `TOKEN=$(flask user token NAME)` still captures only the token
    click.echo(f"有效期至 {passwords.token_expires_at(user):%Y-%m-%d %H:%M} UTC"
               f"（{current_app.config['API_TOKEN_DAYS']} 天；expires {passwords.token_expires_at(user):%Y-%m-%d})",
               err=True)


@user_cli.command("list")
def list_users():
    for u in db.session.scalars(select(User).order_by(User.username)):
        click.echo(f"{u.username}\t{u.role}\t{'active' if u.active else 'disabled'}\t{u.display_name}")


@audit_cli.command("verify")
def audit_verify():
    """Check the event chain, the checkpoints, every licence's seal and every archived document; exit 1 on any failure."""
    from . import audit
    report = audit.verify_all()
    for line in report.failures:
        click.echo(line)
    summary = (f"事件 {report.events} 条，检查点 {report.checkpoints} 个，证照 {report.licences} 份，"
               f"存档文书 {report.documents} 份")
    if not report.ok:
        click.echo(f"校验失败：{len(report.failures)} 处问题（{summary}）", err=True)
        sys.exit(1)
    click.echo(f"审计链完好：{summary}")


@audit_cli.command("checkpoint")
@date_option
def audit_checkpoint(on):
    """Sign (date, event count, head hash) with the office key and keep it as a checkpoint."""
    from . import audit
    point = audit.create_checkpoint(on or today())
    db.session.commit()
    click.echo(f"检查点 #{point.id}\t{point.on.isoformat()}\t{point.event_count}\t{point.head_hash}\t"
               f"{point.key_id}\t{point.signature}")


@audit_cli.command("checkpoints")
def audit_checkpoints():
    """Print every checkpoint as JSON (for keeping a copy outside the office)."""
    import json
    from . import audit
    click.echo(json.dumps(audit.checkpoint_rows(), ensure_ascii=False, indent=1))


@audit_cli.command("rotate-seal")
def rotate_seal():
    """Demo seal only: a new office key and certificate under the demo CA (old certificate kept)."""
    from flask import current_app
    from . import seal_service
    try:
        kept = seal_service.rotate_demo_seal(current_app.config["OFFICE_NAME"])
    except RuntimeError as err:
        raise click.ClickException(str(err)) from None
    click.echo(f"已换用新的印章密钥；旧证书保存在 old_certs/{kept}")


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
                        on=today(), note=Msg(N_("%(user)s（%(role)s），演示账号"), user=username, role=role))
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
    for command in (init_command, user_cli, audit_cli, backup_command, demo_accounts_command, verify_pdf_command):
        app.cli.add_command(command)
    for stage in STAGE_COMMANDS:
        for command in import_module(f"radiolic.{stage}.commands").commands:
            app.cli.add_command(command)
