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
<<<<<<< HEAD
from .kiosks import Kiosk, KioskBinding, KioskRejection
=======
from .kiosks import Kiosk
from .legal import LegalCitation
>>>>>>> main
from .operations import ScheduledRun, StaffAlert
from .paper_batches import BatchStatus, PaperBatch, PaperBatchScan
from .ratelimit import RateCounter
from .rollups import (
    JobLock,
    RollupAnswerMonth,
    RollupCase,
    RollupCaseLatency,
    RollupCaseMonth,
    RollupDossier,
    RollupRating,
    RollupResponse,
    RollupResponseCount,
    RollupResponseMonth,
    RollupState,
    ScoreCache,
)
from .scoring import (
    CommuneParameter,
    ScoreAttachment,
    ScoreEntry,
    ScoreEntryVersion,
    ScoreFlags,
    ScoreFlagsVersion,
    ScoringOverride,
    UnitProfile,
)
from .surveys import (
    Channel,
    CheckStatus,
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
    "BatchStatus",
    "CheckStatus",
    "PaperBatch",
    "PaperBatchScan",
    "ScheduledRun",
    "StaffAlert",
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
    "RollupAnswerMonth",
    "RollupCase",
    "RollupCaseLatency",
    "RollupCaseMonth",
    "RollupRating",
    "ScoreCache",
    "RollupDossier",
    "RollupResponse",
    "RollupResponseCount",
    "RollupResponseMonth",
    "RollupState",
    "ScoreAttachment",
    "CommuneParameter",
    "ScoreEntry",
    "ScoreEntryVersion",
    "ScoreFlagsVersion",
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
<<<<<<< HEAD
    "KioskBinding",
    "KioskRejection",
=======
    "LegalCitation",
>>>>>>> main
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
