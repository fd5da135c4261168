"""Bảng tự chấm điểm (the self-scoring table) for all 100 points, as XLSX, DOCX and PDF.

Columns as the appendix of the plans: TT, nội dung tiêu chí, điểm chuẩn, điểm tự chấm, tài liệu minh chứng; a row
for each criterion and group with its (capped) total, then the total and the level.
"""

from __future__ import annotations

import io

from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from . import docx_layout as dl
from . import sheets
from .cells import safe_cell
from .model import ScoreDoc

HEADERS = ["TT", "Nội dung tiêu chí", "Điểm chuẩn", "Điểm tự chấm", "Tài liệu minh chứng"]


def rows(doc: ScoreDoc) -> list[tuple[str, list]]:
    """(kind, values) in print order: kind is criterion | group | item | total | level."""
    out: list[tuple[str, list]] = []
    for criterion in doc.criteria:
        out.append(("criterion", [criterion.code, criterion.text, criterion.max, criterion.points, ""]))
        for group in doc.groups_of(criterion.code):
            items = doc.items_in(group.code)
            single = len(items) == 1 and items[0].code == group.code
            if not single:
                out.append(("group", [group.code, group.text, group.max, group.points, ""]))
            for item in items:
                evidence = item.evidence
                if item.source == "computed":
                    evidence = f"{item.evidence}. {item.explanation}".strip(". ")
                elif item.note:
                    evidence = f"{item.evidence}. {item.note}".strip(". ")
                out.append(("item", [item.code, item.text, item.max, item.points, evidence]))
    out.append(("total", ["", "TỔNG ĐIỂM", sum(c.max for c in doc.criteria), doc.total, ""]))
    level = doc.level + ("" if not doc.disqualified else " (" + "; ".join(doc.disqualified) + ")")
    out.append(("level", ["", "XẾP LOẠI", "", level, ""]))
    return out


def title_lines(doc: ScoreDoc) -> tuple[str, str]:
    return ("BẢNG TỰ CHẤM ĐIỂM",
            f"Kết quả thực hiện các tiêu chí mô hình “Chính quyền thân thiện” năm {doc.year} – {doc.unit.full_name}")


def number(doc: ScoreDoc) -> str:
    """The document's number and symbol, left for the office to fill in when it registers the table."""
    return f"      /BTCĐ-{doc.unit.issuer.symbol}"


#: Columns of the head's two blocks: the issuer over TT and the criterion, Quốc hiệu over the rest.
LEFT_COLUMNS, RIGHT_COLUMNS = (1, 2), (3, len(HEADERS))


def _head(ws, doc: ScoreDoc) -> int:
    """The Nghị định 30 head (issuer left, Quốc hiệu and Tiêu ngữ right, number and place-date under them), as in
    the Word table; returns the last row used."""
    left = [(text, bold, False) for text, bold in dl.issuer_lines(doc.unit.issuer)]
    right = [(dl.QUOC_HIEU, True, False), (dl.TIEU_NGU, True, False)]
    rows = max(len(left), len(right))
    left += [("", False, False)] * (rows - len(left)) + [(f"Số: {number(doc)}", False, False)]
    right += [("", False, False)] * (rows - len(right)) + [(dl.vietnamese_date(None, doc.unit.issuer.place),
                                                               False, True)]
    for row, ((l_text, l_bold, l_italic), (r_text, r_bold, r_italic)) in enumerate(zip(left, right, strict=True),
                                                                                 start=1):
        for (first, last), text, bold, italic in ((LEFT_COLUMNS, l_text, l_bold, l_italic),
                                                  (RIGHT_COLUMNS, r_text, r_bold, r_italic)):
            ws.merge_cells(start_row=row, start_column=first, end_row=row, end_column=last)
            cell = ws.cell(row, first, text or None)
            cell.font = Font(name=dl.FONT, bold=bold, italic=italic, size=13)
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    return len(left)


