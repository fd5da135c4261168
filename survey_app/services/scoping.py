"""Commune scoping: the one place that decides which rows a staff member may see.

Every staff query goes through :func:`scoped` or :func:`get_scoped_or_404`; a guessed id from another
commune answers 404, exactly as an id that does not exist.
"""

from __future__ import annotations

from typing import TypeVar

from flask import abort
from sqlalchemy import Select, select

from ..extensions import db
from ..models import AdminUnit, User

M = TypeVar("M")


def scoped(model: type[M], user: User) -> Select:
    """``select(model)`` limited to the user's commune unless the role is city-wide."""
    query = select(model)
    if user.city_wide:
        return query
    column = model.id if model is AdminUnit else model.unit_id
    return query.where(column == user.unit_id)


def get_scoped_or_404(model: type[M], object_id: int, user: User) -> M:
    obj = db.session.execute(scoped(model, user).where(model.id == object_id)).scalar_one_or_none()
    if obj is None:
        abort(404)
    return obj


def visible_units(user: User) -> list[AdminUnit]:
    """Communes the user may see (never the city row itself), by name."""
    query = scoped(AdminUnit, user).where(AdminUnit.parent_id.is_not(None)).order_by(AdminUnit.name)
    return list(db.session.execute(query).scalars())


def check_unit_allowed(user: User, unit_id: int | None) -> None:
    """Abort 404 when a form names a commune outside the user's scope."""
    if unit_id is None or (not user.city_wide and unit_id != user.unit_id):
        abort(404)
