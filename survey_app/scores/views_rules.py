"""The city administrator's page for the rules' parameters (kept per table version, validated against each rule's
bounds, audited). Every commune's score uses them from the next computation on."""

from __future__ import annotations

import json

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from reports.scoring import operations
from reports.scoring.data import overrides
from reports.scoring.operations import ScoringError
from reports.scoring.rules import RULES
from reports.scoring.table import for_year

from ..auth.roles import staff_required
from ..extensions import db
from ..models import Role

bp = Blueprint("scoring_rules", __name__, url_prefix="/admin/scoring-rules")


def _city_admin(user) -> bool:
    return user.role == Role.CITY_ADMIN


@bp.route("/<int:year>")
@staff_required()
def index(year: int):
    if not 2020 <= year <= 2100:
        abort(404)
    table = for_year(year).for_unit_kind("default")  # the decision's own words (thôn, tổ dân phố)
    current = overrides(db.session, table.id)
    items = [(item, {**item.params, **current.get(item.code, {})}, current.get(item.code), RULES[item.rule][1])
             for item in table.items if item.mode == "computed"]
    return render_template("scores/rules.html", table=table, year=year, items=items, json=json,
                           editable=_city_admin(current_user))


@bp.route("/<int:year>/<code>", methods=["POST"])
@staff_required(_city_admin)
def save(year: int, code: str):
    table = for_year(year)
    try:
        item = table.item(code)
    except KeyError:
        abort(404)
    try:
        params = json.loads(request.form.get("params") or "{}")
        operations.set_override(current_user, table, item, params)
    except json.JSONDecodeError:
        db.session.rollback()
        flash(f"Mục {code}: tham số không phải JSON hợp lệ (ví dụ: {{\"mode\": \"linear\"}}).", "error")
        return redirect(url_for(".index", year=year) + f"#rule-{code}", code=303)
    except ScoringError as exc:
        db.session.rollback()
        flash(f"Mục {code}: {exc}", "error")
        return redirect(url_for(".index", year=year) + f"#rule-{code}", code=303)
    db.session.commit()
    flash(f"Đã lưu tham số mục {code}; điểm của mọi đơn vị dùng tham số mới từ lần tính sau.", "success")
    return redirect(url_for(".index", year=year) + f"#rule-{code}", code=303)
