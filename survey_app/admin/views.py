"""Set-up pages: one list/create/edit/toggle mechanism for every entity in :mod:`.entities`."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ..auth.roles import can_administer, staff_required
from ..extensions import db
from ..models import AdminUnit, AuditEvent, Counter, ServiceCentre, User
from ..models.users import new_session_token
from ..services import audit, onboarding
from ..services.accounts import AccountError
from ..services.scoping import check_unit_allowed, get_scoped_or_404, scoped, visible_units
from .entities import ENTITIES, Entity

bp = Blueprint("admin", __name__, url_prefix="/admin")

PAGE_SIZE = 50


def _entity(slug: str) -> Entity:
    entity = ENTITIES.get(slug)
    if entity is None:
        abort(404)
    return entity


@bp.route("/")
@staff_required()
def index():
    user = current_user
    counts = {
        slug: db.session.execute(select(func.count()).select_from(scoped(e.model, user).subquery())).scalar()
        for slug, e in ENTITIES.items()
    }
    recent = db.session.execute(
        scoped(AuditEvent, user).order_by(AuditEvent.at.desc()).limit(10)
    ).scalars().all()
    unit = user.unit if user.unit_id else None
    return render_template("admin/index.html", entities=ENTITIES, counts=counts, units=visible_units(user),
                           recent=recent, unit=unit, checklist=onboarding.checklist(unit) if unit else None)


@bp.route("/<slug>/")
@staff_required()
def list_rows(slug: str):
    entity = _entity(slug)
    page = max(1, request.args.get("page", 1, type=int))
    query = scoped(entity.model, current_user).order_by(*entity.order_by())
    rows = db.session.execute(query.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).scalars().all()
    total = db.session.execute(select(func.count()).select_from(query.subquery())).scalar()
    return render_template("admin/list.html", entity=entity, rows=rows, page=page, total=total,
                           pages=max(1, -(-total // PAGE_SIZE)))


@bp.route("/<slug>/new", methods=["GET", "POST"])
@bp.route("/<slug>/<int:row_id>", methods=["GET", "POST"])
@staff_required()
def edit_row(slug: str, row_id: int | None = None):
    entity = _entity(slug)
    obj = get_scoped_or_404(entity.model, row_id, current_user) if row_id is not None else None
    readonly = not current_user.can_administer
    if readonly and request.method == "POST":
        abort(403)
    if obj is None and readonly:
        abort(403)
    form = entity.form(obj=obj).setup(current_user)
    if request.method == "GET" and slug == "users":
        form.password.data = ""
    status = 200
    if form.validate_on_submit():
        try:
            values = entity.values(form, obj, current_user)
            unit_id = values.get("unit_id")
            if "unit_id" in values and not (slug == "users" and unit_id is None and current_user.city_wide):
                check_unit_allowed(current_user, unit_id)
            _save(entity, obj, values)
            db.session.commit()
        except AccountError as exc:
            db.session.rollback()
            flash(str(exc), "error")
            status = 400
        except IntegrityError:
            db.session.rollback()
            flash(f"Không lưu được: {entity.label} này trùng với một mục đã có.", "error")
            status = 409
        else:
            flash(f"Đã lưu {entity.label}.", "success")
            return redirect(url_for("admin.list_rows", slug=slug))
    elif request.method == "POST":
        status = 400
    return render_template("admin/edit.html", entity=entity, form=form, obj=obj, readonly=readonly), status


def _save(entity: Entity, obj, values: dict) -> None:
    password = values.pop("password", None)
    if obj is None:
        obj = entity.model(**values)
        _stamp(obj)
        if password is not None:
            obj.set_password(password)
        db.session.add(obj)
        db.session.flush()
        audit.record(current_user, "create", entity.model.__tablename__, obj.id, unit_id=getattr(obj, "unit_id", None),
                     detail={k: str(v) for k, v in values.items()})
        return
    changes = audit.diff(obj, values)
    if password is not None:
        obj.set_password(password)
        changes["password"] = ["***", "***"]
    if isinstance(obj, User) and changes.keys() & {"role", "unit_id", "active"}:
        obj.session_token = new_session_token()  # role or scope changed: end its sessions
    if changes:
        _stamp(obj)
        db.session.flush()
        audit.record(current_user, "update", entity.model.__tablename__, obj.id,
                     unit_id=getattr(obj, "unit_id", None), detail=changes)


def _stamp(obj) -> None:
    """Rows that say who changed them last (``updated_by_id``) name the current user."""
    if hasattr(obj, "updated_by_id"):
        obj.updated_by_id = current_user.id


@bp.route("/<slug>/<int:row_id>/toggle", methods=["POST"])
@staff_required(can_administer)
def toggle_row(slug: str, row_id: int):
    entity = _entity(slug)
    obj = get_scoped_or_404(entity.model, row_id, current_user)
    if isinstance(obj, User) and obj.id == current_user.id:
        flash("Không thể tự khóa tài khoản của mình.", "error")
        return redirect(url_for("admin.list_rows", slug=slug))
    obj.active = not obj.active
    _stamp(obj)
    if isinstance(obj, User):
        obj.session_token = new_session_token()
    audit.record(current_user, "activate" if obj.active else "deactivate", entity.model.__tablename__, obj.id,
                 unit_id=getattr(obj, "unit_id", None))
    db.session.commit()
    flash(f"Đã {'mở lại' if obj.active else 'ngừng sử dụng'} {entity.label}.", "success")
    return redirect(url_for("admin.list_rows", slug=slug))


@bp.route("/units/<int:unit_id>")
@staff_required()
def unit_detail(unit_id: int):
    unit = get_scoped_or_404(AdminUnit, unit_id, current_user)
    centres = db.session.execute(
        select(ServiceCentre).where(ServiceCentre.unit_id == unit.id).order_by(ServiceCentre.name)
    ).scalars().all()
    counters = db.session.execute(
        select(Counter).where(Counter.unit_id == unit.id).order_by(Counter.centre_id, Counter.number)
    ).scalars().all()
    return render_template("admin/unit.html", unit=unit, centres=centres, counters=counters,
                           checklist=onboarding.checklist(unit))
