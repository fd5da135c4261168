"""The table file is QĐ 5049's: its codes, points and wording are read against a list checked in by hand from the
decision (tests/data/qd5049_items.csv), so any drift fails the build; every departure carries a note with its
source; thôn / tổ dân phố follow the unit kind; every rule parameter names its legal basis."""

import csv
import json
import re
from pathlib import Path

import pytest

from reports.scoring.table import TABLES, TableError, load, parse_table

DECISION_ITEMS = Path(__file__).parent / "data" / "qd5049_items.csv"
SOURCE = re.compile(r"seed 00[01].*dòng \d+")


def _decision() -> list[dict]:
    with DECISION_ITEMS.open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _raw() -> dict:
    return json.loads((TABLES / "5049-2026.json").read_text(encoding="utf-8"))


def test_codes_and_points_are_the_decisions():
    table = load("5049-2026")
    expected = [(row["code"], float(row["points"])) for row in _decision()]
    assert [(i.code, i.points) for i in table.items] == expected


@pytest.mark.parametrize("row", _decision(), ids=lambda row: row["code"])
def test_wording_follows_the_decision(row):
    text = load("5049-2026").item(row["code"]).text
    for phrase in filter(None, row["must_say"].split("|")):
        assert phrase in text, f"{row['code']}: thiếu “{phrase}” (Quyết định, seed 001 dòng {row['decision_lines']})"
    for phrase in filter(None, row["must_not_say"].split("|")):
        assert phrase not in text, f"{row['code']}: “{phrase}” không có trong Quyết định"


def test_no_code_outside_the_decision():
    table = load("5049-2026")
    codes = {g.code for c in table.criteria for g in c.groups} | {i.code for i in table.items}
    assert "1.1b" not in codes and not any(code.startswith("1.1b") for code in codes)
    assert "1.1.d" not in codes  # "công khai kết quả giải quyết TTHC" is the ward plan's, not the decision's


def test_every_departure_and_filled_gap_names_its_source():
    table = load("5049-2026")
    notes = table.notes()
    assert notes and all(SOURCE.search(n.source) for _, n in notes)
    by_code = {code: [n for c, n in notes if c == code] for code, _ in notes}
    for filled in ("1.1.a.10", "4.5.d"):
        assert any("Lấy từ Quyết định" in n.text for n in by_code[filled]), filled
    for departed in ("1.1.a.3", "1.1.a.5", "1.1.a.6", "1.1.a.8", "1.2.a", "1.2.d", "2.4.a", "2.7.b", "4.3.b"):
        assert by_code.get(departed), f"{departed}: thiếu ghi chú nguồn"
    assert any("3.2.3–3.2.5" in n.text for _, n in notes)


def test_thon_or_to_dan_pho_follows_the_unit_kind():
    table = load("5049-2026")
    xa, phuong = table.for_unit_kind("xa"), table.for_unit_kind("phuong")
    assert "các thôn" in xa.item("1.2.a").text and "tổ dân phố" not in xa.item("1.2.a").text
    assert "các tổ dân phố" in phuong.item("1.2.a").text and "thôn" not in phuong.item("1.2.a").text
    assert "Trưởng thôn" in xa.item("1.2.d").text and "Tổ trưởng tổ dân phố" in phuong.item("1.2.d").text
    for kind in ("xa", "phuong", "dac_khu"):
        worded = table.for_unit_kind(kind)
        assert not any("{" in i.text for i in worded.items) and not any("{" in g.text
                                                                        for c in worded.criteria for g in c.groups)


def test_every_rule_parameter_has_its_legal_basis():
    table = load("5049-2026")
    for item in table.items:
        if item.mode != "computed":
            continue
        assert item.rule_basis["effective"] == "2025-12-11" and "5049" in item.rule_basis["citation"], item.code
        assert set(item.param_spec) == set(item.params), item.code
    sample = table.item("2.7.a").param_spec["yearly_sample"]
    assert sample["basis"] == "city" and "không phải của Quyết định" in sample["citation"]
    assert table.item("1.2.a").param_spec["ubnd_weight"]["basis"] == "city"
    period = table.item("2.7.b").param_spec["period"]
    assert table.item("2.7.b").params["period"] == "year" and period["default"] == "year" and period["commune"]
    assert table.item("2.8").param_spec["mode"]["basis"] == "decision"


def test_a_parameter_without_its_basis_is_refused():
    raw = _raw()
    item = raw["criteria"][1]["groups"][6]["items"][0]
    assert item["code"] == "2.7.a"
    del item["param_spec"]["yearly_sample"]
    with pytest.raises(TableError, match="chưa ghi căn cứ"):
        parse_table(raw)
    raw = _raw()
    raw["criteria"][0]["groups"][0]["items"][0]["notes"] = [{"text": "không nguồn"}]
    with pytest.raises(TableError, match="nguồn"):
        parse_table(raw)
