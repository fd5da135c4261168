"""Scores exactly as of a date, on hand-computed fixtures, on SQLite and PostgreSQL.

A score as of D sees only what had happened by the end of the local day D: a settlement, an answer, an extension,
a collection session or a staff entry after D changes nothing; asked again later it gives the same figures; a date
in the future is capped at today, so days that have not come yet are never misses.

The clock is injected (``now``): "today" in these fixtures is Monday 30/11/2026, 14:00 in Hai Phong.
"""

from datetime import date, datetime

import pytest
from sqlalchemy import select

from reports.scoring.asof import as_of
from reports.scoring.engine import score
from survey_app.extensions import db
from survey_app.models import (
    AdminUnit,
    ApologyLetter,
    Case,
    CaseCategory,
    CaseEvent,
    CollectionSession,
    Dossier,
    ScoreEntry,
    ScoreEntryVersion,
)
from survey_app.services.workdays import end_of_local_day
from survey_app.timeutil import LOCAL_TZ, as_utc

TODAY = datetime(2026, 11, 30, 14, 0, tzinfo=LOCAL_TZ)
MID_YEAR = date(2026, 6, 11)  # a Thursday: its ISO week (08–14/06) is still in progress
YEAR_END = date(2026, 12, 31)


def local(y, m, d, hh=9, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=LOCAL_TZ)


def _unit(world, code="bach-dang") -> AdminUnit:
    return db.session.get(AdminUnit, world["units"][code])


def _dossier(world, code, received, due_day, settled=None, channel="direct", unit="bach-dang"):
    received = as_utc(received)
    db.session.add(Dossier(unit_id=world["units"][unit], code=code, received_at=received,
                           received_day=received.astimezone(LOCAL_TZ).date(), due_at=end_of_local_day(due_day),
                           settled_at=as_utc(settled) if settled else None, channel=channel))


def _case(world, code, received, due_day, answered=None, published=None, state="new", events=()):
    category = db.session.execute(select(CaseCategory.id)).scalars().first()
    due = end_of_local_day(due_day)
    case = Case(tracking_code=code, unit_id=world["units"]["bach-dang"], channel="web", kind="gop_y",
                category_id=category, content="Ý kiến", received_at=as_utc(received), original_due_at=due,
                due_at=due, answered_at=as_utc(answered) if answered else None,
                published_at=as_utc(published) if published else None, state=state)
    db.session.add(case)
    db.session.flush()
    for kind, at, detail in events:
        db.session.add(CaseEvent(case_id=case.id, kind=kind, at=as_utc(at), detail=detail))
    return case


def _fixture(world) -> None:
    """Dossiers and app/web cases of Bạch Đằng, each with what D = 11/06 may and may not see."""
    # on time; late settled before D; due 09/06 and settled 12/06 (open past due at D, late settled later);
    # due 15/06 and settled 12/06 (not yet due at D); received after D; open, due 10/12 (not yet due today)
    _dossier(world, "D1", local(2026, 3, 2), date(2026, 3, 5), local(2026, 3, 4))
    _dossier(world, "D2", local(2026, 6, 1), date(2026, 6, 5), local(2026, 6, 8))
    _dossier(world, "D3", local(2026, 6, 3), date(2026, 6, 9), local(2026, 6, 12))
    _dossier(world, "D4", local(2026, 6, 8), date(2026, 6, 15), local(2026, 6, 12))
    _dossier(world, "D5", local(2026, 7, 15), date(2026, 7, 20), local(2026, 7, 17))
    _dossier(world, "D6", local(2026, 11, 20), date(2026, 12, 10))
    # C1 answered 12/06 (after D) on time; C2 extended on 04/06 to 19/06, answered 18/06;
    # C3 due 08/06, extended only on 12/06 (after D) to 20/06, answered 15/06; C4 answered 05/06, reopened 20/06
    _case(world, "PA1", local(2026, 6, 1), date(2026, 6, 12), answered=local(2026, 6, 12), state="answered",
          published=local(2026, 6, 12), events=[("answered", local(2026, 6, 12), {})])
    _case(world, "PA2", local(2026, 6, 2), date(2026, 6, 5), answered=local(2026, 6, 18), state="answered",
          events=[("extension_approved", local(2026, 6, 4),
                   {"new_due_at": end_of_local_day(date(2026, 6, 19)).isoformat()}),
                  ("answered", local(2026, 6, 18), {})])
    _case(world, "PA3", local(2026, 6, 1), date(2026, 6, 8), answered=local(2026, 6, 15), state="answered",
          events=[("extension_approved", local(2026, 6, 12),
                   {"new_due_at": end_of_local_day(date(2026, 6, 20)).isoformat()}),
                  ("answered", local(2026, 6, 15), {})])
    _case(world, "PA4", local(2026, 6, 1), date(2026, 6, 12), published=local(2026, 6, 5), state="in_progress",
          events=[("answered", local(2026, 6, 5), {}), ("reopened", local(2026, 6, 20), {})])
    for day in (date(2026, 5, 26), date(2026, 6, 2)):  # weeks of 25/05 and 01/06; none yet in the week of 08/06
        db.session.add(CollectionSession(unit_id=world["units"]["bach-dang"], held_on=day, organisation="Ủy ban MTTQ",
                                         collector="Bà Lan"))
    db.session.commit()


