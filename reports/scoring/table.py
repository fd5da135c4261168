"""Loading and validating a scoring table (one JSON file per decision and year in ``tables/``).

Pure: no Flask, no database. A table whose items do not add up to their declared group is accepted with the
discrepancy reported (the source itself may not add up, as Tiêu chí 2 of 5049/2025: items 25, declared 24);
the score then caps the group at its declared maximum.

The file follows the decision's wording and points; wherever the project's reading departs from it or fills a
gap, the item, group or criterion carries ``notes`` naming the source (seed file and line) — for administrators,
never printed in a document. Words that differ between a xã and a phường (thôn / tổ dân phố) are placeholders
(``{thon_tdp}``) resolved per unit kind by :meth:`Table.for_unit_kind`. Every rule parameter has its legal basis
in ``param_spec`` (the decision, article and effective date, or "tham số của thành phố").
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

TABLES = Path(__file__).resolve().parent / "tables"


class TableError(ValueError):
    """The file is not a usable table (Vietnamese message)."""


#: Where a parameter's value comes from: the decision, a law, the city, or the commune's own plan.
PARAM_BASES = {"decision": "Quyết định", "law": "Văn bản pháp luật", "city": "Thành phố",
               "plan": "Kế hoạch của đơn vị"}
PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


@dataclass(frozen=True)
class Note:
    """Where the project's reading departs from the decision or fills a gap, with its source."""

    text: str
    source: str


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
    notes: tuple[Note, ...] = ()
    #: the legal basis of a computed item's rule (citation, effective date, source)
    rule_basis: dict = field(default_factory=dict, hash=False, compare=False)
    #: parameter name -> {basis, citation, effective?, source, label?, values?, commune?}
    param_spec: dict = field(default_factory=dict, hash=False, compare=False)

    def param_bases(self, params: dict | None = None) -> list[dict]:
        """Each parameter with its value (in words) and legal basis, for the explanation beside the score."""
        values = self.params if params is None else params
        return [{"name": name, "value": values.get(name), "value_text": _value_text(values.get(name), spec),
                 "basis_label": PARAM_BASES[spec["basis"]], "effective_vn": date_vn(spec.get("effective")), **spec}
                for name, spec in self.param_spec.items()]

    @property
    def basis_text(self) -> str:
        """The rule's legal basis in one line ("… (hiệu lực từ 11/12/2025)"), empty for entered items."""
        if not self.rule_basis:
            return ""
        effective = date_vn(self.rule_basis.get("effective"))
        return self.rule_basis["citation"] + (f" (hiệu lực từ {effective})" if effective else "")


def date_vn(iso: str | None) -> str:
    """An ISO date from the table file as dd/mm/yyyy."""
    if not iso:
        return ""
    year, month, day = iso.split("-")
    return f"{day}/{month}/{year}"


KIND_WORDS = {"phuong": "phường", "xa": "xã", "dac_khu": "đặc khu"}


def _code_words() -> dict[str, str]:
    """Codes that parameter values hold (feedback channels, questionnaires), in the words staff read."""
    from survey_app.models.cases import CHANNEL_LABELS

    return {**{str(k): str(v) for k, v in CHANNEL_LABELS.items()},
            "centre-service": "Phiếu khảo sát tại Trung tâm Phục vụ hành chính công",
            "annual-friendly-government": "Phiếu khảo sát hằng năm về “Chính quyền thân thiện”"}


CODE_WORDS = _code_words()


