"""Rollup tables the rules and dashboards read, the refresh watermark, and the job lock.

Each rollup row is a count for one local day and one combination of dimensions; a refresh deletes the days it
recomputes and inserts them again from a GROUP BY over the raw rows, so a rerun changes nothing.
"""

from __future__ import annotations

from sqlalchemy import Date, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime


class RollupResponse(db.Model):
    """Answers per day × centre × counter × channel × questionnaire × question × value (suspicious excluded)."""

    __tablename__ = "rollup_responses"
    __table_args__ = (Index("ix_rollup_responses_unit_day", "unit_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day = mapped_column(Date, nullable=False, index=True)
    unit_id: Mapped[int] = mapped_column(Integer)
    centre_id: Mapped[int] = mapped_column(Integer)
    #: 0 when the response names no counter.
    counter_id: Mapped[int] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(8))
    questionnaire_id: Mapped[int] = mapped_column(Integer)
    question_key: Mapped[str] = mapped_column(String(64))
    value: Mapped[int] = mapped_column(Integer)
    count: Mapped[int] = mapped_column(Integer)


class RollupResponseCount(db.Model):
    """Responses per day × centre × counter × channel × questionnaire (suspicious ones counted apart)."""

    __tablename__ = "rollup_response_counts"
    __table_args__ = (Index("ix_rollup_response_counts_unit_day", "unit_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day = mapped_column(Date, nullable=False, index=True)
    unit_id: Mapped[int] = mapped_column(Integer)
    centre_id: Mapped[int] = mapped_column(Integer)
    counter_id: Mapped[int] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(8))
    questionnaire_id: Mapped[int] = mapped_column(Integer)
    responses: Mapped[int] = mapped_column(Integer)
    suspicious: Mapped[int] = mapped_column(Integer)


class RollupCase(db.Model):
    """Cases received per day × commune × channel × category × state, with handling figures."""

    __tablename__ = "rollup_cases"
    __table_args__ = (Index("ix_rollup_cases_unit_day", "unit_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day = mapped_column(Date, nullable=False, index=True)
    unit_id: Mapped[int] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(16))
    category_id: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(16))
    received: Mapped[int] = mapped_column(Integer)
    answered: Mapped[int] = mapped_column(Integer)
    answered_on_time: Mapped[int] = mapped_column(Integer)
    published: Mapped[int] = mapped_column(Integer)


class RollupDossier(db.Model):
    """Dossiers received per day × commune × field, with how they were settled."""

    __tablename__ = "rollup_dossiers"
    __table_args__ = (Index("ix_rollup_dossiers_unit_day", "unit_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day = mapped_column(Date, nullable=False, index=True)
    unit_id: Mapped[int] = mapped_column(Integer)
    field: Mapped[str] = mapped_column(String(120))
    received: Mapped[int] = mapped_column(Integer)
    settled: Mapped[int] = mapped_column(Integer)
    settled_on_time: Mapped[int] = mapped_column(Integer)


class RollupState(db.Model):
    """Where the last refresh got to (one row per rollup family)."""

    __tablename__ = "rollup_state"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    #: Raw rows changed after this moment are refreshed next time.
    refreshed_through = mapped_column(UTCDateTime)


class JobLock(db.Model):
    """A lock row: inserting it takes the lock, so two hosts never run the same job at once."""

    __tablename__ = "job_locks"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(120))
    expires_at = mapped_column(UTCDateTime, nullable=False)
