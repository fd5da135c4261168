"""The incremental refresh rewrites only the (day, commune) pairs that changed, and equals a full rebuild after any
mix of changes (Hypothesis draws inserts, updates, moves to another day and deletes of responses and dossiers
across days and communes), on SQLite and PostgreSQL."""

import uuid
from datetime import date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text

from reports.jobs import refresh
from survey_app.extensions import db
from survey_app.models import (
    Dossier,
    RollupAnswerMonth,
    RollupCase,
    RollupCaseLatency,
    RollupCaseMonth,
    RollupChange,
    RollupDossier,
    RollupDossierSettlement,
    RollupRating,
    RollupResponse,
    RollupResponseCount,
    RollupResponseMonth,
    SurveyResponse,
)
from survey_app.services import surveys
from survey_app.services.surveys import ParsedAnswers
from survey_app.services.workdays import end_of_local_day
from survey_app.timeutil import LOCAL_TZ, as_utc

ROLLUPS = (RollupResponse, RollupResponseCount, RollupRating, RollupAnswerMonth, RollupResponseMonth, RollupCase,
           RollupCaseLatency, RollupCaseMonth, RollupDossier, RollupDossierSettlement)
UNITS = ("bach-dang", "hoa-binh")
FIRST = date(2026, 1, 26)  # a span across a month's end, so months are rewritten by difference too
DAYS = 10


def _snapshot() -> dict:
    rows = {}
    for model in ROLLUPS:
        columns = [c for c in model.__table__.columns if c.name != "id"]
        rows[model.__tablename__] = sorted(tuple(r) for r in db.session.execute(select(*columns)).all())
    return rows


def _at(day_index: int, hour: int) -> datetime:
    return as_utc(datetime.combine(FIRST + timedelta(days=day_index), datetime.min.time(), LOCAL_TZ)
                  .replace(hour=hour))


def _respond(world, unit: str, day_index: int, overall: int, suspicious: bool) -> None:
    version = surveys.current_version(surveys.questionnaire_by_code("centre-service").id)
    surveys.submit_response(version, ParsedAnswers(values={"overall": [overall]}), surveys.Submission(
        unit_id=world["units"][unit], centre_id=world["centres"][unit], channel="qr", client_id=uuid.uuid4().hex,
        answered_at=_at(day_index, 9), honeypot=suspicious))


def _dossier(world, unit: str, day_index: int, late: bool) -> None:
    received = _at(day_index, 8)
    due = (FIRST + timedelta(days=day_index + 3))
    settled = received + timedelta(days=5 if late else 1)
    db.session.add(Dossier(unit_id=world["units"][unit], code=uuid.uuid4().hex[:12], received_at=received,
                           received_day=received.astimezone(LOCAL_TZ).date(), due_at=end_of_local_day(due),
                           settled_at=settled, field="Hộ tịch" if late else "Chứng thực"))


unit_st = st.sampled_from(UNITS)
day_st = st.integers(0, DAYS - 1)
change = st.one_of(
    st.tuples(st.just("respond"), unit_st, day_st, st.integers(1, 5), st.booleans()),
    st.tuples(st.just("dossier"), unit_st, day_st, st.booleans()),
    st.tuples(st.just("delete_response"), st.integers(0, 10_000)),
    st.tuples(st.just("flag_response"), st.integers(0, 10_000)),
    st.tuples(st.just("move_dossier"), st.integers(0, 10_000), day_st),
    st.tuples(st.just("delete_dossier"), st.integers(0, 10_000)),
    st.tuples(st.just("settle_late"), st.integers(0, 10_000)),
)


