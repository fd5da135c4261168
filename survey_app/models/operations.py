"""What keeps a deployment running on its own: the periodic runs of the worker's schedule and the alerts it
raises for staff. Both live in the database, so every worker and web host sees the same history."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..timeutil import utcnow
from .types import UTCDateTime

RUN_OUTCOMES = ("running", "ok", "failed", "skipped")


class ScheduledRun(db.Model):
    """One tick of a periodic job. The unique (job, slot) row is the claim: the first worker host to insert it
    runs the tick, every other host sees the row and leaves it alone."""

    __tablename__ = "scheduled_runs"
    __table_args__ = (
        UniqueConstraint("job", "slot"),
        CheckConstraint("outcome in ('running', 'ok', 'failed', 'skipped')", name="outcome"),
        Index("ix_scheduled_runs_job_started", "job", "started_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: A name in :data:`reports.schedule.PERIODIC`.
    job: Mapped[str] = mapped_column(String(40))
    #: The tick's number: seconds since the epoch ÷ the job's interval (the same on every host).
    slot: Mapped[int] = mapped_column(Integer)
    #: host:pid of the worker that ran (or skipped) it.
    host: Mapped[str] = mapped_column(String(120))
    started_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    finished_at = mapped_column(UTCDateTime)
    outcome: Mapped[str] = mapped_column(String(8), default="running")
    #: What it did, or why it failed or was skipped.
    message: Mapped[str] = mapped_column(Text, default="")


class StaffAlert(db.Model):
    """Something the commune's staff should act on. ``key`` is unique, so each alert is raised once however
    often the checks run; any responsible user can acknowledge it."""

    __tablename__ = "staff_alerts"
    __table_args__ = (Index("ix_staff_alerts_unit_ack", "unit_id", "acknowledged_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("admin_units.id"))
    #: A kind in :data:`survey_app.services.alerts.KINDS` (new_case, case_due_soon, case_overdue…).
    kind: Mapped[str] = mapped_column(String(32))
    #: e.g. "case_overdue:42"; the same situation never raises a second alert.
    key: Mapped[str] = mapped_column(String(120), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    #: A path inside the application (e.g. the case page), or empty.
    link: Mapped[str] = mapped_column(String(300), default="")
    #: The user responsible when there is one (the case's assignee); otherwise the commune's staff.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    acknowledged_at = mapped_column(UTCDateTime)
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
