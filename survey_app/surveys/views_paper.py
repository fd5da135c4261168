"""Staff pages for paper batches (lô phiếu giấy): the list waiting for a check, a batch with its scans and forms,
the keyer's scan upload and hand-over, and another staff member's check."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select

from ..auth.roles import can_write, staff_required
from ..downloads import download
from ..extensions import db
from ..models import BatchStatus, PaperBatch, PaperBatchScan, SurveyAnswer, SurveyResponse
from ..services import paper_batches
from ..services import surveys as survey_service
from ..services.scoping import get_scoped_or_404, scoped
from ..services.uploads import UploadError, check_evidence

bp = Blueprint("paper_batches", __name__, url_prefix="/admin/surveys/paper/batches")

RECENT_CHECKED = 20


def _counts(batch_ids: list[int]) -> dict[int, int]:
    if not batch_ids:
        return {}
    return dict(db.session.execute(select(SurveyResponse.paper_batch_id, func.count()).where(
        SurveyResponse.paper_batch_id.in_(batch_ids)).group_by(SurveyResponse.paper_batch_id)).all())


@bp.route("/")
@staff_required()
def index():
    def batches(status: str, limit: int | None = None) -> list[PaperBatch]:
        order = PaperBatch.checked_at.desc() if status == BatchStatus.CHECKED.value else PaperBatch.id
        query = scoped(PaperBatch, current_user).where(PaperBatch.status == status).order_by(order)
        return list(db.session.execute(query.limit(limit) if limit else query).scalars())

    waiting = batches(BatchStatus.SUBMITTED.value)
    keying = batches(BatchStatus.OPEN.value)
    checked = batches(BatchStatus.CHECKED.value, RECENT_CHECKED)
    counts = _counts([b.id for b in waiting + keying + checked])
    return render_template("surveys/paper_batches.html", waiting=waiting, keying=keying, checked=checked,
                           counts=counts)


def _answers(responses: list[SurveyResponse]) -> dict[int, list[tuple[str, str, str]]]:
    """{response id: [(question key, question, answer as on the sheet)]} in the questionnaire's order."""
    if not responses:
        return {}
    rows = db.session.execute(select(SurveyAnswer).where(
        SurveyAnswer.response_id.in_([r.id for r in responses])).order_by(SurveyAnswer.id)).scalars().all()
    by_response: dict[int, list[SurveyAnswer]] = {}
    for answer in rows:
        by_response.setdefault(answer.response_id, []).append(answer)
    result: dict[int, list[tuple[str, str, str]]] = {}
    for response in responses:
        definition = survey_service.definition_of(response.version)
        order = {key: i for i, key in enumerate(definition.questions)}
        items = []
        for answer in sorted(by_response.get(response.id, []), key=lambda a: order.get(a.question_key, 1 << 30)):
            question = definition.questions.get(answer.question_key)
            if answer.value is not None:
                labels = dict(question.choices("vi")) if question else {}
                shown = f"{answer.value} – {labels[answer.value]}" if answer.value in labels else str(answer.value)
            else:
                shown = answer.text or ""
            items.append((answer.question_key, question.label("vi") if question else answer.question_key, shown))
        result[response.id] = items
    return result


@bp.route("/<int:batch_id>")
@staff_required()
def detail(batch_id: int):
    batch = get_scoped_or_404(PaperBatch, batch_id, current_user)
    responses = paper_batches.responses_of(batch)
    own = batch.keyed_by_id == current_user.id
    return render_template("surveys/paper_batch.html", batch=batch, responses=responses, answers=_answers(responses),
                           own=own, can_check=current_user.can_write and not own
                           and batch.status == BatchStatus.SUBMITTED.value,
                           can_add=own and current_user.can_write and batch.status != BatchStatus.CHECKED.value,
                           scan_label=paper_batches.SCAN_LABEL)


def _back(batch: PaperBatch):
    return redirect(url_for(".detail", batch_id=batch.id), code=303)


def _refuse(batch: PaperBatch, message: str):
    db.session.rollback()
    flash(message, "error")
    return _back(batch)


@bp.route("/<int:batch_id>/scans", methods=["POST"])
@staff_required(can_write)
def upload_scans(batch_id: int):
    batch = get_scoped_or_404(PaperBatch, batch_id, current_user)
    files = [f for f in request.files.getlist("scans") if f and f.filename]
    if not files:
        return _refuse(batch, f"Chưa chọn tệp bản quét nào ({paper_batches.SCAN_LABEL}).")
    try:
        paper_batches.add_scans(current_user, batch, [check_evidence(f.filename, f.read()) for f in files])
    except (UploadError, paper_batches.PaperCheckError) as exc:
        return _refuse(batch, f"{exc} Chưa lưu tệp nào.")
    db.session.commit()
    flash(f"Đã lưu {len(files)} tệp bản quét.", "success")
    return _back(batch)


@bp.route("/<int:batch_id>/submit", methods=["POST"])
@staff_required(can_write)
def submit(batch_id: int):
    batch = get_scoped_or_404(PaperBatch, batch_id, current_user)
    try:
        paper_batches.submit(current_user, batch)
    except paper_batches.PaperCheckError as exc:
        return _refuse(batch, str(exc))
    db.session.commit()
    flash(f"Đã gửi lô số {batch.id} cho cán bộ khác kiểm tra.", "success")
    return _back(batch)


@bp.route("/<int:batch_id>/check", methods=["POST"])
@staff_required(can_write)
def check(batch_id: int):
    batch = get_scoped_or_404(PaperBatch, batch_id, current_user)
    wrong = {}
    for raw in request.form.getlist("wrong"):
        if not raw.isdigit():
            return _refuse(batch, "Dữ liệu gửi lên không hợp lệ.")
        wrong[int(raw)] = request.form.get(f"reason-{raw}", "")
    try:
        confirmed, rejected = paper_batches.check(current_user, batch, wrong)
    except paper_batches.PaperCheckError as exc:
        return _refuse(batch, str(exc))
    db.session.commit()
    flash(f"Đã kiểm tra lô số {batch.id}: {confirmed} phiếu khớp bản quét được tính"
          + (f", {rejected} phiếu sai bị loại." if rejected else "."), "success")
    return redirect(url_for(".index"), code=303)


@bp.route("/scans/<int:scan_id>")
@staff_required()
def scan(scan_id: int):
    file = get_scoped_or_404(PaperBatchScan, scan_id, current_user)
    return download(file.data, file.content_type, file.filename)
