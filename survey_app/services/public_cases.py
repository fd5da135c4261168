"""The one public view of a case: which cases a public surface may show, and which of their fields leave.

Every public surface — the tracking page (``/tra-cuu``), the commune's public list (``/cong-khai/<unit>``), the
transparency page, Open311 GET and the messages to citizens — reads cases through this module, so a new surface
cannot leak by forgetting a filter. The rule (:func:`is_public` in Python, :func:`public_clause` in SQL, kept
side by side):

- the outcome was published by staff (``published_at``);
- the kind may be public: góp ý, phản ánh, kiến nghị — never tố cáo (Luật Tố cáo 2018 protects the denouncer)
  and never khiếu nại (a complaint concerns one person's own rights);
- the citizen did not ask to keep it private, and staff did not mark it confidential.

What leaves: the category, the commune (the ward-level place: never the citizen's address or coordinates), the
dates, the status, the public version of the text and the public answer, both scrubbed of phones, e-mails and
identity numbers again on the way out. Never a name, a contact, a note, the channel or an attachment.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Select, and_, select

from ..models import Case, CaseKind
from ..text import scrub

#: Kinds that may be published; tố cáo and khiếu nại never are.
PUBLIC_KINDS = (CaseKind.SUGGESTION.value, CaseKind.REPORT.value, CaseKind.PETITION.value)


def is_public(case: Case) -> bool:
    """Whether any public surface may show this case (the same rule as :func:`public_clause`)."""
    return (case.published_at is not None and case.kind in PUBLIC_KINDS
            and not case.citizen_private and not case.confidential)


def why_not_public(case: Case) -> list[str]:
    """The reasons a case is not public, in Vietnamese, for the staff case page (empty when it is public)."""
    reasons = []
    if case.kind not in PUBLIC_KINDS:
        reasons.append(f"loại “{case.kind_enum.label}” không bao giờ công khai")
    if case.citizen_private:
        reasons.append("người gửi yêu cầu không công khai")
    if case.confidential:
        reasons.append("UBND đánh dấu bảo mật")
    if case.published_at is None:
        reasons.append("chưa công khai câu trả lời")
    return reasons


def public_clause() -> ColumnElement[bool]:
    """The rule of :func:`is_public` as a SQL condition, for list queries."""
    return and_(Case.published_at.is_not(None), Case.kind.in_(PUBLIC_KINDS),
                Case.citizen_private.is_(False), Case.confidential.is_(False))


def public_cases(unit_id: int) -> Select:
    """The public cases of a commune (callers add their filters, order and paging)."""
    return select(Case).where(Case.unit_id == unit_id, public_clause())


def public_text(case: Case) -> str:
    """The public version of the citizen's text: staff's moderated version, else the scrubbed original."""
    return scrub(case.public_content if case.public_content is not None else case.content)


@dataclass(frozen=True)
class Tracking:
    """What the holder of a tracking code learns about any case: its progress, never its content."""

    tracking_code: str
    unit_code: str
    commune: str
    category_code: str
    category: str
    status: str  # "open" or "closed" (Open311's two states)
    state: str  # Vietnamese label
    received_at: datetime
    due_at: datetime
    answered_at: datetime | None
    published_at: datetime | None
    #: The citizen's rating of the answer (3, 2, 1) or None.
    rating: int | None


@dataclass(frozen=True)
class PublicCase(Tracking):
    """A public case: its progress plus the public text and the public answer."""

    text: str
    answer: str
    updated_at: datetime


def tracking_view(case: Case) -> Tracking:
    """Progress only: for a case that is not public, this is all the tracking page shows."""
    state = case.state_enum
    return Tracking(
        tracking_code=case.tracking_code, unit_code=case.unit.code, commune=case.unit.full_name,
        category_code=case.category.code, category=case.category.name,
        status="open" if state.type == "open" else "closed", state=state.label, received_at=case.received_at,
        due_at=case.due_at, answered_at=case.answered_at, published_at=case.published_at,
        rating=case.citizen_rating,
    )


def public_view(case: Case) -> PublicCase | None:
    """The public face of a case, or None when it is not public (callers answer 404, as for no case at all)."""
    if not is_public(case):
        return None
    base = tracking_view(case)
    moments = [m for m in (case.received_at, case.answered_at, case.published_at, case.closed_at) if m is not None]
    return PublicCase(**base.__dict__, text=public_text(case), answer=scrub(case.public_answer),
                      updated_at=max(moments))

