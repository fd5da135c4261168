"""The public home page and the health check."""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, redirect, render_template, request, url_for
from sqlalchemy import select, text
from sqlalchemy.exc import SQLAlchemyError

from ..extensions import db
from ..models import AdminUnit, ServiceCentre
from ..services import qr
from ..text import clean, fold
from ..timeutil import utcnow

bp = Blueprint("public", __name__)


@bp.route("/")
def home():
    units = db.session.execute(
        select(AdminUnit).where(AdminUnit.parent_id.is_not(None), AdminUnit.active.is_(True))
        .order_by(AdminUnit.name)
    ).scalars().all()
    query = clean(request.args.get("xa"))[:100]
    shown = units
    if query:
        # accent- and case-insensitive, so "bach dang" and "Bạch Đằng" both find Phường Bạch Đằng
        needle = fold(query)
        shown = [u for u in units if needle in fold(u.full_name)]
    return render_template("public/home.html", units=units, shown=shown, query=query)


@bp.route("/danh-gia/<code>")
def rate(code: str):
    """"Đánh giá dịch vụ" from the home page: the commune centre's survey form (the web channel)."""
    unit = db.session.execute(select(AdminUnit).where(AdminUnit.code == code, AdminUnit.active.is_(True))
                              ).scalar_one_or_none()
    if unit is None or unit.parent_id is None:
        abort(404)
    centres = db.session.execute(select(ServiceCentre).where(ServiceCentre.unit_id == unit.id,
                                                             ServiceCentre.active.is_(True))
                                 .order_by(ServiceCentre.id)).scalars().all()
    if not centres:
        abort(404)
    token = qr.ensure_tokens(centres[:1])[0]  # the centre's own token comes first
    db.session.commit()
    return redirect(url_for("survey.form", token=token.token, via="web"), code=303)


@bp.route("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1")).scalar()
    except SQLAlchemyError as exc:
        db.session.rollback()
        return jsonify({"status": "error", "database": "unavailable", "reason": type(exc).__name__,
                        "message": "Không kết nối được cơ sở dữ liệu."}), 503
    return jsonify({"status": "ok", "database": "ok", "time": utcnow().isoformat()})
