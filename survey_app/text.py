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
