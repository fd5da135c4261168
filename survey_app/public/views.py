"""The public home page and the health check."""

from __future__ import annotations

from flask import Blueprint, jsonify, render_template
from sqlalchemy import select, text
from sqlalchemy.exc import SQLAlchemyError

from ..extensions import db
from ..models import AdminUnit
from ..timeutil import utcnow

bp = Blueprint("public", __name__)


@bp.route("/")
def home():
    units = db.session.execute(
        select(AdminUnit).where(AdminUnit.parent_id.is_not(None), AdminUnit.active.is_(True))
        .order_by(AdminUnit.name)
    ).scalars().all()
    return render_template("public/home.html", units=units)


@bp.route("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1")).scalar()
    except SQLAlchemyError as exc:
        db.session.rollback()
        return jsonify({"status": "error", "database": "unavailable", "reason": type(exc).__name__,
                        "message": "Không kết nối được cơ sở dữ liệu."}), 503
    return jsonify({"status": "ok", "database": "ok", "time": utcnow().isoformat()})
