"""The worker's schedule: every periodic job declared in one place and run from ``flask jobs work``.

APScheduler (3.x) fires the ticks inside the worker process: interval triggers aligned on the epoch, so every
worker host computes the same tick times, coalescing of missed ticks after a pause, a thread pool so a slow job
does not delay the others. Which host runs a tick is decided in the database, not by the library: the first host
to insert the tick's ``scheduled_runs`` row (unique job + slot) runs it, the others see the row and step aside.
A tick that finds the previous run still going (its ``job_locks`` row is held) is recorded as skipped and logged.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from survey_app.models import ScheduledRun
from survey_app.timeutil import utcnow

from .jobs import LockBusy, job_lock

log = logging.getLogger("hailong.schedule")
EPOCH = datetime(2020, 1, 1, tzinfo=UTC)
#: Run history older than this is deleted by the clean-up job.
KEEP_RUNS = timedelta(days=30)
#: The weekly digest goes out from this local hour on Monday.
DIGEST_HOUR = 7


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    #: What it does, in Vietnamese (``flask jobs schedule`` prints it).
    label: str
    interval: timedelta
    #: run(session) -> a one-line summary; commits its own work.
    run: Callable[[Session], str]

    def slot(self, at: datetime) -> int:
        """The number of the tick that ``at`` falls in (the same on every host)."""
        return int((at - EPOCH).total_seconds() // self.interval.total_seconds())

    def next_run(self, at: datetime) -> datetime:
        return EPOCH + self.interval * (self.slot(at) + 1)


def _rollups(session: Session) -> str:
    from .jobs import refresh, vacuum_after_rebuild

    with job_lock(session, "reports-refresh"):  # the same lock as `flask reports refresh`
        report = refresh(session)
        session.commit()
        vacuum_after_rebuild(session, report)  # the first run after a migration rebuilds everything
    kind = "tính lại toàn bộ" if report.full else f"{report.days} ngày-đơn vị có thay đổi"
    return f"{kind}; " + ", ".join(f"{k} {v} dòng" for k, v in report.rows.items())


def _scores(session: Session) -> str:
    from .jobs import refresh_scores

    return f"tính lại {refresh_scores(session)} đơn vị"


def _notifications(session: Session) -> str:
    from survey_app.services.delivery import deliver_pending

    result = deliver_pending(session)
    session.commit()
    return f"đã gửi {result.sent}, chờ gửi lại {result.retry}, thất bại {result.failed}"


def _alerts(session: Session) -> str:
    from survey_app.services.alerts import check_events

    raised = check_events(session)
    session.commit()
    return f"{raised} cảnh báo mới"


def _daily_checks(session: Session) -> str:
    from survey_app.services.alerts import check_daily

    raised = check_daily(session)
    session.commit()
    return f"{raised} cảnh báo mới"


def _weekly_digest(session: Session, now: datetime | None = None) -> str:
    """From Monday 07:00 on, once per ISO week: each commune's digest and the city's, as in-app alerts and e-mails
    to the staff who gave an address (the alert key makes it once per week however often this runs)."""
    from survey_app.models import AdminUnit, StaffAlert
    from survey_app.services.alerts import Candidate, raise_alerts
    from survey_app.timeutil import to_local

    from .digest import city_digest, commune_digest, week_label

    now = to_local(now or utcnow())
    if now.weekday() == 0 and now.hour < DIGEST_HOUR:
        return f"chưa đến {DIGEST_HOUR} giờ sáng thứ Hai"
    today = now.date()
    week = week_label(today)[0]
    units = session.execute(select(AdminUnit).where(AdminUnit.active.is_(True)).order_by(AdminUnit.id)).scalars()
    candidates, city_id = [], None
    for unit in units:
        if unit.parent_id is None:
            city_id = city_id or unit.id
            continue
        key = f"weekly_digest:{unit.id}:{week}"
        if session.execute(select(StaffAlert.id).where(StaffAlert.key == key)).first():
            continue
        d = commune_digest(session, unit, today)
        candidates.append(Candidate(unit.id, "weekly_digest", key, d.title, d.link, body=d.body))
    key = f"weekly_digest:city:{week}"
    if city_id and not session.execute(select(StaffAlert.id).where(StaffAlert.key == key)).first():
        d = city_digest(session, today)
        candidates.append(Candidate(city_id, "weekly_digest", key, d.title, d.link, body=d.body))
    raised = raise_alerts(session, candidates)
    session.commit()
    return f"{raised} bản tin tuần {week}"


def _clean_up(session: Session) -> str:
    from .background import purge_old_results

    files = purge_old_results(session)
    runs = session.execute(delete(ScheduledRun).where(ScheduledRun.started_at < utcnow() - KEEP_RUNS)).rowcount
    session.commit()
    return f"xóa {files} tệp kết quả cũ, {runs} dòng lịch sử chạy"


#: Every periodic job of the system. The dashboards say "cập nhật 5 phút một lần": that is "rollups" here.
PERIODIC: tuple[PeriodicJob, ...] = (
    PeriodicJob("rollups", "Cập nhật bảng tổng hợp cho bảng điều khiển", timedelta(minutes=5), _rollups),
    PeriodicJob("notifications", "Gửi thông báo trong hộp thư đi (e-mail, SMS, Zalo)", timedelta(minutes=1),
                _notifications),
    PeriodicJob("alerts", "Cảnh báo cho cán bộ: phản ánh mới, sắp đến hạn, quá hạn, đánh giá rất không hài lòng",
                timedelta(minutes=2), _alerts),
    PeriodicJob("score-cache", "Tính lại điểm lưu sẵn của các xã, phường (quá 30 phút)", timedelta(minutes=15),
                _scores),
    PeriodicJob("daily-checks", "Kiểm tra hằng ngày: máy đánh giá im lặng, tuần chưa có buổi thu thập, hồ sơ quá "
                "hạn chưa có thư xin lỗi", timedelta(hours=1), _daily_checks),
    PeriodicJob("weekly-digest", "Bản tin tuần: lộ trình đạt chuẩn của từng xã, phường và toàn thành phố (từ 7 giờ "
                "sáng thứ Hai)", timedelta(hours=1), _weekly_digest),
    PeriodicJob("clean-up", "Dọn tệp kết quả việc nền quá 7 ngày và lịch sử chạy quá 30 ngày", timedelta(hours=6),
                _clean_up),
)
BY_NAME = {job.name: job for job in PERIODIC}


def host_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:120]


def manual_slot() -> int:
    """A run asked for by hand gets its own (negative) slot, apart from the schedule's ticks."""
    return int(utcnow().timestamp())


