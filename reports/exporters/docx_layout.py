"""The Vietnamese administrative document layout (Nghị định 30/2020/NĐ-CP, Phụ lục I) for python-docx.

A4 paper; margins top and bottom 20 mm, left 30 mm, right 15 mm; Times New Roman 13–14 pt; the issuing body top
left and the Quốc hiệu and Tiêu ngữ top right, each underlined by a short line; the number and symbol under the
body, the place and date (italic) under the motto; the document's name in bold capitals; "Nơi nhận" bottom left
and the signature block bottom right.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_COLOR_INDEX
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt

from survey_app.numbers import number_vi, percent_vi  # noqa: F401  (re-exported for the document builders)

FONT = "Times New Roman"
BODY_PT = 14
QUOC_HIEU = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
TIEU_NGU = "Độc lập - Tự do - Hạnh phúc"


@dataclass(frozen=True)
class Issuer:
    """Who issues the document: e.g. parent "UBND THÀNH PHỐ HẢI PHÒNG" (optional), body "ỦY BAN NHÂN DÂN PHƯỜNG
    BẠCH ĐẰNG", the place name used in the date line ("Bạch Đằng") and the symbol's body part ("UBND")."""

    body_lines: tuple[str, ...]
    place: str
    symbol: str = "UBND"
    parent: str | None = None


def new_document(landscape: bool = False):
    """An empty A4 document with the decree's margins and Times New Roman as the base font."""
    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    if landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = Mm(297), Mm(210)
    section.top_margin, section.bottom_margin = Mm(20), Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(15)
    for style_name in ("Normal", "Table Grid"):
        style = document.styles[style_name]
        style.font.name = FONT
        _east_asia(style.element, FONT)
    normal = document.styles["Normal"]
    normal.font.size = Pt(BODY_PT)
    normal.paragraph_format.space_after = Pt(6)
    normal.paragraph_format.line_spacing = 1.1
    return document


def _east_asia(element, font: str) -> None:
    rpr = element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.append(fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), font)


def usable_width(document) -> int:
    section = document.sections[-1]
    return section.page_width - section.left_margin - section.right_margin


def _no_borders(table) -> None:
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        element = OxmlElement(f"w:{edge}")
        element.set(qn("w:val"), "nil")
        borders.append(element)
    table._tbl.tblPr.append(borders)


def set_widths(table, widths) -> None:
    """Fix the column widths (EMU or Length) in the grid, which Word and LibreOffice both follow."""
    table.autofit = False
    for grid_col, width in zip(table._tbl.tblGrid.findall(qn("w:gridCol")), widths, strict=True):
        grid_col.set(qn("w:w"), str(int(width / 635)))  # EMU -> twentieths of a point
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = width


def _line(cell_paragraph, text: str, *, bold=False, italic=False, size=13, underline_rule=False) -> None:
    run = cell_paragraph.add_run(text)
    run.bold, run.italic, run.font.size = bold, italic, Pt(size)
    if underline_rule:
        run.underline = True


def paragraph(document_or_cell, text: str = "", *, bold=False, italic=False, size: float | None = None,
              align: str = "justify", indent_first: bool = False, space_after: float | None = None,
              placeholder: bool = False):
    """A paragraph; ``placeholder`` text is highlighted so staff see what they must complete."""
    p = document_or_cell.add_paragraph()
    p.alignment = {"justify": WD_ALIGN_PARAGRAPH.JUSTIFY, "center": WD_ALIGN_PARAGRAPH.CENTER,
                   "left": WD_ALIGN_PARAGRAPH.LEFT, "right": WD_ALIGN_PARAGRAPH.RIGHT}[align]
    if indent_first:
        p.paragraph_format.first_line_indent = Cm(1)
    if space_after is not None:
        p.paragraph_format.space_after = Pt(space_after)
    if text:
        run = p.add_run(text)
        run.bold, run.italic = bold, italic
        if size:
            run.font.size = Pt(size)
        if placeholder:
            run.font.highlight_color = WD_COLOR_INDEX.YELLOW
    return p


def add_run(p, text: str, *, bold=False, italic=False, placeholder=False, size: float | None = None):
    run = p.add_run(text)
    run.bold, run.italic = bold, italic
    if size:
        run.font.size = Pt(size)
    if placeholder:
        run.font.highlight_color = WD_COLOR_INDEX.YELLOW
    return run


def vietnamese_date(day: date | None, place: str) -> str:
    """"Bạch Đằng, ngày 05 tháng 11 năm 2026" (day and month below 10 with a leading zero, as the decree's
    sample shows for 1 and 2; left blank for the leader to date when signing)."""
    if day is None:
        return f"{place}, ngày      tháng      năm"
    return f"{place}, ngày {day.day:02d} tháng {day.month:02d} năm {day.year}"


def issuer_lines(issuer: Issuer) -> list[tuple[str, bool]]:
    """The issuing body's lines as printed, (text, bold): the governing body (cơ quan chủ quản) in plain capitals,
    then the issuer itself in bold capitals. Shared by the Word head and the workbooks' head."""
    lines = [(issuer.parent.upper(), False)] if issuer.parent else []
    return lines + [(line.upper(), True) for line in issuer.body_lines]


