"""Every commune scored in one pass equals each commune scored alone, on SQLite and PostgreSQL: the same points,
explanations, figures and statuses for every item, the same totals and levels, the same year-end guidance; and
the pass reads the database a fixed number of times, however many communes it scores."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import event, select

from reports.jobs import refresh, refresh_scores
from reports.scoring.engine import score, score_all
from reports.scoring.guidance import guidance
from reports.scoring.reads import Reads
from reports.scoring.table import for_year
from survey_app.extensions import db
from survey_app.models import (
    AdminUnit,
    BoxOpening,
    CommuneParameter,
    DutyShift,
    ScoreCache,
    ScoreEntry,
    ScoreEntryVersion,
    ScoreFlagsVersion,
    ServiceCentre,
    SuggestionBox,
    UnitProfile,
    User,
)
from survey_app.services.demo_data import (
    CasePlan,
    DossierPlan,
    SurveyPlan,
    generate_annual_survey,
    generate_cases,
    generate_dossiers,
    generate_survey_responses,
)

YEAR = 2026
START = date(2026, 1, 5)


def _staff_item_codes() -> list[str]:
    return [item.code for item in for_year(YEAR).items if item.mode != "computed"]


@pytest.fixture
def city(app, world):
    """Two communes with different data for every rule: generated dossiers, responses, cases and the annual survey,
    and hand-made boxes, duty shifts, profiles, staff entries (one changed after the first as-of date), a raised
    flag and a commune's own plan parameter."""
    with app.app_context():
        units = [db.session.get(AdminUnit, world["units"][code]) for code in ("bach-dang", "hoa-binh")]
        centres = db.session.execute(select(ServiceCentre)).scalars().all()
        generate_dossiers(db.session, DossierPlan(start=START, days=300, per_day=2, late_share=0.05), units=units)
        generate_survey_responses(db.session, SurveyPlan(start=START, days=300, per_day=2, kiosk_share=0.3),
                                  centres=centres)
        generate_cases(db.session, CasePlan(start=START, days=300, per_day=0.6), units=units)
        generate_annual_survey(db.session, YEAR, per_unit=40, units=units[:1])
        admin = db.session.execute(select(User).where(User.username == "admin")).scalar_one()
        codes = _staff_item_codes()
        for n, unit in enumerate(units):
            profile = db.session.get(UnitProfile, unit.id) or UnitProfile(unit_id=unit.id)
            profile.neighbourhoods, profile.fast_track_weekday = 4 + n, 2 + n
            db.session.add(profile)
            box = SuggestionBox(unit_id=unit.id, location_kind="ubnd", location_name="Trụ sở",
                                installed_on=date(2025, 12, 1))
            tdp = SuggestionBox(unit_id=unit.id, location_kind="to_dan_pho", location_name=f"Tổ {n + 1}",
                                installed_on=date(2026, 2, 1))
            db.session.add_all([box, tdp])
            db.session.flush()
            for day in (date(2026, 3, 2), date(2026, 6, 1))[: n + 1]:
                db.session.add(BoxOpening(box_id=box.id, unit_id=unit.id, opened_on=day, opened_by="Tổ mở hòm"))
            if n == 0:
                db.session.add(BoxOpening(box_id=tdp.id, unit_id=unit.id, opened_on=date(2026, 4, 6),
                                          opened_by="Tổ mở hòm"))
            for i in range(0, 200, 1 + n):
                day = START + timedelta(days=i)
                for channel in ("hotline", "zalo")[: 2 - n]:
                    db.session.add(DutyShift(unit_id=unit.id, day=day, channel=channel, user_id=admin.id))
            for k, code in enumerate(codes[: 3 + n]):
                at = datetime(2026, 4, 1, 3, tzinfo=UTC) + timedelta(days=k)
                db.session.add(ScoreEntryVersion(unit_id=unit.id, year=YEAR, item_code=code, points=0.5,
                                                 note="lần đầu", entered_by_id=admin.id, entered_at=at))
                db.session.add(ScoreEntryVersion(unit_id=unit.id, year=YEAR, item_code=code, points=1.0 - n * 0.25,
                                                 note="bổ sung", entered_by_id=admin.id,
                                                 entered_at=at + timedelta(days=90)))
                db.session.add(ScoreEntry(unit_id=unit.id, year=YEAR, item_code=code, points=1.0 - n * 0.25,
                                          note="bổ sung", entered_by_id=admin.id, entered_at=at + timedelta(days=90)))
        db.session.add(ScoreFlagsVersion(unit_id=units[1].id, year=YEAR, hotspot=True, note="điểm nóng",
                                         set_by_id=admin.id, set_at=datetime(2026, 8, 3, 2, tzinfo=UTC)))
        db.session.add(CommuneParameter(unit_id=units[0].id, table_id=for_year(YEAR).id, item_code="2.7.b",
                                        params={"period": "q4"}))
        db.session.commit()
        refresh(db.session, full=True)
        db.session.commit()
        db.session.remove()
    return world


