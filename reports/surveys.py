"""One survey summary for a filter: SIPAS, TT 01 and QĐ 766 from the same counts (screen, exports, scores)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from .metrics.sipas import Qd766Result, SipasResult, Tt01Result, sipas, tt01
from .queries import SurveyFilter, answer_counts, qd766_counts, response_count


@dataclass(frozen=True)
class SurveySummary:
    filter: SurveyFilter
    responses: int
    sipas: SipasResult
    tt01: Tt01Result
    qd766: Qd766Result
    counts: dict[str, dict[int, int]]


def summarise(session: Session, definition, f: SurveyFilter, lang: str = "vi") -> SurveySummary:
    counts = answer_counts(session, f)
    responses = response_count(session, f)
    rated, dissatisfied = qd766_counts(session, f)
    return SurveySummary(
        filter=f, responses=responses, sipas=sipas(definition, counts, responses, lang), tt01=tt01(definition, counts),
        qd766=Qd766Result(rated, dissatisfied), counts=counts,
    )
