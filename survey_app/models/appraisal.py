"""The commune's submission of its self-score to the city, and the city appraisers' score per item."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import JSON, CheckConstraint, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..timeutil import utcnow
from .types import UTCDateTime
from .units import AdminUnit


class SubmissionStatus(StrEnum):
    SUBMITTED = "submitted"
    LOCKED = "locked"

    @property
    def label(self) -> str:
        return {"submitted": "Đã gửi, đang thẩm định", "locked": "Đã khóa kết quả thẩm định"}[self.value]


class ScoreSubmission(db.Model):
    """A commune's self-score as sent to the city for a year: a frozen copy of the computed table.

    The commune may send it again until the city locks the appraisal; the copy is what the appraisers score.
    """

    __tablename__ = "score_submissions"
    __table_args__ = (
        UniqueConstraint("unit_id", "year"),
        CheckConstraint("status in ('submitted', 'locked')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("admin_units.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(12), default=SubmissionStatus.SUBMITTED.value)
    #: ``Score.as_dict()`` at the time of sending (items, points, explanations).
    snapshot: Mapped[dict] = mapped_column(JSON)
    self_total: Mapped[float] = mapped_column(Float)
    self_level: Mapped[str] = mapped_column(String(40))
    submitted_at = mapped_column(UTCDateTime, default=utcnow)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: Set when the appraisal is locked, from the same totals rule as the self-score.
    appraised_total: Mapped[float | None] = mapped_column(Float)
    appraised_level: Mapped[str | None] = mapped_column(String(40))
    locked_at = mapped_column(UTCDateTime)
    locked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    unit: Mapped[AdminUnit] = relationship()
    appraisals: Mapped[list[AppraisalItem]] = relationship(back_populates="submission", cascade="all, delete-orphan")

    @property
    def locked(self) -> bool:
        return self.status == SubmissionStatus.LOCKED.value

    @property
    def status_label(self) -> str:
        return SubmissionStatus(self.status).label


class AppraisalItem(db.Model):
    """The appraisers' points for one item, with the reason for any deduction (lý do trừ điểm)."""

    __tablename__ = "appraisal_items"
    __table_args__ = (UniqueConstraint("submission_id", "item_code"),
                      CheckConstraint("points >= 0", name="points_not_negative"))

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("score_submissions.id"), index=True)
    item_code: Mapped[str] = mapped_column(String(16))
    points: Mapped[float] = mapped_column(Float)
    reason: Mapped[str] = mapped_column(Text, default="")
    appraiser_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    submission: Mapped[ScoreSubmission] = relationship(back_populates="appraisals")
