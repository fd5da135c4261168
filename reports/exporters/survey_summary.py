"""Bảng tổng hợp kết quả khảo sát, đánh giá (the survey summary table) as XLSX and DOCX.

Per questionnaire and scope (the whole commune, then each centre): the number of responses, then for each SIPAS
element and each of its criteria the valid answers n, the distribution over the five levels, the satisfaction index
(share of "Hài lòng" + "Rất hài lòng") with its 95% Wilson interval and the mean score; the element and overall
indices; TT 01's indicator scores (a reference scale) and the QĐ 766 ratio where the questionnaire has them.
The texts cited come from the legal registry (``citations``, by key) as in force on the as-of date.
"""

from __future__ import annotations

import io
from datetime import date

from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from reports.metrics.sipas import CriterionIndex
from reports.metrics.topics import TopicReport
from survey_app.numbers import interval_vi

from . import docx_layout as dl
from . import sheets
from .cells import safe_cell
from .model import MISSING, SurveyBlock, UnitHead

HEADERS = ["Yếu tố / tiêu chí", "Số ý kiến hợp lệ", "Rất hài lòng", "Hài lòng", "Bình thường", "Không hài lòng",
           "Rất không hài lòng", "Chỉ số hài lòng (%)", "Khoảng tin cậy 95% (%)", "Điểm trung bình (1–5)"]


def _pct(share: float | None) -> float | None:
    return None if share is None else round(share * 100, 2)


def criterion_values(label: str, c: CriterionIndex) -> list:
    ci = c.ci
    return [label, c.n, c.distribution[5], c.distribution[4], c.distribution[3], c.distribution[2],
            c.distribution[1], _pct(c.share), interval_vi(ci[0], ci[1]).rstrip("%") if ci else MISSING,
            round(c.mean, 2) if c.mean is not None else None]


def block_rows(block: SurveyBlock) -> list[tuple[str, list]]:
    """(kind, values) for one block: element rows, criterion rows, the overall index, the quick rating."""
    out: list[tuple[str, list]] = []
    for element in block.sipas.elements:
        out.append(("element", [element.name, element.n, None, None, None, None, None, _pct(element.index), "", None]))
        for c in element.criteria:
            out.append(("criterion", criterion_values("   " + c.label, c)))
    out.append(("overall", ["CHỈ SỐ HÀI LÒNG CHUNG (SIPAS)", block.responses, None, None, None, None, None,
                            _pct(block.sipas.index), "", None]))
    if block.sipas.quick is not None:
        out.append(("criterion", criterion_values("Mức độ hài lòng chung (câu đánh giá nhanh)", block.sipas.quick)))
    return out


def method_text(citations: dict[str, str]) -> str:
    sipas = citations.get("sipas") or "phương pháp SIPAS hiện hành của Bộ Nội vụ"
    return (f"Chỉ số hài lòng theo {sipas}: tỷ lệ ý kiến “Hài lòng” và “Rất hài lòng” trên tổng số ý kiến hợp lệ của "
            "từng tiêu chí; chỉ số yếu tố là trung bình các tiêu chí; chỉ số chung là trung bình các yếu tố; "
            "khoảng tin cậy Wilson 95%. Phiếu nghi vấn không được tính.")


def as_of_text(as_of: date | None) -> str:
    return f"Số liệu tính đến ngày {as_of.strftime('%d/%m/%Y')}." if as_of else ""


