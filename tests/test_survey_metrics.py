"""Index formulas on hand-computed fixtures (pure functions, no database)."""

import json
from pathlib import Path

import pytest

from reports.metrics.sipas import Qd766Result, sipas, tt01, wilson
from survey_app.surveys.definition import DefinitionError, parse_definition, read_answers

DATA = Path(__file__).resolve().parent.parent / "migrations" / "data"


@pytest.fixture(scope="module")
def centre():
    return parse_definition(json.loads((DATA / "centre-service.v1.json").read_text(encoding="utf-8")))


def test_wilson_interval_matches_the_textbook_values():
    low, high = wilson(8, 10)
    assert round(low, 4) == 0.4902 and round(high, 4) == 0.9433
    low, high = wilson(0, 20)
    assert low == 0.0 and round(high, 4) == 0.1611
    assert wilson(0, 0) is None


def test_sipas_shares_means_and_elements_by_hand(centre):
    counts = {
        # access: seating 3 of 4 valid satisfied (one "no opinion" excluded), equipment 1 of 2
        "access.seating": {5: 2, 4: 1, 2: 1, 0: 3},
        "access.equipment": {4: 1, 1: 1},
        # staff: polite 4/4 only
        "staff.polite": {5: 4},
        "overall": {5: 3, 4: 3, 3: 2, 1: 2},
    }
    result = sipas(centre, counts, responses=10)
    access = next(e for e in result.elements if e.key == "access")
    seating = access.criteria[0]
    assert (seating.n, seating.satisfied, seating.not_applicable) == (4, 3, 3)
    assert seating.share == 0.75
    assert seating.mean == (5 * 2 + 4 + 2) / 4
    assert access.index == (0.75 + 0.5) / 2
    staff = next(e for e in result.elements if e.key == "staff")
    assert staff.index == 1.0
    procedure = next(e for e in result.elements if e.key == "procedure")
    assert procedure.index is None  # no data: not counted as zero
    assert result.index == pytest.approx((0.625 + 1.0) / 2)
    assert result.quick.share == 0.6 and result.quick.n == 10


def test_tt01_indicator_scores_and_bands(centre):
    counts = {
        "tt01.on_time": {1: 2, 2: 1, 3: 1, 9: 5},  # (2*2 + 1) / 4 = 1.25 -> 1.3 half up ("not received" ignored)
        "tt01.contacts": {0: 3},  # 2.0
        "tt01.agencies": {0: 1, 2: 1},  # 1.0
        "tt01.harassment": {0: 9, 1: 1},  # 1.8
    }
    result = tt01(centre, counts)
    assert [(i.number, i.score) for i in result.indicators] == [(1, 1.3), (3, 2.0), (4, 1.0), (7, 1.8)]
    assert result.total == 6.1 and result.maximum == 8
    assert result.unit_band == "Tốt"  # 6.1/8 = 76%: at least 12/18 (66.7%), below 15/18 (83.3%)
    assert result.officer_meets_duties is True


def test_qd766_full_marks_from_ninety_percent():
    assert Qd766Result(100, 10).points == 6.0
    assert Qd766Result(100, 5).points == 6.0
    assert Qd766Result(100, 28).points == 4.8
    assert Qd766Result(0, 0).points is None


def test_answers_are_validated_and_never_prefilled(centre):
    def form(data):
        return lambda name: data.get(name, [])

    parsed = read_answers(centre, form({}))
    assert parsed.errors == {"overall": "Vui lòng trả lời câu này."}
    assert parsed.rows() == []
    parsed = read_answers(centre, form({"q-overall": ["7"]}))
    assert "overall" in parsed.errors
    parsed = read_answers(centre, form({"q-overall": ["5"], "q-overall.why": ["chờ lâu"], "q-improve": ["1", "3"]}))
    assert parsed.errors == {}
    assert ("overall.why", None, "chờ lâu") not in parsed.rows()  # follow-up only when the rating is negative
    assert ("improve", 1, None) in parsed.rows() and ("improve", 3, None) in parsed.rows()
    parsed = read_answers(centre, form({"q-overall": ["2"], "q-overall.why": ["chờ lâu"]}))
    assert ("overall.why", None, "chờ lâu") in parsed.rows()
    parsed = read_answers(centre, form({"q-overall": ["5"], "q-comment": ["x" * 2001]}), "en")
    assert parsed.errors["comment"] == "Too long (at most 2000 characters)."


def test_a_definition_that_does_not_hold_together_is_refused():
    with pytest.raises(DefinitionError):
        parse_definition({"title": {"vi": "x"}, "sections": [{"key": "s", "questions": [
            {"key": "a", "type": "scale5", "text": "A"}, {"key": "a", "type": "text", "text": "B"}]}]})
    with pytest.raises(DefinitionError):
        parse_definition({"title": {"vi": "x"}, "sections": [{"key": "s", "questions": [
            {"key": "a", "type": "single", "text": "A"}]}]})
