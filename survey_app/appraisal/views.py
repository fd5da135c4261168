"""The city's appraisal: a commune sends its self-score; the city appraisers see every commune's submission, set
an appraised score per item with the reason for any deduction, lock the result, and export the city summary."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from reports.exporters import city_summary as city_export
from reports.exporters.docx_layout import number_vi
from reports.scoring import appraisal
from reports.scoring.data import attachment_list
from reports.scoring.engine import score
from reports.scoring.operations import ScoringError
from reports.scoring.table import for_year

from ..auth.roles import can_administer, staff_required
from ..downloads import download
from ..extensions import db
from ..models import AdminUnit, Role, ScoreSubmission
from ..services.scoping import get_scoped_or_404

bp = Blueprint("appraisal", __name__, url_prefix="/admin/appraisal")


def _appraiser(user) -> bool:
    return user.role in (Role.CITY_ADMIN, Role.CITY_APPRAISER)


def _year(year: int) -> int:
    if not 2020 <= year <= 2100:
        abort(404)
    return year


def _submission(year: int, unit_id: int) -> ScoreSubmission:
    unit = get_scoped_or_404(AdminUnit, unit_id, current_user)
    submission = db.session.execute(select(ScoreSubmission).where(
        ScoreSubmission.unit_id == unit.id, ScoreSubmission.year == _year(year))).scalar_one_or_none()
    if submission is None:
        abort(404)
    return submission


@bp.route("/submit/<int:unit_id>/<int:year>", methods=["POST"])
@staff_required(can_administer)
def submit(unit_id: int, year: int):
    """The commune's leader sends the current self-score to the city (again, until the city locks it)."""
    unit = get_scoped_or_404(AdminUnit, unit_id, current_user)
    result = score(db.session, unit, _year(year))
    if result.blank and request.form.get("confirm_blank") != "1":
        # items nobody scored count as 0: list them and ask before sending (nothing is sent yet)
        return render_template("appraisal/confirm_submit.html", unit=unit, year=year, result=result,
                               blank=result.blank)
    try:
        submission = appraisal.submit(db.session, current_user, result)
    except ScoringError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        own = number_vi(submission.self_total)
        flash(f"Đã gửi bảng tự chấm điểm ({own}/100 – {submission.self_level}) để thành phố "
              "thẩm định.", "success")
    return redirect(url_for("scores.unit_score", unit_id=unit.id, year=year), code=303)


@bp.route("/<int:year>")
@staff_required(_appraiser)
def index(year: int):
    summary = appraisal.city_summary(db.session, _year(year))
    rows = appraisal.standings(db.session, year)
    return render_template("appraisal/index.html", year=year, rows=rows, summary=summary,
                           target_lines=city_export.target_lines(summary))


@bp.route("/<int:year>/summary.<fmt>")
@staff_required(_appraiser)
def summary_file(year: int, fmt: str):
    if fmt not in ("xlsx", "docx"):
        abort(404)
    summary = appraisal.city_summary(db.session, _year(year))
    data = city_export.xlsx(summary) if fmt == "xlsx" else city_export.docx(summary)
    types = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
             "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}
    name = f"tong-hop-tham-dinh-chinh-quyen-than-thien_{year}.{fmt}"
    return download(data, types[fmt], name)


@bp.route("/<int:year>/<int:unit_id>")
@staff_required()
def show(year: int, unit_id: int):
    """The appraisal of one commune: editable by the city, readable by the commune once it has sent its score."""
    submission = _submission(year, unit_id)
    table = for_year(year)
    outcome = appraisal.result_of(submission, table)
    appraised = {a.item_code: a for a in submission.appraisals}
    return render_template("appraisal/show.html", submission=submission, year=year, appraised=appraised,
                           outcome=outcome, files=attachment_list(db.session, submission.unit_id, year),
                           editable=_appraiser(current_user) and not submission.locked,
                           can_unlock=current_user.role == Role.CITY_ADMIN and submission.locked)


@bp.route("/<int:year>/<int:unit_id>", methods=["POST"])
@staff_required(_appraiser)
def save(year: int, unit_id: int):
    submission = _submission(year, unit_id)
    table = for_year(year)
    entries = {item["code"]: (request.form.get(f"points-{item['code']}", ""),
                              request.form.get(f"reason-{item['code']}", ""))
               for item in submission.snapshot["items"] if f"points-{item['code']}" in request.form}
    errors = appraisal.save(db.session, current_user, submission, table, entries)
    if errors:
        db.session.rollback()
        for error in errors[:20]:
            flash(error, "error")
        flash("Chưa lưu: hãy sửa các mục trên.", "error")
    else:
        db.session.commit()
        flash("Đã lưu điểm thẩm định.", "success")
    return redirect(url_for(".show", year=year, unit_id=unit_id), code=303)


@bp.route("/<int:year>/<int:unit_id>/lock", methods=["POST"])
@staff_required(_appraiser)
def lock(year: int, unit_id: int):
    submission = _submission(year, unit_id)
    try:
        outcome = appraisal.lock(db.session, current_user, submission, for_year(year))
    except ScoringError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(f"Đã khóa kết quả thẩm định: {number_vi(outcome.total)}/100 – {outcome.level_name}.", "success")
    return redirect(url_for(".show", year=year, unit_id=unit_id), code=303)


@bp.route("/<int:year>/<int:unit_id>/unlock", methods=["POST"])
@staff_required(lambda user: user.role == Role.CITY_ADMIN)
def unlock(year: int, unit_id: int):
    submission = _submission(year, unit_id)
    appraisal.unlock(db.session, current_user, submission)
    db.session.commit()
    flash("Đã mở khóa để thẩm định lại.", "success")
    return redirect(url_for(".show", year=year, unit_id=unit_id), code=303)