def block_notes(block: SurveyBlock, citations: dict[str, str] | None = None) -> list[str]:
    citations = citations or {}
    notes = [f"Số phiếu hợp lệ: {block.responses}; phiếu nghi vấn (loại khỏi chỉ số): {block.suspicious}."]
    if block.qd766 is not None and block.qd766.ratio is not None:
        notes.append(f"Tỷ lệ hài lòng theo {citations.get('service_index') or 'Bộ chỉ số phục vụ người dân'}: "
                     f"{dl.percent_vi(block.qd766.ratio)} "
                     f"({block.qd766.rated - block.qd766.dissatisfied}/{block.qd766.rated}); "
                     f"điểm {dl.number_vi(block.qd766.points)}/6.")
    if block.tt01 is not None and block.tt01.indicators:
        parts = [f"chỉ tiêu {i.number} – {i.name}: {dl.number_vi(i.score, 1) if i.score is not None else MISSING}"
                 for i in block.tt01.indicators]
        scale = citations.get("evaluation_scale") or "thang tham chiếu chín chỉ tiêu 2/1/0 điểm"
        notes.append(f"Chỉ tiêu theo {scale} (điểm trung bình mỗi hồ sơ, tối đa 2): " + "; ".join(parts)
                     + (f"; xếp loại {block.tt01.unit_band}." if block.tt01.unit_band else "."))
    return notes


def block_title(block: SurveyBlock) -> str:
    return (f"{block.questionnaire} – {block.scope} (từ {block.start.strftime('%d/%m/%Y')} đến "
            f"{block.end.strftime('%d/%m/%Y')})")


TOPIC_HEADERS = ["Chủ đề", "Số ý kiến", "Nửa đầu kỳ", "Nửa sau kỳ", "Xu hướng", "Từ ngữ tiêu biểu", "Ví dụ"]
TOPIC_NOTE = ("Nhóm góp ý trong phiếu khảo sát và phản ánh theo từ ngữ (tách từ tiếng Việt, TF-IDF, NMF); ý kiến quá "
              "ngắn hoặc không giống ý kiến nào khác không tạo thành chủ đề. Số điện thoại, thư điện tử đã được ẩn.")


def topic_rows(topics: TopicReport) -> list[list]:
    return [[t.label, t.count, t.first_half, t.second_half, t.trend, ", ".join(t.terms), " | ".join(t.examples)]
            for t in topics.topics]


def topics_title(topics: TopicReport) -> str:
    return (f"Chủ đề góp ý của người dân (từ {topics.start.strftime('%d/%m/%Y')} đến "
            f"{topics.end.strftime('%d/%m/%Y')}: {topics.texts} ý kiến)")


