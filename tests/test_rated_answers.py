"""The copies of the rated answers on each response (overall rating, respondent group) say what its answers say,
whoever wrote them: the form (one screen or several), a kiosk or QR batch, the demo generator, and the migration
that filled them in for responses stored before the copies existed."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import timedelta

from flask_migrate import downgrade, upgrade
from sqlalchemy import select, text

from survey_app.extensions import db
from survey_app.models import RATED_ANSWERS, ServiceCentre, SurveyAnswer, SurveyResponse
from survey_app.services import surveys
from survey_app.services.demo_data import SurveyPlan, generate_survey_responses
from survey_app.services.surveys import ParsedAnswers
from survey_app.timeutil import local_today

BEFORE = "f3a8c1d6e4b2"  # the revision before the copies


def _from_answers(connection) -> dict[int, dict[str, int | None]]:
    """Each response's rated answers read from survey_answers alone: the largest value per key."""
    expected: dict[int, dict[str, int | None]] = defaultdict(lambda: dict.fromkeys(RATED_ANSWERS.values()))
    for response_id in connection.execute(text("SELECT id FROM survey_responses")).scalars():
        expected[response_id]  # noqa: B018 (a response with no rated answer has all copies empty)
    rows = connection.execute(text("SELECT response_id, question_key, value FROM survey_answers "
                                   "WHERE value IS NOT NULL"))
    for response_id, key, value in rows:
        if key in RATED_ANSWERS:
            column = RATED_ANSWERS[key]
            current = expected[response_id][column]
            expected[response_id][column] = value if current is None else max(current, value)
    return dict(expected)


def _stored(connection) -> dict[int, dict[str, int | None]]:
    columns = list(RATED_ANSWERS.values())
    rows = connection.execute(text(f"SELECT id, {', '.join(columns)} FROM survey_responses"))
    return {row[0]: dict(zip(columns, row[1:], strict=True)) for row in rows}


def _source(world, unit: str, channel: str = "qr", client_id: str | None = None) -> surveys.Submission:
    return surveys.Submission(unit_id=world["units"][unit], centre_id=world["centres"][unit], channel=channel,
                              client_id=client_id or uuid.uuid4().hex)


def test_every_writer_keeps_the_copies_equal_to_the_answers(app, world):
    with app.app_context():
        version = surveys.current_version(surveys.questionnaire_by_code("centre-service").id)
        # the form in one go, with a "no opinion" overall (0 is kept as answered; the rollups count 1–5)
        surveys.submit_response(version, ParsedAnswers(values={"overall": [0], "group.age": [2]}),
                                _source(world, "bach-dang"))
        # a batch (kiosk taps, QR forms sent as one statement)
        batch = [(_source(world, "bach-dang", "kiosk"), ParsedAnswers(values={"overall": [n]})) for n in (1, 3, 5)]
        batch.append((_source(world, "bach-dang"), ParsedAnswers(values={"group.gender": [1], "staff.polite": [4]})))
        surveys.insert_many(version, [(surveys.admit(version, s), a) for s, a in batch])
        # a form answered over two screens: the second replaces the first screen's overall and adds the group
        first = _source(world, "bach-dang", client_id=uuid.uuid4().hex)
        response, _ = surveys.submit_response(version, ParsedAnswers(values={"overall": [2]}), first)
        surveys.continue_response(response, version,
                                  ParsedAnswers(values={"overall": [5], "group.first_visit": [1]}),
                                  {"overall", "group.first_visit"}, first)
        # the demo and benchmark generator
        centre = db.session.get(ServiceCentre, world["centres"]["bach-dang"])
        written = generate_survey_responses(db.session, SurveyPlan(start=local_today() - timedelta(days=3), days=3,
                                                                   per_day=6, kiosk_share=0.3), [centre])
        db.session.commit()
        continued = response.id
        assert written > 0
        with db.engine.connect() as connection:
            expected, stored = _from_answers(connection), _stored(connection)
        db.session.remove()
    assert stored == expected
    assert {c: v for c, v in stored[continued].items() if v is not None} == {"overall_rating": 5,
                                                                                 "group_first_visit": 1}
    assert sum(1 for copies in stored.values() if copies["overall_rating"] is not None) > written // 2


