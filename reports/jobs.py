"""Aggregation jobs: refresh the rollup tables incrementally (or rebuild them), one run at a time.

Every periodic job is declared in :data:`reports.schedule.PERIODIC` and run by the worker's schedule. A refresh
finds the (local day, commune) pairs whose raw rows changed since the last run, deletes those from the rollups and
inserts them again from one GROUP BY each (and the months of those communes from the daily rows), so running it
twice, or a full rebuild, gives exactly the same rows, and its cost follows what changed.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app, has_app_context
from sqlalchemy import (
    Column,
    Date,
    Integer,
    MetaData,
    String,
    Table,
    and_,
    case,
    cast,
    delete,
    extract,
    func,
    insert,
    literal,
    or_,
    select,
    text,
    true,
    union_all,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, defer

from survey_app.models import (
    Case,
    Dossier,
    JobLock,
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
    RollupState,
    SurveyAnswer,
    SurveyResponse,
)
from survey_app.models.surveys import RATED_ANSWERS
from survey_app.models.types import local_date
from survey_app.timeutil import as_utc, utcnow

from .fresh_tables import FreshTables

#: Rows written just before a refresh may commit after it read the tables: look back this far next time.
SAFETY_MARGIN = timedelta(minutes=5)
LOCK_TTL = timedelta(minutes=30)
#: The quick-rating question every centre questionnaire shares.
OVERALL = "overall"
#: The citizen's "Không hài lòng" rating of an answer (1 of 3).
UNHAPPY = 1
MAX_LATENCY_DAYS = 60
#: Cached scores older than this are recomputed by the next refresh (the score page itself is always live).
SCORE_MAX_AGE = timedelta(minutes=30)
DAY_CHUNK = 200
#: communes scored together in one pass (a city is one batch; a country is a few dozen, memory staying flat)
SCORE_BATCH = 150

class LockBusy(RuntimeError):
    """Another process holds the job's lock."""


@contextmanager
def job_lock(session: Session, name: str):
    """Hold a lock row for the duration; a crashed holder's lock expires after LOCK_TTL."""
    engine = session.get_bind()
    holder = f"{socket.gethostname()}:{os.getpid()}"
    now = utcnow()
    with engine.begin() as conn:
        conn.execute(delete(JobLock).where(JobLock.name == name, JobLock.expires_at < now))
    try:
        with engine.begin() as conn:
            conn.execute(insert(JobLock).values(name=name, holder=holder, expires_at=now + LOCK_TTL))
    except IntegrityError as exc:
        raise LockBusy(name) from exc
    try:
        yield
    finally:
        with engine.begin() as conn:
            conn.execute(delete(JobLock).where(JobLock.name == name, JobLock.holder == holder))


@dataclass(frozen=True)
class RefreshReport:
    full: bool
    #: (day, commune) pairs rewritten by an incremental refresh; -1 after a full rebuild
    days: int
    #: rows per family after a full rebuild (empty after an incremental refresh)
    rows: dict[str, int]


#: a (local day, commune) whose raw rows changed: the unit of work of the incremental refresh
Pair = tuple[date, int]


def _chunks(pairs: list[Pair]) -> Iterable[list[Pair]]:
    for start in range(0, len(pairs), DAY_CHUNK):
        yield pairs[start:start + DAY_CHUNK]


def _dirty_pairs(session: Session, since, until) -> list[Pair]:
    """The (day, commune) pairs whose raw rows changed between ``since`` and ``until`` (a change after ``until`` is
    the next run's): the refresh rewrites only those, so its cost follows the change, not the size of the data (a
    late kiosk batch of one commune touches one pair). Each test is a closed range on an indexed time, which the
    planner takes through its index even without statistics (an open ``> since`` looks like a third of the table)."""
    r = SurveyResponse
    pairs: set[Pair] = set()
    for day, unit, changed in ((r.answered_day, r.unit_id, r.received_at),
                               # a later screen of a QR form adds answers to a response stored earlier
                               (r.answered_day, r.unit_id, r.changed_at),
                               # a paper form's second-person check changes whether it counts
                               (r.answered_day, r.unit_id, r.checked_at),
                               (Case.received_day, Case.unit_id, Case.updated_at),
                               (Dossier.received_day, Dossier.unit_id, Dossier.updated_at),
                               # what a moved or deleted row left behind (the change log its flush wrote)
                               (RollupChange.day, RollupChange.unit_id, RollupChange.recorded_at)):
        pairs.update(session.execute(_changed_pairs(day, unit, changed, since, until)))
    return sorted(pairs)


