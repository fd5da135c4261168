"""Lộ trình đạt chuẩn: for a commune and a day, every item's points now, its forecast at the end of the year if
the pace so far holds, the most it can still reach, and what to do; the year-end total and level as a range, the
items that decide it, and the cheapest ordered path to the next level.

One computation for the score page, the commune dashboard, the weekly digest, the CLI (``reports guidance``)
and the JSON. Forecasts come from :mod:`.forecasts` (one function beside each rule); points from the engine's
rounding, so a forecast never promises what the rules would not give.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey_app.models import AdminUnit
from survey_app.numbers import number_vi
from survey_app.timeutil import format_date

from . import engine
from .asof import AsOf
from .forecasts import FORECASTS, Action, Outlook, OutlookContext
from .reads import Reads, UnitReads
from .table import Table, for_year

#: how many actions make "this week's" list, and how many steps of the path a text (CLI, digest) shows
WEEKLY_ACTIONS = 7
PATH_LINES = 10


@dataclass
class ItemGuidance:
    code: str
    text: str
    max: float
    mode: str
    now: float | None
    forecast: float
    reachable: float
    actions: list[Action] = field(default_factory=list)
    note: str = ""

    @property
    def status(self) -> str:
        """A plain word for the ward officer."""
        if self.note:
            return self.note
        if self.mode == "entered" and self.now is None:
            return "chưa chấm"
        if self.reachable + 1e-9 < self.max:
            return "không thể đạt tối đa"
        if self.forecast + 1e-9 >= self.max:
            return "đúng tiến độ"
        return "chậm tiến độ"

    def as_dict(self) -> dict:
        return {"code": self.code, "text": self.text, "max": self.max, "mode": self.mode, "now": self.now,
                "forecast": self.forecast, "reachable": self.reachable, "status": self.status,
                "actions": [a.as_dict() for a in self.actions]}


@dataclass
class Guidance:
    unit: AdminUnit
    year: int
    as_of: date
    score: engine.Score
    items: list[ItemGuidance]
    #: year-end totals: if the pace holds (blank staff items stay blank) and the most still reachable
    forecast_total: float
    forecast_level: str
    reachable_total: float
    reachable_level: str
    #: items whose outcome moves the year-end total most (largest reachable − forecast)
    deciding: list[str]
    #: the level the path aims at, the points it needs, and the ordered actions that get there
    target_level: str | None
    target_min: float | None
    path: list[Action]
    path_reaches: bool
    disqualified: list[str]

    @property
    def this_week(self) -> list[Action]:
        """What to do this week: what falls due within seven days first, then the best gain for the effort."""
        horizon = self.as_of + timedelta(days=7)
        actions = [a for g in self.items for a in g.actions if a.gain > 0 or a.effort == 0]
        useful = [a for a in actions if a.gain > 0]
        useful.sort(key=lambda a: (not (a.due and a.due <= horizon), -a.gain / max(1, a.effort)))
        return useful[:WEEKLY_ACTIONS]

    def summary(self) -> dict:
        """What the city's view and the cache keep of it."""
        return {"as_of": self.as_of.isoformat(), "as_of_vn": format_date(self.as_of),
                "now_total": self.score.total, "now_level": self.score.level_name,
                "forecast_total": self.forecast_total, "forecast_level": self.forecast_level,
                "reachable_total": self.reachable_total, "reachable_level": self.reachable_level,
                "deciding": self.deciding, "target_level": self.target_level, "path_reaches": self.path_reaches,
                "blank_items": sum(1 for g in self.items if g.mode == "entered" and g.now is None),
                "this_week": [a.as_dict() for a in self.this_week], "disqualified": self.disqualified}

    def as_dict(self, items: bool = True) -> dict:
        """Everything, JSON-ready; ``items=False`` leaves out the per-item detail (what the cache keeps)."""
        out = {"unit": self.unit.code, "unit_name": self.unit.full_name, "year": self.year, **self.summary(),
               "target_min": self.target_min, "path": [a.as_dict() for a in self.path]}
        if items:
            out["items"] = [g.as_dict() for g in self.items]
        return out


def _ratio_now(s: engine.ItemScore) -> float:
    return (s.points or 0.0) / s.item.points if s.item.points else 0.0


