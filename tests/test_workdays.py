"""Working-day deadlines across Tết, 2/9, weekends and an administrator's corrections."""

from datetime import UTC, date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from survey_app.extensions import db
from survey_app.models import CalendarDay
from survey_app.services import workdays


def test_tet_2026_is_skipped(app):
    with app.app_context():
        # received Friday 13/02/2026; Tết holidays 16–20/02; 10 working days -> 06/03/2026
        assert workdays.add_working_days(date(2026, 2, 13), 1) == date(2026, 2, 23)
        assert workdays.add_working_days(date(2026, 2, 13), 10) == date(2026, 3, 6)


def test_national_day_2026_is_skipped(app):
    with app.app_context():
        # Friday 28/08/2026: 31/08 (substituted day off), 1/9 and 2/9 are holidays
        assert workdays.add_working_days(date(2026, 8, 28), 1) == date(2026, 9, 3)
        assert workdays.add_working_days(date(2026, 8, 28), 5) == date(2026, 9, 9)


def test_deadline_is_the_end_of_the_local_day(app):
    with app.app_context():
        # 23:30 on Monday 23/11/2026 in Hai Phong is 16:30 UTC the same day; 24/11 is Ngày Văn hóa Việt Nam
        received = datetime(2026, 11, 23, 16, 30, tzinfo=UTC)
        due = workdays.deadline(received, 5)
        assert due == datetime(2026, 12, 1, 16, 59, 59, tzinfo=UTC)  # 01/12 23:59:59 local


def test_administrator_corrections_win(app):
    with app.app_context():
        db.session.add(CalendarDay(day=date(2026, 12, 4), working=False, note="Nghỉ bù"))
        db.session.add(CalendarDay(day=date(2026, 12, 5), working=True, note="Làm bù thứ Bảy"))
        db.session.commit()
        assert workdays.add_working_days(date(2026, 12, 3), 1) == date(2026, 12, 5)
        assert workdays.working_days_between(date(2026, 11, 30), date(2026, 12, 6)) == [
            date(2026, 11, 30), date(2026, 12, 1), date(2026, 12, 2), date(2026, 12, 3), date(2026, 12, 5)]


def test_a_saturday_worked_in_exchange_counts(app):
    """The holidays calendar gives Monday 31/08/2026 off in exchange for Saturday 22/08/2026."""
    with app.app_context():
        assert workdays.is_working_day(date(2026, 8, 22)) and not workdays.is_working_day(date(2026, 8, 31))
        # received Friday 21/08: the 1st working day after is Saturday 22/08, the 5th Friday 28/08
        assert workdays.add_working_days(date(2026, 8, 21), 1) == date(2026, 8, 22)
        assert workdays.add_working_days(date(2026, 8, 21), 5) == date(2026, 8, 27)
        assert date(2026, 8, 22) in workdays.working_days_between(date(2026, 8, 17), date(2026, 8, 23))
        # an administrator's correction still wins (e.g. the commune did not work that Saturday)
        db.session.add(CalendarDay(day=date(2026, 8, 22), working=False, note="Không làm bù"))
        db.session.commit()
        assert workdays.add_working_days(date(2026, 8, 21), 1) == date(2026, 8, 24)


def test_duty_roster_counts_the_swapped_saturday_and_corrections(app, world):
    from reports.scoring.engine import score
    from survey_app.models import AdminUnit, DutyShift

    with app.app_context():
        unit = db.session.get(AdminUnit, world["units"]["bach-dang"])
        db.session.add(CalendarDay(day=date(2026, 8, 21), working=False, note="Nghỉ thêm"))
        # 17–23/08: Mon–Thu worked, Fri 21 a corrected day off, Sat 22 a swapped working day
        for day in (17, 18, 19, 20, 22):
            for channel in ("hotline", "zalo", "facebook"):
                db.session.add(DutyShift(unit_id=unit.id, day=date(2026, 8, day), channel=channel,
                                         user_id=world["users"]["bd.canbo"]))
        db.session.commit()
        now = datetime(2026, 11, 30, 14, tzinfo=UTC)
        item = score(db.session, unit, 2026, date(2026, 8, 23), now=now).item("1.2.b")
        working = workdays.working_days_between(date(2026, 1, 1), date(2026, 8, 23))
        assert date(2026, 8, 22) in working and date(2026, 8, 21) not in working
        assert item.figures == {"working_days": len(working), "covered_days": 5}


@settings(max_examples=300, deadline=None)
@given(start=st.dates(date(2025, 11, 1), date(2027, 2, 1)), span=st.integers(-3, 500),
       corrections=st.dictionaries(st.dates(date(2025, 10, 1), date(2028, 1, 1)), st.booleans(), max_size=12))
def test_working_days_between_is_the_day_by_day_count(start, span, corrections):
    """The year's calendar worked out once and the corrections applied after give, for any span and any
    corrections (inside the span or not), exactly the days a walk day by day accepts."""
    end = start + timedelta(days=span)
    walked = [start + timedelta(days=n) for n in range(max(0, span + 1))
              if workdays.is_working_day(start + timedelta(days=n), corrections)]
    assert workdays.working_days_between(start, end, corrections) == walked
