"""Dossier statistics imported from the city's one-stop system, and the apology letters for late ones."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    or_,
    text,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..timeutil import utcnow
from .types import UTCDateTime

#: Channels and statuses in the words a ward officer reads.
DOSSIER_CHANNEL_LABELS = {"online": "Trực tuyến", "direct": "Trực tiếp", "postal": "Bưu chính công ích",
                          "home": "Tại nhà", "other": "Khác"}
DOSSIER_STATUS_LABELS = {"open": "Đang giải quyết", "settled": "Đã trả kết quả", "withdrawn": "Rút hồ sơ / trả lại",
                         "other": "Khác"}


class Dossier(db.Model):
    """One TTHC dossier (hồ sơ) as the one-stop system exported it. Re-importing updates it by code."""

    __tablename__ = "dossiers"
    __table_args__ = (
        UniqueConstraint("unit_id", "code"),
        CheckConstraint("channel in ('online', 'direct', 'postal', 'home', 'other')", name="channel"),
        CheckConstraint("status is null or status in ('open', 'settled', 'withdrawn', 'other')", name="status"),
        #: the score's dossier pass reads a period of a batch of communes from this index alone on PostgreSQL (the
        #: columns it needs ride along), never the wide rows
        Index("ix_dossiers_unit_received_day", "unit_id", "received_day",
              postgresql_include=["received_at", "due_at", "settled_at", "status", "channel", "fast_track", "code",
                                  "id"]),
        #: the rollup refresh finds changed rows by ``updated_at`` and recomputes whole local days
        Index("ix_dossiers_received_day", "received_day"),
        Index("ix_dossiers_updated_at", "updated_at"),
        #: a score as of a day reads the raw rows only of the dossiers still open then or settled since (the rest
        #: from :class:`RollupDossierSettlement`): the open ones (NULL) and the latest settlements, from here
        Index("ix_dossiers_settled_at", "settled_at"),
        #: the late ones (a few in a hundred): the score names the first of them without an apology letter
        Index("ix_dossiers_late", "unit_id", "received_day", postgresql_where=text("settled_at > due_at"),
              sqlite_where=text("settled_at > due_at")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("admin_units.id"), active_history=True)
    #: "Mã hồ sơ" in the one-stop system.
    code: Mapped[str] = mapped_column(String(64))
    procedure: Mapped[str] = mapped_column(String(300), default="")
    #: Lĩnh vực (procedure field), e.g. "Hộ tịch".
    field: Mapped[str] = mapped_column(String(120), default="")
    received_at = mapped_column(UTCDateTime, nullable=False)
    #: The local (Asia/Ho_Chi_Minh) day of receipt, kept for grouping in SQL on every backend.
    received_day = mapped_column(Date, nullable=False, active_history=True)
    due_at = mapped_column(UTCDateTime, nullable=False)
    #: When it was settled/returned; null while still open.
    settled_at = mapped_column(UTCDateTime)
    #: How it was filed: online, direct, postal, home (Tiêu chí 2.2), or other (a value the import did not know).
    channel: Mapped[str] = mapped_column(String(8), default="direct")
    #: "Trạng thái" in the export when it has one: open, settled, withdrawn (rút, trả lại: not judged), other.
    status: Mapped[str | None] = mapped_column(String(16))
    #: Handled under the weekly fast-track day (Tiêu chí 2.1).
    fast_track: Mapped[bool] = mapped_column(Boolean, default=False)
    import_id: Mapped[int | None] = mapped_column(ForeignKey("dossier_imports.id"))
    updated_at = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    @hybrid_property
    def judged(self) -> bool:
        """The one rule for which dossiers the score judges: all but those withdrawn or returned unprocessed."""
        return self.status != "withdrawn"

    @judged.inplace.expression
    @classmethod
    def _judged_expression(cls):
        return or_(cls.status.is_(None), cls.status != "withdrawn")


class DossierImport(db.Model):
    """One accepted import file (rejected files leave no row)."""

    __tablename__ = "dossier_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("admin_units.id"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    created: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    imported_at = mapped_column(UTCDateTime, default=utcnow)
    #: the row report's warnings (what no rule needs: an unknown channel or status, a code outside the national
    #: format), [{row, column, message}], the first ones; and how many there were
    warnings: Mapped[list] = mapped_column(JSON, default=list)
    warning_count: Mapped[int] = mapped_column(Integer, default=0)


class DossierColumnMapping(db.Model):
    """A commune's remembered header names for each field of the export."""

    __tablename__ = "dossier_column_mappings"

    unit_id: Mapped[int] = mapped_column(ForeignKey("admin_units.id"), primary_key=True)
    #: {field: header as it appears in the file}
    mapping: Mapped[dict] = mapped_column(JSON, default=dict)


class ApologyLetter(db.Model):
    """A letter of apology for an overdue dossier (item 2.4e): needed for every late dossier."""

    __tablename__ = "apology_letters"

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), unique=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("admin_units.id"), index=True)
    #: When staff confirmed it was sent; null while drafted.
    sent_on = mapped_column(Date)
    created_at = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    dossier: Mapped[Dossier] = relationship()