def header(document, issuer: Issuer, number: str, day: date | None) -> None:
    """The two-column head: issuing body and number (left); Quốc hiệu, Tiêu ngữ and place-date (right)."""
    table = document.add_table(rows=1, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    _no_borders(table)
    width = usable_width(document)
    set_widths(table, [int(width * 0.40), int(width * 0.60)])
    left, right = table.rows[0].cells
    lp = left.paragraphs[0]
    lp.alignment = WD_ALIGN_PARAGRAPH.CENTER
    lp.paragraph_format.space_after = Pt(0)
    lines = issuer_lines(issuer)
    for index, (text, bold) in enumerate(lines):
        _line(lp, text + ("" if index == len(lines) - 1 else "\n"), bold=bold, size=13)
    rule = left.add_paragraph("―――――")
    rule.alignment = WD_ALIGN_PARAGRAPH.CENTER
    rule.paragraph_format.space_after = Pt(4)
    number_p = left.add_paragraph()
    number_p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _line(number_p, f"Số: {number}", size=13)

    rp = right.paragraphs[0]
    rp.alignment = WD_ALIGN_PARAGRAPH.CENTER
    rp.paragraph_format.space_after = Pt(0)
    _line(rp, QUOC_HIEU + "\n", bold=True, size=12)
    _line(rp, TIEU_NGU, bold=True, size=14)
    rule = right.add_paragraph("――――――――――――")
    rule.alignment = WD_ALIGN_PARAGRAPH.CENTER
    rule.paragraph_format.space_after = Pt(4)
    date_p = right.add_paragraph()
    date_p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _line(date_p, vietnamese_date(day, issuer.place), italic=True, size=14)


def title(document, name: str, subtitle: str | None = None) -> None:
    paragraph(document, "", space_after=0)
    paragraph(document, name.upper(), bold=True, align="center", space_after=0)
    if subtitle:
        paragraph(document, subtitle, bold=True, align="center", space_after=0)
    rule = paragraph(document, "―――――――", align="center")
    rule.paragraph_format.space_after = Pt(10)


def recipients_and_signature(document, recipients: list[str], signature: tuple[str, ...], signer: str = "") -> None:
    """"Nơi nhận" (left, 12 pt bold italic, entries 11 pt) and the signature block (right, bold capitals)."""
    table = document.add_table(rows=1, cols=2)
    _no_borders(table)
    width = usable_width(document)
    set_widths(table, [int(width * 0.5), int(width * 0.5)])
    left, right = table.rows[0].cells
    lp = left.paragraphs[0]
    _line(lp, "Nơi nhận:", bold=True, italic=True, size=12)
    for entry in recipients:
        p = left.add_paragraph()
        p.paragraph_format.space_after = Pt(0)
        _line(p, f"- {entry}", size=11)
    rp = right.paragraphs[0]
    rp.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for index, line in enumerate(signature):
        _line(rp, line + ("\n" if index < len(signature) - 1 else ""), bold=True, size=14)
    for _ in range(3):
        right.add_paragraph()
    sp = right.add_paragraph()
    sp.alignment = WD_ALIGN_PARAGRAPH.CENTER
    if signer:
        _line(sp, signer, bold=True, size=14)
    else:
        run = sp.add_run("[Họ và tên người ký]")
        run.bold, run.font.size = True, Pt(14)
        run.font.highlight_color = WD_COLOR_INDEX.YELLOW


def grid_table(document, headers: list[str], widths_cm: list[float], size: float = 12):
    """A bordered table with a bold, centred, repeated header row."""
    table = document.add_table(rows=1, cols=len(headers))
    table.style = document.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    set_widths(table, [Cm(w) for w in widths_cm])
    for cell, text in zip(table.rows[0].cells, headers, strict=True):
        p = cell.paragraphs[0]
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = p.add_run(text)
        run.bold, run.font.size = True, Pt(size)
    tr_pr = table.rows[0]._tr.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    tr_pr.append(repeat)
    return table


def add_row(table, values: list, widths_cm: list[float], *, bold=False, size: float = 12,
            aligns: list[str] | None = None) -> None:
    cells = table.add_row().cells
    for index, (cell, value, width) in enumerate(zip(cells, values, widths_cm, strict=True)):
        cell.width = Cm(width)
        p = cell.paragraphs[0]
        align = (aligns or [])[index] if aligns and index < len(aligns) else "left"
        p.alignment = {"left": WD_ALIGN_PARAGRAPH.LEFT, "center": WD_ALIGN_PARAGRAPH.CENTER,
                       "right": WD_ALIGN_PARAGRAPH.RIGHT}[align]
        p.paragraph_format.space_after = Pt(0)
        run = p.add_run("" if value is None else str(value))
        run.bold, run.font.size = bold, Pt(size)


def page_break(document) -> None:
    document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def to_bytes(document) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


