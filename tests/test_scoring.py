"""The scoring rules on hand-computed fixtures, on SQLite and PostgreSQL: exactly 100%, empty weeks, a week split
across two years, a leap year, Tết, a dossier settled at 23:59 on its due date, one still open past it, suspicious
responses excluded; the table's own discrepancy; rollups rebuilt equal rollups refreshed."""

import json
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from reports.jobs import LockBusy, job_lock, refresh
from reports.scoring import rules
from reports.scoring.engine import floor_to_step, score
from reports.scoring.table import TABLES, TableError, load, parse_table
from survey_app.extensions import db
from survey_app.models import (
    AdminUnit,
    ApologyLetter,
    CollectionSession,
    Dossier,
    RollupAnswerMonth,
    RollupCase,
    RollupCaseLatency,
    RollupRating,
    RollupResponse,
    RollupResponseCount,
    ScoreEntry,
    ScoreFlags,
    SurveyResponse,
    UnitProfile,
    User,
)
from survey_app.services import surveys
from survey_app.services.workdays import end_of_local_day
from survey_app.surveys.definition import ParsedAnswers
from survey_app.timeutil import LOCAL_TZ, as_utc


def _unit(world) -> AdminUnit:
    return db.session.get(AdminUnit, world["units"]["bach-dang"])


def _dossier(world, code, received, due_day, settled=None, **extra):
    received = as_utc(received)
    db.session.add(Dossier(unit_id=world["units"]["bach-dang"], code=code, received_at=received,
                           received_day=received.astimezone(LOCAL_TZ).date(), due_at=end_of_local_day(due_day),
                           settled_at=as_utc(settled) if settled else None, **extra))


def local(y, m, d, hh=9, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=LOCAL_TZ)


def test_the_table_adds_up_except_where_the_source_does_not():
    table = load("5049-2026")
    assert len(table.items) == 69  # 19 + 13 + 17 + 20 leaf items
    assert sum(c.points for c in table.criteria) == 100
    assert table.discrepancies == (
        "Tiêu chí 2: các mục cộng lại 25 điểm nhưng điểm chuẩn là 24; điểm của tiêu chí được giới hạn ở 24",)
    assert table.level_for(95).name == "Mức 4" and table.level_for(94.99).name == "Mức 3"
    assert table.level_for(80).name == "Mức 1" and table.level_for(79.75).name == "Không đạt chuẩn"


def test_a_table_that_does_not_hold_together_is_refused():
    raw = json.loads((TABLES / "5049-2026.json").read_text(encoding="utf-8"))
    raw["criteria"][0]["points"] = 30
    with pytest.raises(TableError, match="khác tổng 100"):
        parse_table(raw)
    raw = json.loads((TABLES / "5049-2026.json").read_text(encoding="utf-8"))
    raw["criteria"][0]["groups"][0]["items"][0]["points"] = -1
    with pytest.raises(TableError, match="không âm"):
        parse_table(raw)


def test_rule_parameters_out_of_range_are_refused():
    assert rules.validate_params("app_channel", {"operating_weight": 0.5, "on_time_weight": 0.25,
                                                 "published_weight": 0.25}) == []
    assert rules.validate_params("annual_survey_sample", {"quarter": 5}) == ["Tham số “quarter” phải trong khoảng 1–4."]
    assert "cộng lại bằng 1" in rules.validate_params("suggestion_boxes", {"ubnd_weight": 0.9,
                                                                           "neighbourhood_weight": 0.5})[0]
    assert rules.validate_params("dossiers_on_time", {"mode": "sometimes"})


def test_partial_credit_rounds_down_to_the_step():
    assert floor_to_step(1.99, 0.25) == 1.75 and floor_to_step(2.0, 0.25) == 2.0 and floor_to_step(0.24, 0.25) == 0


