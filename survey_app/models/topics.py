"""Derived: the topics of a commune's comments for a period, kept until the texts behind them change."""

from __future__ import annotations

from datetime import date

from sqlalchemy import JSON, Date, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime


class TopicCache(db.Model):
    """``TopicReport.as_dict()`` for (commune, period), valid while ``fingerprint`` (how many texts, the newest
    ids) is unchanged, so the dashboard does not segment thousands of texts on every view."""

    __tablename__ = "topic_cache"
    __table_args__ = (UniqueConstraint("unit_id", "start", "end"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(Integer, index=True)
    start: Mapped[date] = mapped_column(Date)
    end: Mapped[date] = mapped_column(Date)
    fingerprint: Mapped[str] = mapped_column(String(120))
    data: Mapped[dict] = mapped_column(JSON)
    computed_at = mapped_column(UTCDateTime, nullable=False)
