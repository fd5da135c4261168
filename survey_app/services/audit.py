"""Writing the audit log."""

from __future__ import annotations

from typing import Any

from ..extensions import db
from ..models import AuditEvent, User


def record(
    actor: User | None,
    action: str,
    entity: str,
    entity_id: Any = None,
    *,
    unit_id: int | None = None,
    detail: dict | None = None,
) -> AuditEvent:
    """Add an audit entry in the current transaction.

    :param actor: the staff member, or None for the system or a citizen.
    :param action: what happened ("create", "update", "login", ...).
    :param entity: what it happened to ("service_centre", "user", ...).
    :param entity_id: the row's id, if any.
    :param unit_id: the commune concerned; defaults to the actor's commune.
    :param detail: context such as changed fields; never secrets.
    """
    event = AuditEvent(
        user_id=actor.id if actor is not None else None,
        unit_id=unit_id if unit_id is not None else (actor.unit_id if actor is not None else None),
        action=action,
        entity=entity,
        entity_id=None if entity_id is None else str(entity_id),
        detail=detail or {},
    )
    db.session.add(event)
    return event


def diff(obj: Any, values: dict[str, Any]) -> dict[str, list]:
    """Apply ``values`` to ``obj`` and return {field: [old, new]} for the fields that changed."""
    changes: dict[str, list] = {}
    for field, new in values.items():
        old = getattr(obj, field)
        if old != new:
            changes[field] = [_jsonable(old), _jsonable(new)]
            setattr(obj, field, new)
    return changes


def _jsonable(value: Any) -> Any:
    return value if value is None or isinstance(value, (str, int, float, bool)) else str(value)
