"""What a score "as of" a date may see: the one argument every rule and every scoring query takes.

A score as of day D uses only what had happened by the end of the local day D (receipt, settlement, answer,
publication, box opening, collection session, response, staff entry), judges "open past due" at that moment,
and never looks past the present: a D in the future is capped at today, so days that have not come yet are
never counted as misses. Asked twice, as of a past D, it gives the same figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from survey_app.timeutil import LOCAL_TZ, as_utc


@dataclass(frozen=True)
class AsOf:
    """The assessment period of a year up to an effective day, and the moment that day's knowledge ends."""

    year: int
    #: the date asked for (today when none was given)
    requested: date
    #: 1 January of the year
    start: date
    #: the effective last day: min(requested, today, 31/12); ``start - 1 day`` while the year has not begun
    end: date
    #: UTC: the end of the local day ``end``, or the present if that is earlier. Events after it are unknown.
    cutoff: datetime

    @property
    def capped(self) -> bool:
        """True when the date asked for lies beyond what can be known yet (a future date, or after 31/12)."""
        return self.requested > self.end

    @property
    def empty(self) -> bool:
        """No day of the year has begun yet."""
        return self.end < self.start

    @property
    def complete(self) -> bool:
        """The whole year is behind us."""
        return self.end == date(self.year, 12, 31) and self.cutoff >= day_end(self.end)

    def __iter__(self):
        """``start, end, now = assessment_period(year)`` keeps working for callers written before this class."""
        return iter((self.start, self.end, self.cutoff))

    def day_over(self, day: date) -> bool:
        """Whether the local day has fully passed by the cutoff (a week or month in progress is not over)."""
        return day_end(day) <= self.cutoff

    def known(self, moment: datetime | None) -> datetime | None:
        """``moment`` if it had happened by the cutoff, else None (a settlement after D is "still open at D")."""
        if moment is None:
            return None
        moment = as_utc(moment)
        return moment if moment <= self.cutoff else None


def day_end(day: date) -> datetime:
    """23:59:59 local on ``day`` in UTC (a deadline or a day is met by anything done that day)."""
    return datetime.combine(day, time(23, 59, 59), tzinfo=LOCAL_TZ).astimezone(UTC)


def as_of(year: int, day: date | None = None, now: datetime | None = None) -> AsOf:
    """The period of ``year`` as of ``day`` (today by default), never beyond ``now`` (the present by default).

    :param now: the present, injectable so a score can be recomputed exactly as it would have been.
    """
    now = as_utc(now) if now is not None else datetime.now(UTC)
    today = now.astimezone(LOCAL_TZ).date()
    requested = day or today
    start = date(year, 1, 1)
    end = min(requested, today, date(year, 12, 31))
    if end < start:
        end = start - timedelta(days=1)
    return AsOf(year=year, requested=requested, start=start, end=end, cutoff=min(now, day_end(end)))
