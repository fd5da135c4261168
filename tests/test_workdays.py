"""Working-day deadlines across Tết, 2/9, weekends and an administrator's corrections."""

from datetime import UTC, date, datetime

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