def _apply(world, op: tuple) -> None:
    kind = op[0]
    if kind == "respond":
        _respond(world, *op[1:])
        return
    if kind == "dossier":
        _dossier(world, *op[1:])
        return
    model = SurveyResponse if kind in ("delete_response", "flag_response") else Dossier
    rows = db.session.execute(select(model).order_by(model.id)).scalars().all()
    if not rows:
        return
    row = rows[op[1] % len(rows)]
    if kind in ("delete_response", "delete_dossier"):
        db.session.delete(row)
    elif kind == "flag_response":
        row.suspicious = not row.suspicious
    elif kind == "move_dossier":  # a re-import corrects the day of receipt: the old day must lose it
        row.received_at = _at(op[2], 8)
        row.received_day = row.received_at.astimezone(LOCAL_TZ).date()
    elif kind == "settle_late":
        row.settled_at = as_utc(row.due_at) + timedelta(days=2)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batches=st.lists(st.lists(change, min_size=1, max_size=6), min_size=1, max_size=3))
def test_incremental_refresh_equals_a_full_rebuild(app, world, batches):
    with app.app_context():
        refresh(db.session, full=True)
        db.session.commit()
        for batch in batches:
            for op in batch:
                _apply(world, op)
            db.session.commit()
            report = refresh(db.session)
            db.session.commit()
            assert not report.full
            incremental = _snapshot()
            refresh(db.session, full=True)
            db.session.commit()
            assert _snapshot() == incremental
        db.session.remove()


def test_a_moved_dossier_leaves_its_old_day_through_the_change_log(app, world):
    with app.app_context():
        _dossier(world, "bach-dang", 0, late=False)
        db.session.commit()
        refresh(db.session, full=True)
        db.session.commit()
        dossier = db.session.execute(select(Dossier)).scalar_one()
        dossier.received_at = _at(7, 8)
        dossier.received_day = dossier.received_at.astimezone(LOCAL_TZ).date()
        db.session.commit()
        logged = db.session.execute(select(RollupChange.day, RollupChange.unit_id)).all()
        assert logged == [(FIRST, world["units"]["bach-dang"])]
        report = refresh(db.session)
        db.session.commit()
        assert report.days == 2  # the day it left and the day it reached, in its commune only
        days = db.session.execute(select(RollupDossier.day, RollupDossier.received)).all()
        assert days == [(FIRST + timedelta(days=7), 1)]


def test_a_row_moved_without_being_read_first_still_leaves_its_old_day(app, world):
    """A dossier or response object whose attributes expired at a commit (not loaded again) moved to another day:
    its old (day, commune) is still logged, so neither the refresh nor a score reading the rollups
    keeps it where it was."""
    with app.app_context():
        _dossier(world, "bach-dang", 0, late=False)
        _respond(world, "bach-dang", 0, 4, False)
        db.session.commit()  # every attribute of both expires here
        dossier = db.session.execute(select(Dossier)).scalar_one()
        response = db.session.execute(select(SurveyResponse)).scalar_one()
        db.session.commit()
        dossier.received_day = FIRST + timedelta(days=3)  # set before anything of it was read again
        response.answered_day = FIRST + timedelta(days=4)
        db.session.commit()
        logged = db.session.execute(select(RollupChange.day, RollupChange.unit_id)).all()
        assert sorted(logged) == [(FIRST, world["units"]["bach-dang"])] * 2