def xlsx(doc: ScoreDoc) -> bytes:
    wb = sheets.new_workbook()
    ws = wb.active
    ws.title = "Bảng tự chấm điểm"
    for index, width in enumerate([9, 70, 11, 12, 60], start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    head = _head(ws, doc)
    heading, subtitle = title_lines(doc)
    ws.append([])
    title_row = head + 2
    for text in (heading, subtitle, f"({doc.decision}; {_status(doc)})"):
        ws.append([text])
    ws.append([])
    ws.append(HEADERS)
    header_row = ws.max_row
    thin = Side(style="thin", color="888888")
    bold = Font(name=dl.FONT, bold=True, size=12)
    normal = Font(name=dl.FONT, size=12)
    fills = {"criterion": PatternFill("solid", fgColor="F2DCDB"), "group": PatternFill("solid", fgColor="F2F2F2")}
    for cell in ws[header_row]:
        cell.font, cell.alignment = bold, Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = Border(top=thin, bottom=thin, left=thin, right=thin)
    for kind, values in rows(doc):
        ws.append([safe_cell(v) if isinstance(v, str) else v for v in values])
        for index, cell in enumerate(ws[ws.max_row]):
            cell.font = bold if kind != "item" else normal
            cell.border = Border(top=thin, bottom=thin, left=thin, right=thin)
            cell.alignment = Alignment(wrap_text=True, vertical="top",
                                       horizontal="center" if index in (0, 2, 3) else "left")
            if kind in fills:
                cell.fill = fills[kind]
            if index in (2, 3) and isinstance(cell.value, (int, float)):
                cell.number_format = sheets.DECIMAL_FORMAT  # points: 9,25 and 10 as they are
    for row in range(title_row, title_row + 3):
        sheets.span(ws, row, len(HEADERS), horizontal="center")
        ws.cell(row, 1).font = Font(name=dl.FONT, bold=row < title_row + 2, italic=row == title_row + 2, size=13)
    ws.freeze_panes = ws.cell(header_row + 1, 1)
    sheets.finish(ws, header_row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def docx(doc: ScoreDoc) -> bytes:
    document = dl.new_document()
    dl.header(document, doc.unit.issuer, number(doc), None)
    heading, subtitle = title_lines(doc)
    dl.title(document, heading, subtitle)
    dl.paragraph(document, f"(Theo {doc.decision}; {_status(doc)})", italic=True, align="center", size=13)
    widths = [1.3, 7.0, 1.6, 1.6, 5.0]
    table = dl.grid_table(document, HEADERS, widths, size=11)
    for kind, values in rows(doc):
        shown = [values[0], values[1], dl.number_vi(values[2]) if values[2] != "" else "",
                 values[3] if isinstance(values[3], str) else dl.number_vi(values[3]), values[4]]
        dl.add_row(table, shown, widths, bold=kind != "item", size=11,
                   aligns=["center", "left", "center", "center", "left"])
    dl.recipients_and_signature(document, ["Sở Nội vụ thành phố (để thẩm định)", "Lưu: VT, VHXH."],
                                ("TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"))
    return dl.to_bytes(document)


def pdf(doc: ScoreDoc) -> bytes:
    """The same table as a PDF (DejaVu fonts embedded so every diacritic prints)."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    from .fonts import register_pdf_fonts

    regular, bold_font = register_pdf_fonts()
    base = ParagraphStyle("base", fontName=regular, fontSize=9, leading=11)
    strong = ParagraphStyle("strong", parent=base, fontName=bold_font)
    centre_title = ParagraphStyle("title", parent=strong, fontSize=13, leading=16, alignment=1)
    centre = ParagraphStyle("centre", parent=base, alignment=1)
    buffer = io.BytesIO()
    page = landscape(A4)
    template = SimpleDocTemplate(buffer, pagesize=page, leftMargin=20 * mm, rightMargin=15 * mm,
                                 topMargin=15 * mm, bottomMargin=15 * mm, title="Bảng tự chấm điểm",
                                 author=doc.unit.full_name)
    heading, subtitle = title_lines(doc)
    story = [Paragraph(heading, centre_title), Paragraph(_escape(subtitle), centre),
             Paragraph(_escape(f"({doc.decision}; {_status(doc)})"), centre), Spacer(1, 6)]
    data = [[Paragraph(h, strong) for h in HEADERS]]
    styles = [("GRID", (0, 0), (-1, -1), 0.4, colors.grey), ("VALIGN", (0, 0), (-1, -1), "TOP"),
              ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#EEEEEE"))]
    for kind, values in rows(doc):
        style = base if kind == "item" else strong
        shown = [values[0], values[1], dl.number_vi(values[2]) if values[2] != "" else "",
                 values[3] if isinstance(values[3], str) else dl.number_vi(values[3]), values[4]]
        data.append([Paragraph(_escape(str(v)), style) for v in shown])
        if kind == "criterion":
            styles.append(("BACKGROUND", (0, len(data) - 1), (-1, len(data) - 1), colors.HexColor("#F2DCDB")))
    width = page[0] - 35 * mm
    table = Table(data, colWidths=[w * width for w in (0.06, 0.44, 0.08, 0.10, 0.32)], repeatRows=1)
    table.setStyle(TableStyle(styles))
    story.append(table)
    template.build(story)
    return buffer.getvalue()


def _status(doc: ScoreDoc) -> str:
    """The date the figures are as of, and how many items are still blank (until the table is complete)."""
    return "; ".join(filter(None, [doc.as_of_text, doc.blank_text]))


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
