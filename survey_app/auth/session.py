"""Loading the logged-in user from the signed session cookie (no server-side session state)."""

from __future__ import annotations

from ..extensions import db
from ..models import User


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