def item_guidance(session: Session, table: Table, s: engine.ItemScore, unit: AdminUnit, year: int,
                  asof: AsOf, read: UnitReads) -> ItemGuidance:
    """One item's outlook: computed items through their rule's forecast, staff items by what is entered."""
    item, year_end, as_of = s.item, date(year, 12, 31), asof.end
    step = table.rounding_step
    if s.source == "computed":
        ratio = _ratio_now(s)
        if as_of >= year_end:
            outlook = Outlook(ratio, ratio)
        else:
            ctx = OutlookContext(session, unit, year, asof, item.code, item.points, read)
            outlook = FORECASTS[item.rule](ctx, s.params, ratio)
        reachable = max(outlook.reachable, outlook.forecast)
        note = outlook.note  # "chưa đến kỳ" before the period begins (the rule's own not_due also covers "in progress")
        return ItemGuidance(item.code, item.text, item.points, item.mode, s.points,
                            engine.floor_to_step(item.points * min(1.0, outlook.forecast), step),
                            engine.floor_to_step(item.points * min(1.0, reachable), step), outlook.actions, note)
    if s.source == "entered":
        actions = []
        if (s.points or 0) < item.points and as_of < year_end:
            text = (f"Mục {item.code} đã chấm {number_vi(s.points or 0)}/{number_vi(item.points)}: bổ sung hoạt "
                    f"động và minh chứng để đạt tối đa ({item.evidence}).")
            actions.append(Action(item.code, text, item.points - (s.points or 0), 3, year_end))
        return ItemGuidance(item.code, item.text, item.points, item.mode, s.points, s.points or 0.0,
                            item.points if as_of < year_end else s.points or 0.0, actions)
    action = Action(item.code, f"Mục {item.code} chưa chấm: nếu đã thực hiện, cán bộ phụ trách nhập điểm và tải tài "
                               f"liệu minh chứng ({item.evidence}).", item.points, 2, year_end)
    return ItemGuidance(item.code, item.text, item.points, item.mode, None, 0.0, item.points, [action])


def cheapest_path(table: Table, items: list[ItemGuidance], target: float) -> tuple[list[Action], float]:
    """Greedy by points gained per unit of effort, re-tallied after each pick so the group and criterion caps are
    respected (an action on a capped group gains nothing and is skipped). Returns the actions and the total.

    Each trial re-adds only the changed item's group and criterion (:class:`engine.Totaliser`): the same totals as
    a whole :func:`engine.tally` per trial, at a small fraction of the cost (the nation computes this for 3,321
    communes, each weighing about 70 actions some 50 times). Each candidate keeps a bound of its value (its
    criterion's gain were it picked, plus a rounding step, per effort); the candidates are weighed in the order of
    their bounds, so the best is met first and the rest stop at the first bound below it. A pick leaves every
    other candidate's bound an upper bound (the caps are minimums of sums: a point added never makes another
    point worth more), so a trial made stale by a pick in its criterion is only added up again when its old
    bound could still beat the best. Among equal values the first action in the guidance's order wins, as a
    plain scan would pick (the values are hundredths of a point per whole effort, so two values are either equal
    or far further apart than the tolerance). Disqualifying flags set the level, never the total, so they do
    not enter the path."""
    totals = engine.Totaliser(table, {g.code: g.forecast for g in items})
    reach = {g.code: g.reachable for g in items}
    actions = [a for g in items for a in g.actions if a.gain > 0]
    efforts = [max(1, a.effort) for a in actions]
    criterion_of = [totals.where[a.item][0] for a in actions]
    trial: list[float | None] = [None] * len(actions)
    bound = [math.inf] * len(actions)  # unknown yet: weighed on the first pick
    criteria, cap = totals.criteria, table.total  # the Totaliser's own list: a pick changes it in place
    alive = list(range(len(actions)))  # the candidates left (an index is the action's place in the guidance)
    by_bound = bound.__getitem__
    total = totals.total()
    path: list[Action] = []
    while alive and total + 1e-9 < target:
        alive.sort(key=by_bound, reverse=True)
        best, best_value, best_total = -1, 0.0, total
        for n in alive:
            if bound[n] < best_value - 1e-12:
                break  # in the order of the bounds: no candidate after this one can reach the best
            if bound[n] <= best_value + 1e-12 and (best < 0 or n > best):
                continue  # could at most tie, and a later action loses a tie
            ci = criterion_of[n]
            points = trial[n]
            if points is None:
                action = actions[n]
                points = trial[n] = totals.criterion_if(
                    action.item, min(reach[action.item], totals.points[action.item] + action.gain))[1]
                bound[n] = (max(0.0, points - criteria[ci]) + 0.011) / efforts[n]
                if bound[n] <= best_value + 1e-12 and (best < 0 or n > best):
                    continue
            # the total were it picked: Totaliser.total_with, inline (the same sum in the same order)
            kept, criteria[ci] = criteria[ci], points
            new_total = round(min(cap, sum(criteria)), 2)
            criteria[ci] = kept
            value = (new_total - total) / efforts[n]
            if value > best_value + 1e-12 or (best >= 0 and n < best and value >= best_value - 1e-12):
                best, best_value, best_total = n, value, new_total
        if best < 0:
            break
        action = actions[best]
        changed = totals.set(action.item, min(reach[action.item], totals.points[action.item] + action.gain))
        for n in alive:
            if criterion_of[n] == changed:
                trial[n] = None  # its bound stays: an upper bound still (see above)
        alive.remove(best)
        path.append(action)
        total = best_total
    return path, total


