"""The score of a commune for a year: every item's points with the rule or entry behind them, group and
criterion totals capped at their declared maximum, the total, the level and the disqualifying flags.

One computation for the screen, the exports, the CLI and the JSON API.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time

from sqlalchemy.orm import Session

from survey_app.models import AdminUnit
from survey_app.timeutil import LOCAL_TZ, local_today

from . import data
from .rules import RULES, Evidence, RuleContext
from .table import Item, Table, for_year


@dataclass
class ItemScore:
    item: Item
    points: float | None
    source: str  # computed | entered | missing
    explanation: str
    figures: dict = field(default_factory=dict)
    note: str = ""
    attachments: int = 0
    params: dict = field(default_factory=dict)
    evidence: object = None  # Callable[[], Evidence] | None

    def rows(self) -> Evidence | None:
        return self.evidence() if self.evidence else None


@dataclass
class GroupScore:
    code: str
    text: str
    criterion: str
    max: float
    raw: float
    points: float


@dataclass
class CriterionScore:
    code: str
    text: str
    max: float
    raw: float
    points: float


@dataclass
class Tally:
    """Group and criterion totals (each capped at its declared maximum), the total, the level, the flags."""

    groups: list[GroupScore]
    criteria: list[CriterionScore]
    total: float
    level_name: str
    level_code: str
    disqualified: list[str]


@dataclass
class Score:
    table: Table
    unit: AdminUnit
    year: int
    start: date
    end: date
    items: list[ItemScore]
    criteria: list[CriterionScore]
    groups: list[GroupScore]
    total: float
    level_name: str
    level_code: str
    disqualified: list[str]
    discrepancies: list[str]

    def item(self, code: str) -> ItemScore:
        return next(i for i in self.items if i.item.code == code)

    @property
    def blank(self) -> list[ItemScore]:
        """Items nobody has scored yet: shown on the score page, the city dashboard and every document, and
        listed for confirmation before the score is sent for appraisal."""
        return [i for i in self.items if i.source == "missing"]

    def as_dict(self) -> dict:
        return {
            "table": self.table.id, "unit": self.unit.code, "unit_name": self.unit.full_name, "year": self.year,
            "period": [self.start.isoformat(), self.end.isoformat()], "total": self.total,
            "level": self.level_name, "disqualified": self.disqualified, "discrepancies": self.discrepancies,
            "blank": [s.item.code for s in self.blank],
            "criteria": [{"code": c.code, "text": c.text, "max": c.max, "raw": c.raw, "points": c.points}
                         for c in self.criteria],
            "items": [{"code": s.item.code, "text": s.item.text, "max": s.item.points, "points": s.points,
                       "source": s.source, "rule": s.item.rule, "explanation": s.explanation, "figures": s.figures,
                       "note": s.note, "attachments": s.attachments} for s in self.items],
        }


def floor_to_step(value: float, step: float) -> float:
    """Round down to the table's step (partial credit never rounds up)."""
    return math.floor(value / step + 1e-9) * step


def assessment_period(year: int, as_of: date | None = None) -> tuple[date, date, datetime]:
    """(start, end, now): the assessment year up to ``as_of`` (today by default), and the moment deadlines are
    judged at (the end of that last day, or the present if earlier)."""
    start = date(year, 1, 1)
    end = min(as_of or local_today(), date(year, 12, 31))
    now = min(datetime.now(UTC), datetime.combine(end, time(23, 59, 59), tzinfo=LOCAL_TZ).astimezone(UTC))
    return start, end, now


def _context(session: Session, unit: AdminUnit, year: int, as_of: date | None) -> RuleContext:
    start, end, now = assessment_period(year, as_of)
    return RuleContext(session=session, unit=unit, year=year, start=start, end=end, now=now)


