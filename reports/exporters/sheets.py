"""How a worksheet prints: A4, one page wide (as many pages down as it needs), the table's header row repeated on
every page, the orientation chosen by the table's width, the page number in the footer; and row heights for
wrapped text, which LibreOffice does not compute for merged cells and Excel does not compute on opening.

Widths are in Excel's column units (the width of a "0" in the default 11 pt font, about 7 px at 96 dpi); the
estimates err on the tall side: a row a little too high costs white space, one too low hides words on paper.
"""

from __future__ import annotations

import math

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.utils.indexed_list import IndexedList
from openpyxl.worksheet.page import PageMargins

#: The workbook's default font: column widths are counted in its "0", so with Times New Roman (Liberation Serif,
#: metric-compatible, where it is missing) a width means the same in Excel and LibreOffice; with the default Calibri
#: a server without it substitutes a wider font and the table prints smaller than planned.
FONT_NAME, FONT_PT = "Times New Roman", 11
#: Points of a column unit (a "0" of the default font plus the cell padding) and characters of Vietnamese text per
#: unit at 11 pt, as LibreOffice lays them out (measured, with some room).
UNIT_PT, CHARS_PER_UNIT = 5.5, 1.15
#: Widest table (column units) printed upright: A4 portrait less the margins holds about 90 units at 100%.
PORTRAIT_WIDTH = 90
#: Excel's width of a column nobody sized.
DEFAULT_WIDTH = 8.43
#: Margins in inches (top and bottom 15 mm, left 20 mm for binding, right 10 mm).
MARGINS = PageMargins(left=0.8, right=0.4, top=0.6, bottom=0.6, header=0.3, footer=0.3)
A4_INCHES = (8.27, 11.69)
#: Line height as a multiple of the font size, and the cell's padding in points.
LEADING, PADDING = 1.3, 4.0
DEFAULT_ROW_PT = 15.0
#: Number formats in the Vietnamese locale (LCID 042A): Excel and LibreOffice then show a decimal comma and a
#: thousands dot (9,25; 12.345) whatever the reader's own settings, and the cell keeps its number.
DECIMAL_FORMAT = "[$-42A]General"
INTEGER_FORMAT = "[$-42A]#,##0"


def new_workbook() -> Workbook:
    """An empty workbook whose default font is :data:`FONT_NAME` (openpyxl has no public setter: the default is the
    stylesheet's first font and the "Normal" style's font, replaced before any cell is styled)."""
    wb = Workbook()
    font = Font(name=FONT_NAME, sz=FONT_PT, family=1)
    wb._fonts = IndexedList([font])
    wb._named_styles["Normal"].font = font
    return wb


def column_width(ws, index: int) -> float:
    dim = ws.column_dimensions.get(get_column_letter(index))
    return dim.width if dim is not None and dim.width else DEFAULT_WIDTH


def table_width(ws) -> float:
    """The printed width of the sheet's used columns, in column units."""
    return round(sum(column_width(ws, c) for c in range(1, ws.max_column + 1)), 2)


def _span(ws, cell) -> float:
    """The width a cell's text may use: its column, or every column of the merged range it heads."""
    for merged in ws.merged_cells.ranges:
        if merged.min_row == cell.row and merged.min_col == cell.column:
            return sum(column_width(ws, c) for c in range(merged.min_col, merged.max_col + 1))
    return column_width(ws, cell.column)


def _size(cell) -> float:
    return float(cell.font.sz or 11) if cell.font is not None else 11.0


def lines_needed(ws, cell) -> int:
    """Lines the cell's text takes when wrapped in its width (words never split; explicit line breaks kept)."""
    text = "" if cell.value is None else str(cell.value)
    # characters of an average Vietnamese word per column unit, scaled by the font size; bold is wider
    per_line = max(1, int(_span(ws, cell) * CHARS_PER_UNIT * FONT_PT / _size(cell)
                          * (0.85 if cell.font and cell.font.b else 1)))
    lines = 0
    for paragraph in text.split("\n"):
        length, count = 0, 1
        for word in paragraph.split():
            if length and length + 1 + len(word) > per_line:
                count += 1 + (len(word) - 1) // per_line
                length = len(word) % per_line or per_line
            else:
                length += (1 if length else 0) + len(word)
        lines += count
    return lines