def test_the_period_is_capped_at_today_and_names_its_date():
    future = as_of(2026, YEAR_END, TODAY)
    assert future.end == date(2026, 11, 30) and future.capped and future.cutoff == as_utc(TODAY)
    past = as_of(2026, MID_YEAR, TODAY)
    assert past.end == MID_YEAR and not past.capped
    assert past.cutoff == end_of_local_day(MID_YEAR)
    later_year = as_of(2027, None, TODAY)
    assert later_year.empty
    assert as_of(2026, YEAR_END, datetime(2027, 1, 15, tzinfo=LOCAL_TZ)).complete


def test_dossiers_as_of_mid_year_today_and_year_end(app, world):
    with app.app_context():
        _fixture(world)
        unit = _unit(world)
        mid = score(db.session, unit, 2026, MID_YEAR, now=TODAY).item("2.8")
        # received by 11/06: D1–D4. Judged: D1, D2 (settled), D3 (open past its due 09/06 at D); D4 not yet due
        assert mid.figures == {"judged": 3, "late": 2, "late_settled": 1, "open_past_due": 1, "not_yet_due": 1,
                               "share": pytest.approx(1 / 3)}
        assert "1 hồ sơ đã trả kết quả nhưng trễ hạn, 1 hồ sơ quá hạn chưa trả" in mid.explanation
        assert "1 hồ sơ chưa đến hạn không tính" in mid.explanation
        assert [row[0] for row in mid.rows().rows] == ["D2", "D3"]
        assert mid.rows().rows[1][4] == "Chưa trả"  # D3's settlement on 12/06 is not known at D
        now = score(db.session, unit, 2026, date(2026, 11, 30), now=TODAY).item("2.8")
        # D1–D6; D6 open, due 10/12: not judged; D2 and D3 settled late
        assert now.figures["judged"] == 5 and now.figures["late_settled"] == 2 and now.figures["open_past_due"] == 0
        future = score(db.session, unit, 2026, YEAR_END, now=TODAY)
        assert future.end == date(2026, 11, 30) and future.as_dict()["as_of"] == "2026-11-30"
        assert future.item("2.8").figures == now.figures  # days that have not come are not misses
        after_year = score(db.session, unit, 2026, YEAR_END, now=datetime(2027, 1, 15, 9, tzinfo=LOCAL_TZ))
        assert after_year.end == YEAR_END
        assert after_year.item("2.8").figures["open_past_due"] == 1  # D6 was due 10/12 and is still open
        assert after_year.item("2.8").figures["judged"] == 6


