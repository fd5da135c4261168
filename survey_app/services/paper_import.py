"""Paper questionnaires keyed in by staff: the spreadsheet template and its all-or-nothing import."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime, time

import pandas as pd
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font

from ..models import Channel, PaperBatch, QuestionnaireVersion, ServiceCentre, User
from ..surveys.definition import Definition, ParsedAnswers, read_answers
from ..text import clean
from ..timeutil import LOCAL_TZ, as_utc, local_today, parse_date
from . import paper_batches, surveys
from .units_import import RowError

SERIAL, DAY, COUNTER = "Số phiếu", "Ngày", "Quầy"
MAX_ROWS = 5000
MAX_BYTES = 5 * 1024 * 1024


def _codes(question) -> str:
    if question.type == "text":
        return "Văn bản tự do"
    codes = ", ".join(f"{v} = {label}" for v, label in question.choices("vi"))
    return codes + ("; nhiều lựa chọn cách nhau bằng dấu ;" if question.type == "multi" else "")


def template_xlsx(definition: Definition) -> bytes:
    """A workbook with one column per question (header = stable question key) and a guide sheet."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Phiếu"
    headers = [SERIAL, DAY, COUNTER, *definition.questions]
    ws.append(headers)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    ws.cell(1, 1).comment = Comment("Số in trên phiếu giấy, không trùng trong xã/phường.", "Hài Lòng")
    ws.cell(1, 2).comment = Comment("Ngày trên phiếu, dạng dd/mm/yyyy.", "Hài Lòng")
    ws.cell(1, 3).comment = Comment("Số quầy (để trống nếu phiếu chung cho Trung tâm).", "Hài Lòng")
    for index, question in enumerate(definition.questions.values(), start=4):
        ws.cell(1, index).comment = Comment(f"{question.label('vi')}\n{_codes(question)}", "Hài Lòng")
    guide = wb.create_sheet("Hướng dẫn")
    guide.append(["Cột", "Câu hỏi", "Mã trả lời", "Bắt buộc"])
    for cell in guide[1]:
        cell.font = Font(bold=True)
    for question in definition.questions.values():
        guide.append([question.key, question.label("vi"), _codes(question), "Có" if question.required else ""])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def template_csv(definition: Definition) -> bytes:
    return (",".join([SERIAL, DAY, COUNTER, *definition.questions]) + "\n").encode("utf-8-sig")


@dataclass
class PaperRow:
    line: int
    serial: str
    answered_at: datetime
    counter_id: int | None
    answers: ParsedAnswers


@dataclass
class PaperImport:
    rows: list[PaperRow]
    errors: list[RowError]


def _read_table(data: bytes, filename: str) -> pd.DataFrame:
    if filename.lower().endswith((".xlsx", ".xlsm")):
        return pd.read_excel(io.BytesIO(data), sheet_name=0, dtype=str, keep_default_na=False, engine="openpyxl")
    text = data.decode("utf-8-sig")
    return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, sep=None, engine="python")


def parse_file(data: bytes, filename: str, version: QuestionnaireVersion, centre: ServiceCentre) -> PaperImport:
    """Validate every row; nothing touches the database."""
    definition = surveys.definition_of(version)
    if len(data) > MAX_BYTES:
        return PaperImport([], [RowError(0, "-", "Tệp lớn hơn 5 MB. Hãy chia thành nhiều tệp.")])
    try:
        table = _read_table(data, filename)
    except UnicodeDecodeError:
        return PaperImport([], [RowError(0, "-", "Tệp CSV không phải UTF-8. Hãy lưu lại dưới dạng CSV UTF-8.")])
    except Exception:  # pandas/openpyxl raise many kinds for a damaged file
        return PaperImport([], [RowError(0, "-", "Không đọc được tệp. Hãy dùng mẫu XLSX hoặc CSV của hệ thống.")])
    table.columns = [clean(str(c)) for c in table.columns]
    missing = [c for c in (SERIAL, DAY) if c not in table.columns]
    if missing:
        return PaperImport([], [RowError(1, "-", "Thiếu cột: " + ", ".join(missing) + ". Hãy dùng tệp mẫu.")])
    unknown = [c for c in table.columns if c not in (SERIAL, DAY, COUNTER) and c not in definition.questions]
    if unknown:
        return PaperImport([], [RowError(1, c, "Cột không có trong phiếu phiên bản này.") for c in unknown])
    if len(table) > MAX_ROWS:
        return PaperImport([], [RowError(0, "-", f"Tối đa {MAX_ROWS} phiếu mỗi lần nhập.")])
    counters = {c.number: c.id for c in centre.counters}
    rows: list[PaperRow] = []
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    today = local_today()
    for offset, record in enumerate(table.to_dict(orient="records")):
        line = offset + 2
        cells = {k: clean(v) for k, v in record.items()}
        if not any(cells.values()):
            continue
        serial = cells.get(SERIAL, "")
        row_errors: list[RowError] = []
        if not serial or len(serial) > 32:
            row_errors.append(RowError(line, SERIAL, "Thiếu số phiếu hoặc dài quá 32 ký tự."))
        elif serial in seen:
            row_errors.append(RowError(line, SERIAL, f"Số phiếu “{serial}” trùng với dòng {seen[serial]}."))
        else:
            seen[serial] = line
            if surveys.paper_serial_used(version.questionnaire_id, centre.unit_id, serial):
                row_errors.append(RowError(line, SERIAL, f"Phiếu số “{serial}” đã được nhập trước đây."))
        day = parse_date(cells.get(DAY, ""))
        if day is None:
            row_errors.append(RowError(line, DAY, f"Ngày “{cells.get(DAY, '')}” không hợp lệ (dd/mm/yyyy)."))
        elif day > today or day.year < today.year - 1:
            row_errors.append(RowError(line, DAY, "Ngày trên phiếu ở tương lai hoặc quá xa trong quá khứ."))
        counter_id = None
        if cells.get(COUNTER):
            try:
                counter_id = counters[int(cells[COUNTER])]
            except (ValueError, KeyError):
                row_errors.append(RowError(line, COUNTER, f"Trung tâm không có quầy số “{cells[COUNTER]}”."))

        def get_list(name: str, cells=cells) -> list[str]:
            raw = cells.get(name.removeprefix("q-"), "")
            return [part.strip() for part in raw.replace(",", ";").split(";")] if raw else []

        parsed = read_answers(definition, get_list)
        for key, message in parsed.errors.items():
            row_errors.append(RowError(line, key, message))
        if row_errors:
            errors.extend(row_errors)
            continue
        noon = datetime.combine(day, time(12, 0), tzinfo=LOCAL_TZ)
        rows.append(PaperRow(line, serial, as_utc(noon), counter_id, parsed))
    if not rows and not errors:
        errors.append(RowError(2, "-", "Tệp không có phiếu nào."))
    return PaperImport(rows, errors)


def apply(result: PaperImport, version: QuestionnaireVersion, centre: ServiceCentre, actor: User,
          batch: PaperBatch) -> int:
    """Store every parsed row into ``batch``, waiting for the second-person check (call only when
    ``result.errors`` is empty)."""
    for row in result.rows:
        response, created = surveys.submit_response(version, row.answers, surveys.Submission(
            unit_id=centre.unit_id, centre_id=centre.id, counter_id=row.counter_id, channel=Channel.PAPER.value,
            client_id=f"paper:{batch.id}:{row.serial}", answered_at=row.answered_at,
            entered_by=actor, paper_serial=row.serial))
        if created:
            paper_batches.keyed(actor, batch, response)
    return len(result.rows)
