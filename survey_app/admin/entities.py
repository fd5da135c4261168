"""The set-up entities as data: one list/create/edit mechanism serves them all."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement

from ..extensions import db
from ..models import AnswerTemplate, Counter, Department, Officer, Role, ServiceCentre, SuggestionBox, User
from ..services.accounts import AccountError, username_taken, validate_password
from ..timeutil import format_datetime
from . import forms


@dataclass(frozen=True)
class Entity:
    slug: str
    model: type
    label: str
    plural: str
    form: type[forms.ScopedForm]
    #: (heading, getter) pairs shown in the list.
    columns: list[tuple[str, Callable[[Any], Any]]]
    order_by: Callable[[], list[ColumnElement]]
    #: Turns validated form data into column values, raising AccountError with a message on refusal.
    values: Callable[[Any, Any, User], dict]


def _plain(*fields: str) -> Callable:
    def values(form, obj, actor: User) -> dict:
        return {f: getattr(form, f).data for f in fields}

    return values


def _counter_values(form, obj, actor: User) -> dict:
    centre = db.session.get(ServiceCentre, form.centre_id.data)
    return {"centre_id": centre.id, "unit_id": centre.unit_id, "number": form.number.data, "label": form.label.data}


def _user_values(form, obj, actor: User) -> dict:
    role = Role(form.role.data)
    if username_taken(form.username.data, exclude_id=obj.id if obj else None):
        raise AccountError("Tên đăng nhập đã tồn tại.")
    if obj is not None and obj.id == actor.id and (role.value != obj.role or not form.active.data):
        raise AccountError("Không thể tự đổi vai trò hoặc tự khóa tài khoản của mình.")
    values = {
        "username": form.username.data.lower(),
        "full_name": form.full_name.data,
        "email": (form.email.data or "").strip() or None,
        "role": role.value,
        "unit_id": None if role.city_wide else form.unit_id.data,
        "active": bool(form.active.data),
    }
    if obj is None and not form.password.data:
        raise AccountError("Vui lòng đặt mật khẩu cho tài khoản mới.")
    if form.password.data:
        validate_password(form.password.data, values["username"])
        values["password"] = form.password.data
    return values


ENTITIES: dict[str, Entity] = {
    e.slug: e
    for e in [
        Entity(
            "centres", ServiceCentre, "trung tâm", "Trung tâm, điểm tiếp nhận", forms.CentreForm,
            [("Đơn vị", lambda o: o.unit.full_name), ("Tên", lambda o: o.name), ("Địa chỉ", lambda o: o.address)],
            lambda: [ServiceCentre.unit_id, ServiceCentre.name], _plain("unit_id", "name", "address"),
        ),
        Entity(
            "counters", Counter, "quầy", "Quầy tiếp nhận", forms.CounterForm,
            [("Trung tâm", lambda o: o.centre.name), ("Quầy", lambda o: o.number), ("Lĩnh vực", lambda o: o.label)],
            lambda: [Counter.centre_id, Counter.number], _counter_values,
        ),
        Entity(
            "officers", Officer, "công chức", "Công chức tiếp nhận", forms.OfficerForm,
            [("Đơn vị", lambda o: o.unit.full_name), ("Họ và tên", lambda o: o.full_name),
             ("Chức danh", lambda o: o.title), ("Quầy", lambda o: o.counter.display_name if o.counter else "")],
            lambda: [Officer.unit_id, Officer.full_name], _plain("unit_id", "full_name", "title", "counter_id"),
        ),
        Entity(
            "departments", Department, "phòng ban", "Phòng ban xử lý phản ánh", forms.DepartmentForm,
            [("Đơn vị", lambda o: o.unit.full_name), ("Tên", lambda o: o.name), ("Thư điện tử", lambda o: o.email)],
            lambda: [Department.unit_id, Department.name], _plain("unit_id", "name", "email"),
        ),
        Entity(
            "boxes", SuggestionBox, "hòm thư góp ý", "Hòm thư góp ý", forms.SuggestionBoxForm,
            [("Đơn vị", lambda o: o.unit.full_name), ("Vị trí", lambda o: o.location_name),
             ("Lắp đặt", lambda o: o.installed_on.strftime("%d/%m/%Y"))],
            lambda: [SuggestionBox.unit_id, SuggestionBox.location_name],
            _plain("unit_id", "location_kind", "location_name", "installed_on"),
        ),
        Entity(
            "answer-templates", AnswerTemplate, "mẫu trả lời", "Mẫu trả lời phản ánh", forms.AnswerTemplateForm,
            [("Đơn vị", lambda o: o.unit.full_name),
             ("Lĩnh vực", lambda o: o.category.name if o.category else "Dùng chung"), ("Tiêu đề", lambda o: o.title),
             ("Sửa lần cuối", lambda o: f"{format_datetime(o.updated_at)} · "
                                        f"{o.updated_by.full_name if o.updated_by else 'Hệ thống'}")],
            lambda: [AnswerTemplate.unit_id, AnswerTemplate.category_id.is_(None), AnswerTemplate.category_id,
                     AnswerTemplate.title],
            _plain("unit_id", "category_id", "title", "body"),
        ),
        Entity(
            "users", User, "tài khoản", "Tài khoản cán bộ", forms.UserForm,
            [("Tên đăng nhập", lambda o: o.username), ("Họ và tên", lambda o: o.full_name),
             ("Vai trò", lambda o: o.role_enum.label),
             ("Đơn vị", lambda o: o.unit.full_name if o.unit else "Thành phố")],
            lambda: [User.username], _user_values,
        ),
    ]
}