def test_cases_as_of_follow_their_event_log(app, world):
    with app.app_context():
        _fixture(world)
        unit = _unit(world)
        mid = score(db.session, unit, 2026, MID_YEAR, now=TODAY).item("1.2.c")
        # at D: PA1 and PA2 not yet due and unanswered (left out); PA3 past its then due 08/06 (its extension
        # came on 12/06); PA4 answered 05/06 on time and published
        assert mid.figures == {"months": 6, "decided": 2, "on_time": 1, "answered": 1, "published": 1,
                               "answered_late": 0, "open_past_due": 1, "not_yet_due": 2}
        # 0.5 × 1/6 + 0.25 × 1/2 + 0.25 × 1/1 = 0.4583 × 2 points = 0.9167, rounded down to 0.75
        assert mid.points == 0.75
        assert "làm tròn xuống 0,25 điểm" in mid.explanation
        now = score(db.session, unit, 2026, date(2026, 11, 30), now=TODAY).item("1.2.c")
        # today: PA1–PA3 answered on time (PA2, PA3 by their extended dates); PA4 reopened, past due, open
        assert now.figures == {"months": 10, "decided": 4, "on_time": 3, "answered": 3, "published": 1,
                               "answered_late": 0, "open_past_due": 1, "not_yet_due": 0}


def test_a_score_as_of_a_past_date_does_not_change_when_later_data_arrives(app, world):
    with app.app_context():
        _fixture(world)
        unit = _unit(world)
        unit_id = world["units"]["bach-dang"]
        db.session.add(ScoreEntry(unit_id=unit_id, year=2026, item_code="2.5", points=1,
                                  entered_at=as_utc(local(2026, 6, 1))))
        db.session.add(ScoreEntryVersion(unit_id=unit_id, year=2026, item_code="2.5", points=1, note="",
                                         entered_at=as_utc(local(2026, 6, 1))))
        db.session.commit()
        first = score(db.session, unit, 2026, MID_YEAR, now=TODAY).as_dict()
        assert score(db.session, unit, 2026, MID_YEAR, now=TODAY).as_dict() == first  # asked twice
        weekly = next(i for i in first["items"] if i["code"] == "1.2.d")
        # ISO weeks with their Thursday by 11/06: 24 (29/12/2025 … 08/06); the week of 08/06 is in progress at D
        # and has no session yet, so it is not counted: 2 of 23
        assert weekly["figures"] == {"weeks": 23, "weeks_with_session": 2}
        # later data: a session on Saturday 13/06 (the week in progress at D), settlements and answers after D,
        # a dossier received 12/06, an apology sent 20/06, the entry lowered on 20/06, an approved extension
        db.session.add(CollectionSession(unit_id=unit_id, held_on=date(2026, 6, 13), organisation="Hội Phụ nữ",
                                         collector="Bà Hoa"))
        _dossier(world, "D7", local(2026, 6, 12), date(2026, 6, 12), local(2026, 6, 13))
        d3 = db.session.execute(select(Dossier).where(Dossier.code == "D3")).scalar_one()
        db.session.add(ApologyLetter(dossier_id=d3.id, unit_id=unit_id, sent_on=date(2026, 6, 20)))
        db.session.add(ScoreEntryVersion(unit_id=unit_id, year=2026, item_code="2.5", points=0.5, note="",
                                         entered_at=as_utc(local(2026, 6, 20))))
        entry = db.session.execute(select(ScoreEntry).where(ScoreEntry.item_code == "2.5")).scalar_one()
        entry.points = 0.5
        db.session.commit()
        assert score(db.session, unit, 2026, MID_YEAR, now=TODAY).as_dict() == first
        # asked again a year later: the same figures
        later = datetime(2027, 11, 30, 14, tzinfo=LOCAL_TZ)
        assert score(db.session, unit, 2026, MID_YEAR, now=later).as_dict() == first
        # while today's score sees all of it
        today = score(db.session, unit, 2026, date(2026, 11, 30), now=TODAY)
        assert today.item("2.5").points == 0.5 and today.item("2.4.e").figures["sent"] == 1


