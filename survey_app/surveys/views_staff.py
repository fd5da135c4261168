"""Staff pages for surveys: QR codes and posters, per-dossier QR, paper entry and import, versions, results."""

from __future__ import annotations

import base64
import uuid
from datetime import date, datetime, time

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from reports.queries import SurveyFilter
from reports.surveys import summarise

from ..auth.roles import can_administer, can_write, staff_required
from ..downloads import download
from ..extensions import db
from ..models import (
    AdminUnit,
    BatchStatus,
    Channel,
    Counter,
    PaperBatch,
    QrToken,
    Questionnaire,
    QuestionnaireVersion,
    Role,
    ServiceCentre,
)
from ..services import audit, paper_batches, paper_import, qr, questionnaires
from ..services import surveys as survey_service
from ..services.scoping import get_scoped_or_404, scoped, visible_units
from ..services.uploads import UploadError, check_evidence
from ..surveys.definition import read_answers
from ..text import clean, slug
from ..timeutil import LOCAL_TZ, as_utc, local_today, parse_date
from . import printing
from .qrcodes import qr_png, qr_svg

bp = Blueprint("surveys_staff", __name__, url_prefix="/admin/surveys")


def _city_admin(user) -> bool:
    return user.role == Role.CITY_ADMIN


def _file_stem(token: QrToken) -> str:
    parts = [token.centre.unit.code, slug(token.centre.name)]
    parts.append(f"quay-{token.counter.number}" if token.counter else "trung-tam")
    return "_".join(parts)


@bp.route("/")
@staff_required()
def index():
    centres = db.session.execute(scoped(ServiceCentre, current_user).where(ServiceCentre.active.is_(True))
                                 .order_by(ServiceCentre.unit_id, ServiceCentre.name)).scalars().all()
    if current_user.can_write:
        qr.ensure_tokens(centres)
        db.session.commit()
    questionnaire = survey_service.questionnaire_by_code(qr.CENTRE_QUESTIONNAIRE)
    tokens = db.session.execute(
        scoped(QrToken, current_user).where(QrToken.active.is_(True), QrToken.questionnaire_id == questionnaire.id)
    ).scalars().all()
    by_centre: dict[int, list[QrToken]] = {}
    for token in sorted(tokens, key=lambda t: (t.counter.number if t.counter else 0)):
        by_centre.setdefault(token.centre_id, []).append(token)
    forms = db.session.execute(select(Questionnaire).order_by(Questionnaire.id)).scalars().all()
    return render_template("surveys/staff_index.html", centres=centres, by_centre=by_centre, forms=forms,
                           short_url=qr.short_url)


def _printed(unit_id: int, token_id: int | None) -> None:
    """Remember that posters were downloaded for printing (the onboarding checklist asks for it)."""
    audit.record(current_user, "download", "qr_poster", token_id, unit_id=unit_id)
    db.session.commit()


@bp.route("/qr/<int:token_id>.<fmt>")
@staff_required()
def qr_file(token_id: int, fmt: str):
    token = get_scoped_or_404(QrToken, token_id, current_user)
    url, stem = qr.short_url(token), _file_stem(token)
    if fmt == "png":
        return _download(qr_png(url), "image/png", f"{stem}.png")
    if fmt == "svg":
        return _download(qr_svg(url), "image/svg+xml", f"{stem}.svg")
    if fmt in ("poster.pdf", "card.pdf"):
        _printed(token.unit_id, token.id)
    if fmt == "poster.pdf":
        return _download(printing.poster_pdf(qr.poster_item(token)), "application/pdf", f"{stem}_A4.pdf")
    if fmt == "card.pdf":
        return _download(printing.card_pdf(qr.poster_item(token)), "application/pdf", f"{stem}_A6.pdf")
    abort(404)


@bp.route("/centres/<int:centre_id>/sheet.pdf")
@staff_required()
def centre_sheet(centre_id: int):
    centre = get_scoped_or_404(ServiceCentre, centre_id, current_user)
    tokens = qr.ensure_tokens([centre]) if current_user.can_write else []
    db.session.commit()
    items = [qr.poster_item(t) for t in tokens if t.counter is not None]
    if not items:
        flash("Trung tâm chưa có quầy nào đang hoạt động.", "warning")
        return redirect(url_for(".index"))
    stem = f"{centre.unit.code}_{slug(centre.name)}_cac-quay"
    _printed(centre.unit_id, None)
    return _download(printing.sheet_pdf(items, f"Thẻ QR các quầy – {centre.name}"), "application/pdf", f"{stem}.pdf")


