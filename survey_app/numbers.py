"""Numbers in Vietnamese style for every page, export, chart and the CLI: decimal comma, thousands dot.

One module, imported by templates (filters), exporters and the command line alike, so "84.4%" and "84,4%" can no
longer both appear. Imports nothing of Flask or the database.
"""

from __future__ import annotations

import re
from fractions import Fraction

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


#: what a person may type: digits, an optional decimal part after a comma or a dot; thousands dots in groups of 3
_PLAIN = re.compile(r"[+-]?\d+(?:[.,]\d+)?")
_GROUPED = re.compile(r"[+-]?\d{1,3}(?:\.\d{3})+(?:,\d+)?")


def parse_number_vi(text: str | None) -> float:
    """A number as a person types it: "1,25" and "1.25" (a phone keypad may offer only the dot), "1.234,5" and
    "1.234.567" (thousands dots). Anything else ("1e3", "nan", "1,2,3") raises ValueError (Vietnamese message).

    A single dot is read as a decimal point, so use this for decimals (points, rates), not for a count typed with a
    thousands dot such as "25.000".
    """
    raw = (text or "").strip().replace(" ", "").replace("\u00a0", "")
    if _PLAIN.fullmatch(raw):
        return float(raw.replace(",", "."))
    if _GROUPED.fullmatch(raw):
        return float(raw.replace(".", "").replace(",", "."))
    raise ValueError(f"“{text or ''}” không phải là một số (viết như 1,25 hoặc 1.25).")


def on_step(value: float, step: float) -> bool:
    """Whether ``value`` is a whole number of ``step``s (9,25 on 0,25: yes; 9,3: no), free of float noise."""
    ratio = value / step
    return abs(ratio - round(ratio)) < 1e-9


def step_pattern(step: float) -> str:
    """An HTML ``pattern`` for a non-negative number on ``step``, typed with a comma or a dot: the browser stops
    "1,3" on a 0,25 step before it is sent (``<input type=number step>`` cannot: Chromium drops the comma and reads
    "1,25" as 125). A step that does not divide 1 gets any decimal; the server checks the step either way."""
    exact = Fraction(step).limit_denominator(1000)
    if exact <= 0 or exact > 1 or (1 / exact).denominator != 1:
        return r"\d+([.,]\d+)?"
    parts = set()
    for k in range(int(1 / exact)):
        fraction = k * exact
        digits = f"{float(fraction):.6f}".split(".")[1].rstrip("0")
        parts.add(digits + "0*" if digits else "0+")
    return r"\d+([.,](" + "|".join(sorted(parts)) + "))?"
