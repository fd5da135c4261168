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
from ..labels import RULE_PARAMS, RULE_VALUES
from ..models import CaseChannel, Role
from ..numbers import parse_number_vi

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
                           editable=_city_admin(current_user), param_labels=RULE_PARAMS, rule_values=RULE_VALUES,
                           channel_choices=[(c.value, c.label) for c in CaseChannel], choice_params=CHOICES)


#: Text parameters that take one of a few codes (shown as a list with Vietnamese words).
CHOICES = {"mode": ("all_or_nothing", "linear"), "questionnaire": ("centre-service", "annual-friendly-government"),
           "period": ("year", "q1", "q2", "q3", "q4")}


def _plain(message: str) -> str:
    """The rules' messages name parameters and values by code: say them in words."""
    for code, (words, _unit) in RULE_PARAMS.items():
        message = message.replace(f"“{code}”", f"“{words}”").replace(f"{code} chỉ nhận", f"“{words}” chỉ nhận")
    for code, words in RULE_VALUES.items():
        message = message.replace(code, f"“{words}”")
    return message


def _number(raw: str, kind: type) -> int | float:
    """'0,25' or '0.25' (a Vietnamese keyboard types the comma); an int parameter refuses a fraction."""
    value = parse_number_vi(raw)
    if kind is int:
        if value != int(value):
            raise ValueError(raw)
        return int(value)
    return value


def _params_from_fields(item) -> dict:
    """The form's fields as parameters; a parameter kept only in JSON (a table by size) is left as it is."""
    schema = RULES[item.rule][1]
    params: dict = {}
    for name, (kind, _low, _high) in schema.items():
        if kind is list:
            params[name] = request.form.getlist(name)
        elif kind is dict or name not in request.form:
            continue
        elif kind in (int, float):
            raw = request.form.get(name, "").strip()
            if raw:
                try:
                    params[name] = _number(raw, kind)
                except ValueError:
                    words = RULE_PARAMS.get(name, (name, ""))[0]
                    raise ScoringError(f"“{words}” phải là một số{' nguyên' if kind is int else ''}.") from None
        else:
            params[name] = request.form.get(name, "").strip()
    return params


@bp.route("/<int:year>/<code>", methods=["POST"])
@staff_required(_city_admin)
def save(year: int, code: str):
    table = for_year(year)
    try:
        item = table.item(code)
    except KeyError:
        abort(404)
    try:
        if request.form.get("form") == "fields":
            current = overrides(db.session, table.id).get(item.code, {})
            params = {**current, **_params_from_fields(item)}
        else:
            params = json.loads(request.form.get("params") or "{}")
        operations.set_override(current_user, table, item, params)
    except json.JSONDecodeError:
        db.session.rollback()
        flash(f"Mục {code}: tham số không phải JSON hợp lệ (ví dụ: {{\"mode\": \"linear\"}}).", "error")
        return redirect(url_for(".index", year=year) + f"#rule-{code}", code=303)
    except ScoringError as exc:
        db.session.rollback()
        flash(f"Mục {code}: {_plain(str(exc))}", "error")
        return redirect(url_for(".index", year=year) + f"#rule-{code}", code=303)
    db.session.commit()
    flash(f"Đã lưu tham số mục {code}; điểm của mọi đơn vị dùng tham số mới từ lần tính sau.", "success")
    return redirect(url_for(".index", year=year) + f"#rule-{code}", code=303)
