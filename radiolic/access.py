"""Deny by default: every route declares who may use it, and one guard enforces it."""
import hashlib
from datetime import datetime, timedelta

from flask import abort, current_app, redirect, request, session, url_for
from flask_login import current_user, logout_user
from sqlalchemy import select

from .extensions import db
from .models import User
from .models.base import utcnow

PUBLIC = "public"
# Framework endpoints that serve files only.
PUBLIC_ENDPOINTS = {"static", "bootstrap.static"}


def public(view):
    """Anyone, logged in or not."""
    view.access = PUBLIC
    return view


def roles(*allowed: str):
    """Staff of these roles only (an admin manages accounts and the catalogue, not cases)."""
    def mark(view):
        view.access = ("staff", frozenset(allowed))
        return view
    return mark


def api_roles(*allowed: str):
    """JSON API: a Bearer token of a user with one of these roles."""
    def mark(view):
        view.access = ("api", frozenset(allowed))
        return view
    return mark


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def user_for_token(header: str | None) -> User | None:
    if not header or not header.startswith("Bearer "):
        return None
    token = header.removeprefix("Bearer ").strip()
    if not token:
        return None
    user = db.session.scalar(select(User).where(User.token_hash == token_hash(token)))
    if user is None or not user.active or user.token_created_at is None:
        return None
    if utcnow() >= user.token_created_at + timedelta(days=current_app.config["API_TOKEN_DAYS"]):
        return None     # expired: `flask user token NAME` gives a new one
    return user


def _expired() -> bool:
    now = utcnow()
    idle = timedelta(minutes=current_app.config["SESSION_IDLE_MINUTES"])
    absolute = timedelta(hours=current_app.config["SESSION_ABSOLUTE_HOURS"])
    seen, start = session.get("seen_at"), session.get("login_at")
    if seen is None or start is None:
        return True
    return now - datetime.fromisoformat(seen) > idle or now - datetime.fromisoformat(start) > absolute


def guard():
    """before_request: refuse anything the route has not declared."""
    endpoint = request.endpoint
    if endpoint is None or endpoint in PUBLIC_ENDPOINTS:
        return None
    view = current_app.view_functions.get(endpoint)
    access = getattr(view, "access", None)
    if access == PUBLIC:
        return None
    if access is None:
        abort(403)
    kind, allowed = access
    if kind == "api":
        from .api.errors import api_error
        user = user_for_token(request.headers.get("Authorization"))
        if user is None:
            return api_error(401, "unauthorized", "需要有效的 API 令牌（Authorization: Bearer …）。")
        if user.role not in allowed:
            return api_error(403, "forbidden", f"角色“{user.role_name}”无权执行此操作。")
        request.api_user = user
        return None
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login", next=request.full_path if request.method == "GET" else None))
    if _expired():
        logout_user()
        session.clear()
        return redirect(url_for("auth.login"))
    session["seen_at"] = utcnow().isoformat()
    if current_user.role not in allowed:
        abort(403)
    return None


STAFF = ("clerk", "reviewer", "supervisor", "admin")
