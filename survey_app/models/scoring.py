"""The commune's self-assessment: staff-entered points and attachments, the disqualifying flags, the city's
parameter overrides, and the commune facts some rules need."""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..timeutil import utcnow
from .types import UTCDateTime


class ScoreEntry(db.Model):
    """Points entered by staff for an item no data can prove (with a note and attachments)."""

    __tablename__ = "score_entries"
    __table_args__ = (UniqueConstraint("unit_id", "year", "item_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("admin_units.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    item_code: Mapped[str] = mapped_column(String(16))
    points: Mapped[float] = mapped_column(Float)
    note: Mapped[str] = mapped_column(Text, default="")
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    entered_at = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class ScoreEntryVersion(db.Model):
    """Every save of a staff entry, never updated: a score as of a past day uses the entry as it stood then."""

    __tablename__ = "score_entry_versions"
    __table_args__ = (Index("ix_score_entry_versions_lookup", "unit_id", "year", "item_code", "entered_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("admin_units.id"))
    year: Mapped[int] = mapped_column(Integer)
    item_code: Mapped[str] = mapped_column(String(16))
    #: null when the entry was cleared
    points: Mapped[float | None] = mapped_column(Float)
    note: Mapped[str] = mapped_column(Text, default="")
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    entered_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)


class ScoreAttachment(db.Model):
    """Evidence for an item: a photo or a scan, kept in the database."""

    __tablename__ = "score_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("admin_units.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    item_code: Mapped[str] = mapped_column(String(16))
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_at = mapped_column(UTCDateTime, default=utcnow)


class ScoreFlags(db.Model):
    """The two conditions that disqualify a commune for the year, whatever its points (entered by staff)."""

    __tablename__ = "score_flags"
    __table_args__ = (UniqueConstraint("unit_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("admin_units.id"))
    year: Mapped[int] = mapped_column(Integer)
    #: Matters left unresolved so that hot spots or mass, over-level, protracted complaints arose.
    hotspot: Mapped[bool] = mapped_column(Boolean, default=False)
    #: An official disciplined (khiển trách or above) or prosecuted over handling citizens' affairs.
    disciplined: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str] = mapped_column(Text, default="")


class ScoreFlagsVersion(db.Model):
    """Every change of the disqualifying flags, never updated (the flags as they stood on a past day)."""

    __tablename__ = "score_flags_versions"
    __table_args__ = (Index("ix_score_flags_versions_lookup", "unit_id", "year", "set_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("admin_units.id"))
    year: Mapped[int] = mapped_column(Integer)
    hotspot: Mapped[bool] = mapped_column(Boolean, default=False)
    disciplined: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str] = mapped_column(Text, default="")
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    set_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)


class ScoringOverride(db.Model):
    """A city administrator's change to a rule's parameters for one table version (audited)."""

    __tablename__ = "scoring_overrides"
    __table_args__ = (UniqueConstraint("table_id", "item_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    table_id: Mapped[str] = mapped_column(String(32))
    item_code: Mapped[str] = mapped_column(String(16))
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class CommuneParameter(db.Model):
    """A commune's own choice for a rule parameter its plan may set (e.g. the quarter of its annual survey,
    item 2.7.b), per table version: the table itself is never edited for one commune."""

    __tablename__ = "commune_parameters"
    __table_args__ = (UniqueConstraint("unit_id", "table_id", "item_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("admin_units.id"))
    table_id: Mapped[str] = mapped_column(String(32))
    item_code: Mapped[str] = mapped_column(String(16))
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class UnitProfile(db.Model):
    """Facts about a commune that rules need and only staff know."""

    __tablename__ = "unit_profiles"

    unit_id: Mapped[int] = mapped_column(ForeignKey("admin_units.id"), primary_key=True)
    #: Number of tổ dân phố (thôn): the denominator of the suggestion-box share.
    neighbourhoods: Mapped[int | None] = mapped_column(Integer)
    #: The weekday of the fast-track day (0 = Monday … 4 = Friday), Tiêu chí 2.1.
    fast_track_weekday: Mapped[int | None] = mapped_column(Integer)
