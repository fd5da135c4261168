"""Onboarding a commune from the web: one operation creates the commune, its centre, counters and first
administrator (all or nothing), and a checklist says what is still missing before it can go live.

``units import`` stays for the bulk case; both write the same rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import exists, func, select

from ..extensions import db
from ..models import (
    AdminUnit,
    AuditEvent,
    Counter,
    DossierImport,
    DutyShift,
    Kiosk,
    Officer,
    Role,
    ServiceCentre,
    SuggestionBox,
    UnitKind,
    UnitProfile,
    User,
)
from ..text import clean
from ..timeutil import local_today
from . import accounts, audit
from .units_import import CITY_CODE, CODE_RE, OFFICIAL_CODE_RE, ensure_city

MAX_COUNTERS = 30


@dataclass
class CommuneInput:
    code: str = ""
    name: str = ""
    kind: str = ""
    population: str = ""
    #: Number of tổ dân phố (phường) or thôn (xã): item 1.2.a needs it.
    neighbourhoods: str = ""
    centre_name: str = ""
    centre_address: str = ""
    #: One counter per line: its label (e.g. "Tư pháp – Hộ tịch").
    counters: str = ""
    admin_username: str = ""
    admin_full_name: str = ""
    admin_email: str = ""
    admin_password: str = ""
    errors: dict[str, str] = field(default_factory=dict)

    def counter_labels(self) -> list[str]:
        return [clean(line)[:200] for line in self.counters.splitlines() if clean(line)]


def _positive(text: str) -> int | None:
    text = clean(text).replace(".", "").replace(" ", "")
    return int(text) if text.isdigit() and int(text) > 0 else None


def _official(code: str) -> str | None:
    """The form asks for the official code (mã đơn vị hành chính): kept as such when it is one (digits)."""
    return code if OFFICIAL_CODE_RE.match(code) else None


def validate(data: CommuneInput) -> dict[str, str]:
    """Field → Vietnamese message for everything wrong (empty when the commune can be created)."""
    errors: dict[str, str] = {}
    data.code, data.name = clean(data.code), clean(data.name)
    if not CODE_RE.match(data.code) or data.code == CITY_CODE:
        errors["code"] = "Mã đơn vị (mã hành chính chính thức) không hợp lệ: chữ, số, dấu . _ -."
    elif db.session.execute(select(exists().where(AdminUnit.code == data.code))).scalar():
        errors["code"] = f"Mã “{data.code}” đã có đơn vị khác."
    elif _official(data.code) and db.session.execute(select(exists().where(
            AdminUnit.official_code == data.code))).scalar():
        errors["code"] = f"Mã đơn vị hành chính “{data.code}” đã có đơn vị khác."
    if not data.name or len(data.name) > 120:
        errors["name"] = "Vui lòng nhập tên đơn vị (tối đa 120 ký tự)."
    if data.kind not in (UnitKind.WARD.value, UnitKind.COMMUNE.value, UnitKind.SPECIAL_ZONE.value):
        errors["kind"] = "Vui lòng chọn loại: phường, xã hoặc đặc khu."
    if _positive(data.population) is None:
        errors["population"] = "Dân số phải là số nguyên dương."
    if _positive(data.neighbourhoods) is None:
        errors["neighbourhoods"] = "Số tổ dân phố/thôn phải là số nguyên dương."
    if not clean(data.centre_name):
        errors["centre_name"] = "Vui lòng nhập tên Trung tâm Phục vụ hành chính công."
    labels = data.counter_labels()
    if not labels:
        errors["counters"] = "Vui lòng nhập ít nhất một quầy (mỗi dòng một quầy)."
    elif len(labels) > MAX_COUNTERS:
        errors["counters"] = f"Tối đa {MAX_COUNTERS} quầy."
    username = clean(data.admin_username).lower()
    if not username or not CODE_RE.match(username):
        errors["admin_username"] = "Tên đăng nhập chỉ gồm chữ không dấu, số, dấu . _ -."
    elif accounts.username_taken(username):
        errors["admin_username"] = "Tên đăng nhập đã tồn tại."
    if not clean(data.admin_full_name):
        errors["admin_full_name"] = "Vui lòng nhập họ tên quản trị viên."
    email = clean(data.admin_email)
    if email and ("@" not in email or len(email) > 200):
        errors["admin_email"] = "Địa chỉ e-mail không hợp lệ."
    try:
        accounts.validate_password(data.admin_password, username)
    except accounts.AccountError as exc:
        errors["admin_password"] = str(exc)
    data.errors = errors
    return errors


def create_commune(actor: User, data: CommuneInput) -> AdminUnit:
    """Create everything in the caller's transaction (flushes; the caller commits). Call :func:`validate` first."""
    city = ensure_city()
    unit = AdminUnit(code=data.code, name=data.name, kind=data.kind, parent_id=city.id,
                     population=_positive(data.population), official_code=_official(data.code))
    db.session.add(unit)
    db.session.flush()
    db.session.add(UnitProfile(unit_id=unit.id, neighbourhoods=_positive(data.neighbourhoods)))
    centre = ServiceCentre(unit_id=unit.id, name=clean(data.centre_name)[:200],
                           address=clean(data.centre_address)[:300])
    db.session.add(centre)
    db.session.flush()
    for number, label in enumerate(data.counter_labels(), start=1):
        db.session.add(Counter(unit_id=unit.id, centre_id=centre.id, number=number, label=label))
    admin = accounts.create_user(actor, username=data.admin_username, full_name=data.admin_full_name,
                                 password=data.admin_password, role=Role.COMMUNE_ADMIN, unit_id=unit.id)
    admin.email = clean(data.admin_email) or None
    audit.record(actor, "create", "admin_unit", unit.id, unit_id=unit.id,
                 detail={"code": unit.code, "centre": centre.name, "counters": len(data.counter_labels()),
                         "admin": admin.username})
    db.session.flush()
    return unit


