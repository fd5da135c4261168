"""Answer templates: the replies a commune writes again and again, kept once per commune and category.

Staff pick one on the case page to fill the public answer; what they send still goes through the case workflow,
so the answer is scrubbed of personal data before it is published like any other.
"""

from __future__ import annotations

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..timeutil import utcnow
from .types import UTCDateTime

#: The longest answer a case accepts (services.cases.CONTENT_MAX); a template is never longer.
BODY_MAX = 5000


class AnswerTemplate(db.Model):
    """One reusable answer of a commune, for one category of feedback or for all."""

    __tablename__ = "answer_templates"
    __table_args__ = (
        UniqueConstraint("unit_id", "title"),
        CheckConstraint(f"length(body) <= {BODY_MAX}", name="body_length"),
        Index("ix_answer_templates_unit_category", "unit_id", "category_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The commune whose staff use it (another commune never sees it).
    unit_id: Mapped[int] = mapped_column(ForeignKey("admin_units.id"))
    #: The category it answers; null for a general template offered on every case (after the category's own).
    category_id: Mapped[int | None] = mapped_column(ForeignKey("case_categories.id"))
    #: What staff pick it by.
    title: Mapped[str] = mapped_column(String(120))
    #: The answer, with placeholders such as {ma_theo_doi}, {ngay}, {don_vi} (services.answer_templates).
    body: Mapped[str] = mapped_column(Text)
    #: Deactivated templates stay for the record but are no longer offered.
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    #: Who changed it last and when (each change is also in the audit log with its old and new values).
    updated_at = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow, nullable=False)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    unit = relationship("AdminUnit")
    category = relationship("CaseCategory")
    updated_by = relationship("User")
