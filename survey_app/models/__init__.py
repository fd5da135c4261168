"""The database model, one module per aggregate. Importing this package registers every table."""

from .appraisal import AppraisalItem, ScoreSubmission, SubmissionStatus
from .audit import AuditEvent
from .cases import (
    ApiKey,
    BoxOpening,
    CalendarDay,
    Case,
    CaseAttachment,
    CaseCategory,
    CaseChannel,
    CaseEvent,
    CaseKind,
    CaseState,
    CollectionSession,
    DeadlineRule,
    DutyShift,
    Notification,
    SuggestionBox,
)
from .dossiers import ApologyLetter, Dossier, DossierColumnMapping, DossierImport
from .jobs import BackgroundJob, JobStatus
from .kiosks import Kiosk
from .ratelimit import RateCounter
from .rollups import JobLock, RollupCase, RollupDossier, RollupResponse, RollupResponseCount, RollupState
from .scoring import ScoreAttachment, ScoreEntry, ScoreFlags, ScoringOverride, UnitProfile
from .surveys import (
    Channel,
    QrToken,
    Questionnaire,
    QuestionnaireVersion,
    SurveyAnswer,
    SurveyResponse,
    VersionStatus,
)
from .units import AdminUnit, Counter, Department, Officer, ServiceCentre, UnitKind
from .users import Role, User

__all__ = [
    "AppraisalItem",
    "BackgroundJob",
    "JobStatus",
    "ScoreSubmission",
    "SubmissionStatus",
    "AdminUnit",
    "ApologyLetter",
    "Dossier",
    "DossierColumnMapping",
    "DossierImport",
    "JobLock",
    "RollupCase",
    "RollupDossier",
    "RollupResponse",
    "RollupResponseCount",
    "RollupState",
    "ScoreAttachment",
    "ScoreEntry",
    "ScoreFlags",
    "ScoringOverride",
    "UnitProfile",
    "ApiKey",
    "BoxOpening",
    "CalendarDay",
    "Case",
    "CaseAttachment",
    "CaseCategory",
    "CaseChannel",
    "CaseEvent",
    "CaseKind",
    "CaseState",
    "CollectionSession",
    "DeadlineRule",
    "DutyShift",
    "Kiosk",
    "Notification",
    "SuggestionBox",
    "AuditEvent",
    "Channel",
    "Counter",
    "Department",
    "Officer",
    "QrToken",
    "Questionnaire",
    "QuestionnaireVersion",
    "RateCounter",
    "Role",
    "ServiceCentre",
    "SurveyAnswer",
    "SurveyResponse",
    "UnitKind",
    "User",
    "VersionStatus",
]
