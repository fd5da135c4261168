"""Questionnaires (versioned data), their responses and answers, and the QR tokens that lead to them.

A questionnaire keeps stable question keys across versions, so trends survive a wording change. A version's
definition is JSON (see :mod:`survey_app.surveys.definition`); once published it never changes: staff copy it
into a new draft. Every response records the version it answered.
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    and_,
    event,
    or_,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..timeutil import local_day, utcnow
from .types import UTCDateTime


class VersionStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    RETIRED = "retired"


class Channel(StrEnum):
    QR = "qr"
    WEB = "web"
    KIOSK = "kiosk"
    PAPER = "paper"

    @property
    def label(self) -> str:
        return CHANNEL_LABELS[self]


CHANNEL_LABELS = {
    Channel.QR: "Mã QR",
    Channel.WEB: "Trang web",
    Channel.KIOSK: "Máy tính bảng",
    Channel.PAPER: "Phiếu giấy",
}


class CheckStatus(StrEnum):
    """A keyed paper form's second-person check: it counts only once ``checked``."""

    PENDING = "pending"
    CHECKED = "checked"
    REJECTED = "rejected"


class Questionnaire(db.Model):
    """A questionnaire across its versions, e.g. the centre service satisfaction survey."""

    __tablename__ = "questionnaires"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Stable code, e.g. "centre-service" or "annual-friendly-government".
    code: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    #: "continuous" (all year) or "annual" (Quý IV).
    kind: Mapped[str] = mapped_column(String(16), default="continuous")
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    versions: Mapped[list[QuestionnaireVersion]] = relationship(
        back_populates="questionnaire", order_by="QuestionnaireVersion.number"
    )