def _value_text(value, spec: dict) -> str:
    """A parameter's value as a person reads it: labels for coded values, kinds of unit in words."""
    labels = {**CODE_WORDS, **(spec.get("values") or {})}
    if isinstance(value, dict):
        return ", ".join(f"{KIND_WORDS.get(k, k)} {_value_text(v, spec)}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(str(labels.get(v, v)) for v in value)
    if isinstance(value, float):
        return f"{value:g}".replace(".", ",")
    return str(labels.get(value, value)) if value is not None else "—"


@dataclass(frozen=True)
class Group:
    code: str
    text: str
    points: float
    items: tuple[Item, ...]
    notes: tuple[Note, ...] = ()


@dataclass(frozen=True)
class Criterion:
    code: str
    text: str
    points: float
    groups: tuple[Group, ...]
    notes: tuple[Note, ...] = ()

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
    wording: dict = field(default_factory=dict, hash=False, compare=False)
    effective: str = ""
    unit_kind: str = ""

    @property
    def items(self) -> list[Item]:
        return [i for c in self.criteria for i in c.items]

    def notes(self) -> list[tuple[str, Note]]:
        """(code, note) for every criterion, group and item that departs from the decision or fills a gap."""
        found: list[tuple[str, Note]] = []
        for c in self.criteria:
            found += [(f"Tiêu chí {c.code}", n) for n in c.notes]
            for g in c.groups:
                found += [(g.code, n) for n in g.notes]
                found += [(i.code, n) for i in g.items for n in i.notes]
        return found

    def for_unit_kind(self, kind: str) -> Table:
        """The table worded for a xã, a phường or a đặc khu (thôn / tổ dân phố, Trưởng thôn / Tổ trưởng); worded
        once per kind (a table never changes once loaded, and every commune of a city's pass asks for it)."""
        worded = self.__dict__.setdefault("_worded", {})
        if kind not in worded:
            worded[kind] = self._worded_for(kind)
        return worded[kind]

    def _worded_for(self, kind: str) -> Table:
        words = self.wording.get(kind) or self.wording.get("default") or {}

        def say(text: str) -> str:
            return PLACEHOLDER.sub(lambda m: words.get(m.group(1), m.group(0)), text)

        criteria = tuple(replace(c, groups=tuple(
            replace(g, text=say(g.text), items=tuple(replace(i, text=say(i.text)) for i in g.items))
            for g in c.groups)) for c in self.criteria)
        return replace(self, criteria=criteria, unit_kind=kind)

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


def _notes(raw: dict, where: str) -> tuple[Note, ...]:
    notes = raw.get("notes", [])
    if not isinstance(notes, list) or any(not isinstance(n, dict) or not n.get("text") or not n.get("source")
                                          for n in notes):
        raise TableError(f"{where}: mỗi ghi chú phải có nội dung (text) và nguồn (source)")
    return tuple(Note(n["text"], n["source"]) for n in notes)


def _param_spec(raw: dict, code: str, params: dict) -> dict:
    """Every parameter of a rule must say where its value comes from (no number without its basis)."""
    spec = raw.get("param_spec", {})
    for name in params:
        entry = spec.get(name)
        if not isinstance(entry, dict):
            raise TableError(f"Mục {code}: tham số “{name}” chưa ghi căn cứ (param_spec)")
        if entry.get("basis") not in PARAM_BASES or not entry.get("citation") or not entry.get("source"):
            raise TableError(f"Mục {code}: căn cứ của tham số “{name}” phải có basis "
                             f"({', '.join(PARAM_BASES)}), citation và source")
        if entry["basis"] in ("decision", "law") and not entry.get("effective"):
            raise TableError(f"Mục {code}: căn cứ của tham số “{name}” phải có ngày hiệu lực (effective)")
    unknown = set(spec) - set(params)
    if unknown:
        raise TableError(f"Mục {code}: param_spec có tham số không dùng: {', '.join(sorted(unknown))}")
    return dict(spec)


def _check_wording(raw: dict, texts: list[str]) -> dict:
    wording = raw.get("wording", {})
    used = {m for text in texts for m in PLACEHOLDER.findall(text)}
    for kind, words in wording.items():
        if kind == "note":
            continue
        missing = used - set(words)
        if missing:
            raise TableError(f"Cách gọi cho “{kind}” thiếu: {', '.join(sorted(missing))}")
    if used and "default" not in wording:
        raise TableError("Bảng có từ thay theo loại đơn vị nhưng thiếu cách gọi mặc định (wording.default)")
    return wording


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
                params = dict(i.get("params", {}))
                if mode == "computed" and not i.get("rule_basis"):
                    raise TableError(f"Mục {code}: quy tắc tính chưa ghi căn cứ (rule_basis)")
                items.append(Item(code=code, text=i["text"], points=_number(i["points"], f"mục {code}"),
                                  evidence=i.get("evidence", ""), mode=mode, rule=i.get("rule"),
                                  params=params, group=str(g["code"]), criterion=str(c["code"]),
                                  notes=_notes(i, f"Mục {code}"), rule_basis=dict(i.get("rule_basis", {})),
                                  param_spec=_param_spec(i, code, params)))
            group = Group(str(g["code"]), g["text"], _number(g["points"], f"nhóm {g['code']}"), tuple(items),
                          _notes(g, f"Nhóm {g['code']}"))
            item_sum = sum(i.points for i in items)
            if abs(item_sum - group.points) > 1e-9:
                discrepancies.append(
                    f"Nhóm {group.code}: các mục cộng lại {item_sum:g} điểm, nhóm ghi {group.points:g}")
            groups.append(group)
        criterion = Criterion(str(c["code"]), c["text"], _number(c["points"], f"tiêu chí {c['code']}"), tuple(groups),
                              _notes(c, f"Tiêu chí {c['code']}"))
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
    texts = [g.text for c in criteria for g in c.groups] + [i.text for c in criteria for i in c.items]
    return Table(
        id=table_id, title=raw.get("title", ""), decision=raw.get("decision", ""), year=int(raw.get("year", 0)),
        total=total, rounding_step=step, criteria=tuple(criteria), levels=levels,
        disqualifiers=tuple((d["code"], d["text"]) for d in raw.get("disqualifiers", [])),
        discrepancies=tuple(discrepancies), wording=_check_wording(raw, texts), effective=raw.get("effective", ""),
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