def _units(world) -> list[AdminUnit]:
    return [db.session.get(AdminUnit, world["units"][code]) for code in ("bach-dang", "hoa-binh")]


def _items(result) -> list[tuple]:
    return [(s.item.code, s.points, s.source, s.explanation, s.figures, s.status, s.attachments, s.params)
            for s in result.items]


NOW = datetime(2026, 11, 30, 9, tzinfo=UTC)


@pytest.mark.parametrize("as_of", [date(2026, 5, 15), date(2026, 9, 30), None])
def test_one_pass_equals_each_commune_alone(app, city, as_of):
    with app.app_context():
        units = _units(city)
        together = score_all(db.session, units, YEAR, as_of, now=NOW)
        alone = [score(db.session, unit, YEAR, as_of, now=NOW) for unit in units]
        for a, b in zip(together, alone, strict=True):
            assert _items(a) == _items(b)
            assert (a.total, a.level_name, a.disqualified) == (b.total, b.level_name, b.disqualified)
            assert [(c.code, c.points) for c in a.criteria] == [(c.code, c.points) for c in b.criteria]
        # the communes' data differ, so equal answers are not the same answer copied twice
        assert _items(together[0]) != _items(together[1])
        figures = [s.figures for s in together[0].items if s.source == "computed"]
        assert any(f.get("judged") for f in figures) and any(f.get("cells") for f in figures)
        if as_of == date(2026, 9, 30):
            assert together[1].disqualified and not together[0].disqualified


def test_the_city_refresh_caches_what_each_commune_alone_computes(app, city):
    with app.app_context():
        assert refresh_scores(db.session, year=YEAR, max_age=None) == len(city["units"])
        for unit in _units(city):
            cached = db.session.execute(select(ScoreCache).where(ScoreCache.unit_id == unit.id,
                                                                 ScoreCache.year == YEAR)).scalar_one()
            alone = guidance(db.session, unit, YEAR)
            assert cached.total == alone.score.total
            assert cached.data["guidance"] == alone.as_dict(items=False)
            assert [i["points"] for i in cached.data["items"]] == [s.points for s in alone.score.items]



def test_batches_read_ahead_give_the_scores_of_one_batch(app, city):
    """Communes scored one a batch, each batch's reads run ahead on another connection while the one before is
    worked out (PostgreSQL), cache the very scores and guidance of every commune scored in one batch."""
    import threading

    def cached() -> dict:
        return {row.unit_id: (row.total, row.level, row.blank, row.data) for row in db.session.execute(
            select(ScoreCache).where(ScoreCache.year == YEAR)).scalars()}

    with app.app_context():
        first = _units(city)[0]
        # a third commune without data of its own: one batch then runs wholly ahead while the one before it is
        # worked out (the second batch's reads can only start once the first has asked for them)
        db.session.add(AdminUnit(code="quiet", name="Xã Yên Lặng", kind="xa", parent_id=first.parent_id))
        db.session.commit()
        total = refresh_scores(db.session, year=YEAR, max_age=None)
        assert total >= 3
        together = cached()
        threads: list[str] = []

        def before(conn, cursor, statement, parameters, context, executemany):
            threads.append(threading.current_thread().name)

        event.listen(db.engine, "before_cursor_execute", before)
        try:
            assert refresh_scores(db.session, year=YEAR, max_age=None, batch=1) == total
        finally:
            event.remove(db.engine, "before_cursor_execute", before)
        db.session.expire_all()
        assert cached() == together
        ahead = sum(1 for name in threads if name.startswith("score-reads"))
        if db.engine.dialect.name == "postgresql":
            assert ahead > 10
        else:
            assert ahead == 0