def _item_score(ctx: RuleContext, table: Table, item: Item, entry, attachments: int, overrides: dict) -> ItemScore:
    """One item: a computed item's rule with its parameters (the city's overrides win), or the staff's entry."""
    if item.mode == "computed":
        params = {**item.params, **overrides.get(item.code, {})}
        result = RULES[item.rule][0](ctx, params)
        ratio = max(0.0, min(1.0, result.ratio))
        points = floor_to_step(item.points * ratio, table.rounding_step)
        return ItemScore(item, points, "computed", result.explanation, result.figures,
                         entry.note if entry else "", attachments, params, result.evidence)
    if entry is not None:
        return ItemScore(item, min(item.points, max(0.0, entry.points)), "entered", entry.note or "",
                         note=entry.note, attachments=attachments)
    return ItemScore(item, None, "missing", "Chưa chấm: cán bộ nhập điểm và tài liệu minh chứng.",
                     attachments=attachments)


def score_item(session: Session, unit: AdminUnit, year: int, code: str, as_of: date | None = None,
               table: Table | None = None) -> ItemScore:
    """One item's score (the same computation as :func:`score`, without running every other rule).

    :raises KeyError: when the table has no item ``code``.
    """
    table = (table or for_year(year)).for_unit_kind(unit.kind)
    item = table.item(code)
    ctx = _context(session, unit, year, as_of)
    entry = data.score_entries(session, unit.id, year).get(code)
    attachments = data.attachment_counts(session, unit.id, year).get(code, 0)
    return _item_score(ctx, table, item, entry, attachments, data.overrides(session, table.id))


def score(session: Session, unit: AdminUnit, year: int, as_of: date | None = None,
          table: Table | None = None) -> Score:
    table = (table or for_year(year)).for_unit_kind(unit.kind)
    ctx = _context(session, unit, year, as_of)
    start, end = ctx.start, ctx.end
    entries = data.score_entries(session, unit.id, year)
    attachments = data.attachment_counts(session, unit.id, year)
    overrides = data.overrides(session, table.id)
    items = [_item_score(ctx, table, item, entries.get(item.code), attachments.get(item.code, 0), overrides)
             for item in table.items]
    flags = data.flags(session, unit.id, year)
    raised = [code for code, _ in table.disqualifiers if flags is not None and getattr(flags, code, False)]
    t = tally(table, {s.item.code: s.points for s in items}, raised)
    return Score(table, unit, year, start, end, items, t.criteria, t.groups, t.total, t.level_name, t.level_code,
                 t.disqualified, list(table.discrepancies))


def tally(table: Table, points: dict[str, float | None], raised_flags: list[str]) -> Tally:
    """Totals from item points: the one rule for the self-score and the city's appraised score alike.

    Each group is capped at its declared points, each criterion at its own, the total at the table's (so where
    the source does not add up, as Tiêu chí 2, the declared maximum wins). A raised disqualifying flag gives the
    lowest level whatever the points.

    :param points: item code -> points (None or absent: not scored, counted as 0).
    :param raised_flags: codes of the table's disqualifiers that are raised.
    """
    groups: list[GroupScore] = []
    criteria: list[CriterionScore] = []
    for criterion in table.criteria:
        raw = sum(points.get(i.code) or 0 for i in criterion.items)
        capped_sum = 0.0
        for group in criterion.groups:
            group_raw = sum(points.get(i.code) or 0 for i in group.items)
            capped = min(group.points, group_raw)
            groups.append(GroupScore(group.code, group.text, criterion.code, group.points, group_raw, capped))
            capped_sum += capped
        criteria.append(CriterionScore(criterion.code, criterion.text, criterion.points, raw,
                                       min(criterion.points, capped_sum)))
    total = min(table.total, sum(c.points for c in criteria))
    disqualified = [text for code, text in table.disqualifiers if code in raised_flags]
    level = table.level_for(total)
    if disqualified:
        level = min(table.levels, key=lambda lv: lv.min)
    return Tally(groups, criteria, round(total, 2), level.name, level.code, disqualified)
