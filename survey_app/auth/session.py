"""Loading the logged-in user from the signed session cookie (no server-side session state)."""

from __future__ import annotations

from flask import Flask, g, request

from ..extensions import db
from ..models import User

#: Pages that show staff data (or the login form): never kept by a browser or a proxy cache.
STAFF_PREFIXES = ("/admin", "/dashboard", "/login", "/logout", "/account")


def load_user(user_id: str) -> User | None:
    """The session holds ``"<id>:<session_token>"``; a rotated token (password change) ends the session."""
    try:
        raw_id, token = user_id.split(":", 1)
        user = db.session.get(User, int(raw_id))
    except (ValueError, TypeError):
        return None
    if user is None or not user.active or user.session_token != token:
        return None
    return user


def _no_store(response):
    """Staff pages carry names, phones and internal notes: ``Cache-Control: no-store`` so the back button on a
    shared computer or a proxy never shows them again after logout. Decided without loading the user."""
    user = g.get("_login_user")
    if request.path.startswith(STAFF_PREFIXES) or (user is not None and user.is_authenticated):
        response.headers["Cache-Control"] = "no-store"
        response.headers["Pragma"] = "no-cache"
    return response


def register(app: Flask) -> None:
    app.after_request(_no_store)