def test_a_future_date_counts_no_future_misses(app, world):
    with app.app_context():
        unit = _unit(world)
        unit_id = world["units"]["bach-dang"]
        # a session every week up to today (Mondays 29/12/2025 … 30/11/2026)
        day = date(2025, 12, 29)
        while day <= date(2026, 11, 30):
            db.session.add(CollectionSession(unit_id=unit_id, held_on=day, organisation="Ủy ban MTTQ",
                                             collector="Bà Lan"))
            day = day.fromordinal(day.toordinal() + 7)
        db.session.commit()
        future = score(db.session, unit, 2026, YEAR_END, now=TODAY)
        item = future.item("1.2.d")
        # ISO weeks with their Thursday by 30/11: 48 (29/12/2025 … 23/11); December's are not counted as misses
        assert item.figures == {"weeks": 48, "weeks_with_session": 48} and item.points == 2
        assert future.item("3.1.2.b").figures["months"] == 10  # November is not over and had no reception
        assert future.end == date(2026, 11, 30)


def test_home_service_leaves_out_a_request_not_yet_due(app, world):
    with app.app_context():
        unit = _unit(world)
        # H1 served; H2 open, due 20/06; H3 open, due 05/06
        _dossier(world, "H1", local(2026, 6, 1), date(2026, 6, 5), local(2026, 6, 4), channel="home")
        _dossier(world, "H2", local(2026, 6, 8), date(2026, 6, 20), channel="home")
        db.session.commit()
        item = score(db.session, unit, 2026, MID_YEAR, now=TODAY).item("2.2")
        assert item.figures == {"requests": 1, "served": 1, "not_yet_due": 1}
        assert item.points == 3 and "1 hồ sơ chưa đến hạn không tính" in item.explanation
        assert [row[5] for row in item.rows().rows] == ["Đã phục vụ", "Chưa đến hạn (không tính)"]
        # today H2 is past its due date and still open: 1 of 2 served, 3 × 50% = 1.5
        today = score(db.session, unit, 2026, date(2026, 11, 30), now=TODAY).item("2.2")
        assert today.figures == {"requests": 2, "served": 1, "not_yet_due": 0} and today.points == 1.5


def test_annual_survey_run_in_june_counts_and_shows_not_due_before(app, world):
    from reports.jobs import refresh
    from tests.test_scoring import _respond

    with app.app_context():
        unit = _unit(world)
        # a phường needs 200 valid answers in the survey's period (the whole year unless its plan names a quarter)
        for i in range(200):
            _respond(world, "annual-friendly-government", local(2026, 6, 1 + i % 28))
        db.session.commit()
        refresh(db.session)
        db.session.commit()
        may = score(db.session, unit, 2026, date(2026, 5, 31), now=TODAY).item("2.7.b")
        assert may.status == "not_due" and may.points == 0 and "Chưa đến kỳ" in may.explanation
        june = score(db.session, unit, 2026, date(2026, 6, 30), now=TODAY).item("2.7.b")
        assert june.figures["responses"] == 200 and june.points == 2 and june.status == "scored"
        assert score(db.session, unit, 2026, date(2026, 11, 30), now=TODAY).item("2.7.b").points == 2


def test_a_commune_plan_may_set_its_survey_quarter(app, world):
    from reports.scoring.operations import ScoringError, set_commune_parameter
    from reports.scoring.table import load
    from survey_app.models import CommuneParameter, User

    with app.app_context():
        unit = _unit(world)
        table = load("5049-2026")
        admin = db.session.get(User, world["users"]["bd.admin"])
        set_commune_parameter(admin, unit, table, table.item("2.7.b"), "period", "q4")
        db.session.commit()
        sept = score(db.session, unit, 2026, date(2026, 9, 30), now=TODAY).item("2.7.b")
        assert sept.status == "not_due" and "Quý IV/2026" in sept.explanation
        # the other commune keeps the decision's whole year
        other = score(db.session, _unit(world, "hoa-binh"), 2026, date(2026, 9, 30), now=TODAY).item("2.7.b")
        assert "cả năm 2026" in other.explanation
        with pytest.raises(ScoringError):
            set_commune_parameter(admin, unit, table, table.item("2.7.b"), "period", "q5")
        with pytest.raises(ScoringError):
            set_commune_parameter(admin, unit, table, table.item("2.8"), "mode", "linear")
        set_commune_parameter(admin, unit, table, table.item("2.7.b"), "period", "year")  # back to the default
        db.session.commit()
        assert db.session.execute(select(CommuneParameter)).first() is None


