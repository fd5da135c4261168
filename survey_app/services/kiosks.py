"""Kiosks: pairing a tablet, authenticating it, and storing its batches of ratings as survey responses.

A rating from a kiosk is an ordinary survey response (channel ``kiosk``) to the centre questionnaire's
quick-rating question, so every index counts it without special cases.

A queued rating is self-describing, like an ODK submission: it names the binding (counter, officer, scale)
the tablet showed, the level on that scale, the questionnaire version, the device time of the tap and the
device's clock offset measured against the server at its last successful contact. The server judges it by
what was true when it was made, never by the kiosk's setup when the batch arrives. What the server cannot
store is answered ``rejected`` with a reason and kept (``KioskRejection``) until staff discard it.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache

from sqlalchemy import (
    Integer,
    Interval,
    any_,
    bindparam,
    case,
    cast,
    func,
    literal_column,
    null,
    select,
    union_all,
)
from sqlalchemy import update as update_rows
from sqlalchemy.dialects import postgresql
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db
from ..models import (
    Counter,
    Kiosk,
    KioskBinding,
    KioskRejection,
    Officer,
    Questionnaire,
    QuestionnaireVersion,
    ServiceCentre,
    SurveyResponse,
    User,
)
from ..models.surveys import VersionStatus
from ..models.types import UTCDateTime
from ..surveys.definition import ParsedAnswers
from ..text import clean
from ..timeutil import as_utc, format_datetime, local_day, utcnow
from . import audit, surveys, transactions, workdays
from .qr import VersionView

PAIRING_TTL = timedelta(minutes=30)
MAX_BATCH = 100
COMMENT_MAX = 1000
MAX_AGE = timedelta(days=365)
CLOCK_SKEW = timedelta(minutes=5)
#: A measured clock offset larger than this is still used, but a tablet without one is judged by its raw time.
MAX_OFFSET = timedelta(days=3650)
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
#: Review flags a kiosk rating may carry (kept in the indices, shown to reviewers).
FLAG_CLOCK, FLAG_DOSSIER, FLAG_STALE = "clock-untrusted", "dossier-dropped", "stale-screen"


class KioskError(ValueError):
    def __init__(self, message: str, status: int = 400, code: str = "invalid") -> None:
        super().__init__(message)
        self.status = status
        self.code = code


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


# -- bindings: what the tablet showed, and when ----------------------------------------------------------------


def officer_of(kiosk: Kiosk) -> Officer | None:
    """The officer shown on the kiosk: the one active officer of its counter, if exactly one."""
    if kiosk.counter_id is None:
        return None
    officers = db.session.execute(select(Officer).where(Officer.counter_id == kiosk.counter_id,
                                                        Officer.active.is_(True))).scalars().all()
    return officers[0] if len(officers) == 1 else None


def current_binding(kiosk: Kiosk) -> KioskBinding | None:
    return db.session.execute(select(KioskBinding).where(KioskBinding.kiosk_id == kiosk.id,
                                                         KioskBinding.valid_to.is_(None))).scalar_one_or_none()


def _end_binding(kiosk: Kiosk, reason: str, at: datetime) -> None:
    binding = current_binding(kiosk)
    if binding is not None:
        binding.valid_to, binding.end_reason = at, reason
        db.session.flush()


def sync_binding(kiosk: Kiosk, at: datetime | None = None) -> KioskBinding | None:
    """The kiosk's current binding, started anew when its counter, officer or scale changed.

    Only a paired, active kiosk has a current binding: what it shows is what its next taps are judged by.
    """
    if not kiosk.active or kiosk.device_hash is None:
        return None
    at = at or utcnow()
    officer = officer_of(kiosk)
    shown = (kiosk.centre_id, kiosk.counter_id, officer.id if officer else None, kiosk.scale)
    binding = current_binding(kiosk)
    if binding is not None and (binding.centre_id, binding.counter_id, binding.officer_id, binding.scale) == shown:
        return binding
    if binding is not None:
        binding.valid_to, binding.end_reason = at, "changed"
        db.session.flush()
    binding = KioskBinding(kiosk_id=kiosk.id, unit_id=kiosk.unit_id, centre_id=shown[0], counter_id=shown[1],
                           officer_id=shown[2], scale=shown[3], valid_from=at)
    db.session.add(binding)
    db.session.flush()
    return binding


# -- staff operations ------------------------------------------------------------------------------------------


def new_pairing_code(actor: User | None, kiosk: Kiosk) -> str:
    """A fresh six-digit code, valid for 30 minutes and for one pairing; the old credential stops sending.

    The old credential may still report the tablet's queue (so staff see what a re-coded tablet holds).
    """
    for _ in range(20):
        code = f"{secrets.randbelow(10**6):06d}"
        if db.session.execute(select(Kiosk.id).where(Kiosk.pairing_hash == _hash(code))).first() is None:
            break
    _end_binding(kiosk, "recoded", utcnow())
    if kiosk.device_hash is not None:
        kiosk.previous_device_hash = kiosk.device_hash
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


def update(actor: User, kiosk: Kiosk, name: str, counter: Counter | None, scale: int,
           staff_pin: str | None = None) -> None:
    """Rename, re-bind or change the scale; a change starts a new binding (queued taps keep the old one)."""
    if scale not in SCALE_MAP:
        raise KioskError("Thang đánh giá chỉ có 3 hoặc 5 mức.")
    if counter is not None and counter.centre_id != kiosk.centre_id:
        raise KioskError("Quầy không thuộc trung tâm của máy.")
    pin = (staff_pin or "").strip()
    if pin and not (pin.isdigit() and 4 <= len(pin) <= 8):
        raise KioskError("Mã PIN cán bộ gồm 4–8 chữ số.")
    changes = audit.diff(kiosk, {"name": clean(name)[:120] or kiosk.name,
                                 "counter_id": counter.id if counter else None, "scale": scale})
    if pin:
        kiosk.staff_pin_hash = generate_password_hash(pin)
        changes["staff_pin"] = ["***", "***"]
    if changes:
        db.session.flush()
        db.session.expire(kiosk, ["counter"])
        sync_binding(kiosk)
        audit.record(actor, "update", "kiosk", kiosk.id, unit_id=kiosk.unit_id, detail=changes)


def revoke(actor: User, kiosk: Kiosk) -> None:
    kiosk.active, kiosk.revoked_at = False, utcnow()
    kiosk.pairing_hash = None
    _end_binding(kiosk, "revoked", kiosk.revoked_at)
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
    _end_binding(kiosk, "recoded", kiosk.paired_at)
    sync_binding(kiosk, kiosk.paired_at)
    audit.record(None, "paired", "kiosk", kiosk.id, unit_id=kiosk.unit_id)
    return kiosk, token


@dataclass(frozen=True)
class BindingView:
    """A binding as a batch judges its taps by it (plain columns, read with the tablet)."""

    id: int
    unit_id: int
    centre_id: int
    counter_id: int | None
    officer_id: int | None
    scale: int
    valid_from: datetime
    valid_to: datetime | None
    end_reason: str | None


@dataclass(frozen=True)
class Device:
    """The tablet a credential names, as a batch of ratings needs it: its place and state ("active", "revoked"
    or "recoded"), its bindings, and the published versions of the centre questionnaire, read in one query."""

    id: int
    unit_id: int
    centre_id: int
    counter_id: int | None
    state: str
    bindings: tuple[BindingView, ...]
    versions: tuple[VersionView, ...]


def _device_query():
    """One query of plain columns: the tablet by its credential (or by the one before its new code), its bindings
    and the published versions, told apart by ``kind``. The bindings come first: their columns type the union's,
    so the moments read back as UTC on every backend."""
    digest, b, k, v = bindparam("digest"), KioskBinding, Kiosk, QuestionnaireVersion
    kind = literal_column  # the constants are written into the text, not bound
    return union_all(
        select(kind("'binding'").label("kind"), b.id, b.unit_id, b.centre_id, b.counter_id, b.officer_id, b.scale,
               b.valid_from, b.valid_to, b.end_reason.label("word"))
        .where(b.kiosk_id == select(k.id).where(k.device_hash == digest).scalar_subquery()),
        select(kind("'kiosk'"), k.id, k.unit_id, k.centre_id, k.counter_id, null(), k.scale, null(), null(),
               case((k.active, kind("'active'")), else_=kind("'revoked'"))).where(k.device_hash == digest),
        select(kind("'previous'"), k.id, k.unit_id, k.centre_id, k.counter_id, null(), k.scale, null(), null(),
               kind("'recoded'")).where(k.previous_device_hash == digest),
        select(kind("'version'"), v.id, v.questionnaire_id, null(), null(), null(), v.number, v.published_at,
               null(), v.status).join(Questionnaire, Questionnaire.id == v.questionnaire_id)
        .where(Questionnaire.code == "centre-service", v.status == VersionStatus.PUBLISHED.value))


#: built once (a statement built per request costs more than its query)
_DEVICE = _device_query()


def device(token: str | None) -> Device:
    """The tablet a credential belongs to, with its state: "active", "revoked" or "recoded" (a new code was issued).

    A revoked or re-coded tablet may still report what it holds; only an active one may send ratings.
    """
    if token:
        found: dict[str, tuple] = {}
        bindings, versions = [], []
        # plain columns: on the session's connection, past the ORM's result machinery
        for kind, id_, unit, centre, counter, officer, scale, since, until, word in db.session.connection().execute(
                _DEVICE, {"digest": _hash(token)}):
            if kind == "binding":
                bindings.append(BindingView(id_, unit, centre, counter, officer, scale, since, until, word))
            elif kind == "version":
                versions.append(VersionView(id_, unit, scale, word, since))
            else:
                found[kind] = (id_, unit, centre, counter, word)
        row = found.get("kiosk") or found.get("previous")
        if row is not None:
            return Device(*row, bindings=tuple(bindings) if "kiosk" in found else (), versions=tuple(versions))
    raise KioskError("Thiết bị chưa được ghép nối hoặc mã thiết bị không đúng.", 401, "unknown_device")


def identify(token: str | None) -> tuple[Kiosk, str]:
    """The kiosk a credential belongs to (to change it) and its state, as :func:`device` finds them."""
    found = device(token)
    return db.session.get(Kiosk, found.id), found.state


def authenticate(token: str | None) -> Kiosk:
    return require_active(*identify(token))


def require_active(kiosk: Kiosk, state: str) -> Kiosk:
    """The kiosk :func:`identify` found, if it may send ratings; else the refusal the tablet shows."""
    if state == "revoked":
        raise KioskError("Thiết bị đã bị thu hồi. Đánh giá vẫn được giữ trên máy; vui lòng báo cán bộ quản trị để "
                         "ghép nối lại.", 403, "revoked")
    if state == "recoded":
        raise KioskError("Máy đã được cấp mã ghép nối mới. Đánh giá vẫn được giữ trên máy; nhập mã mới để gửi tiếp.",
                         403, "recoded")
    return kiosk


def check_staff_pin(kiosk: Kiosk, pin: object) -> None:
    if not kiosk.staff_pin_hash:
        raise KioskError("Máy chưa có mã PIN cán bộ: đặt trong Quản trị › Máy đánh giá.", 403, "no_pin")
    if not isinstance(pin, str) or not check_password_hash(kiosk.staff_pin_hash, pin.strip()):
        raise KioskError("Mã PIN cán bộ không đúng.", 403, "bad_pin")


def _count(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 10**7 else None


#: the tablet's last contact; a count it did not report (None) keeps the one stored
_TOUCH = update_rows(Kiosk).where(Kiosk.id == bindparam("kiosk_id")).values(
    last_seen_at=bindparam("seen_at", type_=UTCDateTime),
    last_queue_length=func.coalesce(bindparam("queue", type_=Integer), Kiosk.last_queue_length),
    last_failed_count=func.coalesce(bindparam("failed", type_=Integer), Kiosk.last_failed_count),
    last_sent_at=func.coalesce(bindparam("sent_at", type_=UTCDateTime), Kiosk.last_sent_at))


def touch(kiosk_id: int, queue_length: object, failed_count: object = None, sent_at: datetime | None = None) -> None:
    """Record the tablet's contact, what it reports holding (after the batch it just sent) and, when a batch of it
    was stored, that moment: one UPDATE of plain columns (a kiosk object of the session keeps what it read)."""
    db.session.connection().execute(_TOUCH, {"kiosk_id": kiosk_id, "seen_at": utcnow(), "queue": _count(queue_length),
                                             "failed": _count(failed_count), "sent_at": sent_at})


def is_silent(kiosk: Kiosk, today: date) -> bool:
    """A paired tablet that has not called in for a whole working day (weekends and holidays don't count)."""
    if not kiosk.active or kiosk.paired_at is None or kiosk.last_seen_at is None:
        return False
    last = local_day(kiosk.last_seen_at)
    return last < today - timedelta(days=1) and bool(
        workdays.working_days_between(last + timedelta(days=1), today - timedelta(days=1)))


def open_rejections(kiosk_ids: list[int]) -> dict[int, list[KioskRejection]]:
    if not kiosk_ids:
        return {}
    rows = db.session.execute(select(KioskRejection).where(KioskRejection.kiosk_id.in_(kiosk_ids),
                                                           KioskRejection.resolution.is_(None))
                              .order_by(KioskRejection.rejected_at)).scalars().all()
    result: dict[int, list[KioskRejection]] = {}
    for row in rows:
        result.setdefault(row.kiosk_id, []).append(row)
    return result


def discard(actor: User | None, kiosk: Kiosk, client_id: str, note: str, via: str) -> None:
    """Staff give up on a refused item, with a reason that goes to the audit log."""
    note = clean(note)[:300]
    if not note:
        raise KioskError("Cần ghi lý do loại bỏ.", 400, "no_reason")
    row = db.session.execute(select(KioskRejection).where(KioskRejection.kiosk_id == kiosk.id,
                                                          KioskRejection.client_id == client_id)
                             ).scalar_one_or_none()
    if row is None:
        raise KioskError("Không tìm thấy mục không gửi được này.", 404, "not_found")
    if row.resolution is None:
        row.resolution, row.resolved_at, row.note = "discarded", utcnow(), note
        row.resolved_by_id = actor.id if actor else None
        audit.record(actor, "discard_rating", "kiosk", kiosk.id, unit_id=kiosk.unit_id,
                     detail={"client_id": client_id, "reason": row.reason, "note": note, "via": via})


def resolutions(kiosk: Kiosk, client_ids: object) -> dict[str, str]:
    """For the refused items a tablet still holds: those staff discarded or a re-send stored."""
    if not isinstance(client_ids, list):
        return {}
    ids = [c for c in client_ids[:1000] if isinstance(c, str) and len(c) <= 48]
    if not ids:
        return {}
    rows = db.session.execute(select(KioskRejection.client_id, KioskRejection.resolution).where(
        KioskRejection.kiosk_id == kiosk.id, KioskRejection.client_id.in_(ids),
        KioskRejection.resolution.is_not(None))).all()
    return {row.client_id: row.resolution for row in rows}


# -- one item: what it says, then whether and how it is stored -------------------------------------------------


@dataclass(frozen=True)
class ItemResult:
    client_id: str | None
    status: str  # stored | duplicate | rejected | discarded
    error: str | None = None
    flags: tuple[str, ...] = ()

    def as_dict(self) -> dict:
        return {"client_id": self.client_id, "status": self.status, **({"error": self.error} if self.error else {}),
                **({"flags": list(self.flags)} if self.flags else {})}


class ItemRejected(ValueError):
    """An item that cannot be stored, with the Vietnamese reason the tablet and staff see."""


@dataclass
class KioskItem:
    """A queued tap as the tablet describes it (validated shape, not yet judged)."""

    client_id: str
    value: int
    device_time: datetime
    scale: int | None = None
    binding_id: int | None = None
    version_id: int | None = None
    counter_id: int | None = None
    officer_id: int | None = None
    #: server time minus device time at the last successful contact before the tap, and when it was measured
    offset: timedelta | None = None
    offset_at: datetime | None = None
    comment: str = ""
    aspects: list[str] = field(default_factory=list)
    dossier: str = ""


def _parse_time(value) -> datetime | None:
    if not isinstance(value, str) or len(value) > 40:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        return as_utc(parsed) if parsed.tzinfo else None
    except (ValueError, OverflowError):  # also the calendar's edges shifted to UTC
        return None


def _int(value) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and -2**53 < value < 2**53 else None


def client_id_of(item: object) -> str | None:
    raw = item.get("client_id") if isinstance(item, dict) else None
    return raw if isinstance(raw, str) and 8 <= len(raw) <= 48 and raw.isascii() else None


def validate_item(item: object) -> KioskItem:
    """Check one item's shape and read what it says; raise ``ItemRejected`` with the reason.

    Shape only: whether the kiosk may have taken it, and on which scale, is ``judge``'s job.
    """
    if not isinstance(item, dict):
        raise ItemRejected("Mục không phải đối tượng JSON.")
    client_id = client_id_of(item)
    if client_id is None:
        raise ItemRejected("Thiếu client_id (8–48 ký tự ASCII).")
    value = _int(item.get("value"))
    raw_scale = item.get("scale")
    scale = _int(raw_scale)
    if raw_scale is not None and scale not in SCALE_MAP:
        raise ItemRejected("Thang đánh giá chỉ có 3 hoặc 5 mức.")
    if value is None or (scale is not None and value not in SCALE_MAP[scale]):
        raise ItemRejected(f"Giá trị đánh giá phải thuộc thang {scale or 3} mức.")
    device_time = _parse_time(item.get("answered_at"))
    if device_time is None:
        raise ItemRejected("answered_at phải là thời điểm ISO 8601 có múi giờ.")
    offset_ms, offset_at = _int(item.get("clock_offset_ms")), _parse_time(item.get("clock_checked_at"))
    offset = timedelta(milliseconds=offset_ms) if offset_ms is not None else None
    if offset is not None and abs(offset) > MAX_OFFSET:
        offset = None
    comment = item.get("comment") or ""
    if not isinstance(comment, str) or len(comment) > COMMENT_MAX:
        raise ItemRejected(f"Ý kiến tối đa {COMMENT_MAX} ký tự.")
    aspects = item.get("aspects") or []
    if not isinstance(aspects, list) or any(not isinstance(a, str) or a not in ASPECTS for a in aspects):
        raise ItemRejected("Khía cạnh cần cải thiện không hợp lệ.")
    if not isinstance(item.get("dossier_code") or "", str):
        raise ItemRejected("Mã hồ sơ phải là chuỗi ký tự.")
    dossier = clean(item.get("dossier_code") or "")
    if len(dossier) > 64:
        raise ItemRejected("Mã hồ sơ tối đa 64 ký tự.")
    return KioskItem(client_id=client_id, value=value, device_time=device_time, scale=scale,
                     binding_id=_int(item.get("binding")), version_id=_int(item.get("question_version")),
                     counter_id=_int(item.get("counter_id")), officer_id=_int(item.get("officer_id")),
                     offset=offset, offset_at=offset_at if offset is not None else None, comment=comment,
                     aspects=list(aspects), dossier=dossier)


@dataclass(frozen=True)
class Judgement:
    """Where and when a valid item is stored."""

    binding: BindingView | None
    scale: int
    answered_at: datetime
    flags: tuple[str, ...]


def _binding_at(bindings: tuple[BindingView, ...], at: datetime) -> BindingView | None:
    for binding in sorted(bindings, key=lambda b: b.valid_from, reverse=True):
        if binding.valid_from <= at:
            return binding
    return None


def tap_time(item: KioskItem, now: datetime) -> tuple[datetime, bool]:
    """The server time of the tap and whether it can be trusted.

    The device time is converted with the offset the tablet measured at its last contact before the tap. It is
    trusted when it lands between that contact and now; an item without an offset (an old tablet) is trusted
    within five minutes ahead and a year back. An untrusted time is clamped into what is known for sure.
    """
    if item.offset is not None:
        try:
            at = item.device_time + item.offset
            lower = item.offset_at - CLOCK_SKEW if item.offset_at else now - MAX_AGE
        except OverflowError:  # a device time at the calendar's edge: nothing known, the arrival is the bound
            return now, False
    else:
        at, lower = item.device_time, now - MAX_AGE
    if lower <= at <= now + CLOCK_SKEW:
        return min(at, now), True
    return (item.offset_at if at < lower and item.offset_at else now), False


def judge(item: KioskItem, bindings: tuple[BindingView, ...], now: datetime) -> Judgement:
    """Decide by the binding the tablet showed at the tap: stored as the item says if the device was entitled.

    A binding that ended because the kiosk was re-bound or re-scaled still covers taps on the old screen
    (flagged "stale-screen"); one ended by revocation or a new pairing code covers nothing taken after it.
    """
    at, trusted = tap_time(item, now)
    flags = [] if trusted else [FLAG_CLOCK]
    if item.binding_id is not None:
        binding = next((b for b in bindings if b.id == item.binding_id), None)
        if binding is None:
            raise ItemRejected("Đánh giá mang cấu hình của một máy khác; máy này không được gửi thay.")
    else:  # a tablet from before self-describing items: the binding in force at the tap, else the current one
        binding = _binding_at(bindings, at) or next((b for b in bindings if b.valid_to is None), None)
    if binding is not None:
        if not trusted:  # give an unknown time the benefit of the doubt within the binding
            at = max(at, binding.valid_from)
            at = min(at, binding.valid_to) if binding.valid_to is not None else at
        # a time converted with a measured offset is exact to a round trip; a raw device time gets the skew
        grace = timedelta(0) if trusted and item.offset is not None else CLOCK_SKEW
        if binding.valid_to is not None and at > binding.valid_to + grace:
            if binding.end_reason != "changed":
                what = "bị thu hồi" if binding.end_reason == "revoked" else "được cấp mã ghép nối mới"
                raise ItemRejected(f"Đánh giá lúc {format_datetime(at)}, sau khi máy {what} "
                                   f"({format_datetime(binding.valid_to)}): máy không còn quyền gửi đánh giá này.")
            flags.append(FLAG_STALE)
        if item.scale is not None and item.scale != binding.scale:
            raise ItemRejected(f"Đánh giá trên thang {item.scale} mức nhưng máy lúc đó dùng thang "
                               f"{binding.scale} mức.")
        if (item.counter_id is not None and item.counter_id != binding.counter_id) or (
                item.officer_id is not None and item.officer_id != binding.officer_id):
            raise ItemRejected("Quầy hoặc cán bộ của đánh giá không khớp cấu hình máy lúc đánh giá.")
    scale = item.scale or (binding.scale if binding is not None else 3)
    if item.value not in SCALE_MAP[scale]:
        raise ItemRejected(f"Giá trị đánh giá phải thuộc thang {scale} mức.")
    return Judgement(binding=binding, scale=scale, answered_at=at, flags=tuple(flags))


def _answers(item: KioskItem, scale: int) -> ParsedAnswers:
    overall = SCALE_MAP[scale][item.value]
    answers = ParsedAnswers(values={"overall": [overall]})
    if item.aspects:
        answers.values["improve"] = sorted({ASPECTS[a] for a in item.aspects})
    if clean(item.comment):
        answers.texts["overall.why" if overall <= 2 else "comment"] = clean(item.comment)
    return answers


def _keep_rejection(kiosk_id: int, raw: dict, client_id: str, reason: str, now: datetime) -> None:
    """Remember a refused item for the staff page (its oversized fields cut)."""
    kept = {k: (v[:200] if isinstance(v, str) else v) for k, v in list(raw.items())[:20]
            if isinstance(v, (str, int, float, bool, type(None))) or (k == "aspects" and isinstance(v, list))}
    row = db.session.execute(select(KioskRejection).where(KioskRejection.kiosk_id == kiosk_id,
                                                          KioskRejection.client_id == client_id)
                             ).scalar_one_or_none()
    if row is None:
        db.session.add(KioskRejection(kiosk_id=kiosk_id, client_id=client_id, item=kept, reason=reason[:300],
                                      rejected_at=now, attempts=1))
    elif row.resolution is None:
        row.reason, row.rejected_at, row.attempts, row.item = reason[:300], now, row.attempts + 1, kept


def _capped(*window):
    """How many of the tablet's stored taps lie in ``window`` (from, to), counted in the database up to BURST_COUNT
    (the (kiosk, answered_at) index; enough to decide), so the work stays the same however many taps the tablet
    already sent in those minutes."""
    since, until = window
    return select(SurveyResponse.id).where(
        SurveyResponse.kiosk_id == bindparam("kiosk_id"), SurveyResponse.answered_at >= since,
        SurveyResponse.answered_at <= until).limit(literal_column(str(BURST_COUNT)))


def _known_and_refused(in_list):
    """The refusals this tablet already had for a batch's items and which of them are stored already; ``in_list``
    makes "column among the named parameter's values" (the backends differ)."""
    r, sr = KioskRejection, SurveyResponse
    return (
        select(literal_column("'refused'").label("kind"), r.client_id.label("client_id"),
               r.resolution.label("resolution"), cast(null(), Integer).label("tap"),
               cast(null(), Integer).label("taps"))
        .where(r.kiosk_id == bindparam("kiosk_id"), in_list(r.client_id, "client_ids")),
        select(literal_column("'known'"), sr.client_id, null(), null(), null()).where(in_list(sr.client_id, "keys")))


def _batch_facts_postgresql():
    """PostgreSQL: what a batch meets in the database, in one statement of a fixed text whatever the batch's size:
    the lists go as arrays and the taps as one array unnested, so the driver converts the text once and the server
    plans it once (a text per size, with a parameter per value, was converted anew by the driver on every batch)."""
    def listed(column, name):
        return column == any_(bindparam(name, type_=postgresql.ARRAY(column.type)))

    t = func.unnest(bindparam("ats", type_=postgresql.ARRAY(UTCDateTime))).table_valued(
        "at", with_ordinality="tap").render_derived().alias("t")
    taps = _capped(t.c.at - bindparam("window", type_=Interval), t.c.at).correlate(t).subquery()
    return union_all(*_known_and_refused(listed), select(
        literal_column("'taps'"), null(), null(), t.c.tap, select(func.count()).select_from(taps).correlate(t)
        .scalar_subquery()).select_from(t))


_BATCH_FACTS_POSTGRESQL = _batch_facts_postgresql()


@lru_cache(maxsize=MAX_BATCH + 1)
def _batch_facts_listed(n: int):
    """SQLite: the same facts for a batch of ``n`` judged taps, each tap's count a subquery of its own."""
    def count(i: int):
        taps = _capped(bindparam(f"since_{i}", type_=UTCDateTime), bindparam(f"at_{i}", type_=UTCDateTime)).subquery()
        return select(func.count()).select_from(taps).scalar_subquery()

    return union_all(*_known_and_refused(lambda column, name: column.in_(bindparam(name, expanding=True))),
                     *(select(literal_column("'taps'"), null(), null(), literal_column(str(i + 1)), count(i))
                       for i in range(n)))


def _batch_facts(tablet_id: int, client_ids: list[str], times: list[datetime]):
    """The statement and parameters of what a batch meets: its items' refusals, those stored, and the stored taps
    before each judged tap (numbered from 1, in ``times``' order)."""
    params = {"kiosk_id": tablet_id, "client_ids": client_ids, "keys": [f"k{tablet_id}:{c}" for c in client_ids]}
    if db.session.get_bind().dialect.name == "postgresql":
        return _BATCH_FACTS_POSTGRESQL, {**params, "ats": times, "window": BURST_WINDOW}
    return _batch_facts_listed(len(times)), {
        **params, **{f"since_{i}": at - BURST_WINDOW for i, at in enumerate(times)},
        **{f"at_{i}": at for i, at in enumerate(times)}}


@dataclass
class _Checked:
    """A batch's item after the checks that need no stored row: its shape (``item``), then the binding it names
    (``verdict``); ``error`` says why the first that failed did."""

    index: int
    raw: object
    client_id: str | None
    item: KioskItem | None = None
    verdict: Judgement | None = None
    error: str | None = None


@dataclass
class _Prepared:
    index: int
    item: KioskItem
    key: str
    verdict: Judgement
    version: VersionView
    stored_before: int


def _check(raw: object, index: int, bindings: tuple[BindingView, ...], now: datetime) -> _Checked:
    checked = _Checked(index, raw, client_id_of(raw))
    try:
        checked.item = validate_item(raw)
        checked.verdict = judge(checked.item, bindings, now)
    except ItemRejected as exc:
        checked.error = str(exc)
    return checked


def accept_batch(tablet: Device, items: list, queue_length: object = None) -> list[ItemResult]:
    """Store each valid rating once (idempotent on the tablet's id) as the tablet describes it, and the tablet's
    contact (``queue_length``: what stays waiting on it after this batch).

    Every item is validated and judged in Python first, then one query reads what the batch meets in the database
    (the tablet's refusals of its items, those stored already, the stored taps before each); the valid ones go in
    one multi-row INSERT … ON CONFLICT (client_id) DO NOTHING per questionnaire version. Invalid items are rejected
    one by one with a reason (and kept for staff); the rest of the batch is stored. A batch whose only write is
    its ratings is that one statement and the contact; one with refusals to keep or close, or with taps on two
    published versions (a version published while the tablet was offline), goes back to a transaction first
    (:func:`transactions.in_a_transaction`). A concurrent retry of the same batch that collides on another
    constraint surfaces as an IntegrityError: the caller rolls back and runs it again.
    """
    now = utcnow()
    bindings = tablet.bindings or _first_binding(tablet, now)
    checked = [_check(raw, index, bindings, now) for index, raw in enumerate(items)]
    judged = [c for c in checked if c.verdict is not None]
    client_ids = [c.client_id for c in checked if c.client_id]
    refused: dict[str, str | None] = {}
    known: set[str] = set()
    stored_before: dict[int, int] = {}
    if client_ids:
        statement, params = _batch_facts(tablet.id, client_ids, [c.verdict.answered_at for c in judged])
        for kind, client_id, resolution, tap, taps in db.session.connection().execute(statement, params):
            if kind == "refused":
                refused[client_id] = resolution
            elif kind == "known":
                known.add(client_id)
            else:
                stored_before[judged[int(tap) - 1].index] = int(taps)
    versions = {v.id: v for v in tablet.versions}
    current = max(tablet.versions, key=lambda v: v.number, default=None)
    results: list[ItemResult | None] = [None] * len(items)
    prepared: list[_Prepared] = []
    refusals: list[tuple[object, str, str]] = []
    for c in checked:
        if c.client_id is not None and refused.get(c.client_id, "") == "discarded":
            results[c.index] = ItemResult(c.client_id, "discarded")
            continue
        if c.item is not None:
            key = f"k{tablet.id}:{c.item.client_id}"
            if key in known:
                results[c.index] = ItemResult(c.client_id, "duplicate")
                continue
            known.add(key)
            if c.verdict is not None:
                prepared.append(_Prepared(c.index, c.item, key, c.verdict, versions.get(c.item.version_id) or current,
                                          stored_before[c.index]))
                continue
        results[c.index] = ItemResult(c.client_id, "rejected", c.error)
        if c.client_id is not None:
            refusals.append((c.raw, c.client_id, c.error))
    sent = [r.client_id for r in results if r is not None and r.status == "duplicate"] + [
        p.item.client_id for p in prepared]
    resolved = [c for c in sent if c in refused and refused[c] is None]
    if refusals or resolved or len({p.version.id for p in prepared}) > 1:
        transactions.in_a_transaction()  # several writes (one per version too): together or not at all
    for raw, client_id, reason in refusals:
        _keep_rejection(tablet.id, raw, client_id, reason, now)
    _store_all(tablet, prepared, results)
    if resolved:
        db.session.execute(update_rows(KioskRejection).where(
            KioskRejection.kiosk_id == tablet.id, KioskRejection.client_id.in_(resolved),
            KioskRejection.resolution.is_(None)).values(resolution="stored", resolved_at=now))
    touch(tablet.id, queue_length, sent_at=now if sent else None)
    return [r for r in results if r is not None]


def _first_binding(tablet: Device, now: datetime) -> tuple[BindingView, ...]:
    """The binding of a tablet paired before bindings were kept (none stored yet): started now, in a transaction."""
    if tablet.state != "active":
        return ()
    transactions.in_a_transaction()
    binding = sync_binding(db.session.get(Kiosk, tablet.id), now)
    return () if binding is None else (BindingView(
        binding.id, binding.unit_id, binding.centre_id, binding.counter_id, binding.officer_id, binding.scale,
        binding.valid_from, binding.valid_to, binding.end_reason),)


def _store_all(tablet: Device, prepared: list[_Prepared], results: list[ItemResult | None]) -> None:
    """Decide the flags that depend on stored rows (dossier already rated, bursts), then insert."""
    codes = {p.item.dossier for p in prepared if p.item.dossier}
    rated = set(db.session.execute(select(SurveyResponse.dossier_code).where(
        SurveyResponse.questionnaire_id.in_({p.version.questionnaire_id for p in prepared}),
        SurveyResponse.unit_id == tablet.unit_id, SurveyResponse.dossier_code.in_(codes))).scalars()) \
        if codes else set()
    by_version: dict[int, list[tuple[surveys.Submission, ParsedAnswers]]] = {}
    flags_of: dict[str, tuple[str, ...]] = {}
    for n, p in enumerate(prepared):
        flags = list(p.verdict.flags)
        dossier = p.item.dossier or None
        if dossier and dossier in rated:
            dossier = None  # the rating counts; the second claim on the dossier does not
            flags.append(FLAG_DOSSIER)
        elif dossier:
            rated.add(dossier)
        # a burst: BURST_COUNT others in the window before the tap, stored ones or the batch's taps before it
        at = p.verdict.answered_at
        earlier = sum(at - BURST_WINDOW <= q.verdict.answered_at <= at for q in prepared[:n])
        binding = p.verdict.binding
        source = surveys.Submission(
            unit_id=binding.unit_id if binding else tablet.unit_id,
            centre_id=binding.centre_id if binding else tablet.centre_id,
            counter_id=binding.counter_id if binding else tablet.counter_id,
            officer_id=binding.officer_id if binding else None, channel="kiosk", client_id=p.key,
            answered_at=at, dossier_code=dossier, kiosk_id=tablet.id,
            suspicious_reason="kiosk-burst" if p.stored_before + earlier >= BURST_COUNT else None,
            review_flags=",".join(flags) or None)
        by_version.setdefault(p.version.id, []).append((source, _answers(p.item, p.verdict.scale)))
        flags_of[p.key] = tuple(flags)
    inserted: set[str] = set()
    for p_version in {p.version.id: p.version for p in prepared}.values():
        inserted |= surveys.insert_many(p_version, by_version[p_version.id])
    for p in prepared:
        results[p.index] = ItemResult(p.item.client_id, "stored", flags=flags_of[p.key]) if p.key in inserted \
            else ItemResult(p.item.client_id, "duplicate")  # stored meanwhile by a concurrent retry