def test_the_rating_breakdowns_count_what_the_raw_answers_say(app, world):
    """Every breakdown of the overall rating (counter, officer, channel, procedure field, respondent groups) read
    from the one pass over the answers equals a count made response by response from the raw rows."""
    from collections import Counter

    from survey_app.models import SurveyAnswer

    with app.app_context():
        version = surveys.current_version(surveys.questionnaire_by_code("centre-service").id)
        unit = "bach-dang"
        _dossier(world, unit, 1, late=True)
        db.session.flush()
        code = db.session.execute(select(Dossier.code).where(Dossier.unit_id == world["units"][unit])).scalar()
        for n in range(24):
            values = {"overall": [1 + n % 5]}
            if n % 2:
                values["group.age"] = [1 + n % 4]
            if n % 3:
                values["group.gender"] = [1 + n % 2]
            if n % 4 == 0:
                values["group.first_visit"] = [1]
            if n == 5:
                values["overall"] = []  # no overall rating: in no breakdown
            surveys.submit_response(version, ParsedAnswers(values=values), surveys.Submission(
                unit_id=world["units"][unit], centre_id=world["centres"][unit], channel=("qr", "kiosk")[n % 2],
                client_id=uuid.uuid4().hex, answered_at=_at(n % 3, 9), dossier_code=code if n == 7 else None))
        db.session.commit()
        refresh(db.session, full=True)
        db.session.commit()
        expected: Counter = Counter()
        for response in db.session.execute(select(SurveyResponse)).scalars():
            answers = {a.question_key: a.value for a in db.session.execute(
                select(SurveyAnswer).where(SurveyAnswer.response_id == response.id)).scalars()}
            overall = answers.get("overall")
            if not response.counted or overall is None or not 1 <= overall <= 5:
                continue
            field = "Hộ tịch" if response.dossier_code == code else ""
            keys = {"counter": str(response.counter_id or 0), "officer": str(response.officer_id or 0),
                    "channel": response.channel, "field": field,
                    **{k: str(answers[k]) for k in ("group.age", "group.gender", "group.first_visit")
                       if answers.get(k) is not None}}
            for dimension, key in keys.items():
                expected[(response.answered_day, dimension, key, overall)] += 1
        got = Counter({(r.day, r.dimension, r.key, r.value): r.count
                       for r in db.session.execute(select(RollupRating)).scalars()})
        assert got == expected and len({k[1] for k in got}) == 7


def test_a_full_rebuild_is_vacuumed_before_anyone_reads_it(app, world):
    """The rebuild writes every rollup anew: on PostgreSQL the job vacuums the rollups once it has committed, so
    index-only scans work at once (the score was slowest right after one), and each table has the planner's
    statistics from the rebuild's own ANALYZE, taken once."""
    from reports.jobs import ROLLUP_TABLES, run_refresh
    from survey_app.timeutil import utcnow

    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("VACUUM is PostgreSQL's; SQLite needs only the rebuild's ANALYZE")
        _dossier(world, "bach-dang", 0, late=True)
        db.session.commit()
        before = utcnow()
        assert run_refresh(db.session, full=True).full
        db.session.commit()
        rows = db.session.execute(text(
            "SELECT relname, last_vacuum, last_analyze, analyze_count FROM pg_stat_user_tables "
            "WHERE relname = ANY(:names) AND schemaname = current_schema()"),  # each test run has its own schema
            {"names": list(ROLLUP_TABLES)}).all()
        assert {r.relname for r in rows} == set(ROLLUP_TABLES)
        assert all(r.last_vacuum is not None and as_utc(r.last_vacuum) >= before for r in rows), rows
        assert all(r.last_analyze is not None and as_utc(r.last_analyze) >= before for r in rows), rows
        db.session.remove()


def test_a_rebuild_groups_in_its_own_memory_and_leaves_the_connection_as_it_was(app, world, monkeypatch):
    """The full rebuild sorts in REBUILD_WORK_MEM and hashes in REBUILD_HASH_MEM_MULTIPLIER times that (PostgreSQL),
    for its own transaction only: the pooled connection a dashboard gets next has the server's settings again."""
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("work_mem is PostgreSQL's")
        monkeypatch.setitem(app.config, "REBUILD_WORK_MEM", "96MB")  # the app is shared by the tests that follow
        monkeypatch.setitem(app.config, "REBUILD_HASH_MEM_MULTIPLIER", "3.5")

        def settings() -> tuple[str, str]:
            return (db.session.execute(text("SHOW work_mem")).scalar(),
                    db.session.execute(text("SHOW hash_mem_multiplier")).scalar())

        default = settings()
        assert default[0] != "96MB" and default[1] != "3.5"
        db.session.commit()
        refresh(db.session, full=True)
        assert settings() == ("96MB", "3.5")
        db.session.commit()
        assert settings() == default
        refresh(db.session)  # an incremental refresh keeps the server's setting
        assert settings() == default
        db.session.rollback()