@bp.route("/qr/<int:token_id>/reissue", methods=["POST"])
@staff_required(can_administer)
def reissue(token_id: int):
    token = get_scoped_or_404(QrToken, token_id, current_user)
    if not token.active:
        abort(409)
    new = qr.issue(current_user, token.centre, token.counter, token.questionnaire.code)
    db.session.commit()
    flash(f"Đã cấp mã QR mới ({qr.short_url(new)}). Mã cũ hiện trang hướng dẫn quét mã mới.", "success")
    return redirect(url_for(".index"))


def _download(data: bytes, mimetype: str, filename: str) -> Response:
    return download(data, mimetype, filename, cache_control=None)


# -- per-dossier QR --------------------------------------------------------------------------------------------


@bp.route("/dossier-qr", methods=["GET", "POST"])
@staff_required(can_write)
def dossier_qr():
    centres = db.session.execute(scoped(ServiceCentre, current_user).where(ServiceCentre.active.is_(True))
                                 .order_by(ServiceCentre.name)).scalars().all()
    counters = db.session.execute(scoped(Counter, current_user).where(Counter.active.is_(True))
                                  .order_by(Counter.centre_id, Counter.number)).scalars().all()
    slip = None
    status = 200
    if request.method == "POST":
        code = clean(request.form.get("dossier_code"))
        centre_id = request.form.get("centre_id", type=int)
        counter_id = request.form.get("counter_id", type=int)
        centre = next((c for c in centres if c.id == centre_id), None)
        counter = next((c for c in counters if c.id == counter_id), None) if counter_id else None
        if not code or len(code) > 64:
            flash("Vui lòng nhập mã hồ sơ (tối đa 64 ký tự).", "error")
            status = 400
        elif centre is None or (counter is not None and counter.centre_id != centre.id):
            flash("Trung tâm hoặc quầy không hợp lệ.", "error")
            status = 400
        else:
            url = qr.dossier_url(qr.DossierClaim(centre.unit_id, centre.id, counter.id if counter else None, code))
            slip = {"code": code, "url": url, "centre": centre, "counter": counter,
                    "png": base64.b64encode(qr_png(url)).decode()}
    return render_template("surveys/dossier_qr.html", centres=centres, counters=counters, slip=slip), status


# -- paper questionnaires ----------------------------------------------------------------------------------------


def _version_from_request() -> QuestionnaireVersion:
    code = request.values.get("q", qr.CENTRE_QUESTIONNAIRE)
    questionnaire = survey_service.questionnaire_by_code(code)
    if questionnaire is None:
        abort(404)
    version = survey_service.current_version(questionnaire.id)
    if version is None:
        abort(404)
    return version