def xlsx(unit: UnitHead, year: int, blocks: list[SurveyBlock], as_of: date | None = None,
         citations: dict[str, str] | None = None, topics: TopicReport | None = None) -> bytes:
    wb = sheets.new_workbook()
    ws = wb.active
    ws.title = "Tổng hợp khảo sát"
    ws.column_dimensions["A"].width = 50
    for index in range(2, len(HEADERS) + 1):
        ws.column_dimensions[get_column_letter(index)].width = 11
    columns = len(HEADERS)
    bold = Font(bold=True)
    ws.append([f"BẢNG TỔNG HỢP KẾT QUẢ KHẢO SÁT, ĐÁNH GIÁ SỰ HÀI LÒNG NĂM {year} – {unit.full_name.upper()}"])
    ws.cell(1, 1).font = Font(bold=True, size=13)
    sheets.span(ws, 1, columns, horizontal="center")
    ws.append([safe_cell(f"{as_of_text(as_of)} Phương pháp: {method_text(citations or {})}".strip())])
    sheets.span(ws, 2, columns)
    if not blocks:
        ws.append([MISSING])
    first_header = None
    for block in blocks:
        ws.append([])
        ws.append([safe_cell(block_title(block))])
        ws.cell(ws.max_row, 1).font = Font(bold=True, size=12)
        sheets.span(ws, ws.max_row, columns)
        ws.append(HEADERS)
        first_header = first_header or ws.max_row
        for cell in ws[ws.max_row]:
            cell.font, cell.alignment = bold, Alignment(wrap_text=True, horizontal="center", vertical="center")
            cell.fill = PatternFill("solid", fgColor="EEEEEE")
        for kind, values in block_rows(block):
            ws.append([safe_cell(v) if isinstance(v, str) else ("" if v is None else v) for v in values])
            for index, cell in enumerate(ws[ws.max_row]):
                cell.alignment = Alignment(wrap_text=True, vertical="top", horizontal="left" if not index else "center")
                if kind != "criterion":
                    cell.font = bold
        for note in block_notes(block, citations):
            ws.append([safe_cell(note)])
            sheets.span(ws, ws.max_row, columns)
    sheets.finish(ws, first_header)
    if topics is not None:
        sheet = wb.create_sheet("Chủ đề góp ý")
        for letter, width in zip("ABCDEFG", (26, 9, 9, 9, 11, 30, 50), strict=True):
            sheet.column_dimensions[letter].width = width
        sheet.append([safe_cell(topics_title(topics))])
        sheet.cell(1, 1).font = Font(bold=True, size=12)
        sheets.span(sheet, 1, len(TOPIC_HEADERS))
        sheet.append([TOPIC_NOTE])
        sheets.span(sheet, 2, len(TOPIC_HEADERS))
        sheet.append(TOPIC_HEADERS)
        for cell in sheet[sheet.max_row]:
            cell.font, cell.fill = bold, PatternFill("solid", fgColor="EEEEEE")
        for row in topic_rows(topics):
            sheet.append([safe_cell(v) for v in row])
        if not topics.topics:
            sheet.append(["Chưa đủ ý kiến để nhóm thành chủ đề."])
            sheets.span(sheet, sheet.max_row, len(TOPIC_HEADERS))
        sheets.wrap(sheet, 3)
        sheets.finish(sheet, 3)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def docx(unit: UnitHead, year: int, blocks: list[SurveyBlock], as_of: date | None = None,
         citations: dict[str, str] | None = None, topics: TopicReport | None = None) -> bytes:
    document = dl.new_document(landscape=True)
    dl.header(document, unit.issuer, f"      /BTH-{unit.issuer.symbol}", None)
    dl.title(document, "Bảng tổng hợp kết quả khảo sát, đánh giá",
             f"Sự hài lòng của người dân, tổ chức năm {year} – {unit.full_name}")
    if as_of:
        dl.paragraph(document, f"({as_of_text(as_of)[:-1]})", italic=True, align="center", size=13)
    dl.paragraph(document, method_text(citations or {}), size=12, indent_first=True)
    if not blocks:
        dl.paragraph(document, f"Trong kỳ {MISSING} khảo sát.", italic=True)
    widths = [8.0, 1.6, 1.5, 1.5, 1.5, 1.5, 1.5, 1.8, 2.4, 1.6]
    for block in blocks:
        dl.paragraph(document, block_title(block), bold=True, size=13)
        table = dl.grid_table(document, HEADERS, widths, size=10)
        for kind, values in block_rows(block):
            shown = [values[0]] + [("" if v is None else (dl.number_vi(v) if isinstance(v, float) else v))
                                   for v in values[1:]]
            dl.add_row(table, shown, widths, bold=kind != "criterion", size=10,
                       aligns=["left"] + ["center"] * 9)
        for note in block_notes(block, citations):
            dl.paragraph(document, note, italic=True, size=12)
    if topics is not None:
        dl.paragraph(document, topics_title(topics), bold=True, size=13)
        dl.paragraph(document, TOPIC_NOTE, italic=True, size=12)
        if topics.topics:
            headers = ["Chủ đề", "Số ý kiến", "Xu hướng (nửa đầu → nửa sau kỳ)", "Ví dụ"]
            topic_widths = [5.5, 2.0, 3.5, 14.0]
            table = dl.grid_table(document, headers, topic_widths, size=10)
            for t in topics.topics:
                dl.add_row(table, [t.label, dl.number_vi(t.count), f"{t.trend} ({t.first_half} → {t.second_half})",
                                   "\n".join(f"“{e}”" for e in t.examples)], topic_widths, size=10,
                           aligns=["left", "center", "center", "left"])
        else:
            dl.paragraph(document, "Chưa đủ ý kiến để nhóm thành chủ đề.", italic=True)
    dl.recipients_and_signature(document, ["Sở Nội vụ thành phố", "Lưu: VT, VHXH."],
                                ("NGƯỜI LẬP BIỂU",))
    return dl.to_bytes(document)
