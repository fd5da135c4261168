"""The live score of a commune, entry of the items staff score, the rows behind a computed item, JSON."""

from __future__ import annotations

import csv
import io

from flask import Blueprint, Response, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from reports.scoring.engine import score
from reports.scoring.table import for_year

from ..auth.roles import can_write, staff_required
from ..extensions import db
from ..models import AdminUnit, ScoreEntry
from ..services import audit
from ..services.scoping import get_scoped_or_404, visible_units
from ..text import clean
from ..timeutil import local_today

bp = Blueprint("scores", __name__, url_prefix="/admin/scores")


@bp.route("/")
@staff_required()
def index():
    units = visible_units(current_user)
    if not units:
        abort(404)
    unit_id = current_user.unit_id or units[0].id
    return redirect(url_for(".unit_score", unit_id=unit_id, year=local_today().year))


@bp.route("/<int:unit_id>/<int:year>")
@staff_required()
def unit_score(unit_id: int, year: int):
    unit = get_scoped_or_404(AdminUnit, unit_id, current_user)
    if not 2020 <= year <= 2100:
        abort(404)
    result = score(db.session, unit, year)
    return render_template("scores/score.html", result=result, unit=unit, year=year,
                           units=visible_units(current_user))


@bp.route("/<int:unit_id>/<int:year>.json")
@staff_required()
def unit_score_json(unit_id: int, year: int):
    unit = get_scoped_or_404(AdminUnit, unit_id, current_user)
    return jsonify(score(db.session, unit, year).as_dict())


@bp.route("/<int:unit_id>/<int:year>/items/<code>/rows.<fmt>")
@staff_required()
def item_rows(unit_id: int, year: int, code: str, fmt: str):
    unit = get_scoped_or_404(AdminUnit, unit_id, current_user)
    result = score(db.session, unit, year)
    try:
        item = result.item(code)
    except StopIteration:
        abort(404)
    evidence = item.rows()
    if evidence is None:
        abort(404)
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(evidence.columns)
        for row in evidence.rows:
            writer.writerow(["'" + v if isinstance(v, str) and v[:1] in "=+-@" else v for v in row])
        return Response("\ufeff" + buffer.getvalue(), mimetype="text/csv",
                        headers={"Content-Disposition": f'attachment; filename="{unit.code}_{year}_{code}.csv"'})
    if fmt != "html":
        abort(404)
    return render_template("scores/rows.html", unit=unit, year=year, item=item, evidence=evidence)


@bp.route("/<int:unit_id>/<int:year>/items/<code>", methods=["POST"])
@staff_required(can_write)
def enter_item(unit_id: int, year: int, code: str):
    unit = get_scoped_or_404(AdminUnit, unit_id, current_user)
    try:
        item = for_year(year).item(code)
    except KeyError:
        abort(404)
    if item.mode != "entered":
        flash("Mục này được tính tự động từ số liệu, không nhập tay.", "error")
        return redirect(url_for(".unit_score", unit_id=unit.id, year=year), code=303)
    raw = clean(request.form.get("points")).replace(",", ".")
    try:
        points = float(raw)
    except ValueError:
        points = -1
    if not 0 <= points <= item.points:
        flash(f"Mục {code}: điểm phải từ 0 đến {item.points:g}.", "error")
        return redirect(url_for(".unit_score", unit_id=unit.id, year=year), code=303)
    entry = db.session.execute(select(ScoreEntry).where(
        ScoreEntry.unit_id == unit.id, ScoreEntry.year == year, ScoreEntry.item_code == code)).scalar_one_or_none()
    if entry is None:
        entry = ScoreEntry(unit_id=unit.id, year=year, item_code=code, points=points)
        db.session.add(entry)
    entry.points, entry.note, entry.entered_by_id = points, clean(request.form.get("note"))[:2000], current_user.id
    audit.record(current_user, "score_entry", "score_entry", code, unit_id=unit.id,
                 detail={"year": year, "points": points})
    db.session.commit()
    flash(f"Đã lưu điểm mục {code}.", "success")
    return redirect(url_for(".unit_score", unit_id=unit.id, year=year) + f"#item-{code}", code=303)
