"""Staff pages for the dossier statistics: upload the one-stop system's export (CSV/XLSX), see what was imported,
set the commune's column names when the headers are not recognised."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select

from reports.dossier import unit_head
from reports.exporters import letters
from reports.exporters.letters import LateDossier
from reports.scoring.data import dossier_late_condition, late_dossiers
from reports.scoring.engine import assessment_period

from ..auth.roles import can_write, staff_required
from ..downloads import download
from ..extensions import db
from ..models import AdminUnit, ApologyLetter, Dossier, DossierColumnMapping, DossierImport
from ..services import audit, dossier_import, legal
from ..services.scoping import get_scoped_or_404
from ..services.units_import import RowError
from ..text import clean, slug
from ..timeutil import utcnow

bp = Blueprint("dossiers", __name__, url_prefix="/admin/dossiers")


def _page(unit: AdminUnit, errors: list[RowError] | None = None, filename: str = "", status: int = 200,
          warnings: list[RowError] | None = None):
    imports = db.session.execute(select(DossierImport).where(DossierImport.unit_id == unit.id)
                                 .order_by(DossierImport.imported_at.desc()).limit(20)).scalars().all()
    now = utcnow()
    base = select(func.count()).select_from(Dossier).where(Dossier.unit_id == unit.id)
    totals = {
        "all": db.session.execute(base).scalar(),
        "open": db.session.execute(base.where(Dossier.settled_at.is_(None))).scalar(),
        "late": db.session.execute(base.where(dossier_late_condition(now))).scalar(),
    }
    saved = db.session.get(DossierColumnMapping, unit.id)
    return render_template("dossiers/index.html", unit=unit, imports=imports, totals=totals, errors=errors,
                           warnings=warnings,
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
        return _page(unit, report.errors, filename, 400, report.warnings)
    record = dossier_import.apply(report, unit.id, filename, current_user)
    audit.record(current_user, "import", "dossier_import", record.id, unit_id=unit.id,
                 detail={"file": filename, "created": report.created, "updated": report.updated})
    db.session.commit()
    flash(f"Đã nhập “{filename}”: {report.created} hồ sơ mới, {report.updated} cập nhật, {report.unchanged} không đổi"
          + (f"; {len(report.warnings)} cảnh báo (xem bên dưới)" if report.warnings else "")
          + ". Điểm sẽ cập nhật sau lần tổng hợp kế tiếp (tối đa 5 phút).", "success")
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


# -- overdue dossiers and their apology letters (item 2.4.e) -----------------------------------------------------


def _late(unit: AdminUnit, year: int) -> list:
    """The year's overdue dossiers, judged exactly as rules 2.8 and 2.4.e judge them."""
    return late_dossiers(db.session, [unit.id], assessment_period(year)).get(unit.id, [])


def _letter_data(row, new_due=None, reason: str = "") -> LateDossier:
    from ..timeutil import to_local

    _id, code, procedure, received, due, settled, _sent = row
    return LateDossier(code=code, procedure=procedure, received_at=to_local(received), due_on=to_local(due).date(),
                       settled_at=to_local(settled) if settled else None, new_due=new_due, reason=reason)


class LetterInputError(ValueError):
    """The new due date or the reason typed for a letter is not usable (Vietnamese message)."""


def _extension(values) -> tuple:
    """(new due date, reason) for Mẫu 04's request to extend; both optional (blank: highlighted in the letter).

    :raises LetterInputError: a date that is not dd/mm/yyyy or lies before today, or a reason over 300 characters.
    """
    from ..timeutil import local_today, parse_date

    raw = clean(values.get("new_due"))
    new_due = parse_date(raw) if raw else None
    if raw and (new_due is None or new_due < local_today()):
        raise LetterInputError("Ngày hẹn trả mới không hợp lệ (dd/mm/yyyy, không trước hôm nay).")
    reason = clean(values.get("reason"))
    if len(reason) > 300:
        raise LetterInputError("Lý do chậm giải quyết tối đa 300 ký tự.")
    return new_due, reason