def run_tick(session: Session, job: PeriodicJob, at: datetime | None = None, host: str | None = None,
             slot: int | None = None) -> str:
    """Run the tick of ``job`` that ``at`` (now) falls in, unless another host has claimed it.

    Returns the outcome: ``taken`` (another host has it; nothing recorded), ``ok``, ``failed`` or ``skipped``.
    """
    at = at or utcnow()
    host = host or host_name()
    slot = job.slot(at) if slot is None else slot
    engine = session.get_bind()
    try:
        with engine.begin() as conn:
            conn.execute(insert(ScheduledRun).values(job=job.name, slot=slot, host=host, started_at=utcnow(),
                                                     outcome="running", message=""))
    except IntegrityError:
        return "taken"
    try:
        with job_lock(session, f"schedule:{job.name}"):
            message = job.run(session)
    except LockBusy:
        session.rollback()
        outcome, message = "skipped", "Lần chạy trước vẫn chưa xong: bỏ qua lần này."
        log.warning("periodic job %s: tick %s skipped, the previous run is still going", job.name, slot)
    except Exception as exc:  # the schedule goes on; the run history and the log keep the cause
        session.rollback()
        outcome, message = "failed", f"{type(exc).__name__}: {exc}"
        log.exception("periodic job %s failed", job.name)
    else:
        outcome = "ok"
        log.info("periodic job %s: %s", job.name, message)
    with engine.begin() as conn:
        conn.execute(update(ScheduledRun).where(ScheduledRun.job == job.name, ScheduledRun.slot == slot)
                     .values(outcome=outcome, message=message[:2000], finished_at=utcnow()))
    return outcome


@dataclass(frozen=True)
class JobStatus:
    job: PeriodicJob
    last: ScheduledRun | None
    last_ok_at: datetime | None
    next_run: datetime


def status(session: Session, at: datetime | None = None) -> list[JobStatus]:
    """Each periodic job with its latest run, its latest successful run and its next tick."""
    at = at or utcnow()
    latest = {}
    for run in session.execute(
            select(ScheduledRun).where(ScheduledRun.id.in_(
                select(func.max(ScheduledRun.id)).group_by(ScheduledRun.job)))).scalars():
        latest[run.job] = run
    last_ok = dict(session.execute(select(ScheduledRun.job, func.max(ScheduledRun.finished_at))
                                   .where(ScheduledRun.outcome == "ok").group_by(ScheduledRun.job)).all())
    return [JobStatus(job, latest.get(job.name), last_ok.get(job.name), job.next_run(at)) for job in PERIODIC]


def start(app) -> object:
    """Start the schedule in background threads of this (worker) process; returns the APScheduler scheduler."""
    from apscheduler.executors.pool import ThreadPoolExecutor
    from apscheduler.schedulers.background import BackgroundScheduler
    from apscheduler.triggers.interval import IntervalTrigger

    from survey_app.extensions import db

    def tick(name: str) -> None:
        with app.app_context():
            try:
                run_tick(db.session, BY_NAME[name])
            finally:
                db.session.remove()

    scheduler = BackgroundScheduler(timezone=UTC, executors={"default": ThreadPoolExecutor(4)})
    for job in PERIODIC:
        seconds = int(job.interval.total_seconds())
        # max_instances=2: a tick that comes while the last one still runs reaches run_tick, which records the
        # skip (the lock decides, across hosts too) instead of being dropped silently by the library.
        scheduler.add_job(tick, IntervalTrigger(seconds=seconds, start_date=EPOCH, timezone=UTC), args=[job.name],
                          id=job.name, name=job.label, coalesce=True, max_instances=2,
                          misfire_grace_time=max(30, seconds // 2))
    scheduler.start()
    return scheduler