def _count_queries(fn) -> int:
    engine = db.engine
    seen = []

    def before(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    try:
        fn()
    finally:
        event.remove(engine, "before_cursor_execute", before)
    return len(seen)


def test_the_pass_reads_the_database_a_fixed_number_of_times(app, city):
    """Scoring (and forecasting) two communes together costs the queries of one: each read runs once for the batch.
    Hòa Bình is the one that reads the most (Bạch Đằng's survey quarter has not begun, so it reads less)."""
    with app.app_context():
        units = _units(city)
        for unit in units:  # loaded once, as the city's job does
            _ = (unit.kind, unit.population, unit.name)
        day = date(2026, 9, 30)
        one = _count_queries(lambda: score_all(db.session, units[1:], YEAR, day, now=NOW))
        two = _count_queries(lambda: score_all(db.session, units, YEAR, day, now=NOW))
        alone = _count_queries(lambda: [score(db.session, u, YEAR, day, now=NOW) for u in units])
        assert one > 10  # every rule reads something
        assert two == one
        assert alone > two

        def outlooks(chosen, as_of=day):
            reads = Reads(db.session, [u.id for u in chosen])
            return [guidance(db.session, u, YEAR, as_of, reads=reads) for u in chosen]

        assert _count_queries(lambda: outlooks(units)) == _count_queries(lambda: outlooks(units[1:]))
        # as of today, with the present read from the clock: the batch fixes one present for every commune (the
        # survey quarter of Bạch Đằng's plan is dropped, so both communes read alike)
        for row in db.session.execute(select(CommuneParameter)).scalars():
            db.session.delete(row)
        db.session.commit()
        for unit in units:  # loaded again after the commit, outside the count
            _ = (unit.kind, unit.population, unit.name)
        assert _count_queries(lambda: score_all(db.session, units, YEAR)) == _count_queries(
            lambda: score_all(db.session, units[1:], YEAR))
        assert _count_queries(lambda: outlooks(units, None)) == _count_queries(lambda: outlooks(units[1:], None))


@pytest.mark.parametrize("end", [date(2026, 1, 1), date(2026, 3, 31), date(2026, 5, 15), date(2026, 10, 31),
                                 date(2026, 12, 31)])
def test_the_centres_months_from_the_monthly_rollup_equal_the_daily_rows(app, city, end):
    """The score's responses per centre and month take the months already over from the monthly rollup and the
    month in progress from the daily one: the same counts as adding up the daily rows, at a month's first day, its
    last, mid-month and the year's end."""
    from sqlalchemy import extract, func

    from reports.scoring.asof import as_of
    from reports.scoring.data import questionnaire_id, responses_by_centre_month
    from survey_app.models import RollupResponseCount

    with app.app_context():
        units = [u.id for u in _units(city)]
        questionnaire = questionnaire_id(db.session, "centre-service")
        asof = as_of(YEAR, end, now=datetime(2027, 1, 2, tzinfo=UTC))
        r = RollupResponseCount
        year, month = extract("year", r.day), extract("month", r.day)
        expected: dict = {}
        for u, c, y, m, n in db.session.execute(
                select(r.unit_id, r.centre_id, year, month, func.sum(r.counted))
                .where(r.unit_id.in_(units), r.questionnaire_id == questionnaire, r.day >= asof.start,
                       r.day <= asof.end).group_by(r.unit_id, r.centre_id, year, month)):
            expected.setdefault(u, {})[(int(c), int(y), int(m))] = int(n)
        assert responses_by_centre_month(db.session, units, questionnaire, asof) == expected
        assert sum(n for counts in expected.values() for n in counts.values()) > 0 or end == date(2026, 1, 1)