def _rollup_schema() -> list:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    names = {model.__tablename__ for model in ROLLUPS}
    def ours(obj, name, kind, reflected, compare_to) -> bool:
        table = obj if kind == "table" else getattr(obj, "table", None)
        return table is None or table.name in names

    context = MigrationContext.configure(db.session.connection(), opts={
        "compare_type": True, "include_name": lambda name, kind, parent: kind != "table" or name in names,
        "include_object": ours})
    return compare_metadata(context, db.metadata)


def test_a_rebuild_on_postgresql_swaps_in_tables_the_models_describe(app, world):
    """On PostgreSQL a full rebuild writes fresh tables and swaps them in: twice over, each rollup still has the
    model's columns, types, primary key and indexes, and its id sequence, owned by the new table, goes on
    numbering the rows an incremental refresh adds."""
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("the swap is PostgreSQL's; SQLite deletes and inserts in place")
        _respond(world, "bach-dang", 0, 5, False)
        _dossier(world, "bach-dang", 0, late=True)
        db.session.commit()
        for _ in range(2):
            refresh(db.session, full=True)
            db.session.commit()
        assert _rollup_schema() == []
        for model in ROLLUPS:
            name = model.__tablename__
            sequence, default, pk = db.session.execute(text(
                "SELECT pg_get_serial_sequence(:t, 'id'), pg_get_expr(d.adbin, d.adrelid), "
                "(SELECT conname FROM pg_constraint WHERE conrelid = c.oid AND contype = 'p') "
                "FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'id' "
                "JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum "
                "WHERE c.oid = CAST(:t AS regclass)"), {"t": name}).one()
            assert sequence and sequence.split(".")[-1] in default, (name, sequence, default)
            assert pk == f"pk_{name}"
            assert not db.session.execute(text("SELECT to_regclass(:t)"), {"t": name + "__rebuild"}).scalar()
        before = db.session.execute(select(text("max(id)")).select_from(RollupResponse)).scalar()
        _respond(world, "hoa-binh", 1, 4, False)
        db.session.commit()
        refresh(db.session)
        db.session.commit()
        assert db.session.execute(select(text("max(id)")).select_from(RollupResponse)).scalar() > before
        db.session.remove()


def test_readers_keep_the_old_rollups_while_a_rebuild_writes_the_new(app, world):
    """While a full rebuild writes its fresh tables, the monthly ones included (their last insert), another
    connection reads the old daily and monthly rows without waiting (a lock timeout of one second would fail it);
    the new rows appear at the commit."""
    from sqlalchemy import event

    with app.app_context():
        _respond(world, "bach-dang", 0, 5, False)
        db.session.commit()
        refresh(db.session, full=True)
        db.session.commit()
        old = [db.session.execute(select(text("count(*)")).select_from(model)).scalar()
               for model in (RollupResponse, RollupAnswerMonth)]
        assert all(old)
        _respond(world, "hoa-binh", 1, 4, False)
        db.session.commit()
        postgresql = db.engine.dialect.name == "postgresql"
        seen: list[int] = []

        def read_meanwhile(conn, cursor, statement, parameters, context, executemany):
            if seen or not statement.startswith("INSERT INTO rollup_case_months"):
                return  # the rebuild's last insert: every other table has been written by now
            with db.engine.connect() as reader:
                if postgresql:
                    reader.execute(text("SET lock_timeout = '1s'"))
                seen.extend(reader.execute(select(text("count(*)")).select_from(model)).scalar()
                            for model in (RollupResponse, RollupAnswerMonth))

        if not postgresql:
            pytest.skip("SQLite lets one writer in at a time; readers of a rebuild are PostgreSQL's case")
        event.listen(db.engine, "before_cursor_execute", read_meanwhile)
        try:
            refresh(db.session, full=True)
            db.session.commit()
        finally:
            event.remove(db.engine, "before_cursor_execute", read_meanwhile)
        assert seen == old
        assert db.session.execute(select(text("count(*)")).select_from(RollupResponse)).scalar() > old[0]
        db.session.remove()