def test_a_thon_based_xa_reads_thon(app, world):
    from survey_app.models import SuggestionBox, UnitProfile

    with app.app_context():
        unit = _unit(world, "hoa-binh")
        unit.kind = "xa"
        db.session.add(UnitProfile(unit_id=unit.id, neighbourhoods=4))
        box = SuggestionBox(unit_id=unit.id, location_kind="to_dan_pho", location_name="Nhà văn hóa thôn Đông",
                            installed_on=date(2026, 1, 5))
        db.session.add(box)
        db.session.flush()
        from survey_app.models import BoxOpening

        db.session.add(BoxOpening(box_id=box.id, unit_id=unit.id, opened_on=date(2026, 3, 2), opened_by="Tổ mở"))
        db.session.commit()
        result = score(db.session, unit, 2026, MID_YEAR, now=TODAY)
        boxes = result.item("1.2.a")
        # no box at the UBND seat opened (weight 50%); 1 of 4 thôn (25%, weight 50%): 1 × 12.5% -> 0
        assert "1/4 thôn có hòm thư đã mở" in boxes.explanation and "tổ dân phố" not in boxes.explanation
        assert boxes.rows().rows[0][0] == "Thôn" and boxes.points == 0
        assert "Trưởng thôn" in result.item("1.2.d").explanation
        # the xã samples 150 a year: 13 a month
        assert result.item("2.7.a").figures["monthly_required"] == 13


def test_explanations_say_what_counted_the_weights_the_rounding_and_what_was_left_out(app, world):
    with app.app_context():
        _fixture(world)
        result = score(db.session, _unit(world), 2026, MID_YEAR, now=TODAY)
        on_time = result.item("2.8").explanation
        assert on_time.startswith("1/3 hồ sơ giải quyết trước và đúng hạn (33,3%); 1 hồ sơ đã trả kết quả nhưng trễ "
                                  "hạn, 1 hồ sơ quá hạn chưa trả; 1 hồ sơ chưa đến hạn không tính.")
        assert on_time.endswith("Điểm: 5 × 0% = 0 điểm.")
        app_item = result.item("1.2.c").explanation
        assert "Biểu mẫu trên web / mã QR" in app_item and "trọng số 50%" in app_item
        assert "2 chưa đến hạn không tính" in app_item and "1 quá hạn chưa trả lời" in app_item
        assert app_item.endswith("Điểm: 2 × 45,8% = 0,92, làm tròn xuống 0,25 điểm: 0,75 điểm.")
        assert "Đường dây nóng" in result.item("1.2.b").explanation  # channels in words, not codes
        assert "Chưa trả" in [row[4] for row in result.item("2.4.e").rows().rows]
        assert result.item("2.4.e").explanation.startswith(
            "Đã gửi thư xin lỗi 0/2 hồ sơ quá hạn (0,0%; 1 đã trả kết quả trễ hạn, 1 quá hạn chưa trả).")


