"""Staff accounts: authentication with throttling, creation, password changes."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import func, select

from ..extensions import db
from ..models import Role, User
from ..models.users import new_session_token
from ..text import clean
from ..timeutil import utcnow
from . import audit, ratelimit

MIN_PASSWORD_LENGTH = 10


class AccountError(ValueError):
    """A refusal with a message for the person (Vietnamese)."""


@dataclass(frozen=True)
class LoginResult:
    user: User | None
    error: str | None = None
    throttled: bool = False


def _ip_key(ip: str | None) -> str:
    salt = current_app.config["SECRET_KEY"].encode()
    return hashlib.sha256(salt + (ip or "-").encode()).hexdigest()[:24]


def authenticate(username: str, password: str, ip: str | None) -> LoginResult:
    """Check a login; after too many failures for the name or the address, refuse for the window."""
    username = clean(username).lower()
    limit = current_app.config["LOGIN_MAX_FAILURES"]
    window = current_app.config["LOGIN_WINDOW_SECONDS"]
    keys = (f"login-user:{username}", f"login-ip:{_ip_key(ip)}")
    # One name: `limit` failures per window. One address (an office NAT serves many staff): four times that.
    if ratelimit.peek(keys[0], window) >= limit or ratelimit.peek(keys[1], window) >= limit * 4:
        minutes = max(1, window // 60)
        return LoginResult(None, f"Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau {minutes} phút.", True)
    user = db.session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if user is None or not user.active or not user.check_password(password):
        for key in keys:
            ratelimit.hit(key, limit, window)
        audit.record(user, "login_failed", "user", user.id if user else None, detail={"username": username})
        return LoginResult(None, "Tên đăng nhập hoặc mật khẩu không đúng.")
    ratelimit.reset(keys[0], window)
    user.last_login_at = utcnow()
    audit.record(user, "login", "user", user.id)
    return LoginResult(user)


def validate_password(password: str, username: str = "") -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"Mật khẩu phải có ít nhất {MIN_PASSWORD_LENGTH} ký tự.")
    if username and username.lower() in password.lower():
        raise AccountError("Mật khẩu không được chứa tên đăng nhập.")
    if password.isdigit() or password.isalpha():
        raise AccountError("Mật khẩu phải có cả chữ và số hoặc ký tự đặc biệt.")


def change_password(user: User, current: str, new: str) -> None:
    """Change the user's own password; every other session of the user ends."""
    if not user.check_password(current):
        raise AccountError("Mật khẩu hiện tại không đúng.")
    validate_password(new, user.username)
    user.set_password(new)
    audit.record(user, "password_change", "user", user.id)


def end_sessions(user: User) -> None:
    """Logout: rotate the session token the cookie embeds, so every copy of the cookie stops working (the
    cookie is signed, not stored: only the server-side token can revoke it)."""
    user.session_token = new_session_token()
    audit.record(user, "logout", "user", user.id)


def username_taken(username: str, exclude_id: int | None = None) -> bool:
    query = select(func.count()).select_from(User).where(User.username == clean(username).lower())
    if exclude_id is not None:
        query = query.where(User.id != exclude_id)
    return bool(db.session.execute(query).scalar())


def create_user(
    actor: User | None, *, username: str, full_name: str, password: str, role: Role, unit_id: int | None
) -> User:
    """Create a staff account. City-wide roles never carry a commune; others always do."""
    username = clean(username).lower()
    if username_taken(username):
        raise AccountError("Tên đăng nhập đã tồn tại.")
    validate_password(password, username)
    if role.city_wide:
        unit_id = None
    elif unit_id is None:
        raise AccountError("Tài khoản cấp xã/phường phải thuộc một đơn vị.")
    user = User(username=username, full_name=clean(full_name), role=role.value, unit_id=unit_id)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    audit.record(actor, "create", "user", user.id, unit_id=unit_id, detail={"username": username, "role": role})
    return user
