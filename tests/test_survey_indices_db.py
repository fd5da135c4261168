"""Indices computed in the database equal hand-computed figures, with suspicious responses excluded and days cut
in Asia/Ho_Chi_Minh, on SQLite and PostgreSQL."""

import uuid
from datetime import UTC, date, datetime

import pytest

from reports.queries import SurveyFilter
from reports.surveys import summarise
from survey_app.extensions import db
from survey_app.services import surveys
from survey_app.surveys.definition import ParsedAnswers


def _store(world, version, n, values, *, at, suspicious=False, unit="bach-dang"):
    for _ in range(n):
        answers = ParsedAnswers(values={k: [v] for k, v in values.items()})
        surveys.submit_response(version, answers, surveys.Submission(
            unit_id=world["units"][unit], centre_id=world["centres"][unit], channel="qr",
            client_id=uuid.uuid4().hex, answered_at=at, honeypot=suspicious))


@pytest.fixture
def filled(app, world):
    with app.app_context():
        q = surveys.questionnaire_by_code("centre-service")
        version = surveys.current_version(q.id)
        june = datetime(2026, 6, 10, 3, 0, tzinfo=UTC)
        # 6 responses: overall 5,5,4,3,2,1 ; staff.polite 5,4,4,2 ; access.seating 4 and two "no opinion"
        _store(world, version, 2, {"overall": 5, "staff.polite": 5}, at=june)
        _store(world, version, 1, {"overall": 4, "staff.polite": 4, "access.seating": 4}, at=june)
        _store(world, version, 1, {"overall": 3, "staff.polite": 4, "access.seating": 0}, at=june)
        _store(world, version, 1, {"overall": 2, "staff.polite": 2, "access.seating": 0, "tt01.on_time": 3}, at=june)
        _store(world, version, 1, {"overall": 1}, at=june)
        # flagged: never counted
        _store(world, version, 3, {"overall": 1, "staff.polite": 1}, at=june, suspicious=True)
        # another commune: not counted for Bạch Đằng
        _store(world, version, 2, {"overall": 1}, at=june, unit="hoa-binh")
        # 31/12/2026 23:30 in Hai Phong = 16:30 UTC: belongs to 2026; 01/01/2027 00:30 local = 31/12 17:30 UTC
        _store(world, version, 1, {"overall": 5}, at=datetime(2026, 12, 31, 16, 30, tzinfo=UTC))
        _store(world, version, 1, {"overall": 1}, at=datetime(2026, 12, 31, 17, 30, tzinfo=UTC))
        db.session.commit()
        definition = surveys.definition_of(version)
        yield q.id, definition
        db.session.remove()


def test_sipas_from_the_database_matches_the_hand_count(app, world, filled):
    qid, definition = filled
    with app.app_context():
        f = SurveyFilter(qid, unit_ids=(world["units"]["bach-dang"],), start=date(2026, 6, 1), end=date(2026, 6, 30))
        summary = summarise(db.session, definition, f)
    assert summary.responses == 6
    assert summary.sipas.quick.n == 6 and summary.sipas.quick.satisfied == 3
    staff = next(e for e in summary.sipas.elements if e.key == "staff")
    polite = next(c for c in staff.criteria if c.key == "staff.polite")
    assert (polite.n, polite.satisfied) == (5, 4)
    assert polite.mean == pytest.approx((5 + 5 + 4 + 4 + 2) / 5)
    access = next(e for e in summary.sipas.elements if e.key == "access")
    seating = access.criteria[0]
    assert (seating.n, seating.satisfied, seating.not_applicable) == (1, 1, 2)
    # elements with data: access 1.0, staff 0.8 -> SIPAS 0.9
    assert summary.sipas.index == pytest.approx(0.9)
    # QĐ 766: 6 rated, dissatisfied = overall 1 or 2 (2 responses; the late one is among them) -> 4/6
    assert (summary.qd766.rated, summary.qd766.dissatisfied) == (6, 2)
    assert summary.qd766.points == pytest.approx(4.44)


def test_suspicious_responses_count_only_when_asked(app, world, filled):
    qid, definition = filled
    with app.app_context():
        f = SurveyFilter(qid, unit_ids=(world["units"]["bach-dang"],), start=date(2026, 6, 1), end=date(2026, 6, 30),
                         include_suspicious=True)
        assert summarise(db.session, definition, f).responses == 9


def test_days_are_cut_in_hai_phong_time(app, world, filled):
    qid, definition = filled
    with app.app_context():
        dec = SurveyFilter(qid, unit_ids=(world["units"]["bach-dang"],), start=date(2026, 12, 31),
                           end=date(2026, 12, 31))
        jan = SurveyFilter(qid, unit_ids=(world["units"]["bach-dang"],), start=date(2027, 1, 1), end=date(2027, 1, 1))
        assert summarise(db.session, definition, dec).counts["overall"] == {5: 1}
        assert summarise(db.session, definition, jan).counts["overall"] == {1: 1}
