"""Citizens' messages from a commune's Zalo Official Account or Facebook Page become cases.

Formats followed (see README, "Zalo and Facebook"):

* Zalo OA webhook: JSON body with ``app_id``, ``event_name``, ``sender.id``, ``recipient.id`` (the OA),
  ``message.msg_id``, ``message.text`` and ``timestamp`` (milliseconds); header
  ``X-ZEvent-Signature: mac=<hex sha256(app_id + raw body + timestamp + OA secret key)>``.
* Facebook Messenger Platform webhook: ``{"object": "page", "entry": [{"id": PAGE_ID, "messaging": [{"sender":
  {"id": PSID}, "recipient": {"id": PAGE_ID}, "timestamp": ms, "message": {"mid": ..., "text": ...}}]}]}``;
  header ``X-Hub-Signature-256: sha256=<hex HMAC-SHA256(raw body, app secret)>``; subscription handshake by GET
  ``hub.mode=subscribe&hub.verify_token=…&hub.challenge=…``.

Operations flush but never commit.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import Case, CaseCategory, CaseEvent, CaseKind, ChannelAccount, InboundMessage, Platform, User
from ..models.cases import OPEN_STATES
from ..text import clean
from ..timeutil import utcnow
from . import cases as case_service
from . import channel_senders, secretbox

log = logging.getLogger("hailong.channels")

#: Zalo events that carry a citizen's message; other ``user_send_*`` kinds are logged and ignored.
ZALO_TEXT_EVENTS = {"user_send_text"}
FALLBACK_CATEGORY = "khac"
REPLY_MAX = 2000  # both platforms refuse longer text messages


class WebhookRefused(Exception):
    """The delivery is refused as a whole (bad signature, malformed body): an HTTP status and a Vietnamese reason."""

    def __init__(self, status: int, message: str, code: str) -> None:
        super().__init__(message)
        self.status, self.message, self.code = status, message, code


@dataclass
class IncomingMessage:
    """A citizen's text message, whatever the platform."""

    message_id: str
    sender_id: str
    text: str
    sent_at: datetime


@dataclass
class Outcome:
    """What became of one event of a delivery: created, joined, duplicate or ignored (with the reason)."""

    result: str
    tracking_code: str | None = None
    reason: str | None = None

    def as_dict(self) -> dict:
        return {k: v for k, v in {"result": self.result, "tracking_code": self.tracking_code,
                                  "reason": self.reason}.items() if v is not None}


def account_for(unit_id: int, platform: str) -> ChannelAccount | None:
    return db.session.execute(select(ChannelAccount).where(
        ChannelAccount.unit_id == unit_id, ChannelAccount.platform == platform)).scalar_one_or_none()


def _secret(account: ChannelAccount, attr: str) -> str:
    try:
        value = secretbox.open_(getattr(account, attr))
    except secretbox.SecretUnreadable:
        log.error("channel %s: %s cannot be decrypted (SECRET_KEY changed?)", account.id, attr)
        raise WebhookRefused(503, "Kênh chưa sẵn sàng: khóa bí mật cần được nhập lại.", "secret_unreadable") from None
    if not value:
        raise WebhookRefused(503, "Kênh chưa được cấu hình khóa bí mật.", "not_configured")
    return value


def _signature_hex(header: str | None, prefix: str) -> bytes:
    value = (header or "").strip()
    if value.lower().startswith(prefix):
        value = value[len(prefix):]
    if not value:
        raise WebhookRefused(401, "Thiếu chữ ký của nền tảng.", "signature_missing")
    return value.lower().encode("utf-8", "replace")  # bytes: compare_digest refuses non-ASCII text


def _dig(data, *keys):
    """``data[k1][k2]…`` or None when any level is missing or not an object (payloads are not trusted)."""
    for key in keys:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def _text(value, limit: int) -> str:
    return str(value)[:limit] if isinstance(value, str | int) and not isinstance(value, bool) else ""


