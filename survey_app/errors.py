"""Error pages in Vietnamese; JSON for API clients. No traceback ever reaches a citizen."""

from __future__ import annotations

import contextlib

from flask import Flask, g, jsonify, render_template, request
from flask_login import AnonymousUserMixin
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException

from .extensions import db

MESSAGES = {
    400: "Yêu cầu không hợp lệ.",
    401: "Vui lòng đăng nhập để tiếp tục.",
    403: "Bạn không có quyền truy cập trang này.",
    404: "Không tìm thấy trang hoặc dữ liệu được yêu cầu.",
    405: "Phương thức không được hỗ trợ.",
    409: "Dữ liệu đã thay đổi hoặc bị trùng. Vui lòng tải lại trang.",
    413: "Tệp hoặc nội dung gửi lên quá lớn.",
    422: "Dữ liệu gửi lên không hợp lệ.",
    429: "Bạn gửi quá nhiều yêu cầu. Vui lòng chờ một lát rồi thử lại.",
    500: "Hệ thống gặp sự cố. Dữ liệu của bạn chưa được lưu; vui lòng thử lại sau.",
    503: "Hệ thống tạm thời không kết nối được cơ sở dữ liệu. Dữ liệu của bạn chưa được lưu; "
         "vui lòng thử lại sau ít phút.",
}
#: Seconds a client should wait before retrying after a 503 or a 429 without its own figure.
RETRY_AFTER = 30

CSRF_MESSAGE = "Phiên biểu mẫu đã hết hạn hoặc thiếu mã bảo mật (CSRF). Vui lòng tải lại trang và gửi lại."

JSON_PREFIXES = ("/api/", "/open311/", "/healthz", "/kiosk/api/", "/webhooks/")


def wants_json() -> bool:
    if request.path.startswith(JSON_PREFIXES):
        return True
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def error_response(status: int, message: str | None = None, code: str | None = None,
                   retry_after: int | None = None):
    message = message or MESSAGES.get(status, MESSAGES[400])
    if wants_json():
        response = jsonify({"error": {"status": status, "code": code or str(status), "message": message}})
    else:
        response = render_template("errors/error.html", status=status, message=message)
    headers = {"Retry-After": str(max(1, retry_after or RETRY_AFTER))} if status in (429, 503) else {}
    return response, status, headers


def is_outage(exc: BaseException) -> bool:
    """A database or Redis that cannot be reached (or is too busy): a 503 with a reason, never a 500."""
    if isinstance(exc, (OperationalError, InterfaceError, DisconnectionError, PoolTimeout)):
        return True
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    try:
        from redis.exceptions import ConnectionError as RedisConnectionError
        from redis.exceptions import TimeoutError as RedisTimeout
    except ImportError:  # pragma: no cover - redis is a dependency
        return False
    return isinstance(exc, (RedisConnectionError, RedisTimeout))


def outage_response():
    """The 503 page or JSON, built without the database: the user is shown as anonymous rather than loaded
    (flask-login would query the users table to draw the menu), and the session is dropped quietly."""
    with contextlib.suppress(Exception):  # the connection may be gone: nothing to roll back
        db.session.rollback()
    g._login_user = AnonymousUserMixin()
    return error_response(503, code="unavailable")


def register(app: Flask) -> None:
    @app.after_request
    def retry_after(response):
        """Every 429 and 503 says when to come back, whichever view or handler made it."""
        if response.status_code in (429, 503) and "Retry-After" not in response.headers:
            response.headers["Retry-After"] = str(RETRY_AFTER)
        return response

    @app.errorhandler(CSRFError)
    def csrf_error(exc):
        return error_response(400, CSRF_MESSAGE, "csrf")

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        status = exc.code or 500
        custom = exc.description if getattr(exc, "vi", False) else None
        return error_response(status, custom, getattr(exc, "error_code", None))

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        if is_outage(exc):
            app.logger.warning("Outage on %s: %s", request.path, exc)
            return outage_response()
        db.session.rollback()
        status = getattr(exc, "status", None)
        if getattr(exc, "vi", False) and isinstance(status, int) and 500 <= status < 600:
            # a service that cannot work as configured (e.g. the legal registry lost a deadline): its reason, a retry
            app.logger.error("Unavailable on %s: %s", request.path, exc)
            return error_response(status, str(exc), "unavailable")
        app.logger.exception("Unhandled error on %s", request.path)
        return error_response(500)