def test_weeks_split_across_years_follow_iso():
    weeks_2026 = rules.iso_weeks(date(2026, 1, 1), date(2026, 12, 31))
    assert len(weeks_2026) == 53  # 2026 has an ISO week 53: Mon 28/12/2026 – Sun 03/01/2027
    assert weeks_2026[0] == date(2025, 12, 29) and weeks_2026[-1] == date(2026, 12, 28)
    assert len(rules.iso_weeks(date(2027, 1, 1), date(2027, 12, 31))) == 52
    assert len(rules.period_months(date(2028, 1, 1), date(2028, 2, 29))) == 2  # a leap year ends February on the 29th


def test_dossiers_exactly_100_percent_and_the_edges(app, world):
    with app.app_context():
        # received 10/02/2026; Tết 16–20/02 lies between; due 25/02; settled at 23:59 on the due day: on time
        _dossier(world, "A", local(2026, 2, 10), date(2026, 2, 25), local(2026, 2, 25, 23, 59))
        _dossier(world, "B", local(2026, 3, 2), date(2026, 3, 5), local(2026, 3, 4))
        db.session.commit()
        result = score(db.session, _unit(world), 2026, date(2026, 12, 31))
        assert result.item("2.8").points == 5 and "2/2" in result.item("2.8").explanation
        assert result.item("2.4.e").points == 1  # nothing late, nothing to apologise for
        # one more: still open past its due date -> late; all-or-nothing gives 0, every late dossier listed
        _dossier(world, "C", local(2026, 4, 1), date(2026, 4, 3))
        db.session.commit()
        result = score(db.session, _unit(world), 2026, date(2026, 12, 31))
        assert result.item("2.8").points == 0
        assert [row[0] for row in result.item("2.8").rows().rows] == ["C"]
        assert result.item("2.4.e").points == 0
        dossier_c = db.session.execute(select(Dossier).where(Dossier.code == "C")).scalar_one()
        db.session.add(ApologyLetter(dossier_id=dossier_c.id, unit_id=dossier_c.unit_id, sent_on=date(2026, 4, 10)))
        db.session.commit()
        assert score(db.session, _unit(world), 2026, date(2026, 12, 31)).item("2.4.e").points == 1


def test_dossiers_linear_mode_gives_partial_credit(app, world):
    with app.app_context():
        for index in range(3):
            _dossier(world, f"OK{index}", local(2026, 5, 4), date(2026, 5, 8), local(2026, 5, 6))
        _dossier(world, "LATE", local(2026, 5, 4), date(2026, 5, 8), local(2026, 5, 9, 0, 1))
        db.session.commit()
        table = load("5049-2026")
        from survey_app.models import ScoringOverride

        db.session.add(ScoringOverride(table_id=table.id, item_code="2.8", params={"mode": "linear"}))
        db.session.commit()
        item = score(db.session, _unit(world), 2026, date(2026, 12, 31)).item("2.8")
        assert item.points == 3.75  # 5 × 3/4


def test_a_settlement_one_minute_after_midnight_is_late(app, world):
    with app.app_context():
        _dossier(world, "M", local(2026, 6, 1), date(2026, 6, 3), local(2026, 6, 4, 0, 1))
        db.session.commit()
        assert score(db.session, _unit(world), 2026, date(2026, 12, 31)).item("2.8").figures["late"] == 1


def test_weekly_collection_counts_weeks_with_a_session_and_zero_item_sessions_count(app, world):
    with app.app_context():
        unit_id = world["units"]["bach-dang"]
        # period: Jan–Mar 2026 has 13 ISO weeks (Mondays 29/12/2025 … 23/03/2026)
        for day in (date(2026, 1, 2), date(2026, 1, 9), date(2026, 1, 9), date(2026, 3, 27)):
            db.session.add(CollectionSession(unit_id=unit_id, held_on=day, organisation="Ủy ban MTTQ",
                                             collector="Bà Lan"))
        db.session.commit()
        result = score(db.session, _unit(world), 2026, date(2026, 3, 31)).item("1.2.d")
        assert result.figures == {"weeks": 13, "weeks_with_session": 3}
        assert result.points == 0.25  # 2 × 3/13 = 0.46 -> 0.25


