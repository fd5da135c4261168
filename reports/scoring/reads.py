"""What the rules read, for many communes at once: each query of :mod:`.data` runs once for the whole batch
(grouped by commune) the first time any commune's rule asks for it, and every commune then reads its own part.

The cached scores and year-end guidance of all communes are computed in batches (a few dozen queries for a batch
of up to 150 communes, instead of that many per commune); one commune's score page is a batch of one: the same
queries, filtered to it. A batch is bound to a session and lives for one computation (its answers are not refreshed).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from sqlalchemy.orm import Session

from survey_app.models import UnitProfile
from survey_app.services import workdays
from survey_app.timeutil import utcnow

from . import data
from .asof import AsOf


class Reads:
    """The reads of a batch of communes (``units``: a list of ids, or None for every commune)."""

    def __init__(self, session: Session, units: list[int] | None, now: datetime | None = None):
        self.session = session
        self.units = units
        #: the present for the whole batch: every commune's "as of today" is the same cutoff, so the same answers
        self.now = now or utcnow()
        self._answers: dict[tuple, object] = {}

    def all(self, query: Callable, *args) -> dict:
        """``query(session, units, *args)`` for the whole batch, run once."""
        key = (query.__name__, *args)
        if key not in self._answers:
            self._answers[key] = query(self.session, self.units, *args)
        return self._answers[key]

    def global_(self, query: Callable, *args):
        """A read that does not depend on the commune (``query(session, *args)``), run once."""
        key = ("global", query.__name__, *args)
        if key not in self._answers:
            self._answers[key] = query(self.session, *args)
        return self._answers[key]

    def of(self, unit_id: int) -> UnitReads:
        return UnitReads(self, unit_id)


class UnitReads:
    """One commune's view of a batch: the names of :mod:`.data`, without the session and the communes."""

    def __init__(self, batch: Reads, unit_id: int):
        self.batch = batch
        self.unit_id = unit_id

    def _mine(self, query: Callable, *args, default=None):
        return self.batch.all(query, *args).get(self.unit_id, default)

    def profile(self) -> UnitProfile | None:
        return self._mine(data.profiles)

    def boxes_with_openings(self, asof: AsOf) -> list[tuple]:
        return self._mine(data.boxes_with_openings, asof, default=[])

    def duty_channels_by_day(self, asof: AsOf) -> dict[date, set[str]]:
        return self._mine(data.duty_channels_by_day, asof, default={})

    def duty_planned(self, after: date, until: date) -> dict[date, set[str]]:
        return self._mine(data.duty_planned, after, until, default={})

    def cases_by_month(self, channels, asof: AsOf) -> dict[tuple, int]:
        return self._mine(data.cases_by_month, tuple(channels), asof, default={})

    def case_standing(self, channels, asof: AsOf) -> data.CaseStanding:
        return self._mine(data.case_standing, tuple(channels), asof, default=data.NO_CASES)

    def case_rows(self, channels, asof: AsOf) -> list[data.CaseAsOf]:
        """Evidence rows, each case as it stood: read for this commune alone, when asked."""
        return data.cases_as_of(self.batch.session, [self.unit_id], channels, asof).get(self.unit_id, [])

    def collection_days(self, start: date, asof: AsOf) -> list[tuple]:
        return self._mine(data.collection_days, start, asof, default=[])

    def questionnaire_id(self, code: str) -> int | None:
        return self.batch.global_(data.questionnaire_id, code)

    def active_centres(self) -> list[tuple[int, str]]:
        return self._mine(data.active_centres, default=[])

    def responses_by_centre_month(self, questionnaire: int, asof: AsOf) -> dict[tuple, int]:
        return self._mine(data.responses_by_centre_month, questionnaire, asof, default={})

    def valid_responses(self, questionnaire: int, start: date, asof: AsOf) -> int:
        return self._mine(data.valid_responses, questionnaire, start, asof, default=0)

    def response_rows(self, questionnaire: int, start: date, asof: AsOf) -> list[tuple]:
        """Evidence rows: read for this commune alone, when asked."""
        return data.response_rows(self.batch.session, self.unit_id, questionnaire, start, asof)

    def dossier_counts(self, asof: AsOf) -> data.DossierCounts:
        return self._mine(data.dossier_figures, asof, default=data.NO_FIGURES).counts

    def dossier_lists(self, asof: AsOf, due_by: datetime) -> data.DossierLists:
        return self._mine(data.dossier_lists, asof, due_by, default=data.NO_LISTS)

    def fast_track(self, asof: AsOf) -> data.FastTrack:
        return self._mine(data.dossier_figures, asof, default=data.NO_FIGURES).fast_track

    def home_service(self, asof: AsOf) -> data.HomeService:
        return self._mine(data.dossier_figures, asof, default=data.NO_FIGURES).home

    # evidence rows: read for this commune alone, when asked (never for every commune at once)

    def late_dossiers(self, asof: AsOf) -> list[tuple]:
        return data.late_dossiers(self.batch.session, [self.unit_id], asof).get(self.unit_id, [])

    def fast_track_dossiers(self, asof: AsOf) -> list[tuple]:
        return data.fast_track_dossiers(self.batch.session, [self.unit_id], asof).get(self.unit_id, [])

    def home_dossiers(self, asof: AsOf) -> list[tuple]:
        return data.home_dossiers(self.batch.session, [self.unit_id], asof).get(self.unit_id, [])

    def score_entries(self, year: int, asof: AsOf) -> dict[str, data.EntryAsOf]:
        return self._mine(data.score_entries, year, asof, default={})

    def attachment_counts(self, year: int, asof: AsOf) -> dict[str, int]:
        return self._mine(data.attachment_counts, year, asof, default={})

    def flags(self, year: int, asof: AsOf):
        return self._mine(data.flags, year, asof)

    def calendar(self, start: date, end: date) -> dict[date, bool]:
        """The administrator's calendar corrections (days off, Saturdays worked) between two days."""
        return self.batch.global_(_calendar, start, end)

    def overrides(self, table_id: str) -> dict[str, dict]:
        return self.batch.global_(data.overrides, table_id)

    def commune_parameters(self, table_id: str) -> dict[str, dict]:
        return self._mine(data.commune_parameters_by_unit, table_id, default={})


def _calendar(session: Session, start: date, end: date) -> dict[date, bool]:
    return workdays.overrides(start, end)
