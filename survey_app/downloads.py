"""File downloads: one response shape for every file a page hands out."""

from __future__ import annotations

import unicodedata
from urllib.parse import quote

from flask import Response


def download(data: bytes, mimetype: str, filename: str, cache_control: str | None = "private, no-store") -> Response:
    """An attachment named ``filename``: an ASCII ``filename`` for old clients and the exact UTF-8 name in
    ``filename*`` (RFC 6266), so Vietnamese names survive. Staff files are not cached by default."""
    ascii_name = unicodedata.normalize("NFKD", filename.replace("đ", "d").replace("Đ", "D"))
    ascii_name = "".join(ch for ch in ascii_name if ch.isascii() and ch.isprintable() and ch not in '"\\') or "tep"
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = (f'attachment; filename="{ascii_name}"; '
                                               f"filename*=UTF-8''{quote(filename)}")
    if cache_control:
        response.headers["Cache-Control"] = cache_control
    return response