def _ms_to_utc(value) -> datetime | None:
    try:
        ms = int(str(value))
    except (TypeError, ValueError):
        return None
    try:
        return datetime.fromtimestamp(ms / 1000, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None


# -- Zalo Official Account -----------------------------------------------------------------------------------------


def verify_zalo(account: ChannelAccount, body: bytes, payload: dict, header: str | None) -> None:
    """Check ``X-ZEvent-Signature`` (constant time); raises WebhookRefused."""
    given = _signature_hex(header, "mac=")
    secret = _secret(account, "secret_enc")
    app_id = account.app_id or str(payload.get("app_id", ""))
    mac = hashlib.sha256(app_id.encode() + body + str(payload.get("timestamp", "")).encode()
                         + secret.encode()).hexdigest()
    if not hmac.compare_digest(mac.encode(), given):
        raise WebhookRefused(403, "Chữ ký không hợp lệ.", "signature_invalid")


def parse_zalo(account: ChannelAccount, payload: dict) -> list[IncomingMessage | Outcome]:
    event = _text(payload.get("event_name"), 60)
    if event not in ZALO_TEXT_EVENTS:
        return [Outcome("ignored", reason=f"event {event[:40]!r} is not a text message")]
    recipient = _text(_dig(payload, "recipient", "id"), 64)
    if account.external_id and recipient != account.external_id:
        return [Outcome("ignored", reason="recipient is not this commune's OA")]
    message_id, sender = _text(_dig(payload, "message", "msg_id"), 128), _text(_dig(payload, "sender", "id"), 64)
    sent_at = _ms_to_utc(payload.get("timestamp"))
    if not message_id or not sender or sent_at is None:
        return [Outcome("ignored", reason="message id, sender or timestamp missing")]
    return [IncomingMessage(message_id, sender, _text(_dig(payload, "message", "text"), 1_000_000), sent_at)]


# -- Facebook Page (Messenger Platform) ----------------------------------------------------------------------------


def verify_facebook(account: ChannelAccount, body: bytes, header: str | None) -> None:
    """Check ``X-Hub-Signature-256`` (constant time); raises WebhookRefused."""
    given = _signature_hex(header, "sha256=")
    expected = hmac.new(_secret(account, "secret_enc").encode(), body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected.encode(), given):
        raise WebhookRefused(403, "Chữ ký không hợp lệ.", "signature_invalid")


def facebook_handshake(account: ChannelAccount, mode: str | None, token: str | None) -> bool:
    expected = _secret(account, "verify_token_enc")
    return mode == "subscribe" and hmac.compare_digest(expected.encode(), (token or "").encode("utf-8", "replace"))


def parse_facebook(account: ChannelAccount, payload: dict) -> list[IncomingMessage | Outcome]:
    if payload.get("object") != "page" or not isinstance(payload.get("entry"), list):
        return [Outcome("ignored", reason=f"object {str(payload.get('object'))[:40]!r} is not a page event")]
    items: list[IncomingMessage | Outcome] = []
    for entry in payload["entry"][:100]:
        if not isinstance(entry, dict):
            items.append(Outcome("ignored", reason="malformed entry"))
            continue
        if account.external_id and _text(entry.get("id"), 64) != account.external_id:
            items.append(Outcome("ignored", reason="entry is not this commune's Page"))
            continue
        messaging = entry.get("messaging")
        for event in (messaging if isinstance(messaging, list) else [])[:100]:
            message = _dig(event, "message")
            if not isinstance(message, dict):
                items.append(Outcome("ignored", reason="not a message (delivery, read, postback…)"))
                continue
            if message.get("is_echo"):
                items.append(Outcome("ignored", reason="echo of the Page's own message"))
                continue
            mid, sender = _text(message.get("mid"), 128), _text(_dig(event, "sender", "id"), 64)
            sent_at = _ms_to_utc(event.get("timestamp"))
            if not mid or not sender or sent_at is None:
                items.append(Outcome("ignored", reason="message id, sender or timestamp missing"))
                continue
            items.append(IncomingMessage(mid, sender, _text(message.get("text"), 1_000_000), sent_at))
    return items


# -- intake --------------------------------------------------------------------------------------------------------


def _category_id() -> int | None:
    row = db.session.execute(select(CaseCategory.id).where(CaseCategory.code == FALLBACK_CATEGORY)).scalar()
    if row is None:
        row = db.session.execute(select(CaseCategory.id).where(CaseCategory.active.is_(True))
                                 .order_by(CaseCategory.id)).scalars().first()
    return row


def _open_case_of_sender(account: ChannelAccount, sender_id: str, now: datetime) -> Case | None:
    """The open case this sender's last message went to, if that message is within the follow-up window."""
    if account.follow_up_hours <= 0:
        return None
    last = db.session.execute(
        select(InboundMessage).where(InboundMessage.account_id == account.id, InboundMessage.sender_id == sender_id)
        .order_by(InboundMessage.received_at.desc(), InboundMessage.id.desc()).limit(1)
    ).scalar_one_or_none()
    if last is None or last.received_at < now - timedelta(hours=account.follow_up_hours):
        return None
    case = db.session.get(Case, last.case_id)
    return case if case is not None and case.state in OPEN_STATES else None


def receive(account: ChannelAccount, message: IncomingMessage, max_age_hours: int) -> Outcome:
    """File the message as a case, or add it to the sender's open case, exactly once per platform message id."""
    platform = account.platform
    seen = db.session.execute(select(InboundMessage).where(
        InboundMessage.platform == platform, InboundMessage.message_id == message.message_id)).scalar_one_or_none()
    if seen is not None:
        return Outcome("duplicate", db.session.get(Case, seen.case_id).tracking_code)
    now = utcnow()
    if message.sent_at < now - timedelta(hours=max_age_hours):
        return Outcome("ignored", reason="message older than the accepted age")
    text = clean(message.text)
    if not text:
        return Outcome("ignored", reason="no text (sticker, image or empty message)")
    if len(text) > case_service.CONTENT_MAX:
        return Outcome("ignored", reason=f"text of {len(text)} characters is over {case_service.CONTENT_MAX}")
    received_at = min(message.sent_at, now)
    try:
        with db.session.begin_nested():
            case = _open_case_of_sender(account, message.sender_id, now)
            if case is not None:
                db.session.add(CaseEvent(case_id=case.id, kind="message", from_state=case.state, to_state=case.state,
                                         note=text, detail={"platform": platform, "message_id": message.message_id}))
                result = "joined"
            else:
                case, _ = case_service.file_case(case_service.CaseInput(
                    unit_id=account.unit_id, channel=platform, kind=CaseKind.SUGGESTION.value,
                    category_id=_category_id(), content=text, received_at=received_at))
                case.platform_user_id = message.sender_id
                result = "created"
            db.session.add(InboundMessage(account_id=account.id, platform=platform, message_id=message.message_id,
                                          sender_id=message.sender_id, case_id=case.id,
                                          opened_case=result == "created", received_at=now))
            db.session.flush()
    except IntegrityError:
        # the same message delivered twice at once: the other delivery filed it
        log.info("%s message %s delivered concurrently; kept once", platform, message.message_id)
        return Outcome("duplicate")
    except case_service.CaseError as exc:
        if exc.status >= 500:
            raise  # the webhook answers 503: the platform delivers the message again later, nothing is lost
        return Outcome("ignored", reason=str(exc))
    return Outcome(result, case.tracking_code)


# -- answering on the same channel ---------------------------------------------------------------------------------


def can_reply(case: Case) -> ChannelAccount | None:
    """The commune's account through which staff can answer this case, when one is configured."""
    if case.channel not in {p.value for p in Platform} or not case.platform_user_id:
        return None
    account = account_for(case.unit_id, case.channel)
    return account if account is not None and account.can_reply else None


def reply(actor: User, case: Case, text: str) -> str:
    """Send ``text`` to the citizen on the channel the case came from; returns the platform's message id.

    :raises case_service.CaseError: nothing configured, empty/long text, or the platform refused (503).
    """
    text = clean(text)
    if not text:
        raise case_service.CaseError("Vui lòng nhập nội dung trả lời.", 400, "reply")
    if len(text) > REPLY_MAX:
        raise case_service.CaseError(f"Tin nhắn trả lời tối đa {REPLY_MAX} ký tự.", 400, "reply")
    account = can_reply(case)
    if account is None:
        raise case_service.CaseError("Chưa cấu hình mã truy cập để trả lời qua kênh này.", 409)
    try:
        token = secretbox.open_(account.access_token_enc) or ""
    except secretbox.SecretUnreadable:
        raise case_service.CaseError("Mã truy cập của kênh cần được nhập lại.", 409) from None
    sender = channel_senders.sender_for(account.platform, token)
    try:
        message_id = sender.send(case.platform_user_id, text)
    except channel_senders.SendFailed as exc:
        log.warning("reply on %s for case %s failed: %s", account.platform, case.id, exc)
        raise case_service.CaseError(f"Không gửi được tin nhắn: {exc}", 503) from exc
    db.session.add(CaseEvent(case_id=case.id, user_id=actor.id, kind="channel_reply", from_state=case.state,
                             to_state=case.state, note=text,
                             detail={"platform": account.platform, "message_id": message_id}))
    return message_id
