"""Loading and validating a scoring table (one JSON file per decision and year in ``tables/``).

Pure: no Flask, no database. A table whose items do not add up to their declared group is accepted with the
discrepancy reported (the source itself may not add up, as Tiêu chí 2 of 5049/2025: items 25, declared 24);
the score then caps the group at its declared maximum.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

TABLES = Path(__file__).resolve().parent / "tables"


class TableError(ValueError):
    """The file is not a usable table (Vietnamese message)."""


@dataclass(frozen=True)
class Item:
    code: str
    text: str
    points: float
    evidence: str
    mode: str  # "computed" | "entered"
    rule: str | None = None
    params: dict = field(default_factory=dict, hash=False, compare=False)
    group: str = ""
    criterion: str = ""


@dataclass(frozen=True)
class Group:
    code: str
    text: str
    points: float
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Criterion:
    code: str
    text: str
    points: float
    groups: tuple[Group, ...]

    @property
    def items(self) -> list[Item]:
        return [i for g in self.groups for i in g.items]


@dataclass(frozen=True)
class Level:
    code: str
    name: str
    min: float


@dataclass(frozen=True)
class Table:
    id: str
    title: str
    decision: str
    year: int
    total: float
    rounding_step: float
    criteria: tuple[Criterion, ...]
    levels: tuple[Level, ...]
    disqualifiers: tuple[tuple[str, str], ...]
    discrepancies: tuple[str, ...]

    @property
    def items(self) -> list[Item]:
        return [i for c in self.criteria for i in c.items]

    def item(self, code: str) -> Item:
        for item in self.items:
            if item.code == code:
                return item
        raise KeyError(code)

    def level_for(self, points: float) -> Level:
        return next(level for level in sorted(self.levels, key=lambda lv: -lv.min) if points >= level.min)


def _number(value, where: str) -> float:
    if not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0:
        raise TableError(f"{where}: điểm phải là số không âm")
    return float(value)


def parse_table(raw: dict, known_rules: set[str] | None = None) -> Table:
    """Validate a table; raise TableError on what cannot be scored, report what merely does not add up."""
    if not isinstance(raw, dict):
        raise TableError("Bảng điểm phải là một đối tượng JSON")
    try:
        table_id, total = str(raw["id"]), _number(raw["total"], "tổng điểm")
        step = _number(raw.get("rounding_step", 0.25), "bước làm tròn")
        criteria_raw, levels_raw = raw["criteria"], raw["levels"]
    except KeyError as exc:
        raise TableError(f"Thiếu trường bắt buộc: {exc.args[0]}") from exc
    if step <= 0:
        raise TableError("Bước làm tròn phải lớn hơn 0")
    discrepancies: list[str] = []
    criteria: list[Criterion] = []
    seen: set[str] = set()
    for c in criteria_raw:
        groups: list[Group] = []
        for g in c["groups"]:
            items: list[Item] = []
            for i in g["items"]:
                code = str(i["code"])
                if code in seen:
                    raise TableError(f"Mã mục “{code}” bị trùng")
                seen.add(code)
                mode = i.get("mode", "entered")
                if mode not in ("computed", "entered"):
                    raise TableError(f"Mục {code}: cách chấm “{mode}” không hợp lệ")
                if mode == "computed" and known_rules is not None and i.get("rule") not in known_rules:
                    raise TableError(f"Mục {code}: không có quy tắc tính “{i.get('rule')}”")
                items.append(Item(code=code, text=i["text"], points=_number(i["points"], f"mục {code}"),
                                  evidence=i.get("evidence", ""), mode=mode, rule=i.get("rule"),
                                  params=dict(i.get("params", {})), group=str(g["code"]), criterion=str(c["code"])))
            group = Group(str(g["code"]), g["text"], _number(g["points"], f"nhóm {g['code']}"), tuple(items))
            item_sum = sum(i.points for i in items)
            if abs(item_sum - group.points) > 1e-9:
                discrepancies.append(
                    f"Nhóm {group.code}: các mục cộng lại {item_sum:g} điểm, nhóm ghi {group.points:g}")
            groups.append(group)
        criterion = Criterion(str(c["code"]), c["text"], _number(c["points"], f"tiêu chí {c['code']}"), tuple(groups))
        group_sum = sum(g.points for g in groups)
        if abs(group_sum - criterion.points) > 1e-9:
            discrepancies.append(
                f"{criterion.text.split(':')[0]}: các mục cộng lại {group_sum:g} điểm nhưng điểm chuẩn là "
                f"{criterion.points:g}; điểm của tiêu chí được giới hạn ở {criterion.points:g}")
        criteria.append(criterion)
    declared = sum(c.points for c in criteria)
    if abs(declared - total) > 1e-9:
        raise TableError(f"Các tiêu chí cộng lại {declared:g} điểm, khác tổng {total:g}")
    levels = tuple(Level(str(lv["code"]), lv["name"], _number(lv["min"], f"mức {lv['code']}")) for lv in levels_raw)
    if not levels or min(lv.min for lv in levels) != 0:
        raise TableError("Các mức xếp loại phải có một mức bắt đầu từ 0 điểm")
    return Table(
        id=table_id, title=raw.get("title", ""), decision=raw.get("decision", ""), year=int(raw.get("year", 0)),
        total=total, rounding_step=step, criteria=tuple(criteria), levels=levels,
        disqualifiers=tuple((d["code"], d["text"]) for d in raw.get("disqualifiers", [])),
        discrepancies=tuple(discrepancies),
    )


def available() -> list[str]:
    return sorted(p.stem for p in TABLES.glob("*.json"))


@lru_cache(maxsize=8)
def load(table_id: str) -> Table:
    """The table file ``tables/<id>.json`` (without the city's parameter overrides)."""
    path = TABLES / f"{table_id}.json"
    if not path.exists():
        raise TableError(f"Không có bảng điểm “{table_id}”")
    from .rules import RULES

    return parse_table(json.loads(path.read_text(encoding="utf-8")), set(RULES))


def for_year(year: int) -> Table:
    """The newest table whose year is not after ``year``."""
    candidates = [load(t) for t in available()]
    eligible = [t for t in candidates if t.year <= year] or candidates
    return max(eligible, key=lambda t: t.year)
