"""The score of a commune for a year: every item's points with the rule or entry behind them, group and
criterion totals capped at their declared maximum, the total, the level and the disqualifying flags.

One computation for the screen, the exports, the CLI and the JSON API.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy.orm import Session

from survey_app.models import AdminUnit
from survey_app.numbers import number_vi

from . import data
from .asof import AsOf
from .asof import as_of as period_as_of
from .reads import Reads, UnitReads
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
    #: scored | not_due ("chưa đến kỳ": the item's period has not ended, shown apart from a failure)
    status: str = "scored"

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
    #: what the score could see: the date asked for, the effective date (``end``) and the cutoff moment
    asof: AsOf | None = None

    @property
    def as_of_date(self) -> date:
        """The date every figure is "tính đến": the date asked for, capped at today and at 31/12."""
        return self.end

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
            "period": [self.start.isoformat(), self.end.isoformat()], "as_of": self.end.isoformat(),
            "as_of_requested": (self.asof.requested if self.asof else self.end).isoformat(), "total": self.total,
            "level": self.level_name, "disqualified": self.disqualified, "discrepancies": self.discrepancies,
            "blank": [s.item.code for s in self.blank],
            "criteria": [{"code": c.code, "text": c.text, "max": c.max, "raw": c.raw, "points": c.points}
                         for c in self.criteria],
            "items": [{"code": s.item.code, "text": s.item.text, "max": s.item.points, "points": s.points,
                       "source": s.source, "status": s.status,
                       "rule": s.item.rule, "explanation": s.explanation, "figures": s.figures,
                       "note": s.note, "attachments": s.attachments} for s in self.items],
        }


def floor_to_step(value: float, step: float) -> float:
    """Round down to the table's step (partial credit never rounds up)."""
    return math.floor(value / step + 1e-9) * step


def assessment_period(year: int, as_of_day: date | None = None, now: datetime | None = None) -> AsOf:
    """The assessment year up to ``as_of_day`` (today by default), never past the present: see :mod:`.asof`."""
    return period_as_of(year, as_of_day, now)


def _context(session: Session, unit: AdminUnit, year: int, as_of_day: date | None, now: datetime | None,
             reads: Reads | None = None) -> RuleContext:
    """The rules' view of one commune; its reads come from ``reads`` (a batch of communes) or a batch of one."""
    reads = reads or Reads(session, [unit.id], now)
    return RuleContext(session=session, unit=unit, year=year,
                       asof=period_as_of(year, as_of_day, now if now is not None else reads.now),
                       read=reads.of(unit.id))


def _item_score(ctx: RuleContext, table: Table, item: Item, entry: data.EntryAsOf | None, attachments: int,
                overrides: dict) -> ItemScore:
    """One item: a computed item's rule with its parameters (the city's overrides win), or the staff's entry."""
    if item.mode == "computed":
        params = {**item.params, **overrides.get(item.code, {})}
        result = RULES[item.rule][0](ctx, params)
        ratio = max(0.0, min(1.0, result.ratio))
        points = floor_to_step(item.points * ratio, table.rounding_step)
        explanation = result.explanation
        if result.status != "not_due":
            explanation += " " + rounding_note(item.points, ratio, points, table.rounding_step)
        return ItemScore(item, points, "computed", explanation, result.figures,
                         entry.note if entry else "", attachments, params, result.evidence, result.status)
    if entry is not None:
        return ItemScore(item, min(item.points, max(0.0, entry.points)), "entered", entry.note or "",
                         note=entry.note, attachments=attachments)
    return ItemScore(item, None, "missing", "Chưa chấm: cán bộ nhập điểm và tài liệu minh chứng.",
                     attachments=attachments)


def rounding_note(max_points: float, ratio: float, points: float, step: float) -> str:
    """How the points came from the achievement, in words a ward officer reads: "5 × 93,3% = 4,67 điểm, làm tròn
    xuống 0,25 điểm: 4,5 điểm"."""
    raw = max_points * ratio
    text = f"Điểm: {number_vi(max_points)} × {number_vi(ratio * 100, 1)}% = {number_vi(raw, 2)}"
    if abs(raw - points) > 1e-9:
        text += f", làm tròn xuống {number_vi(step)} điểm: {number_vi(points)} điểm."
    else:
        text += " điểm."
    return text


def score_item(session: Session, unit: AdminUnit, year: int, code: str, as_of: date | None = None,
               table: Table | None = None, now: datetime | None = None) -> ItemScore:
    """One item's score (the same computation as :func:`score`, without running every other rule).

    :raises KeyError: when the table has no item ``code``.
    """
    table = (table or for_year(year)).for_unit_kind(unit.kind)
    item = table.item(code)
    ctx = _context(session, unit, year, as_of, now)
    entry = ctx.read.score_entries(year, ctx.asof).get(code)
    attachments = ctx.read.attachment_counts(year, ctx.asof).get(code, 0)
    return _item_score(ctx, table, item, entry, attachments, _overrides(ctx.read, table))


