"""The live score of a commune: each item's points and explanation, entry of the items staff score with their
evidence files, the rows behind a computed item, the commune facts and the disqualifying flags, JSON."""

from __future__ import annotations

import csv
import io

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from reports.scoring import operations, provenance
from reports.scoring.data import attachment_list, commune_parameters
from reports.scoring.engine import assessment_period, score, score_item
from reports.scoring.guidance import guidance
from reports.scoring.operations import EntryErrors, ScoringError
from reports.scoring.rules import SURVEY_PERIODS
from reports.scoring.table import Item, for_year

from ..auth.roles import can_administer, can_write, staff_required
from ..downloads import download
from ..extensions import db
from ..models import AdminUnit, ScoreAttachment, ScoreFlags, ScoreSubmission, UnitProfile
from ..numbers import step_pattern
from ..services.scoping import get_scoped_or_404, visible_units
from ..services.uploads import ACCEPTED_LABEL, EVIDENCE_MAX_BYTES, UploadError, check_evidence
from ..text import clean
from ..timeutil import local_today

bp = Blueprint("scores", __name__, url_prefix="/admin/scores")

WEEKDAYS = ["Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy"]


def _year(year: int) -> int:
    if not 2020 <= year <= 2100:
        abort(404)
    return year


def _item(year: int, code: str) -> Item:
    try:
        return for_year(year).item(code)
    except KeyError:
        abort(404)


def _back(unit: AdminUnit, year: int, anchor: str = ""):
    return redirect(url_for(".unit_score", unit_id=unit.id, year=year) + anchor, code=303)


@bp.route("/")
@staff_required()
def index():
    units = visible_units(current_user)
    if not units:
        abort(404)
    unit_id = current_user.unit_id or units[0].id
    return redirect(url_for(".unit_score", unit_id=unit_id, year=local_today().year))


#: the query that shows only the items nobody has scored ("chưa chấm"), a plain link so it needs no script
BLANK_FILTER = ("loc", "chua-cham")


@bp.route("/<int:unit_id>/<int:year>")
@staff_required()
def unit_score(unit_id: int, year: int):
    unit = get_scoped_or_404(AdminUnit, unit_id, current_user)
    return _render(unit, _year(year))


def _only_blank(values) -> bool:
    return values.get(BLANK_FILTER[0]) == BLANK_FILTER[1]