def _changed_pairs(day, unit, changed_at, since, until, units: list[int] | None = None):
    """SQL: the distinct (day, commune) of rows whose ``changed_at`` lies between ``since`` and ``until`` (of
    ``units`` when given)."""
    return (select(day, unit).where(changed_at.between(since, until), true() if units is None else unit.in_(units))
            .distinct())


def _same(table):
    """Where an incremental refresh inserts a rollup's rows: the rollup itself (a full rebuild passes
    :meth:`FreshTables.into`)."""
    return table


def _insert_responses(session: Session, scope, into=_same) -> None:
    r, a = SurveyResponse, SurveyAnswer
    counter = func.coalesce(r.counter_id, 0)
    # in no particular order: every read of this rollup (and of the rating rollup) is answered from its covering
    # index alone, which the VACUUM after a rebuild makes possible; sorting the city's 2,8 million groups by
    # commune spilled to disk and bought no read anything
    session.execute(insert(into(RollupResponse)).from_select(
        ["day", "unit_id", "centre_id", "questionnaire_id", "question_key", "value", "count"],
        select(r.answered_day, r.unit_id, r.centre_id, r.questionnaire_id, a.question_key, a.value, func.count())
        .join(a, a.response_id == r.id)
        .where(r.counted, a.value.is_not(None), scope(r.answered_day, r.unit_id))
        .group_by(r.answered_day, r.unit_id, r.centre_id, r.questionnaire_id, a.question_key, a.value)))
    suspicious = _count_if(r.suspicious.is_(True))
    unconfirmed = _count_if(and_(r.suspicious.is_(False), r.unconfirmed))
    session.execute(insert(into(RollupResponseCount)).from_select(
        ["day", "unit_id", "centre_id", "counter_id", "channel", "questionnaire_id", "responses", "suspicious",
         "unconfirmed"],
        select(r.answered_day, r.unit_id, r.centre_id, counter, r.channel, r.questionnaire_id, func.count(),
               suspicious, unconfirmed)
        .where(scope(r.answered_day, r.unit_id))
        .group_by(r.answered_day, r.unit_id, r.centre_id, counter, r.channel, r.questionnaire_id)))
    _insert_ratings(session, scope, into)


#: Respondent-group questions the dashboards break the overall rating down by (each copied onto its response).
GROUP_KEYS = ("group.age", "group.gender", "group.first_visit")


def _group_column(key: str) -> str:
    return RATED_ANSWERS[key]


def _overall_table() -> Table:
    """Each counted response's overall rating (1–5) with what the breakdowns group by, its respondent-group answers
    included: read once per refresh from the responses (which carry copies of those answers, see
    :data:`RATED_ANSWERS`) and reused by every breakdown."""
    return Table("tmp_overall_ratings", MetaData(),
                 Column("response_id", Integer), Column("day", Date), Column("unit_id", Integer),
                 Column("centre_id", Integer), Column("questionnaire_id", Integer), Column("counter_id", Integer),
                 Column("officer_id", Integer), Column("channel", String(16)), Column("dossier_code", String(64)),
                 Column("value", Integer), *(Column(_group_column(key), Integer) for key in GROUP_KEYS),
                 prefixes=["TEMPORARY"])


def _insert_ratings(session: Session, scope, into=_same) -> None:
    """The overall rating by counter, officer, channel, procedure field (the rated dossier's) and respondent group."""
    r = SurveyResponse
    o = _overall_table()
    connection = session.connection()
    o.drop(connection, checkfirst=True)
    o.create(connection)
    overall = getattr(r, RATED_ANSWERS[OVERALL])
    # the responses alone: their copies of the rated answers spare a pass over the year's answers (6 s of a city
    # rebuild when the overall rating was found among them)
    session.execute(insert(o).from_select(
        ["response_id", "day", "unit_id", "centre_id", "questionnaire_id", "counter_id", "officer_id", "channel",
         "dossier_code", "value", *(_group_column(key) for key in GROUP_KEYS)],
        select(r.id, r.answered_day, r.unit_id, r.centre_id, r.questionnaire_id, func.coalesce(r.counter_id, 0),
               func.coalesce(r.officer_id, 0), r.channel, r.dossier_code, overall,
               *(getattr(r, _group_column(key)) for key in GROUP_KEYS))
        .where(r.counted, scope(r.answered_day, r.unit_id), overall.between(1, 5))))
    session.execute(text(f"ANALYZE {o.name}"))  # temporary tables get no automatic statistics
    columns = ["day", "unit_id", "centre_id", "questionnaire_id", "dimension", "key", "value", "count"]

    def add(dimension: str, key, source=o, where=true()) -> None:
        s = source.c
        query = (select(s.day, s.unit_id, s.centre_id, s.questionnaire_id, literal(dimension), key, s.value,
                        func.count()).select_from(source).where(where)
                 .group_by(s.day, s.unit_id, s.centre_id, s.questionnaire_id, key, s.value))
        session.execute(insert(into(RollupRating)).from_select(columns, query))

    add("counter", cast(o.c.counter_id, String))
    add("officer", cast(o.c.officer_id, String))
    add("channel", o.c.channel)
    fields = _rated_fields(o)
    add("field", fields.c.field, fields)
    for key in GROUP_KEYS:
        group = o.c[_group_column(key)]
        add(key, cast(group, String), where=group.is_not(None))
    o.drop(connection)


