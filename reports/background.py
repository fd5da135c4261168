"""Background jobs: a queue in the database and a worker loop (``flask --app survey_app jobs work``).

A web request only queues a job; any worker host claims it with one conditional UPDATE (so two workers never run
the same job), reports progress in its own short transactions (so the page shows it while the job runs), and stores
the result in the database (so whichever web host answers the download has it). A job whose worker stopped
reporting for :data:`STALE_AFTER` is queued again.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable
from datetime import date, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from survey_app.models import AdminUnit, BackgroundJob, JobStatus, User
from survey_app.timeutil import utcnow

STALE_AFTER = timedelta(minutes=10)
#: Finished jobs' files are kept this long, then deleted by the worker.
KEEP_RESULTS = timedelta(days=7)


class JobFailed(RuntimeError):
    """A job that cannot be done; the message (Vietnamese) is shown to the user."""


def enqueue(session: Session, kind: str, unit_id: int | None, params: dict, actor: User | None) -> BackgroundJob:
    """Queue a job (flushes; the caller commits)."""
    if kind not in HANDLERS:
        raise ValueError(kind)
    job = BackgroundJob(kind=kind, unit_id=unit_id, params=params, status=JobStatus.QUEUED.value, progress=0,
                        message="Đang chờ đến lượt", requested_by_id=actor.id if actor else None)
    session.add(job)
    session.flush()
    return job


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:120]


def claim_next(session: Session, worker: str) -> int | None:
    """Take the oldest queued job (committing the claim); None when the queue is empty."""
    engine = session.get_bind()
    now = utcnow()
    with engine.begin() as conn:
        conn.execute(update(BackgroundJob).where(BackgroundJob.status == JobStatus.RUNNING.value,
                                                 BackgroundJob.heartbeat_at < now - STALE_AFTER)
                     .values(status=JobStatus.QUEUED.value, message="Tiếp tục sau khi máy xử lý dừng"))
    for _ in range(5):
        with engine.begin() as conn:
            job_id = conn.execute(select(BackgroundJob.id).where(BackgroundJob.status == JobStatus.QUEUED.value)
                                  .order_by(BackgroundJob.id).limit(1)).scalar()
            if job_id is None:
                return None
            taken = conn.execute(update(BackgroundJob).where(BackgroundJob.id == job_id,
                                                             BackgroundJob.status == JobStatus.QUEUED.value)
                                 .values(status=JobStatus.RUNNING.value, worker=worker, started_at=now,
                                         heartbeat_at=now, progress=1, message="Bắt đầu")).rowcount
        if taken == 1:
            return job_id
    return None


def _progress_reporter(session: Session, job_id: int) -> Callable[[int, str], None]:
    engine = session.get_bind()

    def report(percent: int, message: str) -> None:
        with engine.begin() as conn:
            conn.execute(update(BackgroundJob).where(BackgroundJob.id == job_id).values(
                progress=max(1, min(99, int(percent))), message=message[:500], heartbeat_at=utcnow()))

    return report


def run(session: Session, job_id: int) -> None:
    """Run a claimed job to the end: the result or the failure is committed."""
    job = session.get(BackgroundJob, job_id)
    report = _progress_reporter(session, job_id)
    try:
        name, content_type, data = HANDLERS[job.kind](session, job, report)
    except JobFailed as exc:
        session.rollback()
        _finish(session, job_id, JobStatus.FAILED, str(exc))
        return
    except Exception as exc:  # keep the worker alive; the user sees a failure, the log the cause
        session.rollback()
        import logging

        logging.getLogger(__name__).exception("background job %s failed", job_id)
        _finish(session, job_id, JobStatus.FAILED, f"Lỗi hệ thống khi tạo tệp ({type(exc).__name__}). Hãy thử lại.")
        return
    session.rollback()  # end the read transaction before writing the result
    _finish(session, job_id, JobStatus.DONE, "Hoàn thành", name, content_type, data)


def _finish(session: Session, job_id: int, status: JobStatus, message: str, name: str | None = None,
            content_type: str | None = None, data: bytes | None = None) -> None:
    session.execute(update(BackgroundJob).where(BackgroundJob.id == job_id).values(
        status=status.value, progress=100 if status == JobStatus.DONE else 0, message=message[:500],
        finished_at=utcnow(), result_name=name, result_type=content_type, result=data,
        result_size=len(data) if data is not None else None))
    session.commit()


def purge_old_results(session: Session) -> int:
    """Drop the files of jobs finished more than :data:`KEEP_RESULTS` ago (the rows stay as history)."""
    count = session.execute(update(BackgroundJob).where(
        BackgroundJob.finished_at < utcnow() - KEEP_RESULTS, BackgroundJob.result.is_not(None))
        .values(result=None, message="Tệp đã hết hạn lưu, hãy tạo lại")).rowcount
    session.commit()
    return count


def work(session: Session, once: bool = False, idle_seconds: float = 2.0, log: Callable[[str], None] = print) -> int:
    """Run jobs until stopped (or, with ``once``, until the queue is empty); returns the jobs run."""
    worker = worker_name()
    done = 0
    while True:
        job_id = claim_next(session, worker)
        if job_id is None:
            if once:
                return done
            time.sleep(idle_seconds)
            continue
        log(f"Bắt đầu việc #{job_id}")
        run(session, job_id)
        done += 1
        log(f"Xong việc #{job_id}")


# -- handlers -----------------------------------------------------------------------------------------------------


def evidence_dossier(session: Session, job: BackgroundJob, report: Callable[[int, str], None]):
    from .dossier import build, bundle_zip, collect

    unit = session.get(AdminUnit, job.unit_id)
    if unit is None:
        raise JobFailed("Không tìm thấy đơn vị.")
    year = int(job.params["year"])
    as_of = date.fromisoformat(job.params["as_of"]) if job.params.get("as_of") else None
    report(1, "Tính điểm và đọc số liệu")
    bundle = collect(session, unit, year, as_of)
    files = build(bundle, report)
    return f"Ho-so-Chinh-quyen-than-thien_{unit.code}_{year}.zip", "application/zip", bundle_zip(files)


#: kind -> handler(session, job, report) -> (file name, content type, bytes)
HANDLERS: dict[str, Callable] = {"evidence_dossier": evidence_dossier}