def _respond(world, questionnaire, at, suspicious=False, overall=5):
    q = surveys.questionnaire_by_code(questionnaire)
    version = surveys.current_version(q.id)
    surveys.submit_response(version, ParsedAnswers(values={"overall": [overall]}), surveys.Submission(
        unit_id=world["units"]["bach-dang"], centre_id=world["centres"]["bach-dang"], channel="qr",
        client_id=uuid.uuid4().hex, answered_at=as_utc(at), honeypot=suspicious))


def test_centre_survey_months_exclude_suspicious_responses(app, world):
    with app.app_context():
        # phường: 200 a year -> 17 a month. January: 17 valid. February: 16 valid + 5 flagged.
        for i in range(17):
            _respond(world, "centre-service", local(2026, 1, 5 + i % 20))
        for i in range(16):
            _respond(world, "centre-service", local(2026, 2, 2 + i % 20))
        for _ in range(5):
            _respond(world, "centre-service", local(2026, 2, 3), suspicious=True)
        db.session.commit()
        refresh(db.session)
        db.session.commit()
        item = score(db.session, _unit(world), 2026, date(2026, 2, 28)).item("2.7.a")
        assert item.figures == {"monthly_required": 17, "cells": 2, "met": 1}
        assert item.points == 1.0


def test_annual_survey_sample_and_margin_of_error(app, world):
    """Bạch Đằng's plan runs the annual survey in Quý IV: a commune parameter, not the table."""
    from reports.scoring.operations import set_commune_parameter

    with app.app_context():
        unit = _unit(world)
        unit.population = 20000
        table = load("5049-2026")
        set_commune_parameter(db.session.get(User, world["users"]["bd.admin"]), unit, table, table.item("2.7.b"),
                              "period", "q4")
        for i in range(100):
            _respond(world, "annual-friendly-government", local(2026, 10, 1 + i % 28))
        _respond(world, "annual-friendly-government", local(2026, 9, 30))  # before Quý IV: not counted
        db.session.commit()
        refresh(db.session)
        db.session.commit()
        now = datetime(2027, 1, 10, tzinfo=UTC)
        before = score(db.session, unit, 2026, date(2026, 9, 30), now=now).item("2.7.b")
        assert before.points == 0 and before.status == "not_due" and "Chưa đến kỳ" in before.explanation
        item = score(db.session, unit, 2026, date(2026, 12, 31), now=now).item("2.7.b")
        assert item.figures["responses"] == 100 and item.figures["required"] == 200
        assert item.points == 1.0 and item.status == "scored"
        assert item.figures["margin_of_error"] == pytest.approx(1.96 * (0.25 / 100) ** 0.5 * ((19900 / 19999) ** 0.5))


def test_entered_items_flags_and_the_capped_total(app, world):
    with app.app_context():
        unit = _unit(world)
        table = load("5049-2026")
        for item in table.items:
            if item.mode == "entered":
                db.session.add(ScoreEntry(unit_id=unit.id, year=2026, item_code=item.code, points=item.points))
        db.session.add(UnitProfile(unit_id=unit.id, neighbourhoods=1, fast_track_weekday=2))
        db.session.commit()
        result = score(db.session, unit, 2026, date(2026, 12, 31))
        entered = sum(i.points for i in table.items if i.mode == "entered")
        criterion2 = next(c for c in result.criteria if c.code == "2")
        assert criterion2.points <= 24
        assert result.total == pytest.approx(sum(c.points for c in result.criteria))
        assert result.total <= 100 and result.total >= entered - 1  # TC2's extra point capped away
        db.session.add(ScoreFlags(unit_id=unit.id, year=2026, disciplined=True))
        db.session.commit()
        flagged = score(db.session, unit, 2026, date(2026, 12, 31))
        assert flagged.level_name == "Không đạt chuẩn" and flagged.disqualified


