"""Inbound webhooks, one per commune and platform: ``/webhooks/zalo/<unit code>``, ``/webhooks/facebook/<unit code>``.

The platform retries whatever is not answered 200, so a delivery that is understood but not filed (an unknown
event, a sticker, an old message) is answered 200 with ``ignored`` and a log line; a forged or malformed one
gets a 4xx JSON error. A message id already seen is answered ``duplicate`` and files nothing.
"""

from __future__ import annotations

import json
import logging
import time

from flask import Blueprint, Response, abort, current_app, jsonify, request
from sqlalchemy.exc import OperationalError

from ..errors import error_response
from ..extensions import csrf, db
from ..inbox.common import unit_by_code
from ..models import ChannelAccount, Platform
from ..services import channels, ratelimit
from ..services.surveys import ip_hash

bp = Blueprint("webhooks", __name__, url_prefix="/webhooks")
csrf.exempt(bp)
log = logging.getLogger("hailong.channels")
ATTEMPTS = 5


def _account(platform: str, unit_code: str):
    if platform not in {p.value for p in Platform}:
        abort(404)
    unit = unit_by_code(unit_code)
    account = channels.account_for(unit.id, platform)
    if account is None or not account.active:
        abort(404)
    return account


def _refusals_key() -> str:
    return f"webhook-refused:{ip_hash(request.remote_addr)}"


def _throttled():
    """A sender whose deliveries keep failing the signature check (a forger trying secrets) is answered 429 for the
    rest of the window; the platforms' own deliveries, which pass, are never counted or slowed."""
    limit, window = ratelimit.parse_limit(current_app.config["WEBHOOK_REFUSAL_LIMIT"])
    if ratelimit.peek(_refusals_key(), window) >= limit:
        log.warning("webhook: %s throttled after %s refused deliveries", request.remote_addr, limit)
        return error_response(429, "Quá nhiều lần gửi không hợp lệ; vui lòng thử lại sau.", "throttled",
                              retry_after=window)
    return None


def _refused(exc: channels.WebhookRefused, platform: str, unit_code: str):
    log.warning("webhook %s/%s refused (%s): %s from %s", platform, unit_code, exc.code, exc.message,
                request.remote_addr)
    if exc.status in (401, 403):
        _, window = ratelimit.parse_limit(current_app.config["WEBHOOK_REFUSAL_LIMIT"])
        ratelimit.hit(_refusals_key(), 10**9, window)
    return error_response(exc.status, exc.message, exc.code)


@bp.route("/<platform>/<unit_code>", methods=["GET"])
def handshake(platform: str, unit_code: str):
    """Facebook's subscription handshake; Zalo only checks that the address answers."""
    account = _account(platform, unit_code)
    if platform == Platform.ZALO:
        return jsonify({"status": "ok"})
    try:
        ok = channels.facebook_handshake(account, request.args.get("hub.mode"), request.args.get("hub.verify_token"))
    except channels.WebhookRefused as exc:
        return _refused(exc, platform, unit_code)
    if not ok:
        log.warning("webhook facebook/%s: handshake with a wrong verify token", unit_code)
        return error_response(403, "Mã xác minh không khớp.", "verify_token_invalid")
    return Response(request.args.get("hub.challenge", "")[:200], mimetype="text/plain")


@bp.route("/<platform>/<unit_code>", methods=["POST"])
def deliver(platform: str, unit_code: str):
    throttled = _throttled()
    if throttled is not None:
        return throttled
    account = _account(platform, unit_code)
    limit = current_app.config["WEBHOOK_MAX_BYTES"]
    if request.content_length is not None and request.content_length > limit:
        log.warning("webhook %s/%s: body of %s bytes refused", platform, unit_code, request.content_length)
        return error_response(413, f"Nội dung gửi lên quá lớn (tối đa {limit // 1024} KB).", "too_large")
    body = request.get_data(cache=True)  # bounded by MAX_CONTENT_LENGTH; a hook may have read the stream already
    if len(body) > limit:
        log.warning("webhook %s/%s: body over %s bytes refused", platform, unit_code, limit)
        return error_response(413, f"Nội dung gửi lên quá lớn (tối đa {limit // 1024} KB).", "too_large")
    try:
        payload = json.loads(body)
        if not isinstance(payload, dict):
            raise ValueError("not an object")
    except (ValueError, UnicodeDecodeError):
        log.warning("webhook %s/%s: body is not a JSON object", platform, unit_code)
        return error_response(400, "Nội dung không phải JSON hợp lệ.", "malformed")
    try:
        if platform == Platform.ZALO:
            channels.verify_zalo(account, body, payload, request.headers.get("X-ZEvent-Signature"))
            items = channels.parse_zalo(account, payload)
        else:
            channels.verify_facebook(account, body, request.headers.get("X-Hub-Signature-256"))
            items = channels.parse_facebook(account, payload)
    except channels.WebhookRefused as exc:
        return _refused(exc, platform, unit_code)
    account_id = account.id
    for attempt in range(ATTEMPTS):
        try:
            results = _file(db.session.get(ChannelAccount, account_id), items, platform, unit_code)
            db.session.commit()
            return jsonify({"status": "ok", "results": results})
        except OperationalError as exc:
            # a concurrent delivery holds the write lock (SQLite) or the connection dropped: start over with a
            # fresh snapshot, where a message the other delivery filed reads as a duplicate
            db.session.rollback()
            log.warning("webhook %s/%s: database busy (attempt %s): %s", platform, unit_code, attempt + 1,
                        str(exc).splitlines()[0][:200])
            time.sleep(0.05 * (attempt + 1))
    return error_response(503, "Hệ thống đang bận, vui lòng gửi lại sau.", "busy")


def _file(account: ChannelAccount, items: list, platform: str, unit_code: str) -> list[dict]:
    results = []
    max_age = current_app.config["WEBHOOK_MAX_AGE_HOURS"]
    for item in items:
        outcome = item if isinstance(item, channels.Outcome) else channels.receive(account, item, max_age)
        if outcome.result == "ignored":
            log.info("webhook %s/%s: ignored (%s)", platform, unit_code, outcome.reason)
        elif outcome.result == "duplicate":
            log.info("webhook %s/%s: duplicate delivery of %s", platform, unit_code, outcome.tracking_code)
        results.append(outcome.as_dict())
    return results
