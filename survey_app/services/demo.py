"""A demo city: Hai Phong with a few of its real wards, their centres, counters, officers and staff.

Idempotent: rows are found by their natural keys and created only when missing. The demo password is
generated on the first run and kept in ``instance/demo_password`` (or taken from ``HAILONG_DEMO_PASSWORD``),
so running the command twice changes nothing and prints the same login.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from ..extensions import db
from ..models import AdminUnit, Counter, Department, Officer, Role, ServiceCentre, UnitKind, User
from . import accounts
from .units_import import ensure_city

#: (code, name, kind). Codes here are the demo's own; the real list comes in with ``units import``.
DEMO_UNITS = [
    ("bach-dang", "Bạch Đằng", UnitKind.WARD),
    ("hoa-binh", "Hòa Bình", UnitKind.WARD),
    ("phu-lien", "Phù Liễn", UnitKind.WARD),
    ("hong-bang", "Hồng Bàng", UnitKind.WARD),
    ("tien-lang", "Tiên Lãng", UnitKind.COMMUNE),
    ("cat-hai", "Cát Hải", UnitKind.SPECIAL_ZONE),
]
COUNTERS = [
    "Tư pháp – Hộ tịch",
    "Đất đai – Xây dựng – Môi trường",
    "Lao động – Thương binh – Xã hội",
    "Chứng thực – Văn phòng",
]
DEPARTMENTS = [
    "Văn phòng HĐND và UBND",
    "Phòng Kinh tế, Hạ tầng và Đô thị",
    "Phòng Văn hóa – Xã hội",
    "Trung tâm Phục vụ hành chính công",
]
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Vũ", "Đỗ", "Bùi", "Hoàng", "Đặng", "Ngô"]
MIDDLE = ["Thị", "Văn", "Thu", "Minh", "Hải", "Ngọc"]
GIVEN = ["Hà", "Hùng", "Lan", "Tuấn", "Hương", "Dũng", "Mai", "Nam", "Thảo", "Phương", "Linh", "Quang"]


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str | None
    role: Role
    unit_name: str


def demo_password(instance_path: Path) -> str:
    from_env = os.environ.get("HAILONG_DEMO_PASSWORD")
    if from_env:
        return from_env
    path = instance_path / "demo_password"
    if path.exists():
        return path.read_text().strip()
    while True:
        candidate = secrets.token_urlsafe(9)
        try:
            accounts.validate_password(candidate, "admin")
        except accounts.AccountError:
            continue
        break
    instance_path.mkdir(parents=True, exist_ok=True)
    path.write_text(candidate)
    path.chmod(0o600)
    return candidate


def _officer_name(index: int) -> str:
    return f"{FAMILY[index % len(FAMILY)]} {MIDDLE[index % len(MIDDLE)]} {GIVEN[(index * 7) % len(GIVEN)]}"


def load_demo(instance_path: Path) -> list[DemoLogin]:
    """Create what is missing of the demo city and return the logins to print."""
    password = demo_password(instance_path)
    city = ensure_city()
    logins: list[DemoLogin] = []
    officer_index = 0
    for code, name, kind in DEMO_UNITS:
        unit = db.session.execute(select(AdminUnit).where(AdminUnit.code == code)).scalar_one_or_none()
        if unit is None:
            unit = AdminUnit(code=code, name=name, kind=kind.value, parent_id=city.id)
            db.session.add(unit)
            db.session.flush()
        centre_name = f"Trung tâm Phục vụ hành chính công {unit.kind_label.lower()} {unit.name}"
        centre = db.session.execute(
            select(ServiceCentre).where(ServiceCentre.unit_id == unit.id, ServiceCentre.name == centre_name)
        ).scalar_one_or_none()
        if centre is None:
            centre = ServiceCentre(unit_id=unit.id, name=centre_name, address=f"Trụ sở UBND {unit.full_name}")
            db.session.add(centre)
            db.session.flush()
        for number, label in enumerate(COUNTERS, start=1):
            counter = db.session.execute(
                select(Counter).where(Counter.centre_id == centre.id, Counter.number == number)
            ).scalar_one_or_none()
            if counter is None:
                counter = Counter(unit_id=unit.id, centre_id=centre.id, number=number, label=label)
                db.session.add(counter)
                db.session.flush()
            officer_name = _officer_name(officer_index)
            officer_index += 1
            exists = db.session.execute(
                select(Officer.id).where(Officer.counter_id == counter.id, Officer.full_name == officer_name)
            ).first()
            if exists is None:
                db.session.add(
                    Officer(unit_id=unit.id, counter_id=counter.id, full_name=officer_name, title="Công chức")
                )
        for dept_name in DEPARTMENTS:
            exists = db.session.execute(
                select(Department.id).where(Department.unit_id == unit.id, Department.name == dept_name)
            ).first()
            if exists is None:
                db.session.add(Department(unit_id=unit.id, name=dept_name))
        if code in ("bach-dang", "hoa-binh", "phu-lien"):
            slug = code.replace("-", "")
            logins.append(_ensure_user(f"{slug}.admin", f"Quản trị {unit.full_name}", password,
                                       Role.COMMUNE_ADMIN, unit))
            logins.append(_ensure_user(f"{slug}.canbo", f"Cán bộ {unit.full_name}", password,
                                       Role.COMMUNE_STAFF, unit))
    logins.insert(0, _ensure_user("admin", "Quản trị hệ thống thành phố", password, Role.CITY_ADMIN, None))
    logins.insert(1, _ensure_user("thamdinh", "Tổ thẩm định Sở Nội vụ", password, Role.CITY_APPRAISER, None))
    db.session.flush()
    return logins


def _ensure_user(username: str, full_name: str, password: str, role: Role, unit: AdminUnit | None) -> DemoLogin:
    user = db.session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if user is None:
        accounts.create_user(None, username=username, full_name=full_name, password=password, role=role,
                             unit_id=unit.id if unit else None)
    elif not user.check_password(password):
        password = None  # the password was changed since: do not print a wrong one
    return DemoLogin(username, password, role, unit.full_name if unit else "Thành phố Hải Phòng")
