"""Staff pages for the dossier statistics: upload the one-stop system's export (CSV/XLSX), see what was imported,
set the commune's column names when the headers are not recognised."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select

from ..auth.roles import can_write, staff_required
from ..extensions import db
from ..models import AdminUnit, Dossier, DossierColumnMapping, DossierImport
from ..services import audit, dossier_import
from ..services.scoping import get_scoped_or_404
from ..services.units_import import RowError
from ..text import clean
from ..timeutil import utcnow

bp = Blueprint("dossiers", __name__, url_prefix="/admin/dossiers")


def _page(unit: AdminUnit, errors: list[RowError] | None = None, filename: str = "", status: int = 200):
    imports = db.session.execute(select(DossierImport).where(DossierImport.unit_id == unit.id)
                                 .order_by(DossierImport.imported_at.desc()).limit(20)).scalars().all()
    now = utcnow()
    base = select(func.count()).select_from(Dossier).where(Dossier.unit_id == unit.id)
    totals = {
        "all": db.session.execute(base).scalar(),
        "open": db.session.execute(base.where(Dossier.settled_at.is_(None))).scalar(),
        "late": db.session.execute(base.where(
            (Dossier.settled_at > Dossier.due_at) | (Dossier.settled_at.is_(None) & (Dossier.due_at < now)))).scalar(),
    }
    saved = db.session.get(DossierColumnMapping, unit.id)
    return render_template("dossiers/index.html", unit=unit, imports=imports, totals=totals, errors=errors,
                           filename=filename, mapping=saved.mapping if saved else {},
                           labels=dossier_import.FIELD_LABELS, max_mb=dossier_import.MAX_BYTES // 1024 // 1024), status


@bp.route("/<int:unit_id>")
@staff_required()
def index(unit_id: int):
    return _page(get_scoped_or_404(AdminUnit, unit_id, current_user))


@bp.route("/<int:unit_id>/import", methods=["POST"])
@staff_required(can_write)
def upload(unit_id: int):
    unit = get_scoped_or_404(AdminUnit, unit_id, current_user)
    file = request.files.get("file")
    if file is None or not file.filename:
        return _page(unit, [RowError(0, "-", "Chưa chọn tệp.")], status=400)
    filename = clean(file.filename)[:200]
    if not filename.lower().endswith((".csv", ".xlsx", ".xlsm")):
        return _page(unit, [RowError(0, "-", "Chỉ nhận tệp .xlsx hoặc .csv xuất từ hệ thống một cửa.")], filename, 400)
    report = dossier_import.parse(file.read(dossier_import.MAX_BYTES + 1), filename, unit.id)
    if report.errors:
        db.session.rollback()
        return _page(unit, report.errors, filename, 400)
    record = dossier_import.apply(report, unit.id, filename, current_user)
    audit.record(current_user, "import", "dossier_import", record.id, unit_id=unit.id,
                 detail={"file": filename, "created": report.created, "updated": report.updated})
    db.session.commit()
    flash(f"Đã nhập “{filename}”: {report.created} hồ sơ mới, {report.updated} cập nhật, {report.unchanged} không đổi. "
          "Điểm sẽ cập nhật sau lần tổng hợp kế tiếp (tối đa 5 phút).", "success")
    return redirect(url_for(".index", unit_id=unit.id), code=303)


@bp.route("/<int:unit_id>/mapping", methods=["POST"])
@staff_required(can_write)
def save_mapping(unit_id: int):
    unit = get_scoped_or_404(AdminUnit, unit_id, current_user)
    mapping = {key: clean(request.form.get(key))[:120] for key in dossier_import.FIELD_LABELS
               if clean(request.form.get(key))}
    saved = db.session.get(DossierColumnMapping, unit.id)
    if saved is None:
        db.session.add(DossierColumnMapping(unit_id=unit.id, mapping=mapping))
    else:
        saved.mapping = mapping
    audit.record(current_user, "update", "dossier_column_mapping", unit.id, unit_id=unit.id, detail=mapping)
    db.session.commit()
    flash("Đã lưu tên cột của tệp xuất. Lần nhập sau sẽ dùng các tên này trước.", "success")
    return redirect(url_for(".index", unit_id=unit.id), code=303)