def _rated_fields(o: Table):
    """Each rated response of ``o`` with the procedure field of its dossier ("" when it names none, or one not
    imported): only the responses that name a dossier look it up. Joining them all made PostgreSQL hash the whole
    dossier table for the join (12 million rows at nation size, where no response named a dossier: that statement
    took 10,1 s of a rebuild, 1,6 s now)."""
    d = Dossier
    plain = [o.c.day, o.c.unit_id, o.c.centre_id, o.c.questionnaire_id]
    return union_all(
        select(*plain, literal("").label("field"), o.c.value).where(o.c.dossier_code.is_(None)),
        select(*plain, func.coalesce(d.field, "").label("field"), o.c.value).select_from(o)
        .outerjoin(d, and_(d.unit_id == o.c.unit_id, d.code == o.c.dossier_code))
        .where(o.c.dossier_code.is_not(None))).subquery("rated_fields")


def EVERYTHING(day, unit):  # noqa: N802 (a constant scope: every day of every commune)
    """The scope of a full rebuild."""
    return true()


MONTHLY = (RollupAnswerMonth, RollupResponseMonth, RollupCaseMonth)


def _refresh_months(session: Session, pairs: list[Pair] | None, into=_same) -> None:
    """Re-derive the monthly rows of the (month, commune) pairs that hold ``pairs`` from the daily rows: one
    commune's month, never the whole city's. With ``pairs`` None (a full rebuild), every month, from the daily
    tables ``into`` gives into the monthly tables it gives (the rebuild's fresh ones, empty)."""
    months = None if pairs is None else sorted({(day.year, day.month, unit) for day, unit in pairs})
    if months == []:
        return
    d, c, k = (into(model.__table__).c for model in (RollupResponse, RollupResponseCount, RollupCase))
    plain = lambda table, names: {name: func.sum(table[name]) for name in names}  # noqa: E731
    for monthly, daily, keys, sums in (
            (RollupAnswerMonth, d, ["unit_id", "questionnaire_id", "question_key"],
             {"satisfied": func.sum(case((d.value.in_((4, 5)), d.count), else_=0)),
              "valid": func.sum(case((d.value.between(1, 5), d.count), else_=0))}),
            (RollupResponseMonth, c, ["unit_id", "centre_id", "questionnaire_id"],
             plain(c, ["responses", "suspicious", "unconfirmed"])),
            (RollupCaseMonth, k, ["unit_id"], plain(k, ["received", "answered", "answered_on_time", "published",
                                                        "rated", "rated_unhappy"]))):
        year, month = extract("year", daily.day), extract("month", daily.day)
        columns = keys + list(sums)
        values = [daily[key] for key in keys]
        query = select(year, month, *values, *sums.values())
        if months is None:
            session.execute(insert(into(monthly.__table__)).from_select(["year", "month", *columns],
                                                                        query.group_by(year, month, *values)))
            continue
        for y, m, unit in months:
            session.execute(delete(monthly).where(monthly.year == y, monthly.month == m, monthly.unit_id == unit))
        by_month: dict[tuple[int, int], list[int]] = {}
        for y, m, unit in months:
            by_month.setdefault((y, m), []).append(unit)
        for (y, m), units in by_month.items():
            first = date(y, m, 1)
            after = date(y + (m == 12), m % 12 + 1, 1)
            # the month as a range of days, so the daily table's (unit, day) index serves it
            session.execute(insert(monthly).from_select(["year", "month", *columns], query.where(
                daily.unit_id.in_(units), daily.day >= first, daily.day < after).group_by(year, month, *values)))


