"""Decorators for staff views."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import abort
from flask_login import current_user, login_required


def staff_required(check: Callable | None = None):
    """Require a logged-in staff member, and optionally that ``check(user)`` holds (else 403)."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if check is not None and not check(current_user):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def can_write(user) -> bool:
    return user.can_write


def can_administer(user) -> bool:
    return user.can_administer