def test_rebuild_equals_incremental_refresh(app, world):
    from survey_app.models import CaseCategory
    from survey_app.services import cases as case_service

    def snapshot():
        rows = {}
        for model in (RollupResponse, RollupResponseCount, RollupCase, RollupRating, RollupCaseLatency,
                      RollupAnswerMonth):
            columns = [c for c in model.__table__.columns if c.name != "id"]
            rows[model.__tablename__] = sorted(tuple(r) for r in db.session.execute(select(*columns)).all())
        return rows

    with app.app_context():
        for i in range(5):
            _respond(world, "centre-service", local(2026, 3, 1 + i), overall=1 + i)
        db.session.commit()
        refresh(db.session)
        db.session.commit()
        category = db.session.execute(select(CaseCategory.id)).scalars().first()
        # new rows after the first refresh: a late kiosk rating for an old day and a case
        _respond(world, "centre-service", local(2026, 3, 2), overall=4)
        _respond(world, "centre-service", local(2026, 3, 2), suspicious=True)
        filed, _ = case_service.file_case(case_service.CaseInput(
            unit_id=world["units"]["bach-dang"], channel="hotline", kind="gop_y", category_id=category,
            content="Ý kiến"))
        staff = db.session.get(User, world["users"]["bd.canbo"])
        case_service.answer(staff, filed, "Đã xử lý.", publish_now=True)
        case_service.rate(filed, 1, "Chậm")
        db.session.commit()
        # make sure the new rows look newer than the watermark
        from survey_app.models import RollupState

        state = db.session.get(RollupState, "all")
        state.refreshed_through = datetime.now(UTC) - timedelta(seconds=1)
        db.session.commit()
        report = refresh(db.session)
        db.session.commit()
        assert not report.full and report.days >= 2
        incremental = snapshot()
        refresh(db.session, full=True)
        db.session.commit()
        assert snapshot() == incremental
        counts = db.session.execute(select(RollupResponseCount.responses, RollupResponseCount.suspicious)
                                    .where(RollupResponseCount.day == date(2026, 3, 2))).all()
        assert counts == [(3, 1)]
        assert db.session.execute(select(RollupCase.rated, RollupCase.rated_unhappy)).all() == [(1, 1)]
        assert db.session.execute(select(RollupCaseLatency.days, RollupCaseLatency.count)).all() == [(0, 1)]
        march = db.session.execute(select(func.sum(RollupAnswerMonth.valid)).where(
            RollupAnswerMonth.month == 3, RollupAnswerMonth.question_key == "overall")).scalar()
        assert march == 6  # the suspicious response is left out


def test_two_refreshes_cannot_run_at_once(app):
    with app.app_context(), job_lock(db.session, "reports-refresh"), pytest.raises(LockBusy), \
            job_lock(db.session, "reports-refresh"):
        pass


def test_cli_refresh_and_score_json(runner, app, world):
    with app.app_context():
        _dossier(world, "X", local(2026, 3, 2), date(2026, 3, 5), local(2026, 3, 4))
        db.session.commit()
    assert runner.invoke(args=["reports", "refresh"]).exit_code == 0
    result = runner.invoke(args=["reports", "score", "--unit", "bach-dang", "--year", "2026", "--as-of",
                                 "31/12/2026", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["unit"] == "bach-dang" and data["items"][0]["code"] == "1.1.a.1"
    assert next(i for i in data["items"] if i["code"] == "2.8")["points"] == 5.0
    bad = runner.invoke(args=["reports", "score", "--unit", "khong-co", "--year", "2026"])
    assert bad.exit_code != 0 and "Không tìm thấy" in bad.output


def test_suspicious_responses_never_reach_the_rollups(app, world):
    with app.app_context():
        _respond(world, "centre-service", local(2026, 4, 1), suspicious=True, overall=1)
        db.session.commit()
        refresh(db.session)
        db.session.commit()
        assert db.session.execute(select(RollupResponse)).first() is None
        assert db.session.execute(select(SurveyResponse.suspicious)).scalar() is True