def guidance(session: Session, unit: AdminUnit, year: int, as_of: date | None = None,
             table: Table | None = None, reads: Reads | None = None) -> Guidance:
    """The commune's outlook; ``reads``: the batch of communes it is computed with (default: this one alone)."""
    table = table or for_year(year)
    reads = reads or Reads(session, [unit.id])
    result = engine.score(session, unit, year, as_of, table, reads=reads)
    asof = result.asof  # the very cutoff the score used
    end = asof.end
    read = reads.of(unit.id)  # the forecasts read what the rules read, from the same answers
    items = [item_guidance(session, table, s, unit, year, asof, read) for s in result.items]
    flags = [code for code, text in table.disqualifiers if text in result.disqualified]
    forecast = engine.tally(table, {g.code: g.forecast for g in items}, flags)
    reachable = engine.tally(table, {g.code: g.reachable for g in items}, flags)
    deciding = [g.code for g in sorted(items, key=lambda g: g.forecast - g.reachable)
                if g.reachable - g.forecast > 1e-9][:5]
    levels = sorted(table.levels, key=lambda lv: lv.min)
    above = [lv for lv in levels if lv.min > forecast.total + 1e-9 and lv.min > 0]
    target = above[0] if above and not result.disqualified else None
    path, reached = (cheapest_path(table, items, target.min) if target else ([], forecast.total))
    return Guidance(unit, year, end, result, items, forecast.total, forecast.level_name, reachable.total,
                    reachable.level_name, deciding, target.name if target else None,
                    target.min if target else None, path, bool(target) and reached + 1e-9 >= target.min,
                    list(result.disqualified))


def guidance_lines(g: Guidance) -> list[str]:
    """The plain-text reading of a guidance: the CLI prints it, the weekly digest sends it."""
    lines = [f"Lộ trình đạt chuẩn năm {g.year} – {g.unit.full_name} (số liệu tính đến ngày {format_date(g.as_of)})",
             f"Hiện tại: {number_vi(g.score.total)}/100 – {g.score.level_name}.",
             f"Dự báo cuối năm nếu giữ nhịp hiện tại: {number_vi(g.forecast_total)}/100 – {g.forecast_level}; "
             f"tối đa còn có thể đạt {number_vi(g.reachable_total)}/100 – {g.reachable_level}."]
    if g.deciding:
        lines.append("Các mục quyết định kết quả: " + ", ".join(g.deciding) + ".")
    for reason in g.disqualified:
        lines.append(f"Không đạt chuẩn do: {reason}")
    if g.target_level:
        verdict = ("có thể đạt" if g.path_reaches else "không thể đạt dù làm hết các việc dưới đây")
        lines.append(f"Con đường ngắn nhất lên {g.target_level} (từ {number_vi(g.target_min)} điểm) – {verdict}:")
        lines += [f"  {n}. [{a.item}] {a.text} (+{number_vi(a.gain)} điểm)"
                  for n, a in enumerate(g.path[:PATH_LINES], 1)]
        if len(g.path) > PATH_LINES:
            lines.append(f"  … và {len(g.path) - PATH_LINES} việc khác (xem trang Chấm điểm).")
    lines.append("Việc cần làm tuần này:")
    lines += [f"  - [{a.item}] {a.text}" for a in g.this_week] or ["  (không có việc nào)"]
    return lines


def city_outlook(session: Session, year: int) -> dict:
    """Each commune's year-end forecast (from the cached guidance) against the Đề án's targets, and the communes
    most at risk of missing the standard, the furthest below it first, with the items that decide it."""
    from survey_app.models import ScoreCache

    from .appraisal import targets_for

    table = for_year(year)
    standard = min(lv.min for lv in table.levels if lv.min > 0)
    top = max(table.levels, key=lambda lv: lv.min)
    rows = session.execute(
        select(AdminUnit, ScoreCache).join(ScoreCache, ScoreCache.unit_id == AdminUnit.id)
        .where(ScoreCache.year == year, AdminUnit.active.is_(True)).order_by(AdminUnit.name)).all()
    communes = []
    for unit, cache in rows:
        g = (cache.data or {}).get("guidance")
        if not g:
            continue
        communes.append({"unit": unit, "forecast": g["forecast_total"], "level": g["forecast_level"],
                         "reachable": g["reachable_total"], "reachable_level": g["reachable_level"],
                         "deciding": g["deciding"], "blank_items": g["blank_items"],
                         "disqualified": bool(g["disqualified"]), "as_of": g["as_of_vn"],
                         "this_week": g["this_week"][:3]})
    total = len(communes) or 1
    reaching = [c for c in communes if c["forecast"] >= standard and not c["disqualified"]]
    at_top = [c for c in communes if c["forecast"] >= top.min and not c["disqualified"]]
    at_risk = sorted((c for c in communes if c not in reaching), key=lambda c: c["forecast"])
    return {"communes": communes, "standard": standard, "top": top.name, "targets": targets_for(year),
            "share_standard": len(reaching) / total, "share_top": len(at_top) / total, "at_risk": at_risk,
            "cannot_reach": [c for c in at_risk if c["reachable"] < standard or c["disqualified"]]}
