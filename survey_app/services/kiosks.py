"""Kiosks: pairing a tablet, authenticating it, and storing its batches of ratings as survey responses.

A rating from a kiosk is an ordinary survey response (channel ``kiosk``) to the centre questionnaire's
quick-rating question, so every index counts it without special cases.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select

from ..extensions import db
from ..models import Counter, Kiosk, Officer, ServiceCentre, SurveyResponse, User
from ..surveys.definition import ParsedAnswers
from ..text import clean
from ..timeutil import as_utc, utcnow
from . import audit, surveys

PAIRING_TTL = timedelta(minutes=30)
MAX_BATCH = 100
COMMENT_MAX = 1000
MAX_AGE = timedelta(days=365)
CLOCK_SKEW = timedelta(minutes=5)
#: A rating is flagged "kiosk-burst" when the same tablet got this many others in the seconds before it.
BURST_COUNT = 3
BURST_WINDOW = timedelta(seconds=20)
#: The kiosk's levels onto the survey's five-point quick-rating question.
SCALE_MAP = {3: {3: 5, 2: 4, 1: 2}, 5: {v: v for v in range(1, 6)}}
LABELS = {
    3: {3: "Rất hài lòng", 2: "Hài lòng", 1: "Không hài lòng"},
    5: {5: "Rất hài lòng", 4: "Hài lòng", 3: "Bình thường", 2: "Không hài lòng", 1: "Rất không hài lòng"},
}
#: Follow-up aspects onto the centre questionnaire's "improve" options.
ASPECTS = {"thoi_gian": 1, "thai_do": 2, "huong_dan": 3, "co_so": 4, "thu_tuc": 5}


class KioskError(ValueError):
    def __init__(self, message: str, status: int = 400, code: str = "invalid") -> None:
        super().__init__(message)
        self.status = status
        self.code = code


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def new_pairing_code(actor: User | None, kiosk: Kiosk) -> str:
    """A fresh six-digit code, valid for 30 minutes and for one pairing; the old credential stops working."""
    for _ in range(20):
        code = f"{secrets.randbelow(10**6):06d}"
        if db.session.execute(select(Kiosk.id).where(Kiosk.pairing_hash == _hash(code))).first() is None:
            break
    kiosk.pairing_hash, kiosk.pairing_expires_at = _hash(code), utcnow() + PAIRING_TTL
    kiosk.device_hash, kiosk.paired_at = None, None
    audit.record(actor, "pairing_code", "kiosk", kiosk.id, unit_id=kiosk.unit_id)
    return code


def create(actor: User, centre: ServiceCentre, counter: Counter | None, name: str, scale: int) -> tuple[Kiosk, str]:
    if scale not in SCALE_MAP:
        raise KioskError("Thang đánh giá chỉ có 3 hoặc 5 mức.")
    if counter is not None and counter.centre_id != centre.id:
        raise KioskError("Quầy không thuộc trung tâm đã chọn.")
    kiosk = Kiosk(unit_id=centre.unit_id, centre_id=centre.id, counter_id=counter.id if counter else None,
                  name=clean(name)[:120] or f"Máy đánh giá {centre.name}", scale=scale)
    db.session.add(kiosk)
    db.session.flush()
    audit.record(actor, "create", "kiosk", kiosk.id, unit_id=kiosk.unit_id, detail={"name": kiosk.name})
    return kiosk, new_pairing_code(actor, kiosk)


def update(actor: User, kiosk: Kiosk, name: str, counter: Counter | None, scale: int) -> None:
    if scale not in SCALE_MAP:
        raise KioskError("Thang đánh giá chỉ có 3 hoặc 5 mức.")
    if counter is not None and counter.centre_id != kiosk.centre_id:
        raise KioskError("Quầy không thuộc trung tâm của máy.")
    changes = audit.diff(kiosk, {"name": clean(name)[:120] or kiosk.name,
                                 "counter_id": counter.id if counter else None, "scale": scale})
    if changes:
        audit.record(actor, "update", "kiosk", kiosk.id, unit_id=kiosk.unit_id, detail=changes)


def revoke(actor: User, kiosk: Kiosk) -> None:
    kiosk.active, kiosk.revoked_at = False, utcnow()
    kiosk.pairing_hash = None
    audit.record(actor, "revoke", "kiosk", kiosk.id, unit_id=kiosk.unit_id)


def pair(code: str) -> tuple[Kiosk, str]:
    """Exchange a pairing code for the long-lived device credential (returned once, stored hashed)."""
    code = clean(code).replace(" ", "")
    kiosk = db.session.execute(select(Kiosk).where(Kiosk.pairing_hash == _hash(code))).scalar_one_or_none() \
        if code.isdigit() and len(code) == 6 else None
    if kiosk is None or not kiosk.active or kiosk.pairing_expires_at is None or kiosk.pairing_expires_at < utcnow():
        raise KioskError("Mã ghép nối không đúng hoặc đã hết hạn. Vui lòng xin mã mới từ cán bộ quản trị.", 400,
                         "bad_code")
    token = "kd_" + secrets.token_urlsafe(32)
    kiosk.device_hash, kiosk.paired_at, kiosk.last_seen_at = _hash(token), utcnow(), utcnow()
    kiosk.pairing_hash, kiosk.pairing_expires_at = None, None
    audit.record(None, "paired", "kiosk", kiosk.id, unit_id=kiosk.unit_id)
    return kiosk, token


def authenticate(token: str | None) -> Kiosk:
    kiosk = db.session.execute(select(Kiosk).where(Kiosk.device_hash == _hash(token))).scalar_one_or_none() \
        if token else None
    if kiosk is None:
        raise KioskError("Thiết bị chưa được ghép nối hoặc mã thiết bị không đúng.", 401, "unknown_device")
    if not kiosk.active:
        raise KioskError("Thiết bị đã bị thu hồi. Vui lòng báo cán bộ quản trị để ghép nối lại.", 403, "revoked")
    return kiosk


def officer_of(kiosk: Kiosk) -> Officer | None:
    if kiosk.counter_id is None:
        return None
    officers = db.session.execute(select(Officer).where(Officer.counter_id == kiosk.counter_id,
                                                        Officer.active.is_(True))).scalars().all()
    return officers[0] if len(officers) == 1 else None


def touch(kiosk: Kiosk, queue_length: int | None) -> None:
    kiosk.last_seen_at = utcnow()
    if isinstance(queue_length, int) and 0 <= queue_length < 10**7:
        kiosk.last_queue_length = queue_length


@dataclass(frozen=True)
class ItemResult:
    client_id: str | None
    status: str  # stored | duplicate | rejected
    error: str | None = None

    def as_dict(self) -> dict:
        return {"client_id": self.client_id, "status": self.status, **({"error": self.error} if self.error else {})}


def _parse_time(value) -> datetime | None:
    if not isinstance(value, str) or len(value) > 40:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        return as_utc(parsed) if parsed.tzinfo else None
    except (ValueError, OverflowError):  # also the calendar's edges (0001-01-01T00:00+01:00) shifted to UTC
        return None


def _burst(kiosk: Kiosk, at: datetime) -> bool:
    recent = db.session.execute(
        select(func.count()).select_from(SurveyResponse).where(
            SurveyResponse.kiosk_id == kiosk.id, SurveyResponse.answered_at >= at - BURST_WINDOW,
            SurveyResponse.answered_at <= at)
    ).scalar()
    return recent >= BURST_COUNT


def accept_batch(kiosk: Kiosk, items: list) -> list[ItemResult]:
    """Store each valid rating once (idempotent on the tablet's id), keeping its original time.

    Invalid items are rejected one by one with a reason; the rest of the batch is stored. A concurrent retry
    of the same batch surfaces as an IntegrityError at commit: the caller rolls back and runs it again, when
    the items already stored come back as duplicates.
    """
    questionnaire = surveys.questionnaire_by_code("centre-service")
    version = surveys.current_version(questionnaire.id)
    officer = officer_of(kiosk)
    now = utcnow()
    results: list[ItemResult] = []
    for item in items:
        if not isinstance(item, dict):
            results.append(ItemResult(None, "rejected", "Mục không phải đối tượng JSON."))
            continue
        raw_id = item.get("client_id")
        client_id = raw_id if isinstance(raw_id, str) and 8 <= len(raw_id) <= 48 and raw_id.isascii() else None
        if client_id is None:
            results.append(ItemResult(None, "rejected", "Thiếu client_id (8–48 ký tự ASCII)."))
            continue
        key = f"k{kiosk.id}:{client_id}"
        if surveys.find_by_client_id(key) is not None:
            results.append(ItemResult(client_id, "duplicate"))
            continue
        value = item.get("value")
        at = _parse_time(item.get("answered_at"))
        comment = item.get("comment") or ""
        aspects = item.get("aspects") or []
        dossier = clean(item.get("dossier_code")) if isinstance(item.get("dossier_code"), str) else ""
        error = None
        if not isinstance(value, int) or isinstance(value, bool) or value not in SCALE_MAP[kiosk.scale]:
            error = f"Giá trị đánh giá phải thuộc thang {kiosk.scale} mức."
        elif at is None:
            error = "answered_at phải là thời điểm ISO 8601 có múi giờ."
        elif at > now + CLOCK_SKEW:
            error = "Thời điểm đánh giá ở tương lai."
        elif at < now - MAX_AGE:
            error = "Thời điểm đánh giá quá cũ (hơn một năm)."
        elif not isinstance(comment, str) or len(comment) > COMMENT_MAX:
            error = f"Ý kiến tối đa {COMMENT_MAX} ký tự."
        elif not isinstance(aspects, list) or any(not isinstance(a, str) or a not in ASPECTS for a in aspects):
            error = "Khía cạnh cần cải thiện không hợp lệ."
        elif len(dossier) > 64 or not isinstance(item.get("dossier_code") or "", str):
            error = "Mã hồ sơ tối đa 64 ký tự."
        if error:
            results.append(ItemResult(client_id, "rejected", error))
            continue
        overall = SCALE_MAP[kiosk.scale][value]
        answers = ParsedAnswers(values={"overall": [overall]})
        if aspects:
            answers.values["improve"] = sorted({ASPECTS[a] for a in aspects})
        if clean(comment):
            answers.texts["overall.why" if overall <= 2 else "comment"] = clean(comment)
        source = surveys.Submission(
            unit_id=kiosk.unit_id, centre_id=kiosk.centre_id, counter_id=kiosk.counter_id,
            officer_id=officer.id if officer else None, channel="kiosk", client_id=key, answered_at=at,
            dossier_code=dossier or None, kiosk_id=kiosk.id,
            suspicious_reason="kiosk-burst" if _burst(kiosk, at) else None)
        try:
            surveys.submit_response(version, answers, source)
        except surveys.SurveyError as exc:
            results.append(ItemResult(client_id, "rejected", str(exc)))
            continue
        results.append(ItemResult(client_id, "stored"))
    return results
