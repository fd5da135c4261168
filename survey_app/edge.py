"""Input checked at the edge, before any view runs: what no view should have to think about.

- a NUL byte in the path, a query, a form field or a JSON string (PostgreSQL refuses it in text; nothing
  legitimate carries one);
- an integer parameter outside the 32-bit range of the database's ids (``?page=``, ``?category=``,
  ``category_id``…): every ``request.args.get(name, type=int)`` goes through :class:`EdgeArgs`, and every
  ``<int:…>`` path segment through :class:`BoundedInt`;
- JSON bodies: at most :data:`JSON_MAX_BYTES`, valid UTF-8, valid JSON, no duplicate keys, nesting at most
  :data:`JSON_MAX_DEPTH` deep.

Each refusal is a 4xx with a Vietnamese message (JSON with a code for APIs), before anything is stored.
"""

from __future__ import annotations

import json
import re

from flask import Flask, Request, request
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.exceptions import BadRequest, RequestEntityTooLarge
from werkzeug.routing import IntegerConverter

INT_MIN, INT_MAX = -(2**31), 2**31 - 1
#: Kiosk batches are small; a few MB still lets one oversized comment be rejected as its own item.
JSON_MAX_BYTES = 4 * 1024 * 1024
JSON_MAX_DEPTH = 20
_INTEGER = re.compile(r"\s*[+-]?\d+\s*")


class BadInput(BadRequest):
    """A 400 whose description is a Vietnamese message for people, with a stable code for programs."""

    vi = True

    def __init__(self, message: str, error_code: str, status: int = 400) -> None:
        super().__init__(message)
        self.code = status
        self.error_code = error_code


class JsonTooLarge(RequestEntityTooLarge):
    vi = True
    error_code = "too_large"
    description = f"Nội dung JSON quá lớn (tối đa {JSON_MAX_BYTES // 1024} KB)."


class EdgeArgs(ImmutableMultiDict):
    """Query and form values whose ``get(name, type=int)`` refuses numbers the database cannot hold."""

    def get(self, key, default=None, type=None):  # noqa: A002 - werkzeug's signature
        if type is int:
            value = super().get(key)
            if isinstance(value, str) and _INTEGER.fullmatch(value):
                digits = value.strip().lstrip("+-")
                if len(digits) > 10 or not INT_MIN <= int(value) <= INT_MAX:
                    raise BadInput(f"Giá trị “{key}” vượt quá giới hạn cho phép.", "number_out_of_range")
        return super().get(key, default, type)


class BoundedInt(IntegerConverter):
    """``<int:…>`` in routes: an id beyond the database's 32-bit range matches no route (404), never a query."""

    def __init__(self, map, fixed_digits=0, min=None, max=INT_MAX, signed=False):  # noqa: A002 - werkzeug's names
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


_UNCHECKED = object()


class EdgeRequest(Request):
    parameter_storage_class = EdgeArgs
    #: the JSON body as :func:`check_json_body` parsed and checked it; ``get_json()`` returns it, so a view never
    #: parses the body a second time
    checked_json = _UNCHECKED

    def get_json(self, force: bool = False, silent: bool = False, cache: bool = True):
        if self.checked_json is not _UNCHECKED:
            return self.checked_json
        return super().get_json(force=force, silent=silent, cache=cache)


_TOO_DEEP = f"JSON lồng nhau quá sâu (tối đa {JSON_MAX_DEPTH} cấp)."
_NUL = "Dữ liệu gửi lên chứa ký tự không hợp lệ (NUL)."


def _check_parsed(value, depth: int = 1) -> None:
    """Parsed JSON in one walk: no container nested deeper than :data:`JSON_MAX_DEPTH`, no NUL character in any
    key or string (PostgreSQL refuses it in text)."""
    if isinstance(value, str):
        if "\x00" in value:
            raise BadInput(_NUL, "nul_byte")
    elif isinstance(value, dict | list):
        if depth > JSON_MAX_DEPTH:
            raise BadInput(_TOO_DEEP, "too_deep")
        if isinstance(value, dict):
            for key, child in value.items():
                if "\x00" in key:
                    raise BadInput(_NUL, "nul_byte")
                _check_parsed(child, depth + 1)
        else:
            for child in value:
                _check_parsed(child, depth + 1)


def _no_duplicates(pairs: list[tuple[str, object]]) -> dict:
    result = {}
    for key, value in pairs:
        if key in result:
            raise BadInput(f"Khóa JSON “{key[:40]}” bị lặp lại.", "duplicate_key")
        result[key] = value
    return result


def check_json_body() -> None:
    """Refuse a JSON body that is too big, not UTF-8, not JSON, has duplicate keys or nests too deep."""
    if request.content_length is not None and request.content_length > JSON_MAX_BYTES:
        raise JsonTooLarge()
    raw = request.get_data(cache=True)
    if len(raw) > JSON_MAX_BYTES:
        raise JsonTooLarge()
    if not raw:
        return
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadInput("Nội dung gửi lên không phải UTF-8 hợp lệ.", "encoding") from exc
    try:
        data = json.loads(text, object_pairs_hook=_no_duplicates)
    except RecursionError as exc:
        raise BadInput(_TOO_DEEP, "too_deep") from exc
    except ValueError as exc:
        raise BadInput("Nội dung không phải JSON hợp lệ.", "malformed_json") from exc
    _check_parsed(data)
    request.checked_json = data


def _has_nul(values: ImmutableMultiDict) -> bool:
    return any("\x00" in key or "\x00" in value for key, value in values.items(multi=True)
               if isinstance(value, str))


def check_request() -> None:
    if "\x00" in request.path:
        raise BadInput("Đường dẫn chứa ký tự không hợp lệ.", "nul_byte")
    if _has_nul(request.args) or (request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data")
                                  and _has_nul(request.form)):
        raise BadInput("Dữ liệu gửi lên chứa ký tự không hợp lệ (NUL).", "nul_byte")
    if request.is_json and request.method in ("POST", "PUT", "PATCH"):
        check_json_body()


def register(app: Flask) -> None:
    app.request_class = EdgeRequest
    app.before_request(check_request)