def _render(unit: AdminUnit, year: int, typed: dict[str, tuple[str, str]] | None = None,
            errors: dict[str, str] | None = None, status: int = 200):
    """The score page; after a refused "Lưu tất cả", with what was typed and each item's error."""
    outlook = guidance(db.session, unit, year)
    result = outlook.score
    only_blank = _only_blank(request.values)
    shown = result.blank if only_blank else result.items
    flags = db.session.execute(select(ScoreFlags).where(ScoreFlags.unit_id == unit.id, ScoreFlags.year == year)
                               ).scalar_one_or_none()
    submission = db.session.execute(select(ScoreSubmission).where(
        ScoreSubmission.unit_id == unit.id, ScoreSubmission.year == year)).scalar_one_or_none()
    return render_template("scores/score.html", result=result, guidance=outlook.as_dict(), unit=unit, year=year,
                           submission=submission, shown=shown, only_blank=only_blank, blank_filter=BLANK_FILTER,
                           typed=typed or {}, errors=errors or {},
                           step=result.table.rounding_step, points_pattern=step_pattern(result.table.rounding_step),
                           units=visible_units(current_user),
                           attachments=attachment_list(db.session, unit.id, year), flags=flags,
                           profile=db.session.get(UnitProfile, unit.id), weekdays=WEEKDAYS,
                           survey_periods=SURVEY_PERIODS, survey_period=_survey_period(unit, result.table),
                           accepted=ACCEPTED_LABEL, max_mb=EVIDENCE_MAX_BYTES // 1024 // 1024), status


#: the item whose period a commune's plan may choose
SURVEY_ITEM = "2.7.b"


def _survey_period(unit: AdminUnit, table) -> str:
    """The commune's chosen period for its annual survey, else the table's default (the whole year)."""
    try:
        item = table.item(SURVEY_ITEM)
    except KeyError:
        return "year"
    chosen = commune_parameters(db.session, table.id, unit.id).get(SURVEY_ITEM, {})
    return chosen.get("period") or item.params.get("period") or "year"


@bp.route("/<int:unit_id>/<int:year>.json")
@staff_required()
def unit_score_json(unit_id: int, year: int):
    unit = get_scoped_or_404(AdminUnit, unit_id, current_user)
    return jsonify(provenance.score_dict(db.session, score(db.session, unit, _year(year))))


@bp.route("/<int:unit_id>/<int:year>/guidance.json")
@staff_required()
def unit_guidance_json(unit_id: int, year: int):
    """The same guidance as the page and ``reports guidance --json``."""
    unit = get_scoped_or_404(AdminUnit, unit_id, current_user)
    return jsonify(guidance(db.session, unit, _year(year)).as_dict())


@bp.route("/<int:unit_id>/<int:year>/items/<code>/rows.<fmt>")
@staff_required()
def item_rows(unit_id: int, year: int, code: str, fmt: str):
    unit = get_scoped_or_404(AdminUnit, unit_id, current_user)
    if fmt not in ("csv", "html", "json"):
        abort(404)
    try:
        item = score_item(db.session, unit, _year(year), code)
    except KeyError:
        abort(404)
    evidence = item.rows()
    if evidence is None:
        abort(404)
    period = assessment_period(year)
    start, end = period.start, period.end
    evidence = provenance.with_sources(db.session, unit.id, item.item.rule, item.params, start, end, evidence)
    share = provenance.survey_paper_share(db.session, unit.id, item.item.rule, item.params, start, end, evidence)
    if fmt == "json":
        return jsonify({"unit": unit.code, "year": year, "code": item.item.code, "points": item.points,
                        "explanation": item.explanation, "columns": evidence.columns, "rows": evidence.rows,
                        "paper_share": share.as_dict() if share else None})
    if fmt == "csv":
        from reports.exporters.cells import safe_cell

        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(evidence.columns)
        for row in evidence.rows:
            writer.writerow([safe_cell(v) for v in row])
        return download(("\ufeff" + buffer.getvalue()).encode("utf-8"), "text/csv",
                        f"{unit.code}_{year}_{code}.csv", cache_control=None)
    return render_template("scores/rows.html", unit=unit, year=year, item=item, evidence=evidence, share=share)


@bp.route("/<int:unit_id>/<int:year>/items", methods=["POST"])
@staff_required(can_write)
def save_all(unit_id: int, year: int):
    """"Lưu tất cả": every staff-entered item of the page in one transaction; refused items are shown beside
    their fields with what was typed, and nothing is saved."""
    unit = get_scoped_or_404(AdminUnit, unit_id, current_user)
    table = for_year(_year(year)).for_unit_kind(unit.kind)
    typed = {key.removeprefix("points-"): (value, request.form.get(f"note-{key.removeprefix('points-')}", ""))
             for key, value in request.form.items() if key.startswith("points-")}
    try:
        changed = operations.enter_all(current_user, unit, year, table, typed)
    except EntryErrors as exc:
        db.session.rollback()
        return _render(unit, year, typed, exc.errors, 400)
    db.session.commit()
    if changed:
        flash(f"Đã lưu {len(changed)} mục: {', '.join(changed)}.", "success")
    else:
        flash("Không có mục nào thay đổi.", "info")
    back = url_for(".unit_score", unit_id=unit.id, year=year,
                   **(dict([BLANK_FILTER]) if _only_blank(request.form) else {}))
    return redirect(back, code=303)  # the top: the message, the new total and what is left


@bp.route("/<int:unit_id>/<int:year>/items/<code>", methods=["POST"])
@staff_required(can_write)
def enter_item(unit_id: int, year: int, code: str):
    """One item's points and note: from its own form ("points", "note") or from its "Lưu" button in the page's
    form of all items ("points-<code>", "note-<code>"; the other items' fields are ignored)."""
    unit = get_scoped_or_404(AdminUnit, unit_id, current_user)
    item = _item(_year(year), code)
    raw = request.form.get(f"points-{code}", request.form.get("points"))
    note = request.form.get(f"note-{code}", request.form.get("note", ""))
    try:
        points = operations.parse_points(raw, item, for_year(year).rounding_step)
        operations.enter_points(current_user, unit, year, item, points, note)
    except ScoringError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return _back(unit, year, f"#item-{code}")
    db.session.commit()
    flash(f"Đã lưu điểm mục {code}.", "success")
    return _back(unit, year, f"#item-{code}")


@bp.route("/<int:unit_id>/<int:year>/items/<code>/attachments", methods=["POST"])
@staff_required(can_write)
def upload_attachments(unit_id: int, year: int, code: str):
    unit = get_scoped_or_404(AdminUnit, unit_id, current_user)
    item = _item(_year(year), code)
    files = [f for f in request.files.getlist("files") if f and f.filename]
    if not files:
        flash(f"Mục {code}: chưa chọn tệp nào.", "error")
        return _back(unit, year, f"#item-{code}")
    try:
        checked = [check_evidence(f.filename, f.read()) for f in files]
        for file in checked:
            operations.add_attachment(current_user, unit, year, item, file)
    except (UploadError, ScoringError) as exc:
        db.session.rollback()  # all of the batch or none of it
        flash(f"Mục {code}: {exc} Chưa lưu tệp nào.", "error")
        return _back(unit, year, f"#item-{code}")
    db.session.commit()
    flash(f"Mục {code}: đã lưu {len(checked)} tệp minh chứng.", "success")
    return _back(unit, year, f"#item-{code}")


def _attachment(attachment_id: int) -> ScoreAttachment:
    return get_scoped_or_404(ScoreAttachment, attachment_id, current_user)


@bp.route("/attachments/<int:attachment_id>")
@staff_required()
def download_attachment(attachment_id: int):
    attachment = _attachment(attachment_id)
    return download(attachment.data, attachment.content_type, attachment.filename)


@bp.route("/attachments/<int:attachment_id>/delete", methods=["POST"])
@staff_required(can_write)
def delete_attachment(attachment_id: int):
    attachment = _attachment(attachment_id)
    unit, year, code, name = attachment.unit_id, attachment.year, attachment.item_code, attachment.filename
    operations.delete_attachment(current_user, attachment)
    db.session.commit()
    flash(f"Đã xóa tệp “{name}” của mục {code}.", "success")
    return redirect(url_for(".unit_score", unit_id=unit, year=year) + f"#item-{code}", code=303)


def _optional_int(name: str) -> int | None:
    raw = clean(request.form.get(name)).replace(".", "").replace(" ", "")
    if not raw:
        return None
    try:
        return int(raw)
    except ValueError as exc:
        raise ScoringError("Số nhập vào không hợp lệ: chỉ dùng chữ số.") from exc


@bp.route("/<int:unit_id>/<int:year>/flags", methods=["POST"])
@staff_required(can_administer)
def save_flags(unit_id: int, year: int):
    unit = get_scoped_or_404(AdminUnit, unit_id, current_user)
    try:
        operations.set_flags(current_user, unit, _year(year), request.form.get("hotspot") == "1",
                             request.form.get("disciplined") == "1", request.form.get("note", ""))
    except ScoringError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return _back(unit, year, "#flags")
    db.session.commit()
    flash("Đã lưu điều kiện không đạt chuẩn.", "success")
    return _back(unit, year, "#flags")


@bp.route("/<int:unit_id>/<int:year>/profile", methods=["POST"])
@staff_required(can_administer)
def save_profile(unit_id: int, year: int):
    unit = get_scoped_or_404(AdminUnit, unit_id, current_user)
    try:
        operations.set_profile(current_user, unit, neighbourhoods=_optional_int("neighbourhoods"),
                               fast_track_weekday=_optional_int("fast_track_weekday"),
                               population=_optional_int("population"))
        period = clean(request.form.get("survey_period"))
        table = for_year(_year(year))
        if period and SURVEY_ITEM in {i.code for i in table.items}:
            operations.set_commune_parameter(current_user, unit, table, table.item(SURVEY_ITEM), "period", period)
    except ScoringError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return _back(unit, _year(year), "#profile")
    db.session.commit()
    flash("Đã lưu thông tin đơn vị.", "success")
    return _back(unit, _year(year), "#profile")
