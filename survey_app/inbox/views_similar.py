"""Duplicate hints while staff file a case: the commune's open cases closest to what is being typed (JSON)."""

from __future__ import annotations

from flask import Blueprint, jsonify, request, url_for
from flask_login import current_user

from ..auth.roles import staff_required
from ..services.scoping import visible_units
from ..services.similar import similar_open_cases
from ..text import clean
from ..timeutil import format_date

bp = Blueprint("similar", __name__, url_prefix="/admin/inbox/similar")


@bp.route("/")
@staff_required()
def hints():
    unit_id = request.args.get("unit_id", type=int)
    if current_user.city_wide:
        if unit_id not in {u.id for u in visible_units(current_user)}:
            return jsonify({"hints": []})
    else:
        unit_id = current_user.unit_id
    content = clean(request.args.get("content"))[:5000]
    found = similar_open_cases(unit_id, content, clean(request.args.get("location"))[:300],
                               request.args.get("category_id", type=int), request.args.get("exclude", type=int))
    return jsonify({"hints": [{
        "tracking_code": h.case.tracking_code, "url": url_for("inbox.detail", case_id=h.case.id),
        "received": format_date(h.case.received_at), "category": h.case.category.name,
        "location": h.case.location, "content": h.case.content[:200], "score": h.score, "same_place": h.same_place,
    } for h in found]})