class QuestionnaireVersion(db.Model):
    """One version of a questionnaire; immutable once published."""

    __tablename__ = "questionnaire_versions"
    __table_args__ = (
        UniqueConstraint("questionnaire_id", "number"),
        CheckConstraint("status in ('draft', 'published', 'retired')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    questionnaire_id: Mapped[int] = mapped_column(ForeignKey("questionnaires.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default=VersionStatus.DRAFT.value)
    #: Sections and questions as JSON (validated by survey_app.surveys.definition).
    definition: Mapped[dict] = mapped_column(JSON)
    created_at = mapped_column(UTCDateTime, default=utcnow)
    published_at = mapped_column(UTCDateTime)

    questionnaire: Mapped[Questionnaire] = relationship(back_populates="versions")


class QrToken(db.Model):
    """An opaque short token printed as a QR code for a centre or a counter."""

    __tablename__ = "qr_tokens"
    __table_args__ = (
        ForeignKeyConstraint(["centre_id", "unit_id"], ["service_centres.id", "service_centres.unit_id"]),
        ForeignKeyConstraint(["counter_id", "unit_id"], ["counters.id", "counters.unit_id"]),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The short URL is /q/<token>.
    token: Mapped[str] = mapped_column(String(24), unique=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("admin_units.id"), index=True)
    centre_id: Mapped[int] = mapped_column(index=True)
    counter_id: Mapped[int | None] = mapped_column()
    questionnaire_id: Mapped[int] = mapped_column(ForeignKey("questionnaires.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at = mapped_column(UTCDateTime, default=utcnow)
    revoked_at = mapped_column(UTCDateTime)

    centre = relationship("ServiceCentre", overlaps="counter")
    counter = relationship("Counter", overlaps="centre")
    questionnaire: Mapped[Questionnaire] = relationship()


#: The answers every rating breakdown reads, copied onto their response when it is written (question key -> column
#: of :class:`SurveyResponse`): the overall rating and the respondent-group questions the dashboards break it down
#: by. The answers stay the record; the copies spare the rollups a pass over every answer to find them.
RATED_ANSWERS = {"overall": "overall_rating", "group.age": "group_age", "group.gender": "group_gender",
                 "group.first_visit": "group_first_visit"}


def rated_columns(answers) -> dict[str, int | None]:
    """The copies :data:`RATED_ANSWERS` keeps on a response, from its ``(question_key, value)`` pairs: each key's
    largest value (a single choice has one), ``None`` where it was not answered. Every writer of answers (the form,
    its later screens, the kiosk batch, the paper form, the demo) sets the response's columns from this."""
    columns: dict[str, int | None] = dict.fromkeys(RATED_ANSWERS.values())
    for key, value in answers:
        column = RATED_ANSWERS.get(key)
        if column is not None and value is not None and (columns[column] is None or value > columns[column]):
            columns[column] = value
    return columns


class SurveyResponse(db.Model):
    """One citizen's response, from any channel. Suspicious ones are kept and flagged, never dropped."""

    __tablename__ = "survey_responses"
    __table_args__ = (
        ForeignKeyConstraint(["centre_id", "unit_id"], ["service_centres.id", "service_centres.unit_id"]),
        ForeignKeyConstraint(["counter_id", "unit_id"], ["counters.id", "counters.unit_id"]),
        #: One response per dossier per questionnaire (NULL dossier codes never collide).
        UniqueConstraint("questionnaire_id", "unit_id", "dossier_code"),
        #: A paper form is keyed in once (its serial number within the commune).
        UniqueConstraint("questionnaire_id", "unit_id", "paper_serial"),
        CheckConstraint("channel in ('qr', 'web', 'kiosk', 'paper')", name="channel"),
        CheckConstraint("check_status is null or (channel = 'paper' and check_status in "
                        "('pending', 'checked', 'rejected'))", name="check_status"),
        #: the second person is never the keyer
        CheckConstraint("checked_by_id is null or entered_by_id is null or checked_by_id <> entered_by_id",
                        name="second_person"),
        #: the incremental refresh finds the days a check changed
        Index("ix_survey_responses_checked_at", "checked_at"),
        Index("ix_survey_responses_unit_answered", "unit_id", "answered_at"),
        #: the rollup rebuild reads whole local days; the incremental refresh one commune's changed days
        Index("ix_survey_responses_answered_day", "answered_day"),
        Index("ix_survey_responses_unit_day", "unit_id", "answered_day"),
        Index("ix_survey_responses_received", "received_at"),
        Index("ix_survey_responses_changed_at", "changed_at"),
        Index("ix_survey_responses_centre_answered", "centre_id", "answered_at"),
        Index("ix_survey_responses_q_answered", "questionnaire_id", "answered_at"),
        Index("ix_survey_responses_iphash_answered", "ip_hash", "answered_at"),
        #: a kiosk batch's burst rule reads the tablet's taps of the minutes around it (and the tablet's responses)
        Index("ix_survey_responses_kiosk_answered", "kiosk_id", "answered_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Idempotency key: one per form render, kiosk tap or paper row; a retry stores nothing new.
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    questionnaire_id: Mapped[int] = mapped_column(ForeignKey("questionnaires.id"))
    version_id: Mapped[int] = mapped_column(ForeignKey("questionnaire_versions.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("admin_units.id"), active_history=True)
    centre_id: Mapped[int] = mapped_column()
    counter_id: Mapped[int | None] = mapped_column()
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id"))
    channel: Mapped[str] = mapped_column(String(8))
    #: When the citizen answered (a kiosk's or paper form's own time); indices are cut on it.
    answered_at = mapped_column(UTCDateTime, nullable=False)
    #: The local (Asia/Ho_Chi_Minh) day of ``answered_at``: grouping by day is a plain column on every backend.
    answered_day = mapped_column(Date, nullable=False, active_history=True)
    #: When the server first stored it: what a score as of a date may know (a queued kiosk tap arrives later).
    received_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    #: When a later screen of the same form last added answers (the refresh recomputes that day); null if never.
    changed_at = mapped_column(UTCDateTime)
    dossier_code: Mapped[str | None] = mapped_column(String(64))
    #: True when the dossier code came from a signed per-dossier QR (proven holder).
    dossier_verified: Mapped[bool] = mapped_column(Boolean, default=False)
    lang: Mapped[str] = mapped_column(String(2), default="vi")
    #: Salted hash of the client address, the salt rotated daily: enough to find bursts, not to trace.
    ip_hash: Mapped[str | None] = mapped_column(String(32))
    suspicious: Mapped[bool] = mapped_column(Boolean, default=False)
    #: e.g. "burst", "honeypot", "kiosk-burst".
    suspicious_reason: Mapped[str | None] = mapped_column(String(64))
    #: Paper forms: the staff member who keyed it in and the form's serial number.
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: The tablet that sent a kiosk rating.
    kiosk_id: Mapped[int | None] = mapped_column(ForeignKey("kiosks.id"))
    paper_serial: Mapped[str | None] = mapped_column(String(32))
    #: Notes for a reviewer that do not exclude the response from indices, comma-separated: e.g.
    #: "clock-untrusted" (a kiosk time that could not be converted reliably), "dossier-dropped" (the dossier
    #: code was already rated, the rating kept without it), "stale-screen" (tapped on a superseded kiosk setup).
    review_flags: Mapped[str | None] = mapped_column(String(120))
    #: Paper forms: the batch (lô phiếu giấy) it was keyed in with, and its second-person check.
    paper_batch_id: Mapped[int | None] = mapped_column(ForeignKey("paper_batches.id"), index=True)
    #: pending | checked | rejected for paper forms (see :class:`CheckStatus`); null for the other channels.
    check_status: Mapped[str | None] = mapped_column(String(8))
    #: Who checked it against the scan (never the keyer) and when; null for forms keyed before the check existed.
    checked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    checked_at = mapped_column(UTCDateTime)
    #: Why the checker marked it wrong.
    check_note: Mapped[str | None] = mapped_column(String(300))
    #: A form marked wrong frees its serial (so the corrected form can be keyed again) and keeps it here.
    rejected_serial: Mapped[str | None] = mapped_column(String(32))
    #: Copies of the answers in :data:`RATED_ANSWERS` (see :func:`rated_columns`): the overall rating as answered
    #: (0 = "no opinion"; the rollups count 1–5) and the respondent group.
    overall_rating: Mapped[int | None] = mapped_column(Integer)
    group_age: Mapped[int | None] = mapped_column(Integer)
    group_gender: Mapped[int | None] = mapped_column(Integer)
    group_first_visit: Mapped[int | None] = mapped_column(Integer)

    @hybrid_property
    def unconfirmed(self) -> bool:
        """A paper form not (yet) confirmed by the second-person check: excluded like a suspicious response."""
        return self.channel == Channel.PAPER.value and self.check_status != CheckStatus.CHECKED.value

    @unconfirmed.inplace.expression
    @classmethod
    def _unconfirmed_expression(cls):
        return and_(cls.channel == Channel.PAPER.value,
                    or_(cls.check_status.is_(None), cls.check_status != CheckStatus.CHECKED.value))

    @hybrid_property
    def counted(self) -> bool:
        """The one rule for what indices, rollups, dashboards and scores count: not suspicious, and a paper form
        only once checked."""
        return not self.suspicious and not self.unconfirmed

    @counted.inplace.expression
    @classmethod
    def _counted_expression(cls):
        return and_(cls.suspicious.is_(False),
                    or_(cls.channel != Channel.PAPER.value, cls.check_status == CheckStatus.CHECKED.value))

    answers: Mapped[list[SurveyAnswer]] = relationship(back_populates="response", cascade="all, delete-orphan")
    version: Mapped[QuestionnaireVersion] = relationship()
    centre = relationship("ServiceCentre", overlaps="counter")
    counter = relationship("Counter", overlaps="centre")


class SurveyAnswer(db.Model):
    """One answer: a scale or option value, or text. A multiple choice gives one row per option."""

    __tablename__ = "survey_answers"
    __table_args__ = (Index("ix_survey_answers_question_value", "question_key", "value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("survey_responses.id", ondelete="CASCADE"), index=True)
    #: Stable question key, e.g. "staff.polite".
    question_key: Mapped[str] = mapped_column(String(64))
    #: 1–5 on the satisfaction scale (0 = "không có ý kiến"), or an option value.
    value: Mapped[int | None] = mapped_column(Integer)
    text: Mapped[str | None] = mapped_column(Text)

    response: Mapped[SurveyResponse] = relationship(back_populates="answers")


@event.listens_for(SurveyResponse, "before_insert")
def _set_answered_day(mapper, connection, target: SurveyResponse) -> None:
    if target.answered_day is None and target.answered_at is not None:
        target.answered_day = local_day(target.answered_at)
