"""Answering a citizen on the channel their message came from: a thin sender per platform.

The interface is one method, ``send(recipient, text) -> message id``, so it can join the notification
senders (e-mail, SMS, ZNS) behind the same shape. Base URLs come from the configuration
(``HAILONG_ZALO_API_URL``, ``HAILONG_FACEBOOK_API_URL``) so a test or a proxy can stand in for the platform.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Protocol

from flask import current_app

TIMEOUT_SECONDS = 10


class SendFailed(Exception):
    """The platform could not be reached or refused the message (the reason is kept for staff)."""


class MessageSender(Protocol):
    def send(self, recipient: str, text: str) -> str: ...


def _post_json(url: str, body: dict, headers: dict[str, str]) -> dict:
    if not url.startswith(("https://", "http://")):
        raise SendFailed("địa chỉ máy chủ nền tảng không hợp lệ")
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",  # noqa: S310
                                     headers={"Content-Type": "application/json", **headers})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
            return json.loads(response.read(1_000_000) or b"{}")
    except urllib.error.HTTPError as exc:
        try:
            detail = json.loads(exc.read(10_000) or b"{}")
        except ValueError:
            detail = {}
        message = (detail.get("error") or {}).get("message") if isinstance(detail.get("error"), dict) else None
        raise SendFailed(f"nền tảng trả lời HTTP {exc.code}" + (f": {message}" if message else "")) from exc
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise SendFailed("không kết nối được máy chủ của nền tảng") from exc
    except ValueError as exc:
        raise SendFailed("nền tảng trả lời không đúng định dạng") from exc


class ZaloOASender:
    """Zalo OA API v3 "tin tư vấn" (customer-service message): POST /v3.0/oa/message/cs, header access_token."""

    def __init__(self, access_token: str, base_url: str) -> None:
        self.access_token, self.base_url = access_token, base_url.rstrip("/")

    def send(self, recipient: str, text: str) -> str:
        answer = _post_json(f"{self.base_url}/v3.0/oa/message/cs",
                            {"recipient": {"user_id": recipient}, "message": {"text": text}},
                            {"access_token": self.access_token})
        if answer.get("error") not in (0, "0"):
            raise SendFailed(f"Zalo từ chối (mã {answer.get('error')}): {str(answer.get('message', ''))[:200]}")
        return str((answer.get("data") or {}).get("message_id", ""))


class FacebookPageSender:
    """Messenger Platform Send API: POST /me/messages?access_token=…, messaging_type RESPONSE."""

    def __init__(self, access_token: str, base_url: str) -> None:
        self.access_token, self.base_url = access_token, base_url.rstrip("/")

    def send(self, recipient: str, text: str) -> str:
        query = urllib.parse.urlencode({"access_token": self.access_token})
        answer = _post_json(f"{self.base_url}/me/messages?{query}",
                            {"recipient": {"id": recipient}, "messaging_type": "RESPONSE",
                             "message": {"text": text}}, {})
        if "message_id" not in answer:
            raise SendFailed("Facebook không trả về mã tin nhắn")
        return str(answer["message_id"])


def sender_for(platform: str, access_token: str) -> MessageSender:
    if platform == "zalo":
        return ZaloOASender(access_token, current_app.config["ZALO_API_URL"])
    return FacebookPageSender(access_token, current_app.config["FACEBOOK_API_URL"])