def _xa_fixture(world) -> AdminUnit:
    """Hòa Bình as a thôn-based xã: boxes, fast-track dossiers, January's survey responses, citizen receptions."""
    from reports.jobs import refresh
    from survey_app.models import BoxOpening, SuggestionBox, UnitProfile
    from tests.test_scoring import _respond

    unit = _unit(world, "hoa-binh")
    unit.kind = "xa"
    db.session.add(UnitProfile(unit_id=unit.id, neighbourhoods=4, fast_track_weekday=2))  # Wednesday
    for kind, name, installed, opened in (("ubnd", "Trụ sở UBND xã", date(2026, 1, 5), date(2026, 3, 2)),
                                          ("to_dan_pho", "Thôn Đông", date(2026, 1, 5), date(2026, 3, 2)),
                                          ("to_dan_pho", "Thôn Tây", date(2026, 1, 5), date(2026, 7, 15)),
                                          ("to_dan_pho", "Thôn Nam", date(2026, 9, 1), date(2026, 10, 1))):
        box = SuggestionBox(unit_id=unit.id, location_kind=kind, location_name=name, installed_on=installed)
        db.session.add(box)
        db.session.flush()
        db.session.add(BoxOpening(box_id=box.id, unit_id=unit.id, opened_on=opened, opened_by="Tổ mở hòm thư"))
    # fast track on Wednesdays: 03/06 returned the same day; 10/06 returned 12/06; 17/06 the same day
    for code, received, settled in (("F1", local(2026, 6, 3), local(2026, 6, 3, 15)),
                                    ("F2", local(2026, 6, 10), local(2026, 6, 12, 10)),
                                    ("F3", local(2026, 6, 17), local(2026, 6, 17, 16))):
        received_utc = as_utc(received)
        db.session.add(Dossier(unit_id=unit.id, code=code, received_at=received_utc, fast_track=True,
                               received_day=received.date(), due_at=end_of_local_day(received.date()),
                               settled_at=as_utc(settled)))
    category = db.session.execute(select(CaseCategory.id)).scalars().first()
    for n, day in enumerate((date(2026, 1, 20), date(2026, 2, 17))):
        received = as_utc(local(day.year, day.month, day.day))
        db.session.add(Case(tracking_code=f"TCD{n}", unit_id=unit.id, channel="reception", kind="kien_nghi",
                            category_id=category, content="Tiếp công dân", received_at=received,
                            original_due_at=end_of_local_day(date(2026, 3, 31)),
                            due_at=end_of_local_day(date(2026, 3, 31)), state="new"))
    db.session.commit()
    world_xa = {**world, "units": {**world["units"], "bach-dang": unit.id},
                "centres": {**world["centres"], "bach-dang": world["centres"]["hoa-binh"]}}
    for i in range(13):  # a xã samples 150 a year: 13 a month; January only
        _respond(world_xa, "centre-service", local(2026, 1, 5 + i))
    db.session.commit()
    refresh(db.session)
    db.session.commit()
    return unit


#: (as of, now) -> item -> hand-computed points
XA_DATES = {
    "mid-year": (MID_YEAR, TODAY),
    "today": (date(2026, 11, 30), TODAY),
    "year end": (YEAR_END, datetime(2027, 1, 15, 9, tzinfo=LOCAL_TZ)),
}
XA_EXPECTED = {
    # 1.2.a (1 pt): UBND box opened (50%) + thôn boxes opened ÷ 4 (50%): mid 1/4 -> 0.625 -> 0.5; later 3/4 -> 0.75
    "1.2.a": {"mid-year": 0.5, "today": 0.75, "year end": 0.75},
    # 2.1 (3 pts): Wednesday dossiers returned the same day: mid 1/2 (F3 not yet received) -> 1.5; later 2/3 -> 2
    "2.1": {"mid-year": 1.5, "today": 2.0, "year end": 2.0},
    # 2.7.a (2 pts): centre-months with ≥ 13 valid: mid 1/5 (June in progress) -> 0.4 -> 0.25; 1/10 -> 0.2 -> 0;
    # 1/12 -> 0
    "2.7.a": {"mid-year": 0.25, "today": 0.0, "year end": 0.0},
    # 3.1.2.b (2 pts): months with a reception: mid 2/5 -> 0.8 -> 0.75; 2/10 -> 0.4 -> 0.25; 2/12 -> 0.33 -> 0.25
    "3.1.2.b": {"mid-year": 0.75, "today": 0.25, "year end": 0.25},
}


@pytest.mark.parametrize("when", list(XA_DATES))
def test_a_thon_based_xa_hand_computed_at_three_dates(app, world, when):
    with app.app_context():
        unit = _xa_fixture(world)
        day, now = XA_DATES[when]
        result = score(db.session, unit, 2026, day, now=now)
        assert {code: result.item(code).points for code in XA_EXPECTED} == {
            code: expected[when] for code, expected in XA_EXPECTED.items()}
        assert "thôn có hòm thư đã mở" in result.item("1.2.a").explanation


