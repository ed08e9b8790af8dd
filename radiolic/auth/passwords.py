"""Password and token hashing as reliability.md sets out."""
import secrets
from datetime import timedelta

from flask import current_app
from werkzeug.security import check_password_hash, generate_password_hash

from ..access import token_hash
from ..models import User
from ..models.base import utcnow

_DUMMIES: dict[str, str] = {}


def dummy_hash() -> str:
    """A hash made with the real PASSWORD_METHOD (computed once per method), checked for unknown accounts."""
    method = current_app.config["PASSWORD_METHOD"]
    if method not in _DUMMIES:
        _DUMMIES[method] = generate_password_hash(secrets.token_urlsafe(16), method)
    return _DUMMIES[method]


def set_password(user: User, password: str) -> None:
    user.password_hash = generate_password_hash(password, current_app.config["PASSWORD_METHOD"])
    user.session_version = (user.session_version or 0) + 1
    revoke_token(user)      # a changed or reset password ends the API token too


def revoke_token(user: User) -> None:
    user.token_hash = user.token_created_at = None


def token_expires_at(user: User):
    """When `user`'s API token stops working (UTC), or None without a token."""
    if user.token_hash is None or user.token_created_at is None:
        return None
    return user.token_created_at + timedelta(days=current_app.config["API_TOKEN_DAYS"])


def verify(stored_hash: str | None, active: bool, password: str) -> bool:
    """Check a password with the same work whatever the account: unknown accounts are checked against the
    dummy hash, disabled ones against their own hash (the answer is False either way). Call it outside
    any transaction."""
    matched = check_password_hash(stored_hash or dummy_hash(), password)
    return matched and active and stored_hash is not None


def check(user: User | None, password: str) -> bool:
    if user is None:
        return verify(None, False, password)
    return verify(user.password_hash, user.active, password)


def new_token(user: User) -> str:
    """Give `user` a fresh API token (only its hash is stored) and return it."""
    token = "rl_" + secrets.token_urlsafe(32)
    user.token_hash, user.token_created_at = token_hash(token), utcnow()
    return token