@dataclass(frozen=True)
class ChecklistItem:
    key: str
    label: str
    done: bool
    detail: str
    #: Endpoint name and arguments of the page where it is done.
    endpoint: str
    args: dict = field(default_factory=dict)


def _count(query) -> int:
    return int(db.session.execute(select(func.count()).select_from(query.subquery())).scalar())


def checklist(unit: AdminUnit) -> list[ChecklistItem]:
    """What the commune still lacks before it can go live, in the order it is usually done."""
    u = unit.id
    centres = _count(select(ServiceCentre.id).where(ServiceCentre.unit_id == u, ServiceCentre.active.is_(True)))
    counters = _count(select(Counter.id).where(Counter.unit_id == u, Counter.active.is_(True)))
    officers = _count(select(Officer.id).where(Officer.unit_id == u, Officer.active.is_(True)))
    without_photo = _count(select(Officer.id).where(Officer.unit_id == u, Officer.active.is_(True),
                                                    Officer.photo.is_(None)))
    printed = _count(select(AuditEvent.id).where(AuditEvent.unit_id == u, AuditEvent.entity == "qr_poster"))
    kiosks = _count(select(Kiosk.id).where(Kiosk.unit_id == u, Kiosk.active.is_(True), Kiosk.paired_at.is_not(None),
                                           Kiosk.revoked_at.is_(None)))
    duty = _count(select(DutyShift.id).where(DutyShift.unit_id == u, DutyShift.day >= local_today()))
    boxes = _count(select(SuggestionBox.id).where(SuggestionBox.unit_id == u, SuggestionBox.active.is_(True)))
    imports = _count(select(DossierImport.id).where(DossierImport.unit_id == u))
    return [
        ChecklistItem("centre", "Trung tâm Phục vụ hành chính công", centres > 0, f"{centres} trung tâm",
                      "admin.list_rows", {"slug": "centres"}),
        ChecklistItem("counters", "Các quầy tiếp nhận", counters > 0, f"{counters} quầy",
                      "admin.list_rows", {"slug": "counters"}),
        ChecklistItem("officers", "Cán bộ tại quầy, có ảnh (hiện trên máy đánh giá)",
                      officers > 0 and without_photo == 0,
                      f"{officers} cán bộ, {without_photo} chưa có ảnh" if officers else "chưa có cán bộ",
                      "kiosk_staff.index"),
        ChecklistItem("posters", "Đã in áp phích, thẻ QR", printed > 0,
                      "đã tải để in" if printed else "chưa tải áp phích/thẻ QR nào", "surveys_staff.index"),
        ChecklistItem("kiosk", "Máy đánh giá đã ghép nối", kiosks > 0, f"{kiosks} máy", "kiosk_staff.index"),
        ChecklistItem("duty", "Lịch trực đường dây nóng, Zalo, Facebook", duty > 0,
                      f"{duty} ca trực từ hôm nay" if duty else "chưa có ca trực sắp tới", "inbox.duty"),
        ChecklistItem("boxes", "Hòm thư góp ý", boxes > 0, f"{boxes} hòm thư", "inbox.boxes"),
        ChecklistItem("dossiers", "Nhập số liệu hồ sơ TTHC", imports > 0, f"{imports} lần nhập",
                      "dossiers.index", {"unit_id": u}),
    ]
