"""Helpers shared by the public and staff inbox views."""

from __future__ import annotations

from flask import abort, current_app, request
from sqlalchemy import select

from ..errors import error_response
from ..extensions import db
from ..models import AdminUnit, CaseCategory
from ..services import ratelimit
from ..services.cases import Photo
from ..services.surveys import ip_hash


def unit_by_code(code: str) -> AdminUnit:
    unit = db.session.execute(select(AdminUnit).where(AdminUnit.code == code)).scalar_one_or_none()
    if unit is None or unit.is_city or not unit.active:
        abort(404)
    return unit


def categories() -> list[CaseCategory]:
    return list(db.session.execute(
        select(CaseCategory).where(CaseCategory.active.is_(True)).order_by(CaseCategory.id)).scalars())


def public_rate_limited(bucket: str):
    """None when allowed; else a 429 response (Vietnamese page or JSON)."""
    limit, window = ratelimit.parse_limit(current_app.config["PUBLIC_RATE_LIMIT"])
    if ratelimit.hit(f"{bucket}:{ip_hash(request.remote_addr)}", limit, window).allowed:
        return None
    return error_response(429)


def photos_from_request(field: str = "photos") -> list[Photo]:
    return [Photo(f.filename or "anh", f.read()) for f in request.files.getlist(field) if f and f.filename]
