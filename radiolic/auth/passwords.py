"""Password and token hashing as reliability.md sets out."""
import secrets

from flask import current_app
from werkzeug.security import check_password_hash, generate_password_hash

from ..access import token_hash
from ..models import User
from ..models.base import utcnow

# Compared against when the user does not exist, so both failures take the same time.
_DUMMY = generate_password_hash("radiolic-dummy", "scrypt:16384:8:1")


def set_password(user: User, password: str) -> None:
    user.password_hash = generate_password_hash(password, current_app.config["PASSWORD_METHOD"])
    user.session_version = (user.session_version or 0) + 1


def check(user: User | None, password: str) -> bool:
    if user is None:
        check_password_hash(_DUMMY, password)
        return False
    return user.active and check_password_hash(user.password_hash, password)


def new_token(user: User) -> str:
    """Give `user` a fresh API token (only its hash is stored) and return it."""
    token = "rl_" + secrets.token_urlsafe(32)
    user.token_hash, user.token_created_at = token_hash(token), utcnow()
    return token
