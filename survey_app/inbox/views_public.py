"""What citizens see: the feedback form, the tracking page with the published answer, the public list."""

from __future__ import annotations

import uuid

from flask import Blueprint, abort, redirect, render_template, request, url_for
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..labels import KIND_HINTS
from ..models import Case, CaseChannel, CaseKind
from ..models.cases import OPEN_STATES
from ..services import cases as case_service
from ..services import public_cases
from ..services.similar import similar_open_cases
from ..text import clean
from ..timeutil import LOCAL_TZ
from .common import categories, photos_from_request, public_rate_limited, unit_by_code

bp = Blueprint("feedback", __name__)

PUBLIC_KINDS = [CaseKind.SUGGESTION, CaseKind.REPORT, CaseKind.PETITION]
PAGE_SIZE = 20


@bp.route("/phan-anh/<unit_code>", methods=["GET", "POST"])
def form(unit_code: str):
    unit = unit_by_code(unit_code)
    errors: dict[str, str] = {}
    values = {"kind": CaseKind.SUGGESTION.value}
    status = 200
    if request.method == "POST":
        values = {k: clean(v) for k, v in request.form.items()}
        limited = public_rate_limited("feedback")
        if limited is not None:
            return limited
        kind = values.get("kind", "")
        ci = case_service.CaseInput(
            unit_id=unit.id, channel=CaseChannel.WEB.value,
            kind=kind if kind in {k.value for k in PUBLIC_KINDS} else "invalid",
            category_id=request.form.get("category_id", type=int), content=request.form.get("content", ""),
            location=values.get("location", ""), name=values.get("name", ""), phone=values.get("phone", ""),
            email=values.get("email", ""), consent_contact=bool(request.form.get("consent_contact")),
            consent_notify=bool(request.form.get("consent_notify")), private=bool(request.form.get("private")),
            client_id=(values.get("sid") or uuid.uuid4().hex)[:64], photos=photos_from_request(),
        )
        errors = case_service.validate(ci)
        if not errors and values.get("website"):
            errors["content"] = "Không gửi được. Vui lòng thử lại."  # honeypot: a bot, nothing stored
        status = 400
        if not errors:
            try:
                case, _ = case_service.file_case(ci)
                db.session.commit()
                return redirect(url_for(".filed", code=case.tracking_code), code=303)
            except IntegrityError:
                db.session.rollback()
                case = case_service.find_by_client_id(ci.client_id)
                if case is None:
                    raise
                return redirect(url_for(".filed", code=case.tracking_code), code=303)
            except case_service.CaseError as exc:  # what the citizen wrote stays in the form
                db.session.rollback()
                errors[exc.field or "content"] = str(exc)
                status = exc.status
    return render_template("inbox/public_form.html", unit=unit, categories=categories(), kinds=PUBLIC_KINDS,
                           kind_hints=KIND_HINTS,
                           errors=errors, values=values, sid=values.get("sid") or uuid.uuid4().hex), status


@bp.route("/phan-anh/da-gui/<code>")
def filed(code: str):
    case = _case_by_code(code)
    alike = similar_open_cases(case.unit_id, case.content, case.location, case.category_id, exclude_id=case.id) \
        if case.state in OPEN_STATES else []
    return render_template("inbox/filed.html", case=case, alike=len(alike))


def _case_by_code(code: str) -> Case:
    code = clean(code).upper()
    case = db.session.execute(select(Case).where(Case.tracking_code == code)).scalar_one_or_none() \
        if 4 <= len(code) <= 16 else None
    if case is None:
        abort(404)
    return case


@bp.route("/tra-cuu", methods=["GET"])
def lookup():
    code = clean(request.args.get("code")).upper()
    if not code:
        return render_template("inbox/lookup.html", case=None, code="", not_found=False)
    limited = public_rate_limited("lookup")
    if limited is not None:
        return limited
    case = db.session.execute(select(Case).where(Case.tracking_code == code)).scalar_one_or_none() \
        if len(code) <= 16 else None
    if case is None:
        return render_template("inbox/lookup.html", case=None, code=code, not_found=True), 404
    return _lookup_page(case)


def _lookup_page(case: Case, rate_error: str | None = None, status: int = 200):
    """The tracking page reads the case only through the public view: progress for any case, text and answer
    only for a public one."""
    shared = case_service.shared_case(case)
    merged = shared.id != case.id
    return render_template("inbox/lookup.html", case=public_cases.tracking_view(case),
                           public=public_cases.public_view(case), code=case.tracking_code, not_found=False,
                           ratings=case_service.RATINGS, rate_error=rate_error,
                           shared_code=shared.tracking_code if merged else None,
                           shared_public=public_cases.public_view(shared) if merged else None,
                           shared_published=merged and shared.published_at is not None), status


@bp.route("/tra-cuu/<code>/danh-gia", methods=["POST"])
def rate(code: str):
    limited = public_rate_limited("rate")
    if limited is not None:
        return limited
    case = _case_by_code(code)
    try:
        case_service.rate(case, request.form.get("rating", type=int) or 0, request.form.get("reason", ""))
        db.session.commit()
    except case_service.CaseError as exc:
        db.session.rollback()
        return _lookup_page(case, str(exc), exc.status)
    return redirect(url_for(".lookup", code=case.tracking_code, rated=1), code=303)


@bp.route("/cong-khai/<unit_code>")
def public_list(unit_code: str):
    """Handled cases of a commune: question, answer and dates, never names, phones or internal notes."""
    unit = unit_by_code(unit_code)
    query = public_cases.public_cases(unit.id)
    category_id = request.args.get("category", type=int)
    if category_id:
        query = query.where(Case.category_id == category_id)
    month = clean(request.args.get("month"))
    if month:
        try:
            year, mon = (int(p) for p in month.split("-"))
            from datetime import datetime

            start = datetime(year, mon, 1, tzinfo=LOCAL_TZ)
            end = datetime(year + (mon == 12), mon % 12 + 1, 1, tzinfo=LOCAL_TZ)
        except ValueError:
            abort(400)
        query = query.where(Case.received_at >= start, Case.received_at < end)
    total = db.session.execute(select(func.count()).select_from(query.subquery())).scalar()
    page = max(1, request.args.get("page", 1, type=int))
    found = db.session.execute(
        query.order_by(Case.published_at.desc()).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).scalars().all()
    rows = [public_cases.public_view(c) for c in found]
    counts = case_service.merged_counts([c.id for c in found])
    return render_template("inbox/public_list.html", unit=unit, rows=rows, total=total, page=page,
                           merged_counts={c.tracking_code: counts[c.id] for c in found if c.id in counts},
                           pages=max(1, -(-total // PAGE_SIZE)), categories=categories(), category_id=category_id,
                           month=month)
