"""Cell values that are safe to put in a spreadsheet or CSV a person will open."""

from __future__ import annotations

#: A cell starting with one of these is read as a formula by Excel, LibreOffice and Google Sheets.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """Text that could run as a formula gets a leading apostrophe (shown as text); numbers and dates pass.

    Citizens' and staff's text ends up in spreadsheets appraisers open: "=HYPERLINK(…)" must stay text.
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
