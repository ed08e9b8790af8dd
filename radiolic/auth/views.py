from datetime import timedelta
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select

from .. import throttle
from ..access import STAFF, public, roles
from ..extensions import db
from ..models import User
from ..models.base import utcnow
from . import passwords
from .forms import LoginForm, PasswordForm

bp = Blueprint("auth", __name__)

LOGIN_FAILED = "用户名或密码错误，或账号已停用。"


def _safe_next(target: str | None) -> str:
    if target and not urlsplit(target).netloc and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("main.home")


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    form = LoginForm()
    if form.validate_on_submit():
        name = form.username.data.strip()
        window = timedelta(minutes=15)
        limit = current_app.config["LOGIN_FAILS_PER_15_MIN"]
        if (throttle.failures("login", name, window) >= limit
                or throttle.failures("login_ip", request.remote_addr or "-", window) >= limit * 3):
            flash(_("登录失败次数过多，请 15 分钟后再试。"), "danger")
            return render_template("auth/login.html", form=form), 429
        user = db.session.scalar(select(User).where(User.username == name))
        ok = passwords.check(user, form.password.data)
        throttle.note("login", name, ok)
        throttle.note("login_ip", request.remote_addr or "-", ok)
        db.session.commit()
        if ok:
            lang = session.get("lang")   # the language chosen on the login page survives the new session
            session.clear()
            if lang:
                session["lang"] = lang
            login_user(user)
            session["login_at"] = session["seen_at"] = utcnow().isoformat()
            return redirect(_safe_next(request.args.get("next")))
        flash(_(LOGIN_FAILED), "danger")
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@public
def logout():
    if current_user.is_authenticated:
        user = db.session.get(User, current_user.id)
        user.session_version += 1     # every copy of the cookie dies with this one
        db.session.commit()
        logout_user()
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    flash(_("已退出登录。"), "info")
    return redirect(url_for("auth.login"))


@bp.route("/password", methods=["GET", "POST"])
@roles(*STAFF)
def password():
    form = PasswordForm()
    if form.validate_on_submit():
        user = db.session.get(User, current_user.id)
        if not passwords.check(user, form.current.data):
            form.current.errors.append(_("当前密码不正确"))
        else:
            passwords.set_password(user, form.new.data)
            db.session.commit()
            login_user(user)   # keep this session, with the new version; others are refused
            session["login_at"] = session["seen_at"] = utcnow().isoformat()
            flash(_("密码已修改，其他已登录的会话均已失效。"), "success")
            return redirect(url_for("main.home"))
    return render_template("auth/password.html", form=form)
