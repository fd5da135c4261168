"""Rollup tables the rules and dashboards read, the refresh watermark, and the job lock.

Each rollup row is a count for one local day and one combination of dimensions; a refresh deletes the days it
recomputes and inserts them again from a GROUP BY over the raw rows, so a rerun changes nothing.
"""

from __future__ import annotations

from sqlalchemy import JSON, Date, Float, Index, Integer, String, UniqueConstraint
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime


class RollupResponse(db.Model):
    """Answers per day × centre × questionnaire × question × value (suspicious responses and unchecked paper forms
    excluded): the SIPAS indices of any period and centre are sums over these rows."""

    __tablename__ = "rollup_responses"
    #: covering the dashboards' reads (one commune, a range of days): answered from the index alone
    __table_args__ = (Index("ix_rollup_responses_unit_q_day", "unit_id", "questionnaire_id", "day", "centre_id",
                            "question_key", "value", "count"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day = mapped_column(Date, nullable=False, index=True)
    unit_id: Mapped[int] = mapped_column(Integer)
    centre_id: Mapped[int] = mapped_column(Integer)
    questionnaire_id: Mapped[int] = mapped_column(Integer)
    question_key: Mapped[str] = mapped_column(String(64))
    value: Mapped[int] = mapped_column(Integer)
    count: Mapped[int] = mapped_column(Integer)


class RollupAnswerMonth(db.Model):
    """Per month × commune × questionnaire × question: the answers "Hài lòng" or "Rất hài lòng" (4–5) and the valid
    answers (1–5; "Không có ý kiến" is not one). All a SIPAS index reads, for the city-wide pages (a rollup of
    :class:`RollupResponse`, five times smaller than its distribution)."""

    __tablename__ = "rollup_answer_months"
    __table_args__ = (Index("ix_rollup_answer_months_covering", "questionnaire_id", "year", "month", "question_key",
                            "unit_id", "satisfied", "valid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    month: Mapped[int] = mapped_column(Integer)
    unit_id: Mapped[int] = mapped_column(Integer)
    questionnaire_id: Mapped[int] = mapped_column(Integer)
    question_key: Mapped[str] = mapped_column(String(64))
    satisfied: Mapped[int] = mapped_column(Integer)
    valid: Mapped[int] = mapped_column(Integer)


class RollupResponseMonth(db.Model):
    """Responses per month × commune × centre × questionnaire (suspicious and unchecked paper ones counted apart):
    the city-wide pages' counts and the score's months of each centre (a rollup of :class:`RollupResponseCount`)."""

    __tablename__ = "rollup_response_months"
    __table_args__ = (Index("ix_rollup_response_months_year_month", "year", "month", "questionnaire_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    month: Mapped[int] = mapped_column(Integer)
    unit_id: Mapped[int] = mapped_column(Integer)
    centre_id: Mapped[int] = mapped_column(Integer)
    questionnaire_id: Mapped[int] = mapped_column(Integer)
    responses: Mapped[int] = mapped_column(Integer)
    suspicious: Mapped[int] = mapped_column(Integer)
    #: paper forms not confirmed by the second-person check (pending or marked wrong), suspicious ones not again
    unconfirmed: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    @hybrid_property
    def counted(self) -> int:
        """The responses the indices and scores count (the same rule as ``SurveyResponse.counted``)."""
        return self.responses - self.suspicious - self.unconfirmed


class RollupRating(db.Model):
    """The overall (quick) rating per day × centre × questionnaire × one breakdown: counter, officer, channel,
    procedure field (through the rated dossier) or a respondent-group answer; suspicious responses and unchecked
    paper forms excluded."""

    __tablename__ = "rollup_ratings"
    __table_args__ = (Index("ix_rollup_ratings_covering", "unit_id", "dimension", "questionnaire_id", "day", "key",
                            "value", "count"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day = mapped_column(Date, nullable=False, index=True)
    unit_id: Mapped[int] = mapped_column(Integer)
    centre_id: Mapped[int] = mapped_column(Integer)
    questionnaire_id: Mapped[int] = mapped_column(Integer)
    #: counter | officer | channel | field | group.age | group.gender | group.first_visit
    dimension: Mapped[str] = mapped_column(String(32))
    #: the breakdown's value as text (an id, a channel, a field name, an option value); "" when unknown
    key: Mapped[str] = mapped_column(String(120))
    value: Mapped[int] = mapped_column(Integer)
    count: Mapped[int] = mapped_column(Integer)


class RollupResponseCount(db.Model):
    """Responses per day × centre × counter × channel × questionnaire (suspicious and unchecked paper ones counted
    apart)."""

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
    #: paper forms not confirmed by the second-person check (pending or marked wrong), suspicious ones not again
    unconfirmed: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    @hybrid_property
    def counted(self) -> int:
        """The responses the indices and scores count (the same rule as ``SurveyResponse.counted``)."""
        return self.responses - self.suspicious - self.unconfirmed


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
    #: answers the citizen rated, and of those rated "Không hài lòng"
    rated: Mapped[int] = mapped_column(Integer, default=0)
    rated_unhappy: Mapped[int] = mapped_column(Integer, default=0)


class RollupCaseMonth(db.Model):
    """Cases per month of receipt × commune (a rollup of :class:`RollupCase`), for the city-wide pages."""

    __tablename__ = "rollup_case_months"
    __table_args__ = (Index("ix_rollup_case_months_year_month", "year", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    month: Mapped[int] = mapped_column(Integer)
    unit_id: Mapped[int] = mapped_column(Integer)
    received: Mapped[int] = mapped_column(Integer)
    answered: Mapped[int] = mapped_column(Integer)
    answered_on_time: Mapped[int] = mapped_column(Integer)
    published: Mapped[int] = mapped_column(Integer)
    rated: Mapped[int] = mapped_column(Integer)
    rated_unhappy: Mapped[int] = mapped_column(Integer)


class RollupCaseLatency(db.Model):
    """Answered cases per day of receipt × commune × channel × whole days it took to answer (capped at 60): the
    median time to answer is read off this histogram."""

    __tablename__ = "rollup_case_latency"
    __table_args__ = (Index("ix_rollup_case_latency_unit_day", "unit_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day = mapped_column(Date, nullable=False, index=True)
    unit_id: Mapped[int] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(16))
    days: Mapped[int] = mapped_column(Integer)
    count: Mapped[int] = mapped_column(Integer)


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


class RollupDossierSettlement(db.Model):
    """Dossiers settled, per local day of receipt × commune × local day of settlement, with what the score's
    dossier rules count of them (Tiêu chí 2.1, 2.2, 2.8, 2.4.e): a settled dossier's place in those rules no longer
    changes once the day of its settlement is over, so a score as of a day reads these rows for every dossier
    settled before that day and the raw rows only for the ones still open then (or settled that day). Open
    dossiers have no row. Rewritten by the refresh with the other dossier rollups, per (day of receipt, commune)."""

    __tablename__ = "rollup_dossier_settlements"
    #: covering the score's read (a batch of communes, a year of days of receipt)
    __table_args__ = (Index("ix_rollup_dossier_settlements_unit_day", "unit_id", "day", "settled_day", "judged",
                            "withdrawn", "late", "home", "fast", "fast_same_day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the local day of receipt
    day = mapped_column(Date, nullable=False, index=True)
    unit_id: Mapped[int] = mapped_column(Integer)
    settled_day = mapped_column(Date, nullable=False)
    #: not withdrawn or returned unprocessed
    judged: Mapped[int] = mapped_column(Integer)
    withdrawn: Mapped[int] = mapped_column(Integer)
    #: judged ones settled after their due date
    late: Mapped[int] = mapped_column(Integer)
    #: judged home-delivery requests
    home: Mapped[int] = mapped_column(Integer)
    #: judged fast-track dossiers, and those of them settled the local day they were received
    fast: Mapped[int] = mapped_column(Integer)
    fast_same_day: Mapped[int] = mapped_column(Integer)


class ScoreCache(db.Model):
    """Every commune's score for a year as the engine computed it at ``computed_at`` (``Score.as_dict()``), so
    city-wide pages list 114 self-scores without running 114 × 11 rules per request."""

    __tablename__ = "score_cache"
    __table_args__ = (UniqueConstraint("unit_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(Integer, index=True)
    year: Mapped[int] = mapped_column(Integer)
    total: Mapped[float] = mapped_column(Float)
    level: Mapped[str] = mapped_column(String(40))
    data: Mapped[dict] = mapped_column(JSON)
    computed_at = mapped_column(UTCDateTime, nullable=False)
    #: How many items were still blank (nobody had scored them) when computed.
    blank: Mapped[int | None] = mapped_column(Integer)


class RollupState(db.Model):
    """Where the last refresh got to (one row per rollup family)."""

    __tablename__ = "rollup_state"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    #: Raw rows changed after this moment are refreshed next time.
    refreshed_through = mapped_column(UTCDateTime)


class RollupChange(db.Model):
    """A (day, commune) whose rollups a change made stale where the raw rows' own timestamps cannot show it: a row
    moved to another day or commune (a re-imported dossier with a corrected date) or deleted. Written by the same
    flush as the change (see :func:`survey_app.models.changes.record`), read and pruned by the refresh."""

    __tablename__ = "rollup_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    day = mapped_column(Date, nullable=False)
    unit_id: Mapped[int] = mapped_column(Integer)
    recorded_at = mapped_column(UTCDateTime, nullable=False, index=True)


class JobLock(db.Model):
    """A lock row: inserting it takes the lock, so two hosts never run the same job at once."""

    __tablename__ = "job_locks"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(120))
    expires_at = mapped_column(UTCDateTime, nullable=False)
