"""Batches of paper questionnaires keyed in by staff (lô phiếu giấy), with the scans of the sheets.

A batch's forms count toward the indices and item 2.7 only once another staff member has checked them against the
scan, as survey platforms verify keyed data before it enters official results. The database refuses a batch
checked by its own keyer.
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..timeutil import utcnow
from .types import UTCDateTime


class BatchStatus(StrEnum):
    #: the keyer is still keying forms in (and uploading the scan)
    OPEN = "open"
    #: keyed and scanned, waiting for another staff member's check
    SUBMITTED = "submitted"
    CHECKED = "checked"

    @property
    def label(self) -> str:
        return BATCH_STATUS_LABELS[self]


BATCH_STATUS_LABELS = {
    BatchStatus.OPEN: "Đang nhập",
    BatchStatus.SUBMITTED: "Chờ kiểm tra",
    BatchStatus.CHECKED: "Đã kiểm tra",
}


class PaperBatch(db.Model):
    """One keyer's batch of paper forms of one questionnaire in one commune, keyed on screen or imported."""

    __tablename__ = "paper_batches"
    __table_args__ = (
        CheckConstraint("status in ('open', 'submitted', 'checked')", name="status"),
        CheckConstraint("source in ('entry', 'import')", name="source"),
        #: the second person is never the keyer
        CheckConstraint("checked_by_id is null or checked_by_id <> keyed_by_id", name="second_person"),
        Index("ix_paper_batches_unit_status", "unit_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("admin_units.id"))
    questionnaire_id: Mapped[int] = mapped_column(ForeignKey("questionnaires.id"))
    #: "entry" (the keyboard screen) or "import" (an XLSX/CSV file).
    source: Mapped[str] = mapped_column(String(8))
    #: The imported spreadsheet's name, for an import.
    import_filename: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(10), default=BatchStatus.OPEN.value)
    keyed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    submitted_at = mapped_column(UTCDateTime)
    checked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    checked_at = mapped_column(UTCDateTime)

    keyed_by = relationship("User", foreign_keys=[keyed_by_id])
    checked_by = relationship("User", foreign_keys=[checked_by_id])
    questionnaire = relationship("Questionnaire")
    unit = relationship("AdminUnit")
    scans: Mapped[list[PaperBatchScan]] = relationship(back_populates="batch", order_by="PaperBatchScan.id")

    @property
    def status_label(self) -> str:
        return BatchStatus(self.status).label


class PaperBatchScan(db.Model):
    """A scan of the batch's sheets (PDF, JPEG or PNG), kept in the database so every web host serves it."""

    __tablename__ = "paper_batch_scans"

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("paper_batches.id"), index=True)
    #: Copied from the batch so the commune scoping helper applies to scans directly.
    unit_id: Mapped[int] = mapped_column(ForeignKey("admin_units.id"))
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_at = mapped_column(UTCDateTime, default=utcnow)

    batch: Mapped[PaperBatch] = relationship(back_populates="scans")
