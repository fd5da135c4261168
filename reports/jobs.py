"""Aggregation jobs: refresh the rollup tables incrementally (or rebuild them), one run at a time.

Every periodic job is listed in :data:`JOBS` (run them from cron or a systemd timer, see the README). A refresh
finds the local days whose raw rows changed since the last run, deletes those days from the rollups and inserts
them again from one GROUP BY each, so running it twice, or a full rebuild, gives exactly the same rows.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import case, delete, func, insert, select, true
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from survey_app.models import (
    Case,
    Dossier,
    JobLock,
    RollupCase,
    RollupDossier,
    RollupResponse,
    RollupResponseCount,
    RollupState,
    SurveyAnswer,
    SurveyResponse,
)
from survey_app.timeutil import utcnow

#: Rows written just before a refresh may commit after it read the tables: look back this far next time.
SAFETY_MARGIN = timedelta(minutes=5)
LOCK_TTL = timedelta(minutes=30)
DAY_CHUNK = 200

#: The periodic jobs: name -> (what it does, suggested schedule).
JOBS = {
    "reports refresh": ("Cập nhật bảng tổng hợp (rollup) cho chỉ số và điểm", "mỗi 5 phút"),
    "notifications send": ("Gửi thông báo đang chờ cho người dân", "mỗi phút"),
    "jobs work": ("Chạy việc nền: hồ sơ minh chứng và các tệp lớn (reports/background.py)", "chạy liên tục"),
}


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
    days: int
    rows: dict[str, int]


def _chunks(days: list[date]) -> Iterable[list[date]]:
    for start in range(0, len(days), DAY_CHUNK):
        yield days[start:start + DAY_CHUNK]


def _dirty_days(session: Session, since) -> list[date]:
    days: set[date] = set()
    days.update(session.execute(select(SurveyResponse.answered_day).where(
        SurveyResponse.received_at > since).distinct()).scalars())
    days.update(session.execute(select(Case.received_day).where(Case.updated_at > since).distinct()).scalars())
    days.update(session.execute(select(Dossier.received_day).where(Dossier.updated_at > since).distinct()).scalars())
    return sorted(days)


def _insert_responses(session: Session, day_filter) -> None:
    r, a = SurveyResponse, SurveyAnswer
    counter = func.coalesce(r.counter_id, 0)
    session.execute(insert(RollupResponse).from_select(
        ["day", "unit_id", "centre_id", "counter_id", "channel", "questionnaire_id", "question_key", "value", "count"],
        select(r.answered_day, r.unit_id, r.centre_id, counter, r.channel, r.questionnaire_id, a.question_key,
               a.value, func.count())
        .join(a, a.response_id == r.id)
        .where(r.suspicious.is_(False), a.value.is_not(None), day_filter(r.answered_day))
        .group_by(r.answered_day, r.unit_id, r.centre_id, counter, r.channel, r.questionnaire_id, a.question_key,
                  a.value)))
    suspicious = _count_if(r.suspicious.is_(True))
    session.execute(insert(RollupResponseCount).from_select(
        ["day", "unit_id", "centre_id", "counter_id", "channel", "questionnaire_id", "responses", "suspicious"],
        select(r.answered_day, r.unit_id, r.centre_id, counter, r.channel, r.questionnaire_id, func.count(),
               suspicious)
        .where(day_filter(r.answered_day))
        .group_by(r.answered_day, r.unit_id, r.centre_id, counter, r.channel, r.questionnaire_id)))


def _count_if(condition):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _insert_cases(session: Session, day_filter) -> None:
    c = Case
    session.execute(insert(RollupCase).from_select(
        ["day", "unit_id", "channel", "category_id", "state", "received", "answered", "answered_on_time",
         "published"],
        select(c.received_day, c.unit_id, c.channel, c.category_id, c.state, func.count(),
               _count_if(c.answered_at.is_not(None)), _count_if(c.answered_at <= c.due_at),
               _count_if(c.published_at.is_not(None)))
        .where(day_filter(c.received_day))
        .group_by(c.received_day, c.unit_id, c.channel, c.category_id, c.state)))


def _insert_dossiers(session: Session, day_filter) -> None:
    d = Dossier
    session.execute(insert(RollupDossier).from_select(
        ["day", "unit_id", "field", "received", "settled", "settled_on_time"],
        select(d.received_day, d.unit_id, d.field, func.count(), _count_if(d.settled_at.is_not(None)),
               _count_if(d.settled_at <= d.due_at))
        .where(day_filter(d.received_day))
        .group_by(d.received_day, d.unit_id, d.field)))


FAMILIES = [
    ([RollupResponse, RollupResponseCount], _insert_responses, "responses"),
    ([RollupCase], _insert_cases, "cases"),
    ([RollupDossier], _insert_dossiers, "dossiers"),
]


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
        for tables, insert_family, _ in FAMILIES:
            for table in tables:
                session.execute(delete(table))
            insert_family(session, lambda column: true())
        days = -1
    else:
        dirty = _dirty_days(session, state.refreshed_through - SAFETY_MARGIN)
        for chunk in _chunks(dirty):
            for tables, insert_family, _ in FAMILIES:
                for table in tables:
                    session.execute(delete(table).where(table.day.in_(chunk)))
                insert_family(session, lambda column, chunk=chunk: column.in_(chunk))
        days = len(dirty)
    state.refreshed_through = started
    session.flush()
    counts = {name: int(session.execute(select(func.count()).select_from(tables[0])).scalar())
              for tables, _, name in FAMILIES}
    return RefreshReport(full, days, counts)


def run_refresh(session: Session, full: bool = False) -> RefreshReport:
    """The CLI entry: take the lock, refresh, commit."""
    with job_lock(session, "reports-refresh"):
        report = refresh(session, full)
        session.commit()
    return report
