"""The citizen's survey form, reached by a centre/counter QR or a signed per-dossier QR. Works without JS."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import AdminUnit, Channel, Counter, Officer, QuestionnaireVersion, ServiceCentre
from ..services import qr, ratelimit
from ..services import surveys as survey_service
from ..surveys.definition import read_answers
from ..text import clean

bp = Blueprint("survey", __name__)

UI = {
    "vi": {"submit": "Gửi đánh giá", "required": "bắt buộc", "section": "Phần", "of": "/",
           "errors": "Vui lòng xem lại các câu được đánh dấu bên dưới. Các câu trả lời khác vẫn được giữ nguyên.",
           "dossier": "Mã hồ sơ (nếu có, in trên giấy hẹn)", "dossier_verified": "Đánh giá cho hồ sơ",
           "switch": "English", "anon": "Phiếu ẩn danh: không hỏi họ tên, số điện thoại.",
           "rate": "Ông/Bà gửi quá nhiều phiếu trong thời gian ngắn. Vui lòng chờ một lát rồi bấm Gửi lại; "
                   "các câu trả lời vẫn được giữ.",
           "thanks_title": "Cảm ơn Ông/Bà!", "again": "Về trang chủ", "counter": "Quầy"},
    "en": {"submit": "Send", "required": "required", "section": "Part", "of": "/",
           "errors": "Please check the questions marked below. Your other answers are kept.",
           "dossier": "Dossier code (optional, on your appointment slip)", "dossier_verified": "Rating for dossier",
           "switch": "Tiếng Việt", "anon": "Anonymous: we never ask your name or phone number.",
           "rate": "Too many submissions from your connection. Please wait a moment and press Send again; "
                   "your answers are kept.",
           "thanks_title": "Thank you!", "again": "Home", "counter": "Counter"},
}


@dataclass
class FormTarget:
    unit: AdminUnit
    centre: ServiceCentre
    counter: Counter | None
    version: QuestionnaireVersion
    channel: str
    dossier_code: str | None = None
    dossier_verified: bool = False


def _lang() -> str:
    lang = request.values.get("lang", "vi")
    return lang if lang in UI else "vi"


def _officer_for(counter: Counter | None) -> int | None:
    if counter is None:
        return None
    officers = db.session.execute(
        select(Officer.id).where(Officer.counter_id == counter.id, Officer.active.is_(True))
    ).scalars().all()
    return officers[0] if len(officers) == 1 else None


def _handle(target: FormTarget, thanks_url: str):
    lang = _lang()
    definition = survey_service.definition_of(target.version)
    submitted: dict[str, list[str]] = {}
    errors: dict[str, str] = {}
    message = None
    status = 200
    if request.method == "POST":
        submitted = {key: request.form.getlist(key) for key in request.form}
        parsed = read_answers(definition, request.form.getlist, lang)
        errors = dict(parsed.errors)
        typed_code = clean(request.form.get("dossier_code"))[:64] or None
        if typed_code and len(clean(request.form.get("dossier_code"))) > 64:
            errors["dossier_code"] = "Mã hồ sơ quá dài." if lang == "vi" else "Dossier code too long."
        ip = survey_service.ip_hash(request.remote_addr)
        limit, window = ratelimit.parse_limit(current_app.config["PUBLIC_RATE_LIMIT"])
        if errors:
            message, status = UI[lang]["errors"], 400
        elif not ratelimit.hit(f"survey:{ip}", limit, window).allowed:
            message, status = UI[lang]["rate"], 429
        else:
            client_id = clean(request.form.get("sid"))[:64] or uuid.uuid4().hex
            source = survey_service.Submission(
                unit_id=target.unit.id, centre_id=target.centre.id,
                counter_id=target.counter.id if target.counter else None, officer_id=_officer_for(target.counter),
                channel=target.channel, client_id=client_id,
                dossier_code=target.dossier_code or typed_code, dossier_verified=target.dossier_verified,
                lang=lang, ip_hash=ip, honeypot=bool(clean(request.form.get("website"))),
            )
            try:
                survey_service.submit_response(target.version, parsed, source)
                db.session.commit()
            except survey_service.SurveyError as exc:
                db.session.rollback()
                message, status = str(exc), exc.status
            except IntegrityError:
                # a concurrent retry of the same form, or the same dossier at the same moment
                db.session.rollback()
                if survey_service.find_by_client_id(client_id) is None:
                    message, status = "Hồ sơ này đã được đánh giá. Mỗi hồ sơ chỉ được đánh giá một lần.", 409
            if message is None:
                return redirect(thanks_url, code=303)
    return render_template(
        "surveys/form.html", target=target, definition=definition, lang=lang, ui=UI[lang], errors=errors,
        submitted=submitted, message=message, sid=submitted.get("sid", [uuid.uuid4().hex])[0],
    ), status


def _target_from_token(token: str):
    row = qr.resolve(token)
    if row is None:
        abort(404)
    if not row.active:
        current = qr.current_for_centre(row)
        if current is not None:  # an old poster still works: the centre's current form, with a short note
            return None, redirect(url_for("survey.form", token=current.token, lang=_lang(), moved=1), code=302), 302
        return None, render_template("surveys/revoked.html", lang=_lang(), ui=UI[_lang()]), 410
    version = survey_service.current_version(row.questionnaire_id)
    if version is None or not row.centre.active or (row.counter is not None and not row.counter.active):
        return None, render_template("surveys/revoked.html", lang=_lang(), ui=UI[_lang()]), 410
    channel = Channel.QR.value if request.args.get("via", "qr") == "qr" else Channel.WEB.value
    return FormTarget(row.centre.unit, row.centre, row.counter, version, channel), None, None


@bp.route("/q/<token>", methods=["GET", "POST"])
def form(token: str):
    target, page, status = _target_from_token(token)
    if target is None:
        return page, status
    return _handle(target, url_for("survey.thanks", token=token, lang=_lang()))


@bp.route("/q/<token>/thanks")
def thanks(token: str):
    row = qr.resolve(token)
    if row is None:
        abort(404)
    version = survey_service.current_version(row.questionnaire_id)
    definition = survey_service.definition_of(version)
    lang = _lang()
    return render_template("surveys/thanks.html", definition=definition, lang=lang, ui=UI[lang],
                           unit=row.centre.unit)


@bp.route("/q/d/<signed>", methods=["GET", "POST"])
def dossier_form(signed: str):
    claim = qr.read_dossier_token(signed)
    if claim is None:
        return render_template("surveys/revoked.html", lang=_lang(), ui=UI[_lang()], dossier=True), 410
    centre = db.session.get(ServiceCentre, claim.centre_id)
    if centre is None or centre.unit_id != claim.unit_id:
        abort(404)
    counter = db.session.get(Counter, claim.counter_id) if claim.counter_id else None
    questionnaire = survey_service.questionnaire_by_code(qr.CENTRE_QUESTIONNAIRE)
    version = survey_service.current_version(questionnaire.id)
    lang = _lang()
    if request.method == "GET" and survey_service.dossier_already_rated(questionnaire.id, claim.unit_id,
                                                                        claim.dossier_code):
        return render_template("surveys/thanks.html", definition=survey_service.definition_of(version), lang=lang,
                               ui=UI[lang], unit=centre.unit, already=True), 200
    target = FormTarget(centre.unit, centre, counter, version, Channel.QR.value, claim.dossier_code, True)
    return _handle(target, url_for("survey.dossier_thanks", signed=signed, lang=lang))


@bp.route("/q/d/<signed>/thanks")
def dossier_thanks(signed: str):
    claim = qr.read_dossier_token(signed)
    if claim is None:
        abort(404)
    questionnaire = survey_service.questionnaire_by_code(qr.CENTRE_QUESTIONNAIRE)
    version = survey_service.current_version(questionnaire.id)
    lang = _lang()
    unit = db.session.get(AdminUnit, claim.unit_id)
    return render_template("surveys/thanks.html", definition=survey_service.definition_of(version), lang=lang,
                           ui=UI[lang], unit=unit)
