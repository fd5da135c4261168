"""The batch writer (``surveys.insert_many``: one statement with the rows as JSON on PostgreSQL, two inserts on
SQLite) stores exactly what the ORM writer (``submit_response``) stores, column by column and answer by answer,
on SQLite and PostgreSQL."""

import uuid
from datetime import UTC, datetime, timedelta, timezone

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select

from survey_app.extensions import db
from survey_app.models import SurveyAnswer, SurveyResponse
from survey_app.services import surveys
from survey_app.surveys.definition import ParsedAnswers

_SKIPPED = {"id", "client_id", "received_at"}  # the row's own id and key; the moment each writer ran


def _stored(client_id: str):
    response = db.session.execute(select(SurveyResponse).where(SurveyResponse.client_id == client_id)).scalar_one()
    columns = {c.key: getattr(response, c.key) for c in SurveyResponse.__table__.columns if c.key not in _SKIPPED}
    answers = sorted((a.question_key, a.value, a.text) for a in response.answers)
    return columns, answers


moments = st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 31)).map(
    lambda d: d.replace(microsecond=0))
zones = st.sampled_from([UTC, timezone(timedelta(hours=7)), timezone(timedelta(hours=-5, minutes=-30)), None])
words = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=40)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(moment=moments, zone=zones, overall=st.integers(0, 5), comment=words, dossier=st.booleans(),
       kiosk_flags=st.sampled_from([None, "clock-untrusted", "dossier-dropped,stale-screen"]),
       reason=st.sampled_from([None, "burst", "kiosk-burst"]))
def test_the_batch_writer_stores_what_the_orm_writer_stores(app, world, moment, zone, overall, comment, dossier,
                                                             kiosk_flags, reason):
    answered_at = moment.replace(tzinfo=zone) if zone is not None else moment  # naive: read as UTC, as bound
    with app.app_context():
        version = surveys.current_version(surveys.questionnaire_by_code("centre-service").id)
        values = {"overall": [overall], "staff.polite": [4], "improve": [1, 3]}
        texts = {"comment": comment} if comment else {}
        written = []
        for writer in ("orm", "batch"):
            source = surveys.Submission(
                unit_id=world["units"]["bach-dang"], centre_id=world["centres"]["bach-dang"], channel="kiosk",
                client_id=uuid.uuid4().hex, answered_at=answered_at, lang="en",
                dossier_code=f"HS-{uuid.uuid4().hex[:8]}" if dossier else None, ip_hash="ab" * 16,
                suspicious_reason=reason, review_flags=kiosk_flags)
            answers = ParsedAnswers(values=values, texts=texts)
            if writer == "orm":
                surveys.submit_response(version, answers, source)
            else:
                assert surveys.insert_many(version, [(source, answers)]) == {source.client_id}
            db.session.commit()
            written.append(source.client_id)
        orm, batch = (_stored(c) for c in written)
        dossier_codes = (orm[0].pop("dossier_code"), batch[0].pop("dossier_code"))
        assert batch == orm
        assert all(dossier_codes) == dossier
        assert orm[0]["answered_at"] == answered_at.replace(tzinfo=answered_at.tzinfo or UTC)
        db.session.execute(delete(SurveyAnswer))
        db.session.execute(delete(SurveyResponse))
        db.session.commit()