def among(day_column, unit_column, pairs: list[Pair]):
    """(day, commune) in ``pairs``: per commune, its days (a plain IN the (unit, day) indexes serve on both
    backends, where a row-value IN would not be planned as well)."""
    days_of: dict[int, list[date]] = {}
    for day, unit in pairs:
        days_of.setdefault(unit, []).append(day)
    return or_(*[and_(unit_column == unit, day_column.in_(days)) for unit, days in sorted(days_of.items())])


def _rebuild_memory(session: Session) -> None:
    """On PostgreSQL, the rebuild's transaction sorts in ``REBUILD_WORK_MEM`` and hashes in that times
    ``REBUILD_HASH_MEM_MULTIPLIER`` (config) instead of the server's defaults: grouping a city's year of answers
    (2,8 million groups) and a nation's settled dossiers (6 million groups of (commune, day of receipt, day of
    settlement)) in memory instead of on disk.
    ``set_config(…, true)`` ends with the transaction, so the connection goes back to the pool as it came."""
    if session.get_bind().dialect.name != "postgresql":
        return
    config = current_app.config if has_app_context() else {}
    for setting, key in (("work_mem", "REBUILD_WORK_MEM"), ("hash_mem_multiplier", "REBUILD_HASH_MEM_MULTIPLIER")):
        if config.get(key):
            session.execute(text("SELECT set_config(:setting, :value, true)"),
                            {"setting": setting, "value": str(config[key])})


def _analyze(session: Session) -> None:
    """Fresh planner statistics for the rollups after they were rewritten (the same SQL on both backends)."""
    for name in ROLLUP_TABLES:
        session.execute(text(f"ANALYZE {name}"))


