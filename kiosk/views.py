"""The tablet's page, its service worker and manifest, and the JSON API it talks to (Bearer credential)."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, render_template, request, send_from_directory
from sqlalchemy.exc import IntegrityError

from survey_app.extensions import csrf, db
from survey_app.models import Officer
from survey_app.services import kiosks, ratelimit
from survey_app.services.surveys import ip_hash

bp = Blueprint("kiosk", __name__, url_prefix="/kiosk", template_folder="templates", static_folder="static",
               static_url_path="/static")
csrf.exempt(bp)

#: Requests per minute one tablet may make (a long offline queue drains in batches of 100).
DEVICE_LIMIT = (120, 60)


@bp.errorhandler(kiosks.KioskError)
def _kiosk_error(exc: kiosks.KioskError):
    db.session.rollback()
    return jsonify({"error": {"status": exc.status, "code": exc.code, "message": str(exc)}}), exc.status


@bp.route("/")
def page():
    response = Response(render_template("kiosk/kiosk.html"))
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.route("/sw.js")
def service_worker():
    response = send_from_directory(bp.static_folder, "sw.js", mimetype="text/javascript", max_age=0)
    response.headers["Service-Worker-Allowed"] = "/kiosk/"
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.route("/manifest.webmanifest")
def manifest():
    return jsonify({
        "name": "Hài Lòng – Đánh giá sự hài lòng", "short_name": "Hài Lòng", "start_url": "/kiosk/",
        "scope": "/kiosk/", "display": "fullscreen", "orientation": "any", "background_color": "#ffffff",
        "theme_color": "#b3261e", "lang": "vi",
    })


def _bearer() -> str | None:
    header = request.headers.get("Authorization", "")
    return header[7:].strip() if header.startswith("Bearer ") else None


def _device():
    kiosk = kiosks.authenticate(_bearer())
    if not ratelimit.hit(f"kiosk:{kiosk.id}", *DEVICE_LIMIT).allowed:
        raise kiosks.KioskError("Thiết bị gửi quá nhiều yêu cầu; sẽ tự gửi lại sau.", 429, "rate_limited")
    return kiosk


def _config(kiosk) -> dict:
    officer = kiosks.officer_of(kiosk)
    return {
        "name": kiosk.name, "scale": kiosk.scale, "unit": kiosk.centre.unit.full_name, "centre": kiosk.centre.name,
        "counter": kiosk.counter.display_name if kiosk.counter else None,
        "officer": {"name": officer.full_name, "title": officer.title, "has_photo": officer.photo_type is not None}
        if officer else None,
        "levels": [{"value": v, "label": label} for v, label in sorted(kiosks.LABELS[kiosk.scale].items(),
                                                                       reverse=True)],
        "aspects": [{"key": k, "label": label} for k, label in (
            ("thai_do", "Thái độ phục vụ"), ("thoi_gian", "Thời gian chờ"), ("huong_dan", "Hướng dẫn thủ tục"),
            ("thu_tuc", "Thủ tục, giấy tờ"), ("co_so", "Cơ sở vật chất"))],
    }


@bp.route("/api/pair", methods=["POST"])
def pair():
    if not ratelimit.hit(f"kiosk-pair:{ip_hash(request.remote_addr)}", 10, 60).allowed:
        raise kiosks.KioskError("Nhập sai quá nhiều lần. Vui lòng chờ một phút.", 429, "rate_limited")
    data = request.get_json(silent=True)
    if not isinstance(data, dict) or not isinstance(data.get("code"), str):
        raise kiosks.KioskError("Cần gửi JSON {\"code\": \"123456\"}.", 400, "malformed")
    kiosk, token = kiosks.pair(data["code"])
    db.session.commit()
    return jsonify({"token": token, "config": _config(kiosk)})


@bp.route("/api/config")
def config():
    kiosk = _device()
    kiosks.touch(kiosk, request.args.get("queue", type=int))
    db.session.commit()
    return jsonify(_config(kiosk))


@bp.route("/api/officer-photo")
def officer_photo():
    kiosk = _device()
    officer = kiosks.officer_of(kiosk)
    if officer is None or officer.photo_type is None:
        raise kiosks.KioskError("Không có ảnh.", 404, "no_photo")
    photo = db.session.get(Officer, officer.id).photo
    return Response(photo, mimetype=officer.photo_type, headers={"Cache-Control": "private, max-age=3600"})


@bp.route("/api/ratings", methods=["POST"])
def ratings():
    kiosk = _device()
    data = request.get_json(silent=True)
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        raise kiosks.KioskError("Lô dữ liệu phải là JSON {\"items\": [...]}.", 400, "malformed")
    items = data["items"]
    if len(items) > kiosks.MAX_BATCH:
        raise kiosks.KioskError(f"Tối đa {kiosks.MAX_BATCH} mục mỗi lô.", 400, "too_many")
    kiosk_id = kiosk.id
    for attempt in range(2):
        try:
            results = kiosks.accept_batch(kiosk, items)
            kiosks.touch(kiosk, data.get("queue_length"))
            db.session.commit()
            break
        except IntegrityError:
            # the same batch arrived twice at once (a retry): run again, the stored items come back as duplicates
            db.session.rollback()
            kiosk = kiosks.authenticate(_bearer())
            if attempt:
                raise
    current_app.logger.info("kiosk %s: %d items", kiosk_id, len(items))
    return jsonify({"results": [r.as_dict() for r in results]})
