"""Error pages in Vietnamese; JSON for API clients. No traceback ever reaches a citizen."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
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
}

CSRF_MESSAGE = "Phiên biểu mẫu đã hết hạn hoặc thiếu mã bảo mật (CSRF). Vui lòng tải lại trang và gửi lại."

JSON_PREFIXES = ("/api/", "/open311/", "/healthz", "/kiosk/api/", "/webhooks/")


def wants_json() -> bool:
    if request.path.startswith(JSON_PREFIXES):
        return True
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def error_response(status: int, message: str | None = None, code: str | None = None):
    message = message or MESSAGES.get(status, MESSAGES[400])
    if wants_json():
        return jsonify({"error": {"status": status, "code": code or str(status), "message": message}}), status
    return render_template("errors/error.html", status=status, message=message), status


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(exc):
        return error_response(400, CSRF_MESSAGE, "csrf")

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        status = exc.code or 500
        custom = exc.description if getattr(exc, "vi", False) else None
        return error_response(status, custom)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        db.session.rollback()
        app.logger.exception("Unhandled error on %s", request.path)
        return error_response(500)