def fit_rows(ws, first_row: int = 1) -> None:
    """Give every row holding wrapped text the height its tallest cell needs."""
    for row in ws.iter_rows(min_row=first_row):
        needed = 0.0
        for cell in row:
            if isinstance(cell.value, str) and cell.alignment is not None and cell.alignment.wrap_text:
                lines = lines_needed(ws, cell)
                needed = max(needed, lines * _size(cell) * LEADING + PADDING)
        if needed and needed > (ws.row_dimensions[row[0].row].height or 0):
            ws.row_dimensions[row[0].row].height = round(needed, 1)


def wrap(ws, first_row: int = 1, vertical: str = "top") -> None:
    """Wrap the text of every cell from ``first_row`` on (keeping its horizontal alignment)."""
    for row in ws.iter_rows(min_row=first_row):
        for cell in row:
            if cell.value is None or (cell.alignment is not None and cell.alignment.wrap_text):
                continue
            horizontal = cell.alignment.horizontal if cell.alignment is not None else None
            cell.alignment = Alignment(wrap_text=True, vertical=vertical, horizontal=horizontal)


def span(ws, row: int, columns: int | None = None, horizontal: str = "left") -> None:
    """Merge a title or note line over the table's width and wrap it, so a long line is neither cut nor spills."""
    columns = columns or ws.max_column
    if columns > 1:
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=columns)
    cell = ws.cell(row, 1)
    cell.alignment = Alignment(wrap_text=True, vertical="top", horizontal=horizontal)


def print_setup(ws, header_row: int | None) -> None:
    """A4, one page wide, margins for binding, the header row repeated, upright unless the table is wide."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if table_width(ws) > PORTRAIT_WIDTH else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins = PageMargins(left=MARGINS.left, right=MARGINS.right, top=MARGINS.top, bottom=MARGINS.bottom,
                                  header=MARGINS.header, footer=MARGINS.footer)
    ws.print_options.horizontalCentered = True
    if header_row:
        ws.print_title_rows = f"{header_row}:{header_row}"
    ws.oddFooter.center.text = "Trang &P/&N"
    ws.oddFooter.center.size = 9


def vietnamese_numbers(ws) -> None:
    """Every number cell not given a format of its own is shown the Vietnamese way."""
    for row in ws.iter_rows():
        for cell in row:
            if isinstance(cell.value, bool) or not isinstance(cell.value, (int, float)):
                continue
            if cell.number_format == "General":
                cell.number_format = INTEGER_FORMAT if isinstance(cell.value, int) else DECIMAL_FORMAT


def named_fonts(ws) -> None:
    """A font given only as "bold" or a size has no name, and LibreOffice then prints it in its own sans font,
    wider than the one the row heights were planned for: every such font gets the workbook's."""
    for row in ws.iter_rows():
        for cell in row:
            font = cell.font
            if cell.value is not None and font is not None and (not font.name or not font.sz):
                cell.font = Font(name=font.name or FONT_NAME, sz=font.sz or FONT_PT, b=font.b, i=font.i,
                                 u=font.u, color=font.color, vertAlign=font.vertAlign, strike=font.strike)


def finish(ws, header_row: int | None, first_row: int = 1) -> None:
    """Page setup, fonts, Vietnamese number formats and row heights: the last step of every sheet a person may
    print."""
    print_setup(ws, header_row)
    named_fonts(ws)
    vietnamese_numbers(ws)
    fit_rows(ws, first_row)


def expected_pages(ws) -> int:
    """About how many pages the sheet prints on, one page wide: the rows' height at the fit-to-width scale over the
    page's printable height (the repeated header taken off each page)."""
    landscape = ws.page_setup.orientation == "landscape"
    paper_w, paper_h = (A4_INCHES[1], A4_INCHES[0]) if landscape else A4_INCHES
    margins = ws.page_margins
    printable_w = (paper_w - margins.left - margins.right) * 72
    printable_h = (paper_h - margins.top - margins.bottom) * 72
    width_pt = sum(column_width(ws, c) * UNIT_PT + 4 for c in range(1, ws.max_column + 1))
    scale = min(1.0, printable_w / width_pt)
    heights = [ws.row_dimensions[r].height or DEFAULT_ROW_PT for r in range(1, ws.max_row + 1)]
    header = 0.0
    if ws.print_title_rows:
        header = ws.row_dimensions[int(ws.print_title_rows.split(":")[0].strip("$"))].height or DEFAULT_ROW_PT
    return max(1, math.ceil(sum(heights) * scale / (printable_h - header * scale)))
