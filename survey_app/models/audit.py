"""Who changed what and when."""

from __future__ import annotations

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..timeutil import utcnow
from .types import UTCDateTime


class AuditEvent(db.Model):
    """One entry of the append-only audit log."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_unit_at", "unit_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    #: The staff member, or null for the system and citizens.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: The commune the change belongs to (null for city-level changes).
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("admin_units.id"))
    #: e.g. "create", "update", "delete", "login", "login_failed", "view_personal_data".
    action: Mapped[str] = mapped_column(String(40))
    #: Table or concept the action touched, e.g. "service_centre".
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str | None] = mapped_column(String(64))
    #: Changed fields as {field: [old, new]} or other context; never a password.
    detail: Mapped[dict] = mapped_column(JSON, default=dict)

    user = relationship("User")