def test_the_migration_fills_the_copies_of_responses_stored_before_them(app, world):
    with app.app_context():
        version = surveys.current_version(surveys.questionnaire_by_code("centre-service").id)
        for n in range(6):
            values = {"overall": [1 + n % 5], "group.age": [1 + n % 3]} if n % 2 else {"group.gender": [2]}
            surveys.submit_response(version, ParsedAnswers(values=values), _source(world, "hoa-binh"))
        db.session.commit()
        before = {r.id: {c: getattr(r, c) for c in RATED_ANSWERS.values()}
                  for r in db.session.execute(select(SurveyResponse)).scalars()}
        answers = db.session.execute(select(SurveyAnswer.id)).scalars().all()
        db.session.remove()
        downgrade(revision=BEFORE)
        with db.engine.connect() as connection:
            columns = set(connection.execute(text("SELECT * FROM survey_responses LIMIT 0")).keys())
        assert not columns & set(RATED_ANSWERS.values())  # gone: the responses are as an older release left them
        upgrade()
        with db.engine.connect() as connection:
            expected, stored = _from_answers(connection), _stored(connection)
            kept = connection.execute(text("SELECT count(*) FROM survey_answers")).scalar()
        db.session.remove()
    assert stored == expected == before
    assert kept == len(answers)  # the answers stay the record
    assert sum(1 for copies in stored.values() if copies["overall_rating"] is not None) == 3


def test_a_bulk_load_past_the_services_gets_its_copies_in_one_update(app, world):
    """The national generator writes answers in SQL: one UPDATE sets the copies as the services would have."""
    with app.app_context():
        version = surveys.current_version(surveys.questionnaire_by_code("centre-service").id)
        for n in range(5):
            values = {"overall": [1 + n, 0], "group.gender": [1 + n % 2]} if n != 2 else {"comment.x": []}
            surveys.submit_response(version, ParsedAnswers(values=values), _source(world, "bach-dang"))
        db.session.commit()
        written = _stored(db.session.connection())
        # as the generator leaves them: answers in place, no copies yet
        db.session.execute(text("UPDATE survey_responses SET overall_rating = NULL, group_age = NULL, "
                                "group_gender = NULL, group_first_visit = NULL"))
        surveys.fill_rated_copies(db.session)
        db.session.commit()
        with db.engine.connect() as connection:
            expected, stored = _from_answers(connection), _stored(connection)
        db.session.remove()
    assert stored == written == expected
    assert sum(1 for copies in stored.values() if copies["overall_rating"] is not None) == 4


BEFORE_PAPER_CHECK = "c4e9b7a1f203"  # the paper check's migration copies survey_responses on SQLite, both ways


def test_migrations_that_copy_the_responses_table_keep_every_answer(app, world):
    """On SQLite a batch migration copies ``survey_responses`` and drops the old table; with foreign keys enforced
    that drop deleted every answer (ON DELETE CASCADE), going up through the paper check as going down. The
    migrations run with the keys off and checked at the end."""
    with app.app_context():
        version = surveys.current_version(surveys.questionnaire_by_code("centre-service").id)
        for n in range(4):
            surveys.submit_response(version, ParsedAnswers(values={"overall": [2 + n], "staff.polite": [4]}),
                                    _source(world, "bach-dang"))
        db.session.commit()
        answers = db.session.execute(text("SELECT count(*) FROM survey_answers")).scalar()
        db.session.remove()
        downgrade(revision=BEFORE_PAPER_CHECK)
        with db.engine.connect() as connection:
            between = connection.execute(text("SELECT count(*) FROM survey_answers")).scalar()
        upgrade()
        # rows the migrations ship may be dropped and re-created with new ids: record them again so the per-test
        # cleanup keeps them, as it keeps every shipped row
        builtin = app.config["BUILTIN_ROWS"]
        for table in builtin:
            builtin[table] = set(db.session.execute(text(f"SELECT id FROM {table}")).scalars())
        with db.engine.connect() as connection:
            after = connection.execute(text("SELECT count(*) FROM survey_answers")).scalar()
            keys_on = connection.exec_driver_sql("PRAGMA foreign_keys").scalar() \
                if connection.dialect.name == "sqlite" else 1
            expected, stored = _from_answers(connection), _stored(connection)
        db.session.remove()
    assert answers >= 8 and between == answers and after == answers
    assert stored == expected
    assert keys_on == 1  # the pooled connection enforces foreign keys again
