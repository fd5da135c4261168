"""Text that arrives from people: Unicode NFC, trimmed, control characters removed."""

from __future__ import annotations

import re
import unicodedata

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean(value: str | None) -> str:
    """NFC-normalise and strip; keeps newlines and tabs, drops other control characters."""
    if value is None:
        return ""
    return _CONTROL.sub("", unicodedata.normalize("NFC", str(value))).strip()


def fold(value: str) -> str:
    """Lower-case without diacritics, for matching headers and search ('Mã hồ sơ' -> 'ma ho so')."""
    decomposed = unicodedata.normalize("NFD", clean(value).lower().replace("đ", "d"))
    return " ".join("".join(ch for ch in decomposed if not unicodedata.combining(ch)).split())


def mask_phone(phone: str | None) -> str:
    """'0912345678' -> '091****678': enough for staff to recognise, not to dial."""
    digits = clean(phone)
    if len(digits) <= 6:
        return "*" * len(digits)
    return digits[:3] + "*" * (len(digits) - 6) + digits[-3:]


def mask_name(name: str | None) -> str:
    """'Nguyễn Văn An' -> 'Nguyễn V. A.': the family name and initials."""
    parts = clean(name).split()
    if not parts:
        return ""
    return " ".join([parts[0]] + [p[0] + "." for p in parts[1:]])


def slug(value: str, limit: int = 60) -> str:
    """'Trung tâm PVHCC phường Bạch Đằng' -> 'trung-tam-pvhcc-phuong-bach-dang', for file names."""
    return "-".join("".join(ch if ch.isalnum() else " " for ch in fold(value)).split())[:limit].rstrip("-")


# -- personal data typed into free text ------------------------------------------------------------------------
#: Separators between digit groups: spaces (also non-breaking), dots, dashes, parentheses (not slashes: dates).
_SEP = r"[\s.\-–()]{0,3}"
#: Phone numbers: +84 / 84 / 0 prefix (optionally in parentheses), then 8–10 more digits in any grouping —
#: mobiles (10 digits), landlines with an area code like (0225) 3842 123 (11 digits), and the old 11-digit mobiles.
_PHONE = rf"(?<![\w+])(?:\(?\s*(?:\+\s?84|0084|84)\s*\)?{_SEP}\(?0?|\(?\s*0){_SEP}\d(?:{_SEP}\d){{7,10}}(?!\d)"
#: CCCD (12 digits) and CMND (9 digits), possibly grouped; longer or shorter runs are left alone.
_ID_NUMBER = r"(?<![\w+])(?:\d(?:[\s.\-]?\d){11}|\d(?:[\s.\-]?\d){8})(?![\d])"
#: E-mail addresses, including "ten . ho @ gmail . com", "ten(at)gmail.com", "ten [at] gmail [dot] com".
_AT = r"(?:\s*@\s*|\s*[(\[{]\s*(?:at|a còng|a cong)\s*[)\]}]\s*|\s+(?:at|a còng)\s+)"
_DOT = r"(?:\s*\.\s*|\s*[(\[{]\s*(?:dot|chấm|cham)\s*[)\]}]\s*|\s+(?:dot|chấm)\s+)"
_EMAIL = rf"[\w.+\-]+(?:\s*\.\s*[\w+\-]+)*{_AT}[\w\-]+(?:{_DOT}[\w\-]+)*{_DOT}[A-Za-z]{{2,}}\b"
_PERSONAL = re.compile(rf"{_EMAIL}|{_PHONE}|{_ID_NUMBER}", re.IGNORECASE)
HIDDEN = "[đã ẩn]"


def scrub(text: str | None) -> str:
    """Hide phone numbers, e-mail addresses and CCCD/CMND numbers typed into text that may become public.

    House numbers, dates and short figures stay: only digit runs as long as a phone or an identity number are
    taken. Used for the public version of a case's text, its public answer and survey comments on dashboards.
    """
    return _PERSONAL.sub(HIDDEN, text or "")
