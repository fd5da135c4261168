"""Importing the city's list of communes from CSV: validated whole, applied whole, idempotent by code."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

from sqlalchemy import select

from ..extensions import db
from ..models import AdminUnit, UnitKind, User
from ..text import clean, fold
from . import audit

CITY_CODE = "31"
CITY_NAME = "Hải Phòng"
CODE_RE = re.compile(r"^[A-Za-z0-9._-]{1,32}$")
#: The official code of an administrative unit (mã đơn vị hành chính): digits only.
OFFICIAL_CODE_RE = re.compile(r"^[0-9]{1,16}$")

#: Accepted headers (folded: lower-case, no diacritics) for each field.
HEADERS = {
    "code": {"code", "ma", "ma don vi", "ma xa"},
    "official_code": {"official code", "official_code", "ma dvhc", "ma don vi hanh chinh"},
    "name": {"name", "ten", "ten don vi", "ten xa", "ten don vi hanh chinh"},
    "kind": {"kind", "loai", "cap", "loai don vi"},
    "population": {"population", "dan so", "so dan"},
}
KINDS = {"phuong": UnitKind.WARD, "xa": UnitKind.COMMUNE, "dac khu": UnitKind.SPECIAL_ZONE}
PREFIXES = {"phuong ": UnitKind.WARD, "xa ": UnitKind.COMMUNE, "dac khu ": UnitKind.SPECIAL_ZONE}


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"Dòng {self.row}, cột {self.column}: {self.message}"


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass(frozen=True)
class UnitRow:
    code: str
    name: str
    kind: UnitKind
    population: int | None
    official_code: str | None = None


def ensure_city() -> AdminUnit:
    city = db.session.execute(select(AdminUnit).where(AdminUnit.code == CITY_CODE)).scalar_one_or_none()
    if city is None:
        city = AdminUnit(code=CITY_CODE, name=CITY_NAME, kind=UnitKind.CITY.value, parent_id=None)
        db.session.add(city)
        db.session.flush()
    return city


def parse(data: bytes) -> tuple[list[UnitRow], list[RowError]]:
    """Read and validate every row; nothing touches the database."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return [], [RowError(0, "-", "Tệp không phải văn bản UTF-8. Hãy lưu lại dưới dạng CSV UTF-8.")]
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    try:
        header = next(reader)
    except (StopIteration, csv.Error):
        return [], [RowError(1, "-", "Tệp rỗng hoặc không đọc được dòng tiêu đề.")]
    columns: dict[str, int] = {}
    for index, title in enumerate(header):
        for key, names in HEADERS.items():
            if fold(title) in names:
                columns[key] = index
    if "code" not in columns and "official_code" in columns:  # a list with only the official code: it is the code
        columns["code"] = columns["official_code"]
    missing = [k for k in ("code", "name") if k not in columns]
    if missing:
        return [], [
            RowError(1, "-", "Thiếu cột bắt buộc: " + ", ".join("mã" if m == "code" else "tên" for m in missing))
        ]

    rows: list[UnitRow] = []
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    try:
        records = list(enumerate(reader, start=2))
    except csv.Error as exc:
        return [], [RowError(0, "-", f"Tệp CSV bị lỗi định dạng: {exc}")]
    for line, record in records:
        if not any(cell.strip() for cell in record):
            continue

        def cell(key: str, record=record) -> str:
            index = columns.get(key)
            return clean(record[index]) if index is not None and index < len(record) else ""

        code, name, kind_text, population_text = cell("code"), cell("name"), cell("kind"), cell("population")
        official = cell("official_code")
        row_errors: list[RowError] = []
        if official and not OFFICIAL_CODE_RE.match(official):
            row_errors.append(RowError(line, "mã ĐVHC", f"Mã đơn vị hành chính “{official}” phải là chữ số."))
        if not CODE_RE.match(code):
            row_errors.append(RowError(line, "mã", f"Mã đơn vị “{code}” không hợp lệ (chữ, số, . _ -)."))
        elif code == CITY_CODE:
            row_errors.append(RowError(line, "mã", f"Mã {CITY_CODE} là mã của thành phố."))
        elif code in seen:
            row_errors.append(RowError(line, "mã", f"Mã “{code}” trùng với dòng {seen[code]}."))
        else:
            seen[code] = line
        kind = KINDS.get(fold(kind_text)) if kind_text else None
        for prefix, prefix_kind in PREFIXES.items():
            if fold(name).startswith(prefix):
                kind = kind or prefix_kind
                name = name[len(prefix):].strip()
                break
        if kind_text and fold(kind_text) not in KINDS:
            row_errors.append(RowError(line, "loại", f"Loại “{kind_text}” không hợp lệ (phường, xã, đặc khu)."))
        elif kind is None:
            row_errors.append(RowError(line, "loại", "Thiếu loại đơn vị (phường, xã hoặc đặc khu)."))
        if not name or len(name) > 120:
            row_errors.append(RowError(line, "tên", "Tên đơn vị trống hoặc dài quá 120 ký tự."))
        population = None
        if population_text:
            digits = population_text.replace(".", "").replace(",", "").replace(" ", "")
            if not digits.isdigit() or int(digits) <= 0:
                row_errors.append(RowError(line, "dân số", f"Dân số “{population_text}” không phải số dương."))
            else:
                population = int(digits)
        if row_errors:
            errors.extend(row_errors)
        else:
            rows.append(UnitRow(code, name, kind, population, official or None))
    if not rows and not errors:
        errors.append(RowError(2, "-", "Tệp không có dòng dữ liệu nào."))
    return rows, errors


def import_units(data: bytes, actor: User | None = None) -> ImportReport:
    """Validate the whole file; apply it only when every row is valid. Re-importing changes nothing."""
    rows, errors = parse(data)
    report = ImportReport(errors=errors)
    if errors:
        return report
    city = ensure_city()
    existing = {u.code: u for u in db.session.execute(select(AdminUnit)).scalars()}
    for row in rows:
        unit = existing.get(row.code)
        values = {"name": row.name, "kind": row.kind.value, "parent_id": city.id}
        if row.population is not None:
            values["population"] = row.population
        if row.official_code is not None:
            values["official_code"] = row.official_code
        if unit is None:
            unit = AdminUnit(code=row.code, **values)
            db.session.add(unit)
            db.session.flush()
            audit.record(actor, "create", "admin_unit", unit.id, unit_id=unit.id, detail=values)
            report.created += 1
            continue
        changes = audit.diff(unit, values)
        if changes:
            audit.record(actor, "update", "admin_unit", unit.id, unit_id=unit.id, detail=changes)
            report.updated += 1
        else:
            report.unchanged += 1
    db.session.flush()
    return report