def _overrides(read: UnitReads, table: Table) -> dict[str, dict]:
    """The city's parameter overrides, then the commune's own plan parameters (e.g. its survey quarter) on top."""
    city = read.overrides(table.id)
    commune = read.commune_parameters(table.id)
    return {code: {**city.get(code, {}), **commune.get(code, {})} for code in set(city) | set(commune)}


def score(session: Session, unit: AdminUnit, year: int, as_of: date | None = None,
          table: Table | None = None, now: datetime | None = None, reads: Reads | None = None) -> Score:
    """The commune's score for ``year`` as of ``as_of`` (today by default; a later date is capped at today).

    :param now: the present (default: the clock), so a test or an audit can recompute exactly.
    :param reads: the batch of communes this score is part of (see :func:`score_all`); default: this one alone.
    """
    table = (table or for_year(year)).for_unit_kind(unit.kind)
    ctx = _context(session, unit, year, as_of, now, reads)
    entries = ctx.read.score_entries(year, ctx.asof)
    attachments = ctx.read.attachment_counts(year, ctx.asof)
    overrides = _overrides(ctx.read, table)
    items = [_item_score(ctx, table, item, entries.get(item.code), attachments.get(item.code, 0), overrides)
             for item in table.items]
    flags = ctx.read.flags(year, ctx.asof)
    raised = [code for code, _ in table.disqualifiers if flags is not None and getattr(flags, code, False)]
    t = tally(table, {s.item.code: s.points for s in items}, raised)
    return Score(table, unit, year, ctx.start, ctx.end, items, t.criteria, t.groups, t.total, t.level_name,
                 t.level_code, t.disqualified, list(table.discrepancies), ctx.asof)


def score_all(session: Session, units: list[AdminUnit], year: int, as_of: date | None = None,
              table: Table | None = None, now: datetime | None = None) -> list[Score]:
    """Every commune's score in one pass: each rule's query runs once for all of them (grouped by commune), then
    the same rule functions turn each commune's counts into points. Equal to :func:`score` commune by commune."""
    reads = Reads(session, [u.id for u in units])
    return [score(session, unit, year, as_of, table, now, reads) for unit in units]


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


class Totaliser:
    """``tally(table, points, …).total`` for many trials that each change one item (the year-end path weighs every
    action against the current points): only the item's group and criterion are added up again, in the same order
    as :func:`tally`, so each trial's total is exactly the one :func:`tally` would give."""

    def __init__(self, table: Table, points: dict[str, float | None]):
        self.table = table
        self.points = dict(points)
        self.where = {i.code: (ci, gi) for ci, c in enumerate(table.criteria)
                      for gi, g in enumerate(c.groups) for i in g.items}
        #: each group's item points in the group's order (0 for none), and each item's place among them: a trial
        #: swaps one value in a copy and adds the list up, the very sum :func:`tally` makes
        self.values = [[[self.points.get(i.code) or 0 for i in g.items] for g in c.groups] for c in table.criteria]
        self.place = {i.code: n for c in table.criteria for g in c.groups for n, i in enumerate(g.items)}
        self.capped = [[min(g.points, sum(values)) for g, values in zip(c.groups, self.values[ci], strict=True)]
                       for ci, c in enumerate(table.criteria)]
        self.criteria = [min(c.points, sum(caps)) for c, caps in zip(table.criteria, self.capped, strict=True)]

    def criterion_if(self, code: str, value: float) -> tuple[int, float]:
        """(criterion index, its capped points) if item ``code`` had ``value``: a trial depends on nothing else
        than its own criterion's items, so a caller may keep it until that criterion changes."""
        ci, gi = self.where[code]
        criterion = self.table.criteria[ci]
        values = list(self.values[ci][gi])
        values[self.place[code]] = value or 0
        caps = list(self.capped[ci])
        caps[gi] = min(criterion.groups[gi].points, sum(values))
        return ci, min(criterion.points, sum(caps))

    def total_with(self, ci: int, points: float) -> float:
        """The total if criterion ``ci`` had ``points`` (from :meth:`criterion_if`): the criteria added in the same
        order as :func:`tally` (so the same float), by swapping the one value in and out."""
        criteria = self.criteria
        kept, criteria[ci] = criteria[ci], points
        total = sum(criteria)
        criteria[ci] = kept
        return round(min(self.table.total, total), 2)

    def total(self) -> float:
        return round(min(self.table.total, sum(self.criteria)), 2)

    def total_if(self, code: str, value: float) -> float:
        """The total if item ``code`` had ``value`` (nothing changed)."""
        return self.total_with(*self.criterion_if(code, value))

    def set(self, code: str, value: float) -> int:
        """Give item ``code`` its ``value``; returns the index of the criterion that changed."""
        ci, gi = self.where[code]
        group = self.table.criteria[ci].groups[gi]
        self.points[code] = value
        self.values[ci][gi][self.place[code]] = value or 0
        self.capped[ci][gi] = min(group.points, sum(self.values[ci][gi]))
        self.criteria[ci] = min(self.table.criteria[ci].points, sum(self.capped[ci]))
        return ci