def test_the_cli_names_the_date_it_could_count_to(runner, app, world):
    from survey_app.timeutil import local_today

    today = local_today()
    result = runner.invoke(args=["reports", "score", "--unit", "bach-dang", "--year", str(today.year),
                                 "--as-of", f"31/12/{today.year + 1}"])
    assert result.exit_code == 0, result.output
    assert f"số liệu tính đến {today:%d/%m/%Y}" in result.output
    assert f"Ngày yêu cầu 31/12/{today.year + 1} chưa đến" in result.output


def test_the_period_unpacks_as_before():
    start, end, now = as_of(2026, MID_YEAR, TODAY)
    assert (start, end, now) == (date(2026, 1, 1), MID_YEAR, end_of_local_day(MID_YEAR))


def test_staff_entries_and_flags_are_read_as_they_stood(app, world):
    """Saved through the operations, each change is a version: a past date sees none of today's changes."""
    from reports.scoring import operations
    from reports.scoring.table import load
    from survey_app.models import ScoreFlagsVersion, User
    from survey_app.timeutil import local_today

    with app.app_context():
        unit = _unit(world)
        table = load("5049-2026")
        leader = db.session.get(User, world["users"]["bd.admin"])
        operations.enter_points(leader, unit, 2026, table.item("2.5"), 1, "Chúc Tết")
        operations.enter_points(leader, unit, 2026, table.item("2.5"), 0.5, "Chỉ một nửa số hộ")
        operations.set_flags(leader, unit, 2026, False, True, "Quyết định kỷ luật số 12/QĐ-UBND")
        db.session.commit()
        assert db.session.execute(select(ScoreEntryVersion.points).order_by(ScoreEntryVersion.id)
                                  ).scalars().all() == [1, 0.5]
        assert db.session.execute(select(ScoreFlagsVersion.disciplined)).scalars().all() == [True]
        year = local_today().year
        past = score(db.session, unit, 2026, date(2026, 6, 30))
        assert past.item("2.5").source == "missing" and past.disqualified == []
        if year == 2026:
            current = score(db.session, unit, 2026)
            assert current.item("2.5").points == 0.5 and current.level_name == "Không đạt chuẩn"


def test_responses_stored_or_checked_after_the_date_are_not_known_at_it(app, world):
    """A kiosk tap queued offline and stored weeks later, and a paper form checked weeks later, both answered in
    June: the rollups group them under June, but a score as of 30/06 cannot have known them."""
    from reports.jobs import refresh
    from survey_app.models import SurveyResponse
    from tests.test_scoring import _respond

    with app.app_context():
        unit = db.session.get(AdminUnit, world["units"]["bach-dang"])
        for _ in range(3):
            _respond(world, "annual-friendly-government", local(2026, 6, 10))
        db.session.flush()
        queued, keyed, known = db.session.execute(select(SurveyResponse).order_by(SurveyResponse.id)).scalars()
        known.received_at = as_utc(local(2026, 6, 10))  # stored as answered (a QR form)
        queued.received_at = as_utc(local(2026, 8, 1))
        keyed.channel, keyed.check_status = "paper", "checked"
        keyed.received_at, keyed.checked_at = as_utc(local(2026, 6, 11)), as_utc(local(2026, 8, 2))
        db.session.commit()
        refresh(db.session, full=True)
        db.session.commit()
        june = score(db.session, unit, 2026, date(2026, 6, 30)).item("2.7.b")
        august = score(db.session, unit, 2026, date(2026, 8, 31)).item("2.7.b")
        assert june.figures["responses"] == 1 and august.figures["responses"] == 3
        assert len(june.rows().rows) == 2  # the evidence lists what was stored by then (the paper form was)


