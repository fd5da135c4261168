"""Importing the dossier statistics exported by the city's one-stop system (CSV or XLSX).

Headers are recognised in their usual Vietnamese variants and the mapping is remembered per commune; dates are
dd/mm/yyyy with or without a time; a due date is the end of that local day. Values are read as real exports
write them ("Bưu chính công ích", "Dịch vụ công trực tuyến", "Đã trả kết quả"…).

Two kinds of problems: what would change a score (dates, the fast-track mark, a status that contradicts the
dates) is an error and the whole file is refused, nothing applied; what no rule needs (an unknown "Hình thức"
becomes "khác", an unknown status, a dossier code outside the national format) is a warning in the row report and
the file is applied. Re-importing updates rows by dossier code instead of duplicating them.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime

import pandas as pd
from sqlalchemy import select

from ..extensions import db
from ..models import Dossier, DossierColumnMapping, DossierImport, User
from ..text import clean, fold
from ..timeutil import LOCAL_TZ, as_utc, local_day
from .units_import import RowError
from .workdays import end_of_local_day

MAX_BYTES = 50 * 1024 * 1024
MAX_ROWS = 200_000
#: the row report keeps this many warnings with the import (the count is kept whole)
MAX_WARNINGS_KEPT = 2000

#: field -> accepted headers (folded: lower case, no diacritics)
HEADERS = {
    "code": {"ma ho so", "so ho so", "ma hs", "code"},
    "procedure": {"ten thu tuc", "thu tuc", "ten tthc", "thu tuc hanh chinh", "ten thu tuc hanh chinh", "procedure"},
    "field": {"linh vuc", "field"},
    "received": {"ngay tiep nhan", "ngay nhan", "thoi gian tiep nhan", "ngay nop", "received"},
    "due": {"ngay hen tra", "han xu ly", "ngay hen", "han giai quyet", "ngay hen tra ket qua", "due"},
    "settled": {"ngay tra ket qua", "ngay hoan thanh", "ngay co ket qua", "ngay tra", "ngay ket thuc",
                "ngay giai quyet xong", "settled"},
    "channel": {"hinh thuc", "kenh", "hinh thuc nop", "kenh nop", "channel", "hinh thuc tiep nhan",
                "kenh tiep nhan", "nguon tiep nhan", "hinh thuc nop ho so"},
    "fast_track": {"giai quyet nhanh", "trong ngay", "fast track", "tra trong ngay"},
    "status": {"trang thai", "tinh trang", "trang thai ho so", "tinh trang ho so", "trang thai xu ly", "status"},
}
REQUIRED = ("code", "received", "due")
FIELD_LABELS = {"code": "Mã hồ sơ", "procedure": "Tên thủ tục", "field": "Lĩnh vực", "received": "Ngày tiếp nhận",
                "due": "Ngày hẹn trả", "settled": "Ngày trả kết quả", "channel": "Hình thức",
                "fast_track": "Giải quyết nhanh", "status": "Trạng thái"}
#: "Hình thức" as one-stop systems write it (folded) -> channel. Only "home" counts in a rule (2.2).
CHANNELS = {"truc tuyen": "online", "online": "online", "dich vu cong truc tuyen": "online",
            "dvc truc tuyen": "online", "dvctt": "online", "nop truc tuyen": "online", "qua mang": "online",
            "cong dich vu cong": "online", "cong dich vu cong quoc gia": "online", "dich vu cong": "online",
            "truc tiep": "direct", "direct": "direct", "tai quay": "direct", "nop truc tiep": "direct",
            "bo phan mot cua": "direct", "tai bo phan mot cua": "direct", "truc tiep tai bo phan mot cua": "direct",
            "buu chinh": "postal", "buu dien": "postal", "postal": "postal", "buu chinh cong ich": "postal",
            "qua buu chinh": "postal", "qua buu chinh cong ich": "postal", "dich vu buu chinh cong ich": "postal",
            "tai nha": "home", "home": "home", "luu dong": "home", "tiep nhan tai nha": "home",
            "tiep nhan va tra ket qua tai nha": "home", "tra ket qua tai nha": "home"}
#: words that identify a channel inside a longer value ("Nộp trực tuyến mức độ 4"), most specific first
CHANNEL_WORDS = (("tai nha", "home"), ("luu dong", "home"), ("buu chinh", "postal"), ("buu dien", "postal"),
                 ("truc tuyen", "online"), ("dich vu cong", "online"), ("truc tiep", "direct"),
                 ("mot cua", "direct"))
#: "Trạng thái" -> open / settled / withdrawn (not judged: the citizen withdrew it or it was returned unprocessed)
STATUSES = {"dang xu ly": "open", "dang giai quyet": "open", "cho xu ly": "open", "moi tiep nhan": "open",
            "da tiep nhan": "open", "chua giai quyet": "open", "dang thu ly": "open", "cho bo sung": "open",
            "cho bo sung ho so": "open", "tam dung": "open", "dang cho": "open", "chua tra ket qua": "open",
            "da tra ket qua": "settled", "da giai quyet": "settled", "hoan thanh": "settled",
            "da hoan thanh": "settled", "da tra": "settled", "da co ket qua": "settled", "da xu ly": "settled",
            "da xu ly xong": "settled", "da tra ket qua dung han": "settled", "da tra ket qua tre han": "settled",
            "da tra ket qua truoc han": "settled", "ket thuc": "settled",
            "rut ho so": "withdrawn", "da rut": "withdrawn", "cong dan rut ho so": "withdrawn",
            "rut": "withdrawn", "tra lai": "withdrawn", "tra lai ho so": "withdrawn", "tu choi": "withdrawn",
            "tu choi tiep nhan": "withdrawn", "khong tiep nhan": "withdrawn", "da huy": "withdrawn",
            "huy": "withdrawn", "huy ho so": "withdrawn"}
YES = {"co", "x", "1", "true", "yes", "dung"}
NO = {"", "khong", "0", "false", "no", "-"}
#: the national dossier code: agency code, yymmdd of receipt, a sequence number (e.g. 000.00.12.H23-260302-0001)
NATIONAL_CODE = re.compile(r"^(?P<agency>[A-Z0-9]+(?:\.[A-Z0-9]+)*)-(?P<day>\d{6})-(?P<seq>\d{4,})$")


@dataclass
class DossierRow:
    code: str
    values: dict


@dataclass
class DossierReport:
    rows: list[DossierRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    #: what no rule needs but a person should know (kept with the import)
    warnings: list[RowError] = field(default_factory=list)
    mapping: dict[str, str] = field(default_factory=dict)
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def parse_moment(value: str) -> tuple[datetime | None, bool]:
    """(local datetime, has_time) from dd/mm/yyyy[ HH:MM[:SS]] or ISO; None when unreadable."""
    value = clean(value)
    for fmt in ("%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M",
                "%Y-%m-%d", "%d-%m-%Y %H:%M", "%d-%m-%Y"):
        try:
            parsed = datetime.strptime(value, fmt)
        except ValueError:
            continue
        return parsed.replace(tzinfo=LOCAL_TZ), "%H" in fmt and (parsed.hour, parsed.minute, parsed.second) != (0, 0, 0)
    return None, False


def _read(data: bytes, filename: str) -> pd.DataFrame:
    if filename.lower().endswith((".xlsx", ".xlsm")):
        return pd.read_excel(io.BytesIO(data), sheet_name=0, dtype=str, keep_default_na=False, engine="openpyxl")
    return pd.read_csv(io.StringIO(data.decode("utf-8-sig")), dtype=str, keep_default_na=False, sep=None,
                       engine="python")


def _mapping(columns: list[str], saved: dict[str, str]) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for key, header in saved.items():
        if header in columns:
            mapping[key] = header
    for column in columns:
        for key, names in HEADERS.items():
            if key not in mapping and fold(column) in names:
                mapping[key] = column
    return mapping


def parse(data: bytes, filename: str, unit_id: int) -> DossierReport:
    """Validate the whole file; nothing touches the database."""
    report = DossierReport()
    if len(data) > MAX_BYTES:
        report.errors.append(RowError(0, "-", f"Tệp lớn hơn {MAX_BYTES // 1024 // 1024} MB: hãy xuất theo từng "
                                              "tháng hoặc quý rồi nhập lần lượt."))
        return report
    try:
        table = _read(data, filename)
    except UnicodeDecodeError:
        report.errors.append(RowError(0, "-", "Tệp CSV không phải UTF-8. Hãy lưu lại dạng CSV UTF-8 hoặc dùng XLSX."))
        return report
    except Exception:  # a damaged file raises many kinds of errors in pandas/openpyxl
        report.errors.append(RowError(0, "-", "Không đọc được tệp. Hãy dùng tệp XLSX hoặc CSV xuất từ hệ thống."))
        return report
    columns = [clean(str(c)) for c in table.columns]
    table.columns = columns
    saved = db.session.get(DossierColumnMapping, unit_id)
    mapping = _mapping(columns, saved.mapping if saved else {})
    missing = [FIELD_LABELS[k] for k in REQUIRED if k not in mapping]
    if missing:
        report.errors.append(RowError(1, "-", "Không nhận ra cột: " + ", ".join(missing)
                                      + ". Tiêu đề thường gặp: “Mã hồ sơ”, “Ngày tiếp nhận”, “Ngày hẹn trả”."))
        return report
    if len(table) > MAX_ROWS:
        report.errors.append(RowError(0, "-", f"Tối đa {MAX_ROWS} hồ sơ mỗi lần nhập."))
        return report
    report.mapping = mapping
    seen: dict[str, int] = {}
    for offset, record in enumerate(table.to_dict(orient="records")):
        line = offset + 2
        cell = {key: clean(record.get(header, "")) for key, header in mapping.items()}
        if not any(cell.values()):
            continue
        errors: list[RowError] = []
        code = cell.get("code", "")
        if not code or len(code) > 64:
            errors.append(RowError(line, mapping["code"], "Thiếu mã hồ sơ hoặc dài quá 64 ký tự."))
        elif code in seen:
            errors.append(RowError(line, mapping["code"], f"Mã hồ sơ “{code}” trùng với dòng {seen[code]}."))
        else:
            seen[code] = line
        received, _ = parse_moment(cell.get("received", ""))
        due, _ = parse_moment(cell.get("due", ""))
        settled, _ = parse_moment(cell["settled"]) if cell.get("settled") else (None, False)
        if received is None:
            errors.append(RowError(line, mapping["received"], f"Ngày “{cell.get('received', '')}” không hợp lệ."))
        if due is None:
            errors.append(RowError(line, mapping["due"], f"Ngày “{cell.get('due', '')}” không hợp lệ."))
        if cell.get("settled") and settled is None:
            errors.append(RowError(line, mapping["settled"], f"Ngày “{cell['settled']}” không hợp lệ."))
        if received and due and due.date() < received.date():
            errors.append(RowError(line, mapping["due"], "Ngày hẹn trả trước ngày tiếp nhận."))
        if received and settled and settled < received:
            errors.append(RowError(line, mapping["settled"], "Ngày trả kết quả trước ngày tiếp nhận."))
        channel, warning = read_channel(cell.get("channel", ""))
        if warning:
            report.warnings.append(RowError(line, mapping["channel"], warning))
        status, warning = read_status(cell.get("status", ""))
        if warning:
            report.warnings.append(RowError(line, mapping["status"], warning))
        if status == "settled" and settled is None and not cell.get("settled"):
            errors.append(RowError(line, mapping.get("settled", mapping["status"]),
                                   f"Trạng thái “{cell['status']}” nhưng thiếu ngày trả kết quả."))
        if status == "open" and settled is not None:
            errors.append(RowError(line, mapping["status"], f"Trạng thái “{cell['status']}” nhưng đã có ngày trả kết "
                                                            f"quả {cell['settled']}: hãy kiểm tra lại dòng này."))
        fast = fold(cell.get("fast_track", ""))
        if fast not in YES and fast not in NO:
            errors.append(RowError(line, mapping["fast_track"], f"“{cell['fast_track']}” ở cột giải quyết nhanh: ghi "
                                                                "“x”/“Có” hoặc để trống."))
        if code and received is not None and (warning := check_code(code, received.date())):
            report.warnings.append(RowError(line, mapping["code"], warning))
        if errors:
            report.errors.extend(errors)
            continue
        received_utc = as_utc(received)
        report.rows.append(DossierRow(code, {
            "procedure": cell.get("procedure", "")[:300], "field": cell.get("field", "")[:120],
            "received_at": received_utc, "received_day": local_day(received_utc),
            "due_at": end_of_local_day(due.date()),
            "settled_at": as_utc(settled) if settled else None, "channel": channel,
            "fast_track": fast in YES, "status": status,
        }))
    if not report.rows and not report.errors:
        report.errors.append(RowError(2, "-", "Tệp không có hồ sơ nào."))
    return report


def read_channel(value: str) -> tuple[str, str | None]:
    """(channel, warning): an empty value is "direct"; a value outside the known words becomes "other" with a
    warning (the column decides no score except "tại nhà", item 2.2)."""
    key = fold(value)
    if not key:
        return "direct", None
    if key in CHANNELS:
        return CHANNELS[key], None
    for word, channel in CHANNEL_WORDS:
        if word in key:
            return channel, None
    return "other", (f"Hình thức “{value}” không có trong danh sách (trực tuyến, trực tiếp, bưu chính công ích, tại "
                     "nhà): ghi là “Khác”. Cột này không ảnh hưởng điểm, trừ hồ sơ tại nhà (mục 2.2).")


def read_status(value: str) -> tuple[str | None, str | None]:
    """(status, warning): open, settled, withdrawn; an unknown value is "other" with a warning (the dates decide)."""
    key = fold(value)
    if not key:
        return None, None
    if key in STATUSES:
        return STATUSES[key], None
    for known, status in sorted(STATUSES.items(), key=lambda kv: -len(kv[0])):
        if key.startswith(known):
            return status, None
    return "other", (f"Trạng thái “{value}” không có trong danh sách (đang giải quyết, đã trả kết quả, rút hồ sơ…): "
                     "ghi là “Khác”; điểm tính theo các cột ngày.")


def check_code(code: str, received: date) -> str | None:
    """A warning when the code is outside the national format (agency code-yymmdd-sequence) or its date is not
    the day of receipt; the code is kept as it is either way."""
    match = NATIONAL_CODE.match(code.strip().upper())
    if match is None:
        return (f"Mã hồ sơ “{code}” không theo định dạng mã hồ sơ thống nhất (mã cơ quan-yymmdd-số thứ tự, ví dụ "
                "000.00.12.H23-260302-0001); vẫn nhập theo mã này.")
    try:
        coded = datetime.strptime(match["day"], "%y%m%d").date()
    except ValueError:
        return f"Mã hồ sơ “{code}”: phần ngày “{match['day']}” không phải ngày hợp lệ (yymmdd); vẫn nhập theo mã này."
    if coded != received:
        return (f"Mã hồ sơ “{code}” mang ngày {coded.strftime('%d/%m/%Y')} nhưng ngày tiếp nhận là "
                f"{received.strftime('%d/%m/%Y')}; vẫn nhập theo mã này.")
    return None


def apply(report: DossierReport, unit_id: int, filename: str, actor: User | None) -> DossierImport:
    """Insert or update every parsed row, remember the headers (call only when there are no errors)."""
    existing = {d.code: d for d in db.session.execute(select(Dossier).where(Dossier.unit_id == unit_id)).scalars()}
    record = DossierImport(unit_id=unit_id, filename=filename[:200], imported_by_id=actor.id if actor else None,
                           warnings=[{"row": w.row, "column": w.column, "message": w.message}
                                     for w in report.warnings[:MAX_WARNINGS_KEPT]],
                           warning_count=len(report.warnings))
    db.session.add(record)
    db.session.flush()
    new_rows = []
    for row in report.rows:
        dossier = existing.get(row.code)
        if dossier is None:
            new_rows.append({"unit_id": unit_id, "code": row.code, "import_id": record.id, **row.values})
            continue
        changed = False
        for key, value in row.values.items():
            if getattr(dossier, key) != value:
                setattr(dossier, key, value)
                changed = True
        if changed:
            dossier.import_id = record.id
            report.updated += 1
        else:
            report.unchanged += 1
    if new_rows:
        from sqlalchemy import insert

        for start in range(0, len(new_rows), 2000):
            db.session.execute(insert(Dossier), new_rows[start:start + 2000])
    report.created = len(new_rows)
    record.created, record.updated = report.created, report.updated
    mapping = db.session.get(DossierColumnMapping, unit_id)
    if mapping is None:
        db.session.add(DossierColumnMapping(unit_id=unit_id, mapping=report.mapping))
    else:
        mapping.mapping = report.mapping
    db.session.flush()
    return record


