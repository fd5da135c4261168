"""Survey indices from answer counts: SIPAS shares, TT 01's indicator points (a reference scale), the QĐ 766 ratio.

Pure functions over counts (no Flask, no database), so the screen, the exports and the scores share them.

* SIPAS (the Ministry of Home Affairs' current method; registry key "sipas"): a criterion's index is the share of
  valid answers that are "Hài lòng" (4) or "Rất hài lòng" (5); "Không có ý kiến" (0) is not a valid answer.
  An element's index is the mean of its criteria's indices; the overall SIPAS index is the mean of the elements.
* Wilson score interval at 95% on every share.
* TT 01's nine indicators (Điều 13; the circular was replaced by TT 03/2025/TT-VPCP, which has no successor
  indicators, so they are kept as a reference scale, registry key "evaluation_scale"): each indicator scores
  2 / 1 / 0 per dossier; indicator score = points ÷ answers, one decimal.
* QĐ 766/QĐ-TTg: satisfaction ratio = (rated − dissatisfied) ÷ rated, full 6 points at 90%.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

SATISFIED = (4, 5)
SCALE = (1, 2, 3, 4, 5)
Z95 = 1.959963984540054


def round_half_up(value: float, digits: int) -> float:
    """Rounding as Vietnamese reports do (1.25 -> 1.3), not Python's banker's rounding."""
    quantum = Decimal(1).scaleb(-digits)
    return float(Decimal(str(value)).quantize(quantum, rounding=ROUND_HALF_UP))


def wilson(successes: int, n: int, z: float = Z95) -> tuple[float, float] | None:
    """Wilson score interval for a share; None when n is 0."""
    if n <= 0:
        return None
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass(frozen=True)
class CriterionIndex:
    key: str
    label: str
    #: valid answers (1–5)
    n: int
    satisfied: int
    not_applicable: int
    distribution: dict[int, int]

    @property
    def share(self) -> float | None:
        return self.satisfied / self.n if self.n else None

    @property
    def ci(self) -> tuple[float, float] | None:
        return wilson(self.satisfied, self.n)

    @property
    def mean(self) -> float | None:
        return sum(v * c for v, c in self.distribution.items()) / self.n if self.n else None


@dataclass(frozen=True)
class ElementIndex:
    key: str
    name: str
    criteria: list[CriterionIndex]

    @property
    def index(self) -> float | None:
        shares = [c.share for c in self.criteria if c.share is not None]
        return sum(shares) / len(shares) if shares else None

    @property
    def n(self) -> int:
        """The largest number of valid answers among its criteria (about the respondents who rated it)."""
        return max((c.n for c in self.criteria), default=0)


@dataclass(frozen=True)
class SipasResult:
    responses: int
    elements: list[ElementIndex]
    quick: CriterionIndex | None = None

    @property
    def index(self) -> float | None:
        values = [e.index for e in self.elements if e.index is not None]
        return sum(values) / len(values) if values else None


def criterion(key: str, label: str, counts: Mapping[int, int]) -> CriterionIndex:
    distribution = {v: int(counts.get(v, 0)) for v in SCALE}
    return CriterionIndex(
        key=key, label=label, n=sum(distribution.values()),
        satisfied=sum(distribution[v] for v in SATISFIED), not_applicable=int(counts.get(0, 0)),
        distribution=distribution,
    )


def sipas(definition, counts: Mapping[str, Mapping[int, int]], responses: int, lang: str = "vi") -> SipasResult:
    """Indices for a questionnaire ``definition`` from ``counts[question_key][value]``."""
    elements: list[ElementIndex] = []
    for element_key, _name in definition.elements:
        questions = [q for q in definition.questions.values() if q.type == "scale5" and q.element == element_key]
        elements.append(ElementIndex(
            key=element_key, name=definition.element_name(element_key, lang),
            criteria=[criterion(q.key, q.label(lang), counts.get(q.key, {})) for q in questions],
        ))
    quick_q = definition.quick_question
    quick = criterion(quick_q.key, quick_q.label(lang), counts.get(quick_q.key, {})) if quick_q else None
    return SipasResult(responses=responses, elements=elements, quick=quick)


# -- TT 01 (reference scale) ------------------------------------------------------------------------------

#: Indicator numbers in TT 01's Điều 13 for the indicators citizens answer.
TT01_INDICATORS = {"time": 1, "contacts": 3, "agencies": 4, "attitude": 7}
TT01_NAMES = {
    "time": "Thời gian giải quyết so với quy định",
    "contacts": "Số lần phải liên hệ để hoàn thiện hồ sơ",
    "agencies": "Số cơ quan phải liên hệ",
    "attitude": "Thái độ của cán bộ, công chức (không phiền hà, sách nhiễu)",
}
#: Unit bands on the full 18 points, as shares of the maximum (15/18, 12/18, 9/18, 6/18).
UNIT_BANDS = [(15 / 18, "Xuất sắc"), (12 / 18, "Tốt"), (9 / 18, "Khá"), (6 / 18, "Trung bình"), (0.0, "Yếu")]
#: An officer meets the duties at 5 of 10 points, i.e. half the maximum.
OFFICER_THRESHOLD = 0.5


@dataclass(frozen=True)
class IndicatorScore:
    key: str
    number: int
    name: str
    answers: int
    points: int

    @property
    def score(self) -> float | None:
        """Points ÷ answers, rounded half up to one decimal as TT 01 prescribes."""
        return round_half_up(self.points / self.answers, 1) if self.answers else None


@dataclass(frozen=True)
class Tt01Result:
    indicators: list[IndicatorScore] = field(default_factory=list)

    @property
    def total(self) -> float:
        return round_half_up(sum(i.score for i in self.indicators if i.score is not None), 1)

    @property
    def maximum(self) -> int:
        return 2 * sum(1 for i in self.indicators if i.score is not None)

    @property
    def unit_band(self) -> str | None:
        if not self.maximum:
            return None
        ratio = self.total / self.maximum
        return next(label for threshold, label in UNIT_BANDS if ratio >= threshold)

    @property
    def officer_meets_duties(self) -> bool | None:
        return None if not self.maximum else self.total / self.maximum >= OFFICER_THRESHOLD


def tt01(definition, counts: Mapping[str, Mapping[int, int]]) -> Tt01Result:
    """Indicator scores from the questions that carry an ``indicator`` and option ``points``."""
    indicators: list[IndicatorScore] = []
    for question in definition.questions.values():
        if question.indicator not in TT01_INDICATORS:
            continue
        points_of = {o.value: o.points for o in question.options if o.points is not None}
        answered = {v: c for v, c in counts.get(question.key, {}).items() if v in points_of}
        indicators.append(IndicatorScore(
            key=question.indicator, number=TT01_INDICATORS[question.indicator], name=TT01_NAMES[question.indicator],
            answers=sum(answered.values()), points=sum(points_of[v] * c for v, c in answered.items()),
        ))
    indicators.sort(key=lambda i: i.number)
    return Tt01Result(indicators)


# -- QĐ 766 --------------------------------------------------------------------------------------------------

QD766_FULL_AT = 0.9
QD766_POINTS = 6.0


@dataclass(frozen=True)
class Qd766Result:
    rated: int
    dissatisfied: int

    @property
    def ratio(self) -> float | None:
        return (self.rated - self.dissatisfied) / self.rated if self.rated else None

    @property
    def points(self) -> float | None:
        """6 × ratio ÷ 90%, capped at 6 (full marks from 90%)."""
        if self.ratio is None:
            return None
        return round_half_up(min(QD766_POINTS, QD766_POINTS * self.ratio / QD766_FULL_AT), 2)
