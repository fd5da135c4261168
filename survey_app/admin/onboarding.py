"""Thêm xã/phường: a city administrator creates a commune with its centre, counters and first administrator
from one page (:mod:`survey_app.services.onboarding`)."""

from __future__ import annotations

from dataclasses import fields

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..auth.roles import staff_required
from ..extensions import db
from ..models import UnitKind
from ..services import onboarding

bp = Blueprint("onboarding", __name__, url_prefix="/admin/communes")

FIELDS = [f.name for f in fields(onboarding.CommuneInput) if f.name != "errors"]


@bp.route("/new", methods=["GET", "POST"])
@staff_required(lambda user: user.role == "city_admin")
def new_commune():
    data = onboarding.CommuneInput(**{name: request.form.get(name, "") for name in FIELDS}) \
        if request.method == "POST" else onboarding.CommuneInput()
    status = 200
    if request.method == "POST":
        if onboarding.validate(data):
            status = 400
        else:
            unit = onboarding.create_commune(current_user, data)
            db.session.commit()
            flash(f"Đã tạo {unit.full_name}, trung tâm, {len(data.counter_labels())} quầy và tài khoản quản trị "
                  f"{data.admin_username.lower()}. Xem danh mục việc cần làm trước khi đưa vào sử dụng.", "success")
            return redirect(url_for("admin.unit_detail", unit_id=unit.id))
    kinds = [(k.value, k.label) for k in UnitKind if k != UnitKind.CITY]
    values = {name: getattr(data, name) for name in FIELDS if name != "admin_password"}
    return render_template("admin/commune_new.html", values=values, errors=data.errors, kinds=kinds), status
