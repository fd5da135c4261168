"""A queued job's progress (HTML that refreshes itself, and JSON) and its result file."""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, render_template
from flask_login import current_user
from sqlalchemy.orm import undefer

from .. import downloads
from ..auth.roles import staff_required
from ..extensions import db
from ..models import BackgroundJob, JobStatus
from ..services.scoping import scoped

bp = Blueprint("jobs", __name__, url_prefix="/admin/jobs")


def _job(job_id: int, with_result: bool = False) -> BackgroundJob:
    query = scoped(BackgroundJob, current_user).where(BackgroundJob.id == job_id)
    if with_result:
        query = query.options(undefer(BackgroundJob.result))
    job = db.session.execute(query).scalar_one_or_none()
    if job is None:
        abort(404)
    return job


@bp.route("/<int:job_id>")
@staff_required()
def show(job_id: int):
    return render_template("jobs/show.html", job=_job(job_id), JobStatus=JobStatus)


@bp.route("/<int:job_id>.json")
@staff_required()
def status(job_id: int):
    job = _job(job_id)
    return jsonify({"id": job.id, "status": job.status, "status_label": job.status_enum.label,
                    "progress": job.progress, "message": job.message, "file": job.result_name,
                    "size": job.result_size})


@bp.route("/<int:job_id>/download")
@staff_required()
def download(job_id: int):
    job = _job(job_id, with_result=True)
    if job.status != JobStatus.DONE.value or job.result is None:
        abort(404)
    return downloads.download(job.result, job.result_type or "application/octet-stream", job.result_name or "ket-qua")