@bp.route("/paper", methods=["GET", "POST"])
@staff_required(can_write)
def paper_entry():
    version = _version_from_request()
    definition = survey_service.definition_of(version)
    centres = db.session.execute(scoped(ServiceCentre, current_user).where(ServiceCentre.active.is_(True))
                                 .order_by(ServiceCentre.name)).scalars().all()
    submitted: dict[str, list[str]] = {}
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        submitted = {key: request.form.getlist(key) for key in request.form}
        parsed = read_answers(definition, request.form.getlist)
        errors = dict(parsed.errors)
        centre = next((c for c in centres if c.id == request.form.get("centre_id", type=int)), None)
        counter = None
        if centre is None:
            errors["centre_id"] = "Vui lòng chọn trung tâm."
        elif request.form.get("counter"):
            counter = next((c for c in centre.counters if str(c.number) == clean(request.form.get("counter"))), None)
            if counter is None:
                errors["counter"] = "Trung tâm không có quầy số này."
        day = parse_date(request.form.get("day"))
        if day is None or day > local_today():
            errors["day"] = "Ngày trên phiếu không hợp lệ (dd/mm/yyyy, không ở tương lai)."
        serial = clean(request.form.get("serial"))
        if not serial or len(serial) > 32:
            errors["serial"] = "Vui lòng nhập số phiếu (tối đa 32 ký tự)."
        elif centre is not None and survey_service.paper_serial_used(version.questionnaire_id, centre.unit_id, serial):
            errors["serial"] = f"Phiếu số “{serial}” đã được nhập trước đây."
        if not errors:
            answered_at = as_utc(datetime.combine(day, time(12, 0), tzinfo=LOCAL_TZ))
            source = survey_service.Submission(
                unit_id=centre.unit_id, centre_id=centre.id, counter_id=counter.id if counter else None,
                channel=Channel.PAPER.value, client_id=clean(request.form.get("sid"))[:64] or uuid.uuid4().hex,
                answered_at=answered_at, entered_by=current_user, paper_serial=serial)
            try:
                response, created = survey_service.submit_response(version, parsed, source)
                if created:
                    batch = paper_batches.open_batch(current_user, centre.unit_id, version.questionnaire_id)
                    paper_batches.keyed(current_user, batch, response)
                db.session.commit()
            except (survey_service.SurveyError, IntegrityError) as exc:
                db.session.rollback()
                errors["serial"] = str(exc) if isinstance(exc, survey_service.SurveyError) else \
                    f"Phiếu số “{serial}” đã được nhập trước đây."
            else:
                flash(f"Đã lưu phiếu số {serial} vào lô phiếu giấy. Nhập phiếu tiếp theo; nhập xong, tải bản quét "
                      "và gửi lô cho một cán bộ khác kiểm tra.", "success")
                return redirect(url_for(".paper_entry", q=definition.code, centre_id=centre.id,
                                        day=day.strftime("%d/%m/%Y")), code=303)
        status = 400
    defaults = {"centre_id": request.args.get("centre_id", type=int), "day": request.args.get("day", "")}
    open_batches = db.session.execute(
        scoped(PaperBatch, current_user).where(PaperBatch.keyed_by_id == current_user.id,
                                               PaperBatch.questionnaire_id == version.questionnaire_id,
                                               PaperBatch.status == BatchStatus.OPEN.value)).scalars().all()
    return render_template("surveys/paper_entry.html", definition=definition, version=version, centres=centres,
                           submitted=submitted, errors=errors, defaults=defaults, sid=uuid.uuid4().hex,
                           open_batches=[(b, paper_batches.count_of(b)) for b in open_batches]), status


@bp.route("/paper/template.<fmt>")
@staff_required()
def paper_template(fmt: str):
    version = _version_from_request()
    definition = survey_service.definition_of(version)
    stem = f"mau-nhap-phieu_{definition.code}_v{version.number}"
    if fmt == "xlsx":
        return _download(paper_import.template_xlsx(definition),
                         "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", f"{stem}.xlsx")
    if fmt == "csv":
        return _download(paper_import.template_csv(definition), "text/csv; charset=utf-8", f"{stem}.csv")
    abort(404)


@bp.route("/paper/import", methods=["GET", "POST"])
@staff_required(can_write)
def paper_upload():
    version = _version_from_request()
    centres = db.session.execute(scoped(ServiceCentre, current_user).where(ServiceCentre.active.is_(True))
                                 .order_by(ServiceCentre.name)).scalars().all()
    report = None
    status = 200
    if request.method == "POST":
        centre = next((c for c in centres if c.id == request.form.get("centre_id", type=int)), None)
        upload = request.files.get("file")
        scan_files = [f for f in request.files.getlist("scans") if f and f.filename]
        scans, scan_error = [], None
        try:
            scans = [paper_batches.check_scan(check_evidence(f.filename, f.read())) for f in scan_files]
        except (UploadError, paper_batches.PaperCheckError) as exc:
            scan_error = str(exc)
        if centre is None:
            flash("Vui lòng chọn trung tâm.", "error")
            status = 400
        elif upload is None or not upload.filename:
            flash("Vui lòng chọn tệp XLSX hoặc CSV.", "error")
            status = 400
        elif not upload.filename.lower().endswith((".xlsx", ".xlsm", ".csv")):
            flash("Chỉ nhận tệp .xlsx hoặc .csv.", "error")
            status = 400
        else:
            report = paper_import.parse_file(upload.read(paper_import.MAX_BYTES + 1), upload.filename, version, centre)
            if report.errors:
                status = 400
            elif scan_error or not scans:
                flash(scan_error or f"Vui lòng kèm bản quét các phiếu giấy ({paper_batches.SCAN_LABEL}): một cán "
                      "bộ khác sẽ đối chiếu trước khi phiếu được tính. Chưa lưu phiếu nào.", "error")
                status = 400
            else:
                try:
                    batch = paper_batches.import_batch(current_user, centre.unit_id, version.questionnaire_id,
                                                       upload.filename, scans)
                    count = paper_import.apply(report, version, centre, current_user, batch)
                    db.session.commit()
                except (survey_service.SurveyError, paper_batches.PaperCheckError, IntegrityError):
                    db.session.rollback()
                    flash("Không nhập: có phiếu trùng số hoặc hồ sơ vừa được nhập đồng thời. Chưa lưu phiếu nào.",
                          "error")
                    status = 409
                else:
                    flash(f"Đã nhập {count} phiếu giấy vào lô số {batch.id}, chờ một cán bộ khác kiểm tra.",
                          "success")
                    return redirect(url_for("paper_batches.detail", batch_id=batch.id), code=303)
    return render_template("surveys/paper_import.html", version=version, centres=centres, report=report,
                           definition=survey_service.definition_of(version)), status


