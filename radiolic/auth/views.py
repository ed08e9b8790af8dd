from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select

from .. import throttle
from ..access import STAFF, public, roles
from ..extensions import db
from ..models import User
from ..models.base import utcnow
from ..views_common import run_verb
from ..workflow import accounts
from . import passwords
from .forms import LoginForm, PasswordForm
from ..texts import N_

bp = Blueprint("auth", __name__)

LOGIN_FAILED = N_("用户名或密码错误，或账号已停用。")


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
        address = (request.remote_addr or "-")[:64]
        try:
            attempt_id = throttle.charge("login", name, address)     # one short write, before any hashing
        except throttle.Throttled as err:
            flash(_("登录失败次数过多，请 %(wait)s后再试。", wait=throttle.wait_text(err.wait)), "danger")
            return render_template("auth/login.html", form=form), 429
        user = db.session.scalar(select(User).where(User.username == name))
        stored, active = (user.password_hash, user.active) if user is not None else (None, False)
        user_id = user.id if user is not None else None
        db.session.rollback()     # end the read: the hashing below runs outside any transaction
        # The same work for an unknown, a disabled and an active account (passwords.verify).
        if passwords.verify(stored, active, form.password.data):
            throttle.succeeded(attempt_id)
            db.session.commit()
            user = db.session.get(User, user_id)
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
        accounts.end_sessions(user)     # every copy of the cookie dies with this one
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
        run_verb(lambda: accounts.change_password(user, form.current.data, form.new.data), form=form,
                 done=_("密码已修改，其他已登录的会话均已失效。"),
                 again=lambda: render_template("auth/password.html", form=form))
        login_user(user)   # keep this session, with the new version; others are refused
        session["login_at"] = session["seen_at"] = utcnow().isoformat()
        return redirect(url_for("main.home"))
    return render_template("auth/password.html", form=form)