def _count_if(condition):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _insert_cases(session: Session, scope, into=_same) -> None:
    c = Case
    session.execute(insert(into(RollupCase)).from_select(
        ["day", "unit_id", "channel", "category_id", "state", "received", "answered", "answered_on_time",
         "published", "rated", "rated_unhappy"],
        select(c.received_day, c.unit_id, c.channel, c.category_id, c.state, func.count(),
               _count_if(c.answered_at.is_not(None)), _count_if(c.answered_at <= c.due_at),
               _count_if(c.published_at.is_not(None)), _count_if(c.citizen_rating.is_not(None)),
               _count_if(c.citizen_rating == UNHAPPY))
        .where(scope(c.received_day, c.unit_id))
        .group_by(c.received_day, c.unit_id, c.channel, c.category_id, c.state)))
    seconds = cast(extract("epoch", c.answered_at), Integer) - cast(extract("epoch", c.received_at), Integer)
    days = case((seconds // 86400 > MAX_LATENCY_DAYS, MAX_LATENCY_DAYS), else_=seconds // 86400)
    session.execute(insert(into(RollupCaseLatency)).from_select(
        ["day", "unit_id", "channel", "days", "count"],
        select(c.received_day, c.unit_id, c.channel, days, func.count())
        .where(scope(c.received_day, c.unit_id), c.answered_at.is_not(None))
        .group_by(c.received_day, c.unit_id, c.channel, days)))


def _insert_dossiers(session: Session, scope, into=_same) -> None:
    d = Dossier
    session.execute(insert(into(RollupDossier)).from_select(
        ["day", "unit_id", "field", "received", "settled", "settled_on_time"],
        select(d.received_day, d.unit_id, d.field, func.count(), _count_if(d.settled_at.is_not(None)),
               _count_if(d.settled_at <= d.due_at))
        .where(scope(d.received_day, d.unit_id))
        .group_by(d.received_day, d.unit_id, d.field)))
    judged = d.judged
    settled_day = local_date(d.settled_at)
    fast = and_(judged, d.fast_track.is_(True))
    session.execute(insert(into(RollupDossierSettlement)).from_select(
        ["day", "unit_id", "settled_day", "judged", "withdrawn", "late", "home", "fast", "fast_same_day"],
        # in no particular order, as the answers rollup: the score reads it from its covering index alone (the
        # VACUUM after a rebuild sets the visibility map), and storing it commune by commune cost a sort of a
        # nation's 6 million groups on disk (5 s)
        select(d.received_day, d.unit_id, settled_day, _count_if(judged), _count_if(~judged),
               _count_if(and_(judged, d.settled_at > d.due_at)), _count_if(and_(judged, d.channel == "home")),
               _count_if(fast), _count_if(and_(fast, settled_day == d.received_day)))
        .where(d.settled_at.is_not(None), scope(d.received_day, d.unit_id))
        .group_by(d.unit_id, d.received_day, settled_day)))


def pairs_not_in_rollups(session: Session, units: list[int] | None) -> list[Pair] | None:
    """The (day of receipt, commune) pairs of ``units`` whose dossiers may have changed since the rollups last
    showed them (the same test, with the same margin, the next refresh will make), or None when the rollups have
    never been built: a reader of the dossier rollups reads those pairs from the raw rows instead. Read the
    watermark before the rollups: a refresh committing in between only rewrites pairs this list already holds."""
    through = session.execute(select(RollupState.refreshed_through).where(RollupState.name == "all")).scalar()
    if through is None:
        return None
    since, until = as_utc(through) - SAFETY_MARGIN, utcnow() + SAFETY_MARGIN
    units = None if units is None else list(units)
    pairs: set[Pair] = set()
    for day, unit, changed in ((Dossier.received_day, Dossier.unit_id, Dossier.updated_at),
                               (RollupChange.day, RollupChange.unit_id, RollupChange.recorded_at)):
        pairs.update(session.execute(_changed_pairs(day, unit, changed, since, until, units)))
    return sorted(pairs)


FAMILIES = [
    ([RollupResponse, RollupResponseCount, RollupRating], _insert_responses, "responses"),
    ([RollupCase, RollupCaseLatency], _insert_cases, "cases"),
    ([RollupDossier, RollupDossierSettlement], _insert_dossiers, "dossiers"),
]

#: every rollup a full rebuild writes afresh: the daily families, then the months derived from them
ROLLUPS = tuple(model for tables, _, _ in FAMILIES for model in tables) + MONTHLY
ROLLUP_TABLES = tuple(model.__tablename__ for model in ROLLUPS)


def refresh(session: Session, full: bool = False) -> RefreshReport:
    """Bring the rollups up to date (incrementally unless ``full``); flushes, the caller commits."""
    state = session.get(RollupState, "all")
    started = utcnow()
    if state is None:
        state = RollupState(name="all")
        session.add(state)
        full = True
    elif state.refreshed_through is None:
        full = True
    if full:
        _rebuild_memory(session)
        fresh = FreshTables(session, [model.__table__ for model in ROLLUPS])
        for _, insert_family, _ in FAMILIES:
            insert_family(session, EVERYTHING, fresh.into)
        # the months from the fresh daily rows, into fresh monthly tables too: indexed in one pass each, and
        # readers wait only for the swap (at nation size the answers' months took 15 s, after the swap then)
        _refresh_months(session, None, fresh.into)
        fresh.swap()
        _analyze(session)
        days = -1
    else:
        dirty = _dirty_pairs(session, state.refreshed_through - SAFETY_MARGIN, started)
        for chunk in _chunks(dirty):
            for tables, insert_family, _ in FAMILIES:
                for table in tables:
                    session.execute(delete(table).where(among(table.day, table.unit_id, chunk)))
                insert_family(session, lambda day, unit, chunk=chunk: among(day, unit, chunk))
        _refresh_months(session, dirty)
        days = len(dirty)
    # the change log before the watermark (with its margin) has been read by this run or an earlier one
    session.execute(delete(RollupChange).where(RollupChange.recorded_at <= started - 2 * SAFETY_MARGIN))
    state.refreshed_through = started
    session.flush()
    # the rows of each family after a rebuild (counting a whole table costs more than a day's refresh)
    counts = {name: int(session.execute(select(func.count()).select_from(tables[0])).scalar())
              for tables, _, name in FAMILIES} if full else {}
    return RefreshReport(full, days, counts)


def refresh_scores(session: Session, year: int | None = None, max_age: timedelta | None = SCORE_MAX_AGE,
                   batch: int = SCORE_BATCH) -> int:
    """Recompute the cached score and year-end guidance (``data["guidance"]``) of every commune whose cache is
    missing or older than ``max_age`` (all of them when ``max_age`` is None), for ``year`` (this year by default),
    in one pass per batch of ``batch`` communes: each rule's query runs once for the whole batch
    (:mod:`.scoring.reads`), which bounds the rows held in memory at a national size. Commits each batch. Returns
    how many."""
    from survey_app.models import AdminUnit, ScoreCache
    from survey_app.timeutil import local_today

    from .scoring.reads import Reads

    year = year or local_today().year
    now = utcnow()
    computed = dict(session.execute(select(ScoreCache.unit_id, ScoreCache.computed_at)
                                    .where(ScoreCache.year == year)).all())
    units = session.execute(select(AdminUnit.id).where(AdminUnit.parent_id.is_not(None), AdminUnit.active.is_(True))
                            .order_by(AdminUnit.id)).scalars().all()
    stale = [u for u in units if computed.get(u) is None or max_age is None or as_utc(computed[u]) <= now - max_age]
    chunks = [stale[first:first + batch] for first in range(0, len(stale), batch)]
    # every batch is scored as of the same moment (one cutoff for the whole run), so each batch asks the same
    # queries with the same arguments as the one before, and the next batch's are read ahead on another
    # connection while this one's points are worked out in Python (:meth:`Reads.prefetch`)
    batches = [Reads(session, chunk, now) for chunk in chunks]
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="score-reads") as pool:
        try:
            for n, (chunk, reads) in enumerate(zip(chunks, batches, strict=True)):
                if n > 0 and n + 1 < len(batches):
                    batches[n + 1].prefetch(batches[n - 1].asked, pool)
                _score_batch(session, chunk, reads, year)
                if n == 0 and len(batches) > 1:
                    batches[1].prefetch(reads.asked, pool)
                batches[n] = _Done(reads.asked)  # the batch's answers let go (memory stays that of two batches)
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
    return len(stale)


class _Done:
    """A scored batch: only what it asked for is kept, for the batch after next."""

    def __init__(self, asked):
        self.asked = asked


def _score_batch(session: Session, chunk: list[int], reads, year: int) -> None:
    from survey_app.models import AdminUnit, ScoreCache

    from .scoring.guidance import guidance

    # the batch's cached rows loaded for it and let go after it (a row holds the whole score), so memory stays
    # that of one batch whatever the number of communes
    communes = session.execute(select(AdminUnit).where(AdminUnit.id.in_(chunk)).order_by(AdminUnit.id)
                               ).scalars().all()
    # the old score is overwritten, never read: not loaded (a commune's is some 60 kB of JSON, 3,321 of them at a
    # national size took 2 s to decode alone)
    cached = {c.unit_id: c for c in session.execute(select(ScoreCache).options(defer(ScoreCache.data)).where(
        ScoreCache.year == year, ScoreCache.unit_id.in_(chunk))).scalars()}
    for unit in communes:
        outlook = guidance(session, unit, year, reads=reads)
        row = cached.get(unit.id)
        result = outlook.score
        data = {**result.as_dict(), "guidance": outlook.as_dict(items=False)}
        if row is None:
            row = ScoreCache(unit_id=unit.id, year=year)
            session.add(row)
        row.total, row.level, row.data, row.computed_at = result.total, result.level_name, data, utcnow()
        row.blank = len(result.blank)
        cached[unit.id] = row
    session.commit()  # each batch's scores are kept even if a later batch fails
    for row in cached.values():
        session.expunge(row)


def vacuum_after_rebuild(session: Session, report: RefreshReport) -> None:
    """After a full rebuild has committed, on PostgreSQL: ``VACUUM`` the rollups, so their visibility map says
    every page is visible and reads are answered from the covering indexes alone; until autovacuum came round, no
    index-only scan could skip the table (and before the rebuild wrote fresh tables, each scan read the dead half
    too): the score and the dashboards were slowest right after a migration or a restore. Not ``ANALYZE`` again:
    the rebuild's transaction analysed the tables it wrote. Run outside a transaction, as VACUUM requires;
    nothing on SQLite (the rebuild's ANALYZE is all it needs)."""
    engine = session.get_bind()
    if not report.full or engine.dialect.name != "postgresql":
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        for name in ROLLUP_TABLES:
            connection.execute(text(f"VACUUM {name}"))


def run_refresh(session: Session, full: bool = False) -> RefreshReport:
    """The CLI entry: take the lock, refresh the rollups, commit, then bring stale cached scores up to date."""
    with job_lock(session, "reports-refresh"):
        report = refresh(session, full)
        session.commit()
        vacuum_after_rebuild(session, report)
        refresh_scores(session, max_age=None if full else SCORE_MAX_AGE)
    return report