def _year_arg() -> int:
    from ..timeutil import local_today

    year = request.args.get("year", type=int) or request.form.get("year", type=int) or local_today().year
    if not 2020 <= year <= 2100:
        abort(404)
    return year


@bp.route("/<int:unit_id>/late")
@staff_required()
def late(unit_id: int):
    unit = get_scoped_or_404(AdminUnit, unit_id, current_user)
    year = _year_arg()
    rows = _late(unit, year)
    from ..timeutil import local_today

    return render_template("dossiers/late.html", unit=unit, year=year, rows=rows, today=local_today(),
                           sent=sum(1 for r in rows if r[6] is not None), form=legal.citation("apology_form"))


@bp.route("/<int:unit_id>/letters/<int:dossier_id>.docx")
@staff_required()
def letter(unit_id: int, dossier_id: int):
    unit = get_scoped_or_404(AdminUnit, unit_id, current_user)
    dossier = get_scoped_or_404(Dossier, dossier_id, current_user)
    if dossier.unit_id != unit.id:
        abort(404)
    row = next((r for r in _late(unit, dossier.received_day.year) if r[0] == dossier.id), None)
    if row is None:
        abort(404)  # only overdue dossiers get a letter
    try:
        new_due, reason = _extension(request.args)
    except LetterInputError as exc:
        flash(str(exc), "error")
        return redirect(url_for(".late", unit_id=unit.id, year=dossier.received_day.year), code=303)
    data = letters.letter(unit_head(unit), _letter_data(row, new_due, reason), form=legal.cite("apology_form"))
    return _docx(data, f"thu-xin-loi_{unit.code}_{slug(dossier.code)}.docx")


def _docx(data: bytes, filename: str) -> Response:
    return download(data, "application/vnd.openxmlformats-officedocument.wordprocessingml.document", filename)


@bp.route("/<int:unit_id>/letters", methods=["POST"])
@staff_required(can_write)
def letters_action(unit_id: int):
    from ..timeutil import local_today, parse_date

    unit = get_scoped_or_404(AdminUnit, unit_id, current_user)
    year = _year_arg()
    chosen = {int(v) for v in request.form.getlist("dossier_id") if v.isdigit()}
    rows = [r for r in _late(unit, year) if r[0] in chosen]
    back = redirect(url_for(".late", unit_id=unit.id, year=year), code=303)
    if not rows:
        flash("Chưa chọn hồ sơ quá hạn nào.", "error")
        return back
    if request.form.get("action") == "download":
        try:
            new_due, reason = _extension(request.form)
        except LetterInputError as exc:
            flash(str(exc), "error")
            return back
        data = letters.batch(unit_head(unit), [_letter_data(r, new_due, reason) for r in rows],
                             form=legal.cite("apology_form"))
        return _docx(data, f"thu-xin-loi_{unit.code}_{year}_{len(rows)}-ho-so.docx")
    sent_on = parse_date(request.form.get("sent_on"))
    if sent_on is None or sent_on > local_today() or sent_on.year < year:
        flash("Ngày gửi không hợp lệ (dd/mm/yyyy, không sau hôm nay).", "error")
        return back
    existing = {a.dossier_id: a for a in db.session.execute(
        select(ApologyLetter).where(ApologyLetter.dossier_id.in_([r[0] for r in rows]))).scalars()}
    for row in rows:
        record = existing.get(row[0])
        if record is None:
            record = ApologyLetter(dossier_id=row[0], unit_id=unit.id, created_by_id=current_user.id)
            db.session.add(record)
        record.sent_on = sent_on
    audit.record(current_user, "apology_sent", "apology_letter", None, unit_id=unit.id,
                 detail={"dossiers": [r[1] for r in rows], "sent_on": sent_on.isoformat()})
    db.session.commit()
    flash(f"Đã ghi nhận gửi thư xin lỗi cho {len(rows)} hồ sơ ngày {sent_on.strftime('%d/%m/%Y')}. Mục 2.4.e sẽ "
          "cập nhật ngay.", "success")
    return back
