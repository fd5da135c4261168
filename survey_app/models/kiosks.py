"""Tablet kiosks in the service centres: a paired device that sends one-tap ratings."""

from __future__ import annotations

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, ForeignKeyConstraint, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..timeutil import utcnow
from .types import UTCDateTime


class Kiosk(db.Model):
    """A tablet at a centre, optionally bound to a counter (its officer's name and photo are shown)."""

    __tablename__ = "kiosks"
    __table_args__ = (
        ForeignKeyConstraint(["centre_id", "unit_id"], ["service_centres.id", "service_centres.unit_id"]),
        ForeignKeyConstraint(["counter_id", "unit_id"], ["counters.id", "counters.unit_id"]),
        CheckConstraint("scale in (3, 5)", name="scale"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("admin_units.id"), index=True)
    centre_id: Mapped[int] = mapped_column()
    counter_id: Mapped[int | None] = mapped_column()
    name: Mapped[str] = mapped_column(String(120))
    #: 3 levels (Rất hài lòng / Hài lòng / Không hài lòng, as one-stop counters' kiosks) or 5 (the SIPAS scale).
    scale: Mapped[int] = mapped_column(Integer, default=3)
    #: SHA-256 of the one-time pairing code, and when it stops working.
    pairing_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    pairing_expires_at = mapped_column(UTCDateTime)
    #: SHA-256 of the long-lived device credential (the tablet keeps the credential itself).
    device_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    paired_at = mapped_column(UTCDateTime)
    revoked_at = mapped_column(UTCDateTime)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    last_seen_at = mapped_column(UTCDateTime)
    #: Ratings waiting on the tablet at its last contact.
    last_queue_length: Mapped[int | None] = mapped_column(Integer)
    created_at = mapped_column(UTCDateTime, default=utcnow)

    centre = relationship("ServiceCentre", overlaps="counter")
    counter = relationship("Counter", overlaps="centre")
