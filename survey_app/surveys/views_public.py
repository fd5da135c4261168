"""The citizen's survey form, reached by a centre/counter QR or a signed per-dossier QR. Works without JS."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from urllib.parse import urlencode

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from markupsafe import Markup
from sqlalchemy import bindparam, func, select, true
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import AdminUnit, Channel, Counter, Officer, QuestionnaireVersion, ServiceCentre
from ..services import qr, ratelimit
from ..services import surveys as survey_service
from ..services.transactions import in_a_transaction, statements_commit_alone
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
           "thanks_title": "Cảm ơn Ông/Bà!", "again": "Về trang chủ", "counter": "Quầy",
           "send_now": "Gửi ngay", "send": "Gửi", "next": "Tiếp", "more": "Trả lời thêm {n} phần (không bắt buộc)",
           "progress": "Phần {k}/{n}", "stop_any_time": "Bấm “Gửi” bất cứ lúc nào: các câu đã trả lời được giữ lại.",
           "expired": "Phiếu này đã hết hạn bổ sung. Vui lòng quét lại mã QR để đánh giá.",
           "feedback": "Gửi góp ý, phản ánh, kiến nghị cho UBND", "results": "Xem kết quả đánh giá công khai"},
    "en": {"submit": "Send", "required": "required", "section": "Part", "of": "/",
           "errors": "Please check the questions marked below. Your other answers are kept.",
           "dossier": "Dossier code (optional, on your appointment slip)", "dossier_verified": "Rating for dossier",
           "switch": "Tiếng Việt", "anon": "Anonymous: we never ask your name or phone number.",
           "rate": "Too many submissions from your connection. Please wait a moment and press Send again; "
                   "your answers are kept.",
           "thanks_title": "Thank you!", "again": "Home", "counter": "Counter",
           "send_now": "Send now", "send": "Send", "next": "Next", "more": "Answer {n} more parts (optional)",
           "progress": "Part {k}/{n}", "stop_any_time": "Press “Send” at any time: what you answered is kept.",
           "expired": "This form can no longer be added to. Please scan the QR code again.",
           "feedback": "Send feedback to the commune", "results": "See the published results"},
}


@dataclass
class FormTarget:
    """Where a form is answered: loaded objects (a dossier's QR) or the columns a centre's QR reads in one query
    (``qr.FormPlace``'s views: the same attributes)."""

    unit: AdminUnit | qr.UnitView
    centre: ServiceCentre | qr.CentreView
    counter: Counter | qr.CounterView | None
    version: QuestionnaireVersion | qr.VersionView
    channel: str
    dossier_code: str | None = None
    dossier_verified: bool = False
    #: the counter's officer when exactly one is on duty there (the rating is theirs), else None
    officer_id: int | None = None
    #: whether the form's ``sid`` is stored, when the target's query said so (None: look it up)
    sid_stored: bool | None = None
    #: the sender's responses in the burst window, when the target's query counted them (None: ``admit`` does)
    recent_from_address: int | None = None


def _lang() -> str:
    lang = request.values.get("lang", "vi")
    return lang if lang in UI else "vi"


_ON_DUTY = select(func.min(Officer.id), func.count()).where(Officer.counter_id == bindparam("counter_id"),
                                                            Officer.active.is_(True)).subquery()
#: the current version and the counter's officers on duty, built once (a statement built per request costs more
#: than its query)
_VERSION_AND_OFFICER = survey_service.current_version_query(
    bindparam("questionnaire_id"), _ON_DUTY.c[0], _ON_DUTY.c[1]).join(_ON_DUTY, true())


def _version_and_officer(questionnaire_id: int, counter: Counter | None
                         ) -> tuple[QuestionnaireVersion | None, int | None]:
    """The questionnaire's current version and the counter's officer (when exactly one is on duty there), in one
    query: with the token's, the only reads before the answers are stored."""
    if counter is None:
        return survey_service.current_version(questionnaire_id), None
    row = db.session.execute(_VERSION_AND_OFFICER, {"questionnaire_id": questionnaire_id,
                                                    "counter_id": counter.id}).first()
    if row is None:
        return None, None
    version, officer, officers = row
    return version, officer if officers == 1 else None


def _sid() -> str:
    """The form's idempotency token, as it came (cut to the column's size)."""
    return clean(request.values.get("sid"))[:64]


def _step_number(raw: str | None, total: int) -> int:
    try:
        return min(max(int(raw or 1), 1), total)
    except ValueError:
        return 1


def _stored_as_submitted(response) -> dict[str, list[str]]:
    """A stored response's answers in the form's shape, so a screen the citizen comes back to shows them."""
    submitted: dict[str, list[str]] = {}
    for answer in response.answers:
        submitted.setdefault(f"q-{answer.question_key}", []).append(
            str(answer.value) if answer.value is not None else answer.text or "")
    return submitted


def _handle(target: FormTarget, thanks_url: str, form_url: str):
    """One screen of the form, GET or POST. The first screen is the overall rating with "Gửi ngay"; each later
    screen is one part. The first "Gửi" creates the response under the form's idempotency token (``sid``) and
    every later screen updates that same response."""
    lang = _lang()
    definition = survey_service.definition_of(target.version)
    steps = definition.steps
    step = _step_number(request.values.get("step"), len(steps))
    keys = {q.key for q in steps[step - 1].questions}
    sid = _sid()
    submitted: dict[str, list[str]] = {}
    errors: dict[str, str] = {}
    message = None
    status = 200
    ip = survey_service.ip_hash(request.remote_addr)
    source = survey_service.Submission(
        unit_id=target.unit.id, centre_id=target.centre.id,
        counter_id=target.counter.id if target.counter else None, officer_id=target.officer_id,
        channel=target.channel, client_id=sid or uuid.uuid4().hex, dossier_code=target.dossier_code,
        dossier_verified=target.dossier_verified, lang=lang, ip_hash=ip,
        recent_from_address=target.recent_from_address,
    )
    stored = bool(sid) and target.sid_stored is not False  # stored already, or not known without a look
    if stored and request.method == "POST":
        in_a_transaction()  # a later screen (or a retry) updates the stored response in several statements
    existing = survey_service.find_by_client_id(sid) if stored else None
    if existing is not None and not survey_service.continuable(existing, target.version, source):
        existing = None if request.method == "GET" else existing
    if request.method == "GET":
        if existing is not None and step > 1:
            submitted = _stored_as_submitted(existing)
        if step > 1 and existing is None:
            return redirect(form_url, code=303)
    if request.method == "POST":
        submitted = {key: request.form.getlist(key) for key in request.form}
        parsed = read_answers(definition, request.form.getlist, lang, keys,
                              survey_service.stored_values(existing))
        errors = dict(parsed.errors)
        raw_code = clean(request.form.get("dossier_code"))
        typed_code = raw_code[:64] or None
        if len(raw_code) > 64:
            errors["dossier_code"] = "Mã hồ sơ quá dài." if lang == "vi" else "Dossier code too long."
        source = replace(source, dossier_code=target.dossier_code or typed_code,
                         honeypot=bool(clean(request.form.get("website"))))
        limit, window = ratelimit.parse_limit(current_app.config["PUBLIC_RATE_LIMIT"])
        if errors:
            message, status = UI[lang]["errors"], 400
        elif existing is None and step > 1:
            message, status = UI[lang]["expired"], 409
        elif existing is None and not ratelimit.hit(f"survey:{ip}", limit, window).allowed:
            message, status = UI[lang]["rate"], 429
        else:
            try:
                if existing is None:
                    # the view looked ``sid`` up above (a new form has a fresh id): not read again, and a concurrent
                    # retry that stored it meanwhile is skipped by the insert (ON CONFLICT DO NOTHING)
                    survey_service.insert_many(target.version, [(survey_service.admit(target.version, source),
                                                                 parsed)])
                else:
                    survey_service.continue_response(existing, target.version, parsed, keys, source)
                db.session.commit()
            except survey_service.SurveyError as exc:
                db.session.rollback()
                message, status = str(exc), exc.status
            except IntegrityError:
                # a concurrent retry of the same form, or the same dossier at the same moment
                db.session.rollback()
                if survey_service.find_by_client_id(source.client_id) is None:
                    message, status = "Hồ sơ này đã được đánh giá. Mỗi hồ sơ chỉ được đánh giá một lần.", 409
            if message is None:
                if request.form.get("go") == "next" and step < len(steps):
                    return redirect(_with_query(form_url, step=step + 1, sid=source.client_id), code=303)
                return redirect(thanks_url, code=303)
    return render_template(
        "surveys/form.html", target=target, definition=definition, lang=lang, ui=UI[lang], errors=errors,
        submitted=submitted, message=message, sid=source.client_id, step=step, steps=steps,
        section_html=_section_html(target, steps[step - 1], lang, step, submitted, errors),
    ), status


def _section_html(target: FormTarget, section, lang: str, step: int, submitted: dict, errors: dict) -> Markup:
    """One screen's questions. A published version never changes, so while nothing is chosen or wrong yet (every
    first opening of a form) the screen is the same for every citizen of that version, language and kind of QR:
    rendered once per process and reused, as the parsed definition is (``surveys.definition_of``). Drafts, and a
    screen showing answers or errors, are rendered each time."""
    version = target.version
    if submitted or errors or not survey_service.settled(version):
        return _rendered(section, lang, step, submitted, errors, target.dossier_verified)
    cache = current_app.extensions.setdefault("hailong_form_sections", {})
    key = (version.id, version.published_at.isoformat(), lang, step, target.dossier_verified)
    if key not in cache:
        cache[key] = _rendered(section, lang, step, submitted, errors, target.dossier_verified)
    return cache[key]


def _rendered(section, lang: str, step: int, submitted: dict, errors: dict, dossier_verified: bool) -> Markup:
    template = current_app.jinja_env.get_template("surveys/_section.html")
    html = template.render(section=section, lang=lang, step=step, ui=UI[lang], submitted=submitted, errors=errors,
                           dossier_verified=dossier_verified)
    # Flask's environment autoescapes .html templates: what it renders is escaped HTML already
    return Markup(html)  # noqa: S704


def _with_query(url: str, **params) -> str:
    return f"{url}{'&' if '?' in url else '?'}{urlencode(params)}"


def _target_from_token(token: str):
    sending = request.method == "POST"
    place = qr.form_place(token, _sid() or None,
                          survey_service.ip_hash(request.remote_addr) if sending else None)
    if place is None:  # unknown, or revoked: read as objects, the rare path
        row = qr.resolve(token)
        if row is None:
            abort(404)
        current = qr.current_for_centre(row)
        if current is not None:  # an old poster still works: the centre's current form, with a short note
            return None, redirect(url_for("survey.form", token=current.token, lang=_lang(), moved=1), code=302), 302
        return None, render_template("surveys/revoked.html", lang=_lang(), ui=UI[_lang()]), 410
    if place.version is None or not place.centre.active or (place.counter is not None and not place.counter.active):
        return None, render_template("surveys/revoked.html", lang=_lang(), ui=UI[_lang()]), 410
    channel = Channel.QR.value if request.args.get("via", "qr") == "qr" else Channel.WEB.value
    return FormTarget(place.unit, place.centre, place.counter, place.version, channel,
                      officer_id=place.officer_id, sid_stored=place.sid_stored,
                      recent_from_address=place.recent_from_address), None, None


@bp.route("/q/<token>", methods=["GET", "POST"])
def form(token: str):
    statements_commit_alone()
    target, page, status = _target_from_token(token)
    if target is None:
        return page, status
    via = "web" if target.channel == Channel.WEB.value else None
    return _handle(target, url_for("survey.thanks", token=token, lang=_lang()),
                   url_for("survey.form", token=token, lang=_lang(), via=via))


@bp.route("/q/<token>/thanks")
def thanks(token: str):
    statements_commit_alone()
    place = qr.form_place(token)
    if place is None or place.version is None:
        row = qr.resolve(token)
        if row is None:
            abort(404)
        unit, version = row.centre.unit, survey_service.current_version(row.questionnaire_id)
    else:
        unit, version = place.unit, place.version
    lang = _lang()
    return render_template("surveys/thanks.html", definition=survey_service.definition_of(version), lang=lang,
                           ui=UI[lang], unit=unit)


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
    version, officer = _version_and_officer(questionnaire.id, counter)
    lang = _lang()
    # a later screen of the form the holder began (``sid``) is theirs to continue
    if request.method == "GET" and "sid" not in request.args and survey_service.dossier_already_rated(
            questionnaire.id, claim.unit_id, claim.dossier_code):
        return render_template("surveys/thanks.html", definition=survey_service.definition_of(version), lang=lang,
                               ui=UI[lang], unit=centre.unit, already=True), 200
    target = FormTarget(centre.unit, centre, counter, version, Channel.QR.value, claim.dossier_code, True, officer)
    return _handle(target, url_for("survey.dossier_thanks", signed=signed, lang=lang),
                   url_for("survey.dossier_form", signed=signed, lang=lang))


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