# -- versions ----------------------------------------------------------------------------------------------------


@bp.route("/versions/<int:version_id>/blank.pdf")
@staff_required()
def blank_pdf(version_id: int):
    version = db.session.get(QuestionnaireVersion, version_id) or abort(404)
    unit = current_user.unit
    pdf = printing.blank_questionnaire_pdf(survey_service.definition_of(version), version.number,
                                           unit.full_name if unit else None)
    return _download(pdf, "application/pdf", f"phieu-khao-sat_{version.questionnaire.code}_v{version.number}.pdf")


@bp.route("/versions/<int:version_id>", methods=["GET", "POST"])
@staff_required()
def version_detail(version_id: int):
    version = db.session.get(QuestionnaireVersion, version_id) or abort(404)
    import json

    text = json.dumps(version.definition, ensure_ascii=False, indent=2)
    status = 200
    if request.method == "POST":
        if not _city_admin(current_user):
            abort(403)
        action = request.form.get("action")
        try:
            if action == "copy":
                draft = questionnaires.copy_version(current_user, version)
                db.session.commit()
                flash(f"Đã tạo bản nháp phiên bản {draft.number}.", "success")
                return redirect(url_for(".version_detail", version_id=draft.id))
            if action == "save":
                text = request.form.get("definition", "")
                questionnaires.update_draft(current_user, version, text)
                db.session.commit()
                flash("Đã lưu bản nháp.", "success")
                return redirect(url_for(".version_detail", version_id=version.id))
            if action == "publish":
                questionnaires.publish(current_user, version)
                db.session.commit()
                flash(f"Đã ban hành phiên bản {version.number}.", "success")
                return redirect(url_for(".version_detail", version_id=version.id))
            abort(400)
        except questionnaires.VersionError as exc:
            db.session.rollback()
            flash(str(exc), "error")
            status = 400
    return render_template("surveys/version.html", version=version, text=text,
                           can_edit=_city_admin(current_user)), status


# -- results -----------------------------------------------------------------------------------------------------


@bp.route("/results")
@staff_required()
def results():
    units = visible_units(current_user)
    unit_id = request.args.get("unit_id", type=int)
    unit = get_scoped_or_404(AdminUnit, unit_id, current_user) if unit_id else (
        current_user.unit or (units[0] if units else None))
    version = _version_from_request()
    definition = survey_service.definition_of(version)
    today = local_today()
    start = parse_date(request.args.get("start")) or date(today.year, 1, 1)
    end = parse_date(request.args.get("end")) or today
    summary = None
    if unit is not None:
        f = SurveyFilter(questionnaire_id=version.questionnaire_id, unit_ids=(unit.id,), start=start, end=end,
                         centre_id=request.args.get("centre_id", type=int) or None,
                         channel=request.args.get("channel") or None)
        summary = summarise(db.session, definition, f)
    return render_template("surveys/results.html", units=units, unit=unit, definition=definition, version=version,
                           summary=summary, start=start, end=end, channels=list(Channel))
