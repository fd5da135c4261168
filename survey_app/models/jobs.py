"""Background jobs queued in the database (evidence dossiers and other long exports), so any web host can queue
one, any worker host can run it, and the result is served by whichever host the user's next request reaches."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..timeutil import utcnow
from .types import UTCDateTime


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"

    @property
    def label(self) -> str:
        return {"queued": "Đang chờ", "running": "Đang tạo", "done": "Hoàn thành", "failed": "Lỗi"}[self.value]


class BackgroundJob(db.Model):
    """One queued piece of work and, when done, its result file."""

    __tablename__ = "background_jobs"
    __table_args__ = (
        CheckConstraint("status in ('queued', 'running', 'done', 'failed')", name="status"),
        CheckConstraint("progress between 0 and 100", name="progress"),
        Index("ix_background_jobs_status_id", "status", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: What to run, a name in :data:`reports.jobs.BACKGROUND` (e.g. "evidence_dossier").
    kind: Mapped[str] = mapped_column(String(40))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("admin_units.id"), index=True)
    #: The job's arguments (JSON-serialisable).
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(8), default=JobStatus.QUEUED.value)
    #: 0–100, with the step in progress in ``message``.
    progress: Mapped[int] = mapped_column(Integer, default=0)
    message: Mapped[str] = mapped_column(Text, default="")
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: host:pid of the worker that claimed it.
    worker: Mapped[str | None] = mapped_column(String(120))
    created_at = mapped_column(UTCDateTime, default=utcnow)
    started_at = mapped_column(UTCDateTime)
    #: Updated with every progress report; a running job silent for too long is taken over by another worker.
    heartbeat_at = mapped_column(UTCDateTime)
    finished_at = mapped_column(UTCDateTime)
    result_name: Mapped[str | None] = mapped_column(String(200))
    result_type: Mapped[str | None] = mapped_column(String(100))
    result: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    result_size: Mapped[int | None] = mapped_column(Integer)

    @property
    def status_enum(self) -> JobStatus:
        return JobStatus(self.status)
