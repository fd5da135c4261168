"""Numbers in Vietnamese style for every page, export, chart and the CLI: decimal comma, thousands dot.

One module, imported by templates (filters), exporters and the command line alike, so "84.4%" and "84,4%" can no
longer both appear. Imports nothing of Flask or the database.
"""

from __future__ import annotations

MISSING = "—"


def _group(integer: str) -> str:
    sign, digits = ("-", integer[1:]) if integer.startswith("-") else ("", integer)
    groups = []
    while len(digits) > 3:
        groups.insert(0, digits[-3:])
        digits = digits[:-3]
    return sign + ".".join([digits, *groups])


def number_vi(value: float | None, digits: int = 2, keep_zeros: bool = False) -> str:
    """12.5 -> "12,5"; 12345 -> "12.345"; 9.25 -> "9,25"; None -> "—". Trailing zeros go unless ``keep_zeros``."""
    if value is None:
        return MISSING
    text = f"{value:.{digits}f}" if digits else f"{value:.0f}"
    if digits and not keep_zeros:
        text = text.rstrip("0").rstrip(".")
    if text in ("-0", ""):
        text = "0"
    integer, _, fraction = text.partition(".")
    return _group(integer) + ("," + fraction if fraction else "")


def percent_vi(share: float | None, digits: int = 1, missing: str = "chưa có dữ liệu") -> str:
    """A share (0–1) as "84,4%" (always ``digits`` decimals, so a column lines up)."""
    if share is None:
        return missing
    return number_vi(share * 100, digits, keep_zeros=True) + "%"


def interval_vi(low: float | None, high: float | None, digits: int = 1) -> str:
    """A confidence interval of shares as "82,4–87,5%"; empty when there is none."""
    if low is None or high is None:
        return ""
    return f"{number_vi(low * 100, digits, True)}–{number_vi(high * 100, digits, True)}%"


def size_vi(size: int | None) -> str:
    """A file size: "830 byte", "12 KB", "1,4 MB"."""
    if size is None:
        return MISSING
    if size < 1024:
        return f"{size} byte"
    if size < 1024 * 1024:
        return f"{number_vi(size / 1024, 0)} KB"
    return f"{number_vi(size / 1024 / 1024, 1)} MB"
