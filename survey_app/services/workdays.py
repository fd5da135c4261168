"""Working days in Viet Nam: weekends and public holidays (Tết by the lunar calendar) excluded, Saturdays worked
in exchange for a day off counted (the ``holidays`` package moves e.g. 31/08/2026 off against Saturday 22/08), and
the administrator's corrections (extra days off, Saturdays worked) kept in ``calendar_days`` winning over both.

Every deadline and every scoring rule counts working days through this module."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from datetime import date, datetime, time, timedelta
from functools import lru_cache

import holidays
from sqlalchemy import select

from ..extensions import db
from ..models import CalendarDay
from ..timeutil import LOCAL_TZ, as_utc, to_local


@lru_cache(maxsize=16)
def _public_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("VN", years=year))


@lru_cache(maxsize=16)
def _swapped_working_days(year: int) -> frozenset[date]:
    """Weekend days of ``year`` worked in exchange for a day off (a swap may cross the new year, so the
    neighbouring years' calendars are read too)."""
    calendar = holidays.country_holidays("VN", years=(year - 1, year, year + 1))
    return frozenset(d for d in getattr(calendar, "weekend_workdays", ()) if d.year == year)


def overrides(start: date, end: date) -> dict[date, bool]:
    rows = db.session.execute(
        select(CalendarDay.day, CalendarDay.working).where(CalendarDay.day >= start, CalendarDay.day <= end)
    ).all()
    return {row.day: row.working for row in rows}


def is_working_day(day: date, corrections: dict[date, bool] | None = None) -> bool:
    if corrections and day in corrections:
        return corrections[day]
    if day in _swapped_working_days(day.year):
        return True
    return day.weekday() < 5 and day not in _public_holidays(day.year)


def add_working_days(start: date, days: int, corrections: dict[date, bool] | None = None) -> date:
    """The ``days``-th working day after ``start`` (the day of receipt does not count)."""
    if corrections is None:
        corrections = overrides(start, start + timedelta(days=days * 3 + 30))
    current, counted = start, 0
    while counted < days:
        current += timedelta(days=1)
        if is_working_day(current, corrections):
            counted += 1
    return current


@lru_cache(maxsize=16)
def _year_working_days(year: int) -> tuple[date, ...]:
    """The working days of ``year`` by the weekends, public holidays and swaps alone, in order."""
    first, days = date(year, 1, 1), []
    for n in range((date(year + 1, 1, 1) - first).days):
        day = first + timedelta(days=n)
        if is_working_day(day):
            days.append(day)
    return tuple(days)


def working_days_between(start: date, end: date, corrections: dict[date, bool] | None = None) -> list[date]:
    """Working days from ``start`` to ``end``, both included: each year's days by the calendar (worked out once a
    year), then the corrections of the span applied (the score asks this of a year for every commune)."""
    if corrections is None:
        corrections = overrides(start, end)
    days: list[date] = []
    for year in range(start.year, end.year + 1):
        calendar = _year_working_days(year)
        days.extend(calendar[bisect_left(calendar, start):bisect_right(calendar, end)])
    changed = {day: working for day, working in corrections.items() if start <= day <= end} if corrections else {}
    if changed:
        kept = {day for day in days if changed.get(day, True)}
        kept.update(day for day, working in changed.items() if working)
        days = sorted(kept)
    return days


def end_of_local_day(day: date) -> datetime:
    """23:59:59 in Hai Phong on ``day``, as UTC: a deadline is met by anything done that day."""
    return as_utc(datetime.combine(day, time(23, 59, 59), tzinfo=LOCAL_TZ))


def deadline(received_at: datetime, days: int, working: bool = True,
             corrections: dict[date, bool] | None = None) -> datetime:
    """The deadline ``days`` (working) days after the local day of receipt, at the end of that day."""
    received_day = to_local(received_at).date()
    due_day = add_working_days(received_day, days, corrections) if working else received_day + timedelta(days=days)
    return end_of_local_day(due_day)
