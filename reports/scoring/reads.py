"""What the rules read, for many communes at once: each query of :mod:`.data` runs once for the whole batch
(grouped by commune) the first time any commune's rule asks for it, and every commune then reads its own part.

The cached scores and year-end guidance of all communes are computed in batches (a few dozen queries for a batch
of up to 150 communes, instead of that many per commune); one commune's score page is a batch of one: the same
queries, filtered to it. A batch is bound to a session and lives for one computation (its answers are not refreshed).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import date, datetime

from sqlalchemy.orm import Session

from survey_app.models import UnitProfile
from survey_app.services import workdays
from survey_app.timeutil import utcnow

from . import data
from .asof import AsOf

log = logging.getLogger(__name__)

#: the queries of :mod:`.data` whose answers are plain values (rows, numbers, dataclasses; no ORM object bound to a
#: session), so another connection may read them ahead (:meth:`Reads.prefetch`)
PREFETCHABLE = frozenset({
    data.boxes_with_openings, data.duty_channels_by_day, data.duty_planned, data.cases_by_month, data.case_standing,
    data.collection_days, data.active_centres, data.responses_by_centre_month, data.valid_responses,
    data.dossier_figures, data.dossier_lists, data.score_entries, data.attachment_counts,
})

Key = tuple


class Reads:
    """The reads of a batch of communes (``units``: a list of ids, or None for every commune)."""

    def __init__(self, session: Session, units: list[int] | None, now: datetime | None = None):
        self.session = session
        self.units = units
        #: the present for the whole batch: every commune's "as of today" is the same cutoff, so the same answers
        self.now = now or utcnow()
        self._answers: dict[Key, object] = {}
        #: what the batch asked for, in the order it first asked: (query, args), for the next batch's prefetch
        self.asked: list[tuple[Callable, tuple]] = []
        self._ahead: dict[Key, Future] = {}

    def all(self, query: Callable, *args) -> dict:
        """``query(session, units, *args)`` for the whole batch, run once (or read ahead, see :meth:`prefetch`)."""
        key = (query.__name__, *args)
        if key not in self._answers:
            ahead = self._ahead.pop(key, None)
            if ahead is not None:
                try:
                    self._answers[key] = ahead.result()
                except Exception:  # the read ahead failed (its own connection): read it here, as without it
                    log.warning("score read %s ahead failed; read again in the batch", query.__name__, exc_info=True)
            if key not in self._answers:
                self._answers[key] = query(self.session, self.units, *args)
            self.asked.append((query, args))
        return self._answers[key]

    def prefetch(self, asked: Iterable[tuple[Callable, tuple]], pool: ThreadPoolExecutor) -> None:
        """Run the batch's reads ahead, on another connection in ``pool``'s thread, in the order given (what the
        previous batch asked, in its order): while the caller works out the previous batch's points in Python,
        the database answers this batch's queries, and :meth:`all` then only waits for what is not in yet. The
        same queries with the same arguments (the batch shares the cutoff, :attr:`now`), so the same answers;
        each query is a statement of its own either way. PostgreSQL only (SQLite has one writer and gains
        nothing); a query not in :data:`PREFETCHABLE` is read in the batch as before."""
        engine = self.session.get_bind()
        if engine.dialect.name != "postgresql" or self.units is None:
            return
        wanted = [(q, a) for q, a in asked if q in PREFETCHABLE]
        if not wanted:
            return
        results: dict[Key, Future] = {(q.__name__, *a): Future() for q, a in wanted}
        self._ahead.update(results)
        units = list(self.units)

        def run() -> None:
            with Session(bind=engine) as session:
                for query, args in wanted:
                    future = results[(query.__name__, *args)]
                    if not future.set_running_or_notify_cancel():
                        continue
                    try:
                        future.set_result(query(session, units, *args))
                    except Exception as exc:  # handed to the batch, which reads it again itself
                        session.rollback()
                        future.set_exception(exc)

        pool.submit(run)

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
