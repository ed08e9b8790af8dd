"""Staff accounts and the attempts table that throttles logins and public lookups."""
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Index, String, false
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..vocabulary import Role
from .base import one_of, utcnow

ROLES = Role.values()


class User(UserMixin, db.Model):
    __tablename__ = "user"
    __table_args__ = (one_of("role", ROLES),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    # Bumped by logout, password change and disabling: every older session cookie stops working.
    session_version: Mapped[int] = mapped_column(default=1)
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    token_created_at: Mapped[datetime | None]
    window_no: Mapped[str | None] = mapped_column(String(16))   # counter number, for the window evaluator
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def role_name(self) -> str:
        return Role.text_of(self.role)


class Attempt(db.Model):
    """One login or lookup attempt; counted to throttle across every worker and host."""

    __tablename__ = "attempt"
    # The throttle counts failures per (scope, key) and per (scope, address): both counts are index-only.
    __table_args__ = (Index("ix_attempt_scope_key_ok_at", "scope", "key", "ok", "at"),
                      Index("ix_attempt_scope_address_ok_at", "scope", "address", "ok", "at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(16))     # login | lookup | pair (radiolic.throttle.SCOPES)
    key: Mapped[str] = mapped_column(String(128))      # username, case number, "window" for pairing
    address: Mapped[str] = mapped_column(String(64), default="", server_default="")   # the client's address
    ok: Mapped[bool] = mapped_column(default=False)
    # A successful lookup is the applicant's session on the server: "退出查询" closes it.
    closed: Mapped[bool] = mapped_column(default=False, server_default=false())
    at: Mapped[datetime] = mapped_column(default=utcnow)
