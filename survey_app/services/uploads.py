"""Checking evidence files staff upload (photos, scans, documents): the type is read from the bytes, not trusted
from the name or the browser, and the size is bounded."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError

from ..text import clean

#: The largest evidence file (a phone photo or a scanned page, well under this).
EVIDENCE_MAX_BYTES = 10 * 1024 * 1024

IMAGE_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
OFFICE_TYPES = {
    "word/": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx"),
    "xl/": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx"),
}
ACCEPTED_LABEL = "ảnh JPEG, PNG, WebP, tệp PDF, Word (.docx) hoặc Excel (.xlsx)"


class UploadError(ValueError):
    """The file cannot be kept; the message is Vietnamese and names the file."""


@dataclass(frozen=True)
class CheckedFile:
    filename: str
    content_type: str
    data: bytes


def safe_filename(name: str | None, default: str = "tep") -> str:
    """The name without folders or characters that break a download header or a ZIP entry."""
    base = clean(name).replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if ch.isprintable() and ch not in '"<>:|?*;').strip(" .")
    return base[:150] or default


def check_evidence(filename: str | None, data: bytes) -> CheckedFile:
    """Accept an evidence file or raise :class:`UploadError` with the reason.

    :param filename: the name the browser sent (only kept for display and downloads).
    :param data: the file's bytes.
    """
    name = safe_filename(filename)
    if not data:
        raise UploadError(f"Tệp “{name}” rỗng.")
    if len(data) > EVIDENCE_MAX_BYTES:
        raise UploadError(f"Tệp “{name}” lớn hơn {EVIDENCE_MAX_BYTES // 1024 // 1024} MB: hãy chụp lại hoặc quét "
                          "ở độ phân giải thấp hơn, hoặc chia nhỏ tệp.")
    content_type = _sniff(data)
    if content_type is None:
        raise UploadError(f"Tệp “{name}” không được chấp nhận: chỉ nhận {ACCEPTED_LABEL}.")
    return CheckedFile(name, content_type, data)


def _sniff(data: bytes) -> str | None:
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = archive.namelist()
        except (zipfile.BadZipFile, OSError):
            return None
        if "[Content_Types].xml" not in names:
            return None
        for prefix, (content_type, _ext) in OFFICE_TYPES.items():
            if any(n.startswith(prefix) for n in names):
                return content_type
        return None
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
            return IMAGE_TYPES.get(image.format or "")
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        return None
