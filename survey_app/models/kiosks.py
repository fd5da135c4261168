"""Tablet kiosks in the service centres: a paired device that sends one-tap ratings, the history of what it
was bound to (so a queued rating is judged by what the citizen saw), and the items it could not send."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
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
    #: The credential before the last revocation or new code: it may still report its queue, never send.
    previous_device_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    paired_at = mapped_column(UTCDateTime)
    revoked_at = mapped_column(UTCDateTime)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    last_seen_at = mapped_column(UTCDateTime)
    #: Ratings waiting on the tablet as it reported after its last contact (the citizen in progress excluded).
    last_queue_length: Mapped[int | None] = mapped_column(Integer)
    #: Items the server refused that are still kept on the tablet ("không gửi được").
    last_failed_count: Mapped[int | None] = mapped_column(Integer)
    #: When the tablet last had a batch stored (its last successful send).
    last_sent_at = mapped_column(UTCDateTime)
    #: Hash of the staff PIN that opens the tablet's staff panel (werkzeug password hash).
    staff_pin_hash: Mapped[str | None] = mapped_column(String(256))
    created_at = mapped_column(UTCDateTime, default=utcnow)

    centre = relationship("ServiceCentre", overlaps="counter")
    counter = relationship("Counter", overlaps="centre")


class KioskBinding(db.Model):
    """What a kiosk showed during a period: centre, counter, officer and scale.

    A new row starts at pairing and whenever the counter, officer or scale changes; revocation and a new
    pairing code end the current row. A queued rating names its binding and is judged by it.
    """

    __tablename__ = "kiosk_bindings"
    __table_args__ = (
        ForeignKeyConstraint(["counter_id", "unit_id"], ["counters.id", "counters.unit_id"]),
        CheckConstraint("scale in (3, 5)", name="scale"),
        CheckConstraint("end_reason is null or end_reason in ('changed', 'revoked', 'recoded')", name="end_reason"),
        Index("ix_kiosk_bindings_kiosk_from", "kiosk_id", "valid_from"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kiosk_id: Mapped[int] = mapped_column(ForeignKey("kiosks.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("admin_units.id"))
    centre_id: Mapped[int] = mapped_column()
    counter_id: Mapped[int | None] = mapped_column()
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id"))
    scale: Mapped[int] = mapped_column(Integer)
    valid_from = mapped_column(UTCDateTime, nullable=False)
    #: NULL while current.
    valid_to = mapped_column(UTCDateTime)
    #: Why it ended: "changed" (re-bound, new scale or officer: the old screen is still what the citizen saw),
    #: "revoked" or "recoded" (the device lost its right to send what it takes afterwards).
    end_reason: Mapped[str | None] = mapped_column(String(16))


class KioskRejection(db.Model):
    """An item the server refused, kept on the tablet in its "không gửi được" list until staff resolve it."""

    __tablename__ = "kiosk_rejections"
    __table_args__ = (
        UniqueConstraint("kiosk_id", "client_id"),
        CheckConstraint("resolution is null or resolution in ('stored', 'discarded')", name="resolution"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kiosk_id: Mapped[int] = mapped_column(ForeignKey("kiosks.id"), index=True)
    client_id: Mapped[str] = mapped_column(String(48))
    #: The item as the tablet sent it (bounded: oversized fields are cut before storing).
    item: Mapped[dict] = mapped_column(JSON)
    reason: Mapped[str] = mapped_column(String(300))
    rejected_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    #: "stored" once a re-send succeeded, "discarded" by staff (with ``note`` and who).
    resolution: Mapped[str | None] = mapped_column(String(16))
    resolved_at = mapped_column(UTCDateTime)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str | None] = mapped_column(String(300))
