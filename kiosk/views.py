"""The tablet's page, its service worker and manifest, and the JSON API it talks to (Bearer credential)."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, render_template, request, send_from_directory
from sqlalchemy.exc import IntegrityError

from survey_app.extensions import csrf, db
from survey_app.models import Officer
from survey_app.services import kiosks, ratelimit, surveys
from survey_app.services.surveys import ip_hash
from survey_app.services.transactions import statements_commit_alone
from survey_app.timeutil import utcnow

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


def _device(identified: tuple | None = None):
    """The calling tablet, active and within its rate (``identified``: the tablet and its state as this request
    already found them, not looked up again)."""
    kiosk = kiosks.require_active(*identified) if identified else kiosks.authenticate(_bearer())
    if not ratelimit.hit(f"kiosk:{kiosk.id}", *DEVICE_LIMIT).allowed:
        raise kiosks.KioskError("Thiết bị gửi quá nhiều yêu cầu; sẽ tự gửi lại sau.", 429, "rate_limited")
    return kiosk


def _config(kiosk) -> dict:
    """What the tablet shows, with the binding and question version each tap will carry."""
    binding = kiosks.sync_binding(kiosk)
    officer = db.session.get(Officer, binding.officer_id) if binding and binding.officer_id else None
    version = surveys.current_version(surveys.questionnaire_by_code("centre-service").id)
    return {
        "name": kiosk.name, "scale": kiosk.scale, "unit": kiosk.centre.unit.full_name, "centre": kiosk.centre.name,
        "counter": kiosk.counter.display_name if kiosk.counter else None,
        "binding": binding.id if binding else None, "counter_id": kiosk.counter_id,
        "officer_id": officer.id if officer else None, "question_version": version.id if version else None,
        "officer": {"name": officer.full_name, "title": officer.title, "has_photo": officer.photo_type is not None}
        if officer else None,
        "levels": [{"value": v, "label": label} for v, label in sorted(kiosks.LABELS[kiosk.scale].items(),
                                                                       reverse=True)],
        "aspects": [{"key": k, "label": label} for k, label in (
            ("thai_do", "Thái độ phục vụ"), ("thoi_gian", "Thời gian chờ"), ("huong_dan", "Hướng dẫn thủ tục"),
            ("thu_tuc", "Thủ tục, giấy tờ"), ("co_so", "Cơ sở vật chất"))],
    }


def _server_time() -> str:
    return utcnow().isoformat(timespec="milliseconds").replace("+00:00", "Z")


@bp.route("/api/pair", methods=["POST"])
def pair():
    if not ratelimit.hit(f"kiosk-pair:{ip_hash(request.remote_addr)}", 10, 60).allowed:
        raise kiosks.KioskError("Nhập sai quá nhiều lần. Vui lòng chờ một phút.", 429, "rate_limited")
    data = request.get_json(silent=True)
    if not isinstance(data, dict) or not isinstance(data.get("code"), str):
        raise kiosks.KioskError("Cần gửi JSON {\"code\": \"123456\"}.", 400, "malformed")
    kiosk, token = kiosks.pair(data["code"])
    config = _config(kiosk)
    db.session.commit()
    return jsonify({"token": token, "config": config, "server_time": _server_time()})


@bp.route("/api/config")
def config():
    kiosk = _device()
    kiosks.touch(kiosk.id, request.args.get("queue", type=int))
    config = _config(kiosk)
    db.session.commit()
    return jsonify({**config, "server_time": _server_time()})


@bp.route("/api/report", methods=["POST"])
def report():
    """The tablet reports what it holds (also when revoked or re-coded) and gets its state and configuration."""
    kiosk, state = kiosks.identify(_bearer())
    if not ratelimit.hit(f"kiosk:{kiosk.id}", *DEVICE_LIMIT).allowed:
        raise kiosks.KioskError("Thiết bị gửi quá nhiều yêu cầu; sẽ tự gửi lại sau.", 429, "rate_limited")
    data = request.get_json(silent=True)
    data = data if isinstance(data, dict) else {}
    kiosks.touch(kiosk.id, data.get("queue_length"))
    answer = {"state": state, "server_time": _server_time(),
              "resolutions": kiosks.resolutions(kiosk, data.get("failed"))}
    if state == "active":
        answer["config"] = _config(kiosk)
    db.session.commit()
    return jsonify(answer)


def _staff_device():
    """A tablet whose staff panel is being opened: any credential it held, a PIN tried at most 5 times in 5 min."""
    kiosk, _ = kiosks.identify(_bearer())
    if not ratelimit.hit(f"kiosk-pin:{kiosk.id}", 5, 300).allowed:
        raise kiosks.KioskError("Nhập sai quá nhiều lần. Vui lòng chờ 5 phút.", 429, "rate_limited")
    data = request.get_json(silent=True)
    data = data if isinstance(data, dict) else {}
    kiosks.check_staff_pin(kiosk, data.get("pin"))
    return kiosk, data


@bp.route("/api/staff/unlock", methods=["POST"])
def staff_unlock():
    _staff_device()
    return jsonify({"ok": True, "server_time": _server_time()})


@bp.route("/api/staff/discard", methods=["POST"])
def staff_discard():
    kiosk, data = _staff_device()
    client_id = data.get("client_id")
    if not isinstance(client_id, str) or not isinstance(data.get("note"), str):
        raise kiosks.KioskError("Cần gửi JSON {\"client_id\": …, \"note\": \"lý do\"}.", 400, "malformed")
    kiosks.discard(None, kiosk, client_id, data["note"], via="tablet")
    db.session.commit()
    return jsonify({"ok": True, "server_time": _server_time()})


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
    # a batch whose only write is its ratings is one statement and the tablet's contact: no transaction around
    # them on PostgreSQL (``accept_batch`` opens one when the batch needs several writes)
    statements_commit_alone()
    tablet = kiosks.device(_bearer())
    data = request.get_json(silent=True)
    if tablet.state != "active" and isinstance(data, dict) and isinstance(data.get("items"), list):
        # keep what a revoked tablet reports holding (this batch included), then refuse it
        after = data.get("queue_length")
        kiosks.touch(tablet.id, len(data["items"]) + after if isinstance(after, int) and after >= 0 else None)
        db.session.commit()
    _device((tablet, tablet.state))
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        raise kiosks.KioskError("Lô dữ liệu phải là JSON {\"items\": [...]}.", 400, "malformed")
    items = data["items"]
    if len(items) > kiosks.MAX_BATCH:
        raise kiosks.KioskError(f"Tối đa {kiosks.MAX_BATCH} mục mỗi lô.", 400, "too_many")
    for attempt in range(2):
        try:
            # the tablet sends what stays waiting after this batch: the staff page shows the count after it
            results = kiosks.accept_batch(tablet, items, data.get("queue_length"))
            resolved = kiosks.resolutions(tablet, data.get("failed"))
            db.session.commit()
            break
        except IntegrityError:
            # the same batch arrived twice at once (a retry): run again, the stored items come back as duplicates
            db.session.rollback()
            tablet = kiosks.device(_bearer())
            kiosks.require_active(tablet, tablet.state)
            if attempt:
                raise
    current_app.logger.info("kiosk %s: %d items", tablet.id, len(items))
    return jsonify({"results": [r.as_dict() for r in results], "resolutions": resolved,
                    "server_time": _server_time()})
