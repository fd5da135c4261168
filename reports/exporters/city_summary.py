"""The city summary of the appraisal: every commune's self-score and appraised score and level, and the level
distribution against the targets of the city's Đề án 2026–2030, as XLSX and DOCX."""

from __future__ import annotations

import io
from dataclasses import dataclass

from openpyxl.styles import Alignment, Font

from survey_app.numbers import MISSING

from . import docx_layout as dl
from . import sheets
from .cells import safe_cell
from .docx_layout import Issuer


@dataclass(frozen=True)
class CommuneLine:
    #: the official code (mã đơn vị hành chính); "" until the city's list brings it
    code: str
    name: str
    status: str
    self_total: float | None
    appraised_total: float | None
    level: str


@dataclass(frozen=True)
class LevelCount:
    name: str
    count: int


@dataclass(frozen=True)
class TargetCheck:
    label: str
    target: float | None
    achieved: float

    @property
    def met(self) -> bool | None:
        return None if self.target is None else self.achieved >= self.target - 1e-9


@dataclass(frozen=True)
class CitySummary:
    year: int
    communes: list[CommuneLine]
    levels: list[LevelCount]
    targets: list[TargetCheck]
    source: str


HEADERS = ["TT", "Mã ĐVHC", "Xã, phường, đặc khu", "Tình trạng", "Điểm tự chấm", "Điểm thẩm định", "Xếp loại"]


def _share(value: float | None) -> str:
    return dl.percent_vi(value) if value is not None else "—"


def target_lines(summary: CitySummary) -> list[str]:
    lines = []
    for t in summary.targets:
        verdict = "" if t.met is None else (" – đạt" if t.met else " – chưa đạt")
        lines.append(f"{t.label}: {_share(t.achieved)} (chỉ tiêu {_share(t.target)}){verdict}")
    return lines


def xlsx(summary: CitySummary) -> bytes:
    wb = sheets.new_workbook()
    ws = wb.active
    ws.title = "Tổng hợp thẩm định"
    for column, width in zip("ABCDEFG", (6, 10, 30, 26, 11, 11, 16), strict=True):
        ws.column_dimensions[column].width = width
    columns = len(HEADERS)
    ws.append([f"TỔNG HỢP KẾT QUẢ THẨM ĐỊNH MÔ HÌNH “CHÍNH QUYỀN THÂN THIỆN” NĂM {summary.year}"])
    ws.cell(1, 1).font = Font(bold=True, size=13)
    sheets.span(ws, 1, columns, horizontal="center")
    ws.append([])
    ws.append(HEADERS)
    header_row = ws.max_row
    for cell in ws[header_row]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, horizontal="center", vertical="center")
    for number, c in enumerate(summary.communes, start=1):
        ws.append([number, safe_cell(c.code) or None, safe_cell(c.name), c.status, c.self_total, c.appraised_total,
                   c.level])
    sheets.wrap(ws, header_row + 1)
    ws.append([])
    ws.append(["Phân bố xếp loại"])
    ws.cell(ws.max_row, 1).font = Font(bold=True)
    sheets.span(ws, ws.max_row, columns)
    for level in summary.levels:
        ws.append([level.name, None, None, level.count])
        sheets.span(ws, ws.max_row, 3)
    ws.append([])
    ws.append([f"Đối chiếu chỉ tiêu ({summary.source})"])
    ws.cell(ws.max_row, 1).font = Font(bold=True)
    sheets.span(ws, ws.max_row, columns)
    for line in target_lines(summary):
        ws.append([line])
        sheets.span(ws, ws.max_row, columns)
    sheets.finish(ws, header_row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def docx(summary: CitySummary) -> bytes:
    document = dl.new_document(landscape=True)
    issuer = Issuer(body_lines=("Sở Nội vụ", "Thành phố Hải Phòng"), place="Hải Phòng", symbol="SNV",
                    parent="UBND thành phố Hải Phòng")
    dl.header(document, issuer, "      /BC-SNV", None)
    dl.title(document, "Báo cáo tổng hợp", f"Kết quả thẩm định mô hình “Chính quyền thân thiện” năm {summary.year}")
    for line in target_lines(summary):
        dl.paragraph(document, f"- {line}.", indent_first=True)
    dl.paragraph(document, "Phân bố xếp loại: " + "; ".join(f"{lv.name}: {lv.count}" for lv in summary.levels) + ".",
                 indent_first=True)
    widths = [1.2, 2.4, 6.5, 5.5, 2.4, 2.6, 3.6]
    table = dl.grid_table(document, HEADERS, widths, size=11)
    for number, c in enumerate(summary.communes, start=1):
        dl.add_row(table, [number, c.code or MISSING, c.name, c.status, dl.number_vi(c.self_total),
                           dl.number_vi(c.appraised_total), c.level], widths, size=11,
                   aligns=["center", "left", "left", "left", "center", "center", "center"])
    dl.recipients_and_signature(document, ["UBND thành phố (để báo cáo);", "Lưu: VT, XDCQ."],
                                ("KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC"))
    return dl.to_bytes(document)
