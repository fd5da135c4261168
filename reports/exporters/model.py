"""What the documents are made from: plain data, gathered once from the database by :mod:`reports.dossier`, so
every exporter is a pure function from these objects to bytes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from reports.metrics.sipas import Qd766Result, SipasResult, Tt01Result
from reports.metrics.topics import TopicReport

from .docx_layout import Issuer

MISSING = "chưa có dữ liệu"
#: The scope of a survey block over the whole commune (the others are its centres).
WHOLE_UNIT = "Toàn đơn vị"


@dataclass(frozen=True)
class UnitHead:
    code: str
    name: str
    full_name: str
    kind_label: str
    issuer: Issuer

    @property
    def in_text(self) -> str:
        """The name inside a sentence: "phường Bạch Đằng" (the kind in lower case, as documents write it)."""
        return f"{self.kind_label.lower()} {self.name}"

    @classmethod
    def of(cls, code: str, name: str, kind_label: str) -> UnitHead:
        full = f"{kind_label} {name}"
        return cls(code, name, full, kind_label,
                   Issuer(body_lines=("Ủy ban nhân dân", full), place=name, parent=None))


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    data: bytes


@dataclass
class ItemLine:
    code: str
    text: str
    max: float
    points: float | None
    #: computed | entered | missing
    source: str
    explanation: str
    evidence: str
    criterion: str
    group: str
    note: str = ""
    figures: dict = field(default_factory=dict)
    columns: list[str] = field(default_factory=list)
    rows: list[list] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    #: the questionnaire code a survey item is scored on (its rule's parameter), "" for the other items
    questionnaire: str = ""

    @property
    def source_label(self) -> str:
        return {"computed": "Tính từ số liệu", "entered": "Cán bộ chấm", "missing": "Chưa chấm"}[self.source]


@dataclass(frozen=True)
class GroupLine:
    code: str
    text: str
    criterion: str
    max: float
    points: float


@dataclass(frozen=True)
class CriterionLine:
    code: str
    text: str
    max: float
    points: float


@dataclass
class ScoreDoc:
    """A commune's table for a year, with every item's points, explanation, rows and files."""

    unit: UnitHead
    year: int
    as_of: date
    table_title: str
    decision: str
    items: list[ItemLine]
    groups: list[GroupLine]
    criteria: list[CriterionLine]
    total: float
    level: str
    disqualified: list[str] = field(default_factory=list)
    #: (label, points) when the city has appraised it
    appraised: tuple[float, str] | None = None
    #: the table's level code ("khong_dat" below the standard)
    level_code: str = ""
    #: legal citations in force on the as-of date, by registry key (documents name no text themselves)
    citations: dict[str, str] = field(default_factory=dict)
    # The table's administrative notes (e.g. Tiêu chí 2's 25 against 24) are for staff pages only: documents
    # have no field to print them from.

    @property
    def blank(self) -> list[ItemLine]:
        """Items nobody has scored yet (shown on every document until the dossier is complete)."""
        return [i for i in self.items if i.source == "missing"]

    @property
    def reached(self) -> bool:
        """Whether the level reached is a level of the standard (Mức 1–4), so the commune may ask for recognition."""
        return self.level_code not in ("", "khong_dat") and not self.disqualified

    def cite(self, key: str, fallback: str = "") -> str:
        return self.citations.get(key) or fallback

    @property
    def as_of_text(self) -> str:
        """"số liệu tính đến ngày dd/mm/yyyy" — the engine's effective date, never after the day it was made."""
        return f"số liệu tính đến ngày {self.as_of.strftime('%d/%m/%Y')}"

    @property
    def blank_text(self) -> str:
        """"còn 3/69 mục chưa chấm: 1.1.a.1, …" (empty when every item is scored)."""
        blank = self.blank
        if not blank:
            return ""
        return f"còn {len(blank)}/{len(self.items)} mục chưa chấm: " + ", ".join(i.code for i in blank)

    def items_of(self, criterion: str) -> list[ItemLine]:
        return [i for i in self.items if i.criterion == criterion]

    def groups_of(self, criterion: str) -> list[GroupLine]:
        return [g for g in self.groups if g.criterion == criterion]

    def items_in(self, group: str) -> list[ItemLine]:
        return [i for i in self.items if i.group == group]


@dataclass(frozen=True)
class SurveyBlock:
    """Indices of one questionnaire over one scope (the whole commune or one centre) and period."""

    questionnaire: str
    scope: str
    start: date
    end: date
    responses: int
    suspicious: int
    sipas: SipasResult
    tt01: Tt01Result | None = None
    qd766: Qd766Result | None = None
    #: the questionnaire's stable code ("centre-service", "annual-friendly-government")
    code: str = ""


@dataclass(frozen=True)
class FeedbackFigures:
    """Feedback (PAKN) handled in the period, from the case rollups."""

    received: int
    answered: int
    answered_on_time: int
    published: int
    by_channel: dict[str, int]

    @property
    def on_time_share(self) -> float | None:
        return self.answered_on_time / self.answered if self.answered else None


@dataclass
class DossierBundle:
    """Everything the evidence dossier is built from."""

    score: ScoreDoc
    surveys: list[SurveyBlock]
    feedback: FeedbackFigures
    generated_on: date
    #: What citizens' comments and feedback of the period talk about (survey summary document).
    topics: TopicReport | None = None