def test_the_case_standing_counted_in_the_database_equals_each_case_read_from_its_log(app, world):
    """The app-channel rule counts its cases in SQL (the city's communes in one query); the reference is each
    case read from its event log in Python, judged one by one: equal at every day of June and today, with
    answers, reopenings, extensions, late answers, unpublished answers and cases with no log at all."""
    from reports.scoring.data import case_standing, cases_as_of
    from reports.scoring.rules import case_judgement

    with app.app_context():
        _fixture(world)
        _case(world, "PA5", local(2026, 6, 3), date(2026, 6, 4), answered=local(2026, 6, 9), state="answered",
              events=[("answered", local(2026, 6, 9), {})])  # answered late, never published
        _case(world, "PA6", local(2026, 6, 4), date(2026, 6, 10), answered=local(2026, 6, 6),
              published=local(2026, 6, 16), state="answered")  # no log: its answer time decides
        _case(world, "PA7", local(2026, 6, 5), date(2026, 6, 8))  # never answered
        _case(world, "PA8", local(2026, 6, 5), date(2026, 6, 9), answered=local(2026, 6, 11), state="answered",
              events=[("answered", local(2026, 6, 7), {}), ("reopened", local(2026, 6, 8), {}),
                      ("answered", local(2026, 6, 11), {}),
                      ("extension_approved", local(2026, 6, 8), {"new_due_at": None})])
        db.session.commit()
        unit = world["units"]["bach-dang"]
        days = [date(2026, 6, d) for d in range(1, 31)] + [date(2026, 11, 30)]
        for day in days:
            asof = as_of(2026, day, TODAY)
            cases = cases_as_of(db.session, [unit], ["web"], asof).get(unit, [])
            judged = [case_judgement(c, asof.cutoff) for c in cases]
            got = case_standing(db.session, [unit], ["web"], asof).get(unit)
            if not cases:
                assert got is None, day
                continue
            assert (got.on_time, got.answered_late, got.open_past_due, got.not_yet_due) == tuple(
                judged.count(j) for j in ("on_time", "answered_late", "open_past_due", "not_yet_due")), day
            assert got.published == sum(1 for c in cases if c.answered_at and c.published_at), day
            assert list(got.open_cases) == sorted(((c.tracking_code, c.due_at) for c in cases
                                                   if c.answered_at is None and c.due_at >= asof.cutoff),
                                                  key=lambda row: row[1]), day
            assert list(got.unpublished) == [c.tracking_code for c in cases
                                             if c.answered_at is not None and c.published_at is None], day


def test_fast_track_same_day_is_the_local_day_around_midnight(app, world):
    """Counted in the database on both backends: the local day of receipt and of settlement, not the UTC day."""
    from survey_app.models import UnitProfile

    with app.app_context():
        unit = _unit(world)
        db.session.add(UnitProfile(unit_id=unit.id, neighbourhoods=4, fast_track_weekday=2))  # Wednesday
        # F1: received 06:30 Wednesday 24/06 (23:30 UTC on Tuesday), settled 23:30 the same Wednesday: same day.
        # F2: received 08:00 Wednesday, settled 00:30 Thursday (17:30 UTC on Wednesday): not the same local day.
        # F3: received on Thursday: another weekday, left out.
        for code, received, settled in (("F1", local(2026, 6, 24, 6, 30), local(2026, 6, 24, 23, 30)),
                                        ("F2", local(2026, 6, 24, 8), local(2026, 6, 25, 0, 30)),
                                        ("F3", local(2026, 6, 25, 8), local(2026, 6, 25, 9))):
            db.session.add(Dossier(unit_id=unit.id, code=code, received_at=as_utc(received), fast_track=True,
                                   received_day=received.date(), due_at=end_of_local_day(received.date()),
                                   settled_at=as_utc(settled)))
        db.session.commit()
        item = score(db.session, unit, 2026, date(2026, 6, 30), now=TODAY).item("2.1")
        assert item.figures == {"dossiers": 2, "same_day": 1}
        assert "1 hồ sơ giải quyết nhanh nhận vào ngày khác không tính" in item.explanation
        assert [row[-1] for row in item.rows().rows] == ["Có", "Không"]
