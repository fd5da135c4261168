"""The case workflow: intake from every channel, transitions recorded as events, working-day deadlines.

Operations flush but never commit. Each raises :class:`CaseError` with a Vietnamese message on refusal.
"""

from __future__ import annotations

import hashlib
import io
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from PIL import Image, UnidentifiedImageError
from sqlalchemy import func, select

from ..extensions import db
from ..labels import label
from ..models import (
    AnswerTemplate,
    Case,
    CaseAttachment,
    CaseCategory,
    CaseChannel,
    CaseEvent,
    CaseKind,
    CaseState,
    Department,
    Role,
    User,
)
from ..text import clean, scrub
from ..timeutil import utcnow
from . import legal, notify, workdays

CONTENT_MAX = 5000
PHOTO_MAX_BYTES = 5 * 1024 * 1024
PHOTO_MAX_COUNT = 3
PHOTO_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
PHONE_RE = re.compile(r"^(\+?84|0)\d{8,10}$")
EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,180}\.[A-Za-z]{2,}$")
FORMAL_KINDS = (CaseKind.REPORT, CaseKind.PETITION, CaseKind.COMPLAINT, CaseKind.DENUNCIATION)
LEADER_ROLES = (Role.CITY_ADMIN, Role.COMMUNE_ADMIN)

class CaseError(ValueError):
    #: the message is Vietnamese, for the person (an unhandled one with a 5xx status is shown as it is, not as a 500)
    vi = True

    def __init__(self, message: str, status: int = 400, field: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.field = field


@dataclass
class Photo:
    filename: str
    data: bytes


@dataclass
class CaseInput:
    """What arrives, from any channel. Text is cleaned here; nothing about the citizen is required for góp ý."""

    unit_id: int
    channel: str
    kind: str
    category_id: int | None
    content: str
    received_at: datetime | None = None
    location: str = ""
    lat: float | None = None
    long: float | None = None
    name: str = ""
    phone: str = ""
    email: str = ""
    consent_contact: bool = False
    consent_notify: bool = False
    #: The citizen asks that the case never be published.
    private: bool = False
    client_id: str | None = None
    created_by: User | None = None
    collection_session_id: int | None = None
    box_opening_id: int | None = None
    api_key_id: int | None = None
    photos: list[Photo] = field(default_factory=list)


def validate(ci: CaseInput) -> dict[str, str]:
    """Field → Vietnamese message for everything wrong with the input (empty when it can be filed)."""
    errors: dict[str, str] = {}
    ci.content, ci.location = clean(ci.content), clean(ci.location)[:300]
    ci.name, ci.phone, ci.email = clean(ci.name), clean(ci.phone).replace(" ", "").replace(".", ""), clean(ci.email)
    if not ci.content:
        errors["content"] = "Vui lòng nhập nội dung phản ánh, kiến nghị."
    elif len(ci.content) > CONTENT_MAX:
        errors["content"] = f"Nội dung quá dài ({len(ci.content)} ký tự, tối đa {CONTENT_MAX})."
    if ci.kind not in {k.value for k in CaseKind}:
        errors["kind"] = "Loại phản ánh không hợp lệ."
    if ci.channel not in {c.value for c in CaseChannel}:
        errors["channel"] = "Kênh tiếp nhận không hợp lệ."
    if ci.category_id is None or db.session.get(CaseCategory, ci.category_id) is None:
        errors["category_id"] = "Vui lòng chọn lĩnh vực."
    if len(ci.name) > 120:
        errors["name"] = "Họ tên dài quá 120 ký tự."
    if ci.phone and not PHONE_RE.match(ci.phone):
        errors["phone"] = "Số điện thoại không hợp lệ (ví dụ 0912345678)."
    if ci.email and not EMAIL_RE.match(ci.email):
        errors["email"] = "Địa chỉ thư điện tử không hợp lệ."
    has_contact = bool(ci.phone or ci.email)
    if (ci.name or has_contact) and not ci.consent_contact:
        errors["consent_contact"] = ("Ông/Bà đã ghi thông tin liên hệ: vui lòng đánh dấu đồng ý để UBND dùng thông tin "
                                     "này trả lời, hoặc xóa thông tin đi để gửi ẩn danh.")
    if ci.consent_notify and not has_contact:
        errors["consent_notify"] = "Muốn nhận thông báo, vui lòng ghi số điện thoại hoặc thư điện tử."
    if ci.kind in {k.value for k in FORMAL_KINDS} and not (ci.name and has_contact):
        errors["kind"] = ("Phản ánh, kiến nghị chính thức cần họ tên và số điện thoại hoặc thư điện tử. "
                          "Nếu muốn gửi ẩn danh, hãy chọn loại “Góp ý”.")
    if ci.lat is not None and not -90 <= ci.lat <= 90 or ci.long is not None and not -180 <= ci.long <= 180:
        errors["location"] = "Tọa độ không hợp lệ."
    if len(ci.photos) > PHOTO_MAX_COUNT:
        errors["photos"] = f"Tối đa {PHOTO_MAX_COUNT} ảnh."
    for photo in ci.photos:
        problem = _photo_problem(photo)
        if problem:
            errors["photos"] = problem
            break
    if ci.received_at is not None and ci.received_at > utcnow() + timedelta(minutes=5):
        errors["received_at"] = "Thời điểm tiếp nhận không thể ở tương lai."
    return errors


def _photo_problem(photo: Photo) -> str | None:
    if len(photo.data) > PHOTO_MAX_BYTES:
        return f"Ảnh “{clean(photo.filename)[:60]}” lớn hơn 5 MB."
    try:
        with Image.open(io.BytesIO(photo.data)) as image:
            image.verify()
            kind = image.format
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        return f"Tệp “{clean(photo.filename)[:60]}” không phải ảnh JPEG, PNG hoặc WebP."
    if kind not in PHOTO_TYPES:
        return f"Tệp “{clean(photo.filename)[:60]}” không phải ảnh JPEG, PNG hoặc WebP."
    return None


def rule_days(kind: str, step: str, received_at: datetime | None = None) -> tuple[int, bool]:
    """(days, working days?) of the rule in force on the day the case was received (the legal registry)."""
    on = workdays.to_local(received_at).date() if received_at else None
    row = legal.deadline_rule_nearest(kind, step, on)
    if row is None:  # the registry lost its rows: no deadline is invented in code
        raise CaseError(f"Danh mục văn bản chưa có thời hạn {STEP_WORDS.get(step, step)} cho loại "
                        f"“{label(kind, 'case_kind')}”; quản trị thành phố cần bổ sung tại trang Văn bản pháp lý "
                        "trước khi tiếp nhận.", 503)
    return row.days, row.working_days


#: the steps of the registry's deadline rules, in words
STEP_WORDS = {"answer": "trả lời", "transfer": "chuyển xử lý", "extension": "gia hạn"}


def _tracking_code() -> str:
    while True:
        code = "PA" + "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
        if db.session.execute(select(Case.id).where(Case.tracking_code == code)).first() is None:
            return code


def find_by_client_id(client_id: str) -> Case | None:
    return db.session.execute(select(Case).where(Case.client_id == client_id)).scalar_one_or_none()


def file_case(ci: CaseInput) -> tuple[Case, bool]:
    """Create a case (or return the one a retried submission already created)."""
    if ci.client_id:
        existing = find_by_client_id(ci.client_id)
        if existing is not None:
            return existing, False
    errors = validate(ci)
    if errors:
        field_name, message = next(iter(errors.items()))
        raise CaseError(message, 400, field_name)
    received_at = ci.received_at or utcnow()
    answer_days, answer_working = rule_days(ci.kind, "answer", received_at)
    transfer_days, transfer_working = rule_days(ci.kind, "transfer", received_at)
    due = workdays.deadline(received_at, answer_days, answer_working)
    case = Case(
        tracking_code=_tracking_code(), unit_id=ci.unit_id, channel=ci.channel, kind=ci.kind,
        category_id=ci.category_id, content=ci.content, received_at=received_at, location=ci.location,
        lat=ci.lat, long=ci.long, citizen_name=ci.name or None, citizen_phone=ci.phone or None,
        citizen_email=ci.email or None, consent_contact=ci.consent_contact, consent_notify=ci.consent_notify,
        citizen_private=ci.private, state=CaseState.NEW.value, original_due_at=due, due_at=due,
        transfer_due_at=workdays.deadline(received_at, transfer_days, transfer_working),
        created_by_id=ci.created_by.id if ci.created_by else None, collection_session_id=ci.collection_session_id,
        box_opening_id=ci.box_opening_id, api_key_id=ci.api_key_id, client_id=ci.client_id,
    )
    for photo in ci.photos:
        case.attachments.append(CaseAttachment(
            filename=clean(photo.filename)[:200] or "anh", content_type=_content_type(photo.data),
            size=len(photo.data), sha256=hashlib.sha256(photo.data).hexdigest(), data=photo.data))
    db.session.add(case)
    db.session.flush()
    _event(case, ci.created_by, "created", None, CaseState.NEW, detail={
        "channel": ci.channel, "due_at": due.isoformat(), "answer_days": answer_days})
    notify.on_received(case)
    return case, True


def _content_type(data: bytes) -> str:
    with Image.open(io.BytesIO(data)) as image:
        return PHOTO_TYPES[image.format]


def _event(case: Case, actor: User | None, kind: str, from_state: CaseState | None, to_state: CaseState | None,
           note: str | None = None, detail: dict | None = None) -> CaseEvent:
    event = CaseEvent(case_id=case.id, user_id=actor.id if actor else None, kind=kind,
                      from_state=from_state.value if from_state else None,
                      to_state=to_state.value if to_state else None, note=note, detail=detail or {})
    db.session.add(event)
    return event


def _move(case: Case, actor: User | None, kind: str, allowed: tuple[CaseState, ...], to: CaseState,
          note: str | None = None, detail: dict | None = None) -> None:
    current = case.state_enum
    if current not in allowed:
        raise CaseError(f"Không thể thực hiện khi phản ánh đang ở trạng thái “{current.label}”.", 409)
    case.state = to.value
    now = utcnow()
    if to.type == "closed" or to == CaseState.CLOSED:
        case.closed_at = now
    _event(case, actor, kind, current, to, note, detail)


OPEN = (CaseState.NEW, CaseState.ASSIGNED, CaseState.IN_PROGRESS)


def assign(actor: User, case: Case, department_id: int | None, assignee_id: int | None, note: str = "") -> None:
    if department_id is not None:
        department = db.session.get(Department, department_id)
        if department is None or department.unit_id != case.unit_id:
            raise CaseError("Phòng ban không thuộc đơn vị này.", 400, "department_id")
    if assignee_id is not None:
        assignee = db.session.get(User, assignee_id)
        if assignee is None or assignee.unit_id != case.unit_id or not assignee.can_write:
            raise CaseError("Cán bộ được giao không thuộc đơn vị này.", 400, "assignee_id")
    if department_id is None and assignee_id is None:
        raise CaseError("Vui lòng chọn phòng ban hoặc cán bộ xử lý.", 400, "department_id")
    case.department_id, case.assignee_id = department_id, assignee_id
    target = case.state_enum if case.state_enum == CaseState.IN_PROGRESS else CaseState.ASSIGNED
    _move(case, actor, "assigned", OPEN, target, clean(note) or None,
          {"department_id": department_id, "assignee_id": assignee_id})


def start(actor: User, case: Case) -> None:
    _move(case, actor, "started", (CaseState.NEW, CaseState.ASSIGNED), CaseState.IN_PROGRESS)


def answer(actor: User, case: Case, public_answer: str, publish_now: bool, note: str = "",
           template_id: int | None = None) -> None:
    """Record the answer to the citizen (public text kept apart from internal notes).

    :param template_id: the answer template staff started from, kept in the event when it is one of the
        commune's (how much the templates are used); the text is scrubbed the same either way.
    """
    text = clean(public_answer)
    if not text:
        raise CaseError("Vui lòng nhập nội dung trả lời công khai.", 400, "public_answer")
    if len(text) > CONTENT_MAX:
        raise CaseError(f"Nội dung trả lời quá dài (tối đa {CONTENT_MAX} ký tự).", 400, "public_answer")
    detail: dict = {"late": utcnow() > case.due_at}
    template = db.session.get(AnswerTemplate, template_id) if template_id else None
    if template is not None and template.unit_id == case.unit_id:
        detail["template_id"] = template.id
    _move(case, actor, "answered", OPEN, CaseState.ANSWERED, clean(note) or None, detail)
    case.public_answer = scrub(text)
    case.answered_at = utcnow()
    if publish_now:
        publish(actor, case)


def publish(actor: User, case: Case) -> None:
    if case.state_enum not in (CaseState.ANSWERED, CaseState.CLOSED) or not case.public_answer:
        raise CaseError("Chỉ công khai được phản ánh đã có câu trả lời.", 409)
    if case.published_at is not None:
        return
    detail = {}
    if case.public_content is None:  # staff published the preview the case page showed: the scrubbed original
        case.public_content = scrub(case.content)
        detail["public_content"] = "auto"
    case.published_at = utcnow()
    _event(case, actor, "published", case.state_enum, case.state_enum, detail=detail)
    notify.on_published(case)
    for merged in merged_cases(case):  # their citizens get the shared answer
        notify.on_published(merged)


def close(actor: User, case: Case) -> None:
    _move(case, actor, "closed", (CaseState.ANSWERED,), CaseState.CLOSED)


def reject(actor: User, case: Case, reason: str) -> None:
    reason = clean(reason)
    if not reason:
        raise CaseError("Vui lòng ghi lý do không thụ lý.", 400, "reason")
    _move(case, actor, "rejected", OPEN, CaseState.REJECTED, reason)
    case.public_answer = scrub(f"Không thụ lý: {reason}")


def merge(actor: User, case: Case, into: Case) -> None:
    """Merge ``case`` into ``into`` (or the case ``into`` was itself merged into).

    The citizen keeps their tracking code and is given the shared answer: at once if it is already published,
    else when it is. Cases earlier merged into ``case`` follow it, so every group has one root.
    """
    root = shared_case(into)
    if root.id == case.id or root.unit_id != case.unit_id:
        raise CaseError("Chỉ gộp được vào một phản ánh khác của cùng đơn vị.", 400, "into")
    _move(case, actor, "merged", OPEN, CaseState.MERGED, detail={"into": root.tracking_code})
    case.merged_into_id = root.id
    for child in merged_cases(case):
        child.merged_into_id = root.id
    _event(root, actor, "merge_received", root.state_enum, root.state_enum, detail={"from": case.tracking_code})
    if root.published_at is not None:
        notify.on_published(case)


def shared_case(case: Case) -> Case:
    """The case whose answer applies to ``case``: itself, or the root of the group it was merged into."""
    seen = {case.id}
    while case.merged_into_id is not None and case.merged_into_id not in seen:
        seen.add(case.merged_into_id)
        case = db.session.get(Case, case.merged_into_id)
    return case


def merged_cases(case: Case) -> list[Case]:
    """The cases merged into ``case`` (each keeps its own tracking code)."""
    return list(db.session.execute(select(Case).where(Case.merged_into_id == case.id).order_by(Case.id)).scalars())


def merged_counts(case_ids: list[int]) -> dict[int, int]:
    """case id → how many cases were merged into it: the "và N phản ánh tương tự" of public lists."""
    if not case_ids:
        return {}
    rows = db.session.execute(select(Case.merged_into_id, func.count()).where(Case.merged_into_id.in_(case_ids))
                              .group_by(Case.merged_into_id))
    return {row[0]: row[1] for row in rows}


def transfer(actor: User, case: Case, to: str, reason: str) -> None:
    to, reason = clean(to)[:200], clean(reason)
    if not to:
        raise CaseError("Vui lòng ghi cơ quan, đơn vị nhận chuyển.", 400, "to")
    _move(case, actor, "transferred", OPEN, CaseState.TRANSFERRED, reason or None,
          {"to": to, "late": utcnow() > (case.transfer_due_at or case.due_at)})
    case.transferred_to = to
    case.public_answer = scrub(f"Đã chuyển đến {to} theo thẩm quyền." + (f" {reason}" if reason else ""))


def pending_extension(case: Case) -> CaseEvent | None:
    for event in reversed(case.events):
        if event.kind == "extension_requested":
            return event
        if event.kind in ("extension_approved", "extension_refused"):
            return None
    return None


def request_extension(actor: User, case: Case, days: int, reason: str) -> None:
    limit, working = rule_days(case.kind, "extension", case.received_at)
    if case.state_enum not in OPEN:
        raise CaseError("Chỉ gia hạn được phản ánh đang xử lý.", 409)
    if not 1 <= days <= limit:
        raise CaseError(f"Số ngày gia hạn từ 1 đến {limit}.", 400, "days")
    if not clean(reason):
        raise CaseError("Vui lòng ghi lý do gia hạn.", 400, "reason")
    if pending_extension(case) is not None:
        raise CaseError("Đã có đề nghị gia hạn đang chờ lãnh đạo duyệt.", 409)
    _event(case, actor, "extension_requested", case.state_enum, case.state_enum, clean(reason),
           {"days": days, "working_days": working})


def decide_extension(actor: User, case: Case, approve: bool) -> None:
    """A leader (commune or city administrator) approves or refuses the pending extension."""
    if actor.role_enum not in LEADER_ROLES:
        raise CaseError("Chỉ lãnh đạo (quản trị đơn vị) được duyệt gia hạn.", 403)
    pending = pending_extension(case)
    if pending is None:
        raise CaseError("Không có đề nghị gia hạn nào đang chờ.", 409)
    if not approve:
        _event(case, actor, "extension_refused", case.state_enum, case.state_enum)
        return
    old = case.due_at
    days, working = pending.detail["days"], pending.detail.get("working_days", True)
    base = workdays.to_local(old).date()
    new_day = workdays.add_working_days(base, days) if working else base + timedelta(days=days)
    case.due_at = workdays.end_of_local_day(new_day)
    _event(case, actor, "extension_approved", case.state_enum, case.state_enum,
           detail={"old_due_at": old.isoformat(), "new_due_at": case.due_at.isoformat(), "days": days})


def reopen(actor: User, case: Case, reason: str) -> None:
    if not clean(reason):
        raise CaseError("Vui lòng ghi lý do mở lại.", 400, "reason")
    _move(case, actor, "reopened", (CaseState.ANSWERED, CaseState.CLOSED, CaseState.REJECTED), CaseState.IN_PROGRESS,
          clean(reason))
    case.answered_at = None
    case.closed_at = None


def add_note(actor: User, case: Case, note: str, correction: bool = False) -> None:
    note = clean(note)
    if not note:
        raise CaseError("Vui lòng nhập nội dung ghi chú.", 400, "note")
    _event(case, actor, "correction" if correction else "note", case.state_enum, case.state_enum, note[:CONTENT_MAX])


def view_contact(actor: User, case: Case) -> None:
    """Viewing the citizen's full contact details is logged in the case history."""
    _event(case, actor, "contact_viewed", case.state_enum, case.state_enum)


RATINGS = {3: "Rất hài lòng", 2: "Hài lòng", 1: "Không hài lòng"}
DISSATISFIED = 1


def rate(case: Case, rating: int, reason: str = "") -> None:
    """The citizen rates the published answer, once."""
    if case.published_at is None:
        raise CaseError("Chỉ đánh giá được khi đã có câu trả lời công khai.", 409)
    if case.citizen_rating is not None:
        raise CaseError("Phản ánh này đã được đánh giá.", 409)
    if rating not in RATINGS:
        raise CaseError("Mức đánh giá không hợp lệ.", 400, "rating")
    case.citizen_rating, case.citizen_rating_reason, case.rated_at = rating, clean(reason)[:500] or None, utcnow()
    _event(case, None, "rated", case.state_enum, case.state_enum, detail={"rating": rating})
    if rating == DISSATISFIED and case.state_enum in (CaseState.ANSWERED, CaseState.CLOSED):
        # back to whoever answered it, with the citizen's words (the answer stays answered until it is answered again)
        _move(case, None, "review_requested", (CaseState.ANSWERED, CaseState.CLOSED), CaseState.IN_PROGRESS,
              case.citizen_rating_reason)
        case.closed_at = None


def needs_review(case: Case) -> bool:
    """"Cần xem lại": the citizen was not satisfied with the answer and the case is open again."""
    return case.citizen_rating == DISSATISFIED and case.state_enum.type == "open"


def days_overdue(case: Case, now: datetime | None = None) -> int:
    """Whole days past the deadline of an open case (0 when not overdue)."""
    if not overdue(case, now):
        return 0
    return max(1, ((now or utcnow()) - case.due_at).days)


def close_many(actor: User, cases: list[Case]) -> tuple[list[Case], list[Case]]:
    """Close every answered case of the list; return (closed, left as they were)."""
    closed = [c for c in cases if c.state_enum == CaseState.ANSWERED]
    for c in closed:
        close(actor, c)
    return closed, [c for c in cases if c not in closed]


def assign_many(actor: User, cases: list[Case], department_id: int | None, assignee_id: int | None
                ) -> tuple[list[Case], list[tuple[Case, str]]]:
    """Assign each open case; a case of another commune than the department or officer is left with the reason."""
    done, left = [], []
    for c in cases:
        try:
            assign(actor, c, department_id, assignee_id)  # checks everything before it changes anything
            done.append(c)
        except CaseError as exc:
            left.append((c, str(exc)))
    return done, left


def set_public_content(actor: User, case: Case, text: str, reason: str) -> None:
    """Staff confirm the public version of the citizen's text (moderation before publishing).

    Personal data is scrubbed again whatever staff typed; the original ``content`` is never touched. Any change
    beyond the automatic scrubbing needs a reason, and every confirmation is logged with it.
    """
    text, reason = scrub(clean(text)), clean(reason)
    if not text:
        raise CaseError("Bản công khai không được để trống (có thể đánh dấu “Không công khai” nếu cần).", 400,
                        "public_content")
    if len(text) > CONTENT_MAX:
        raise CaseError(f"Bản công khai quá dài (tối đa {CONTENT_MAX} ký tự).", 400, "public_content")
    automatic = scrub(case.content)
    if text != automatic and not reason:
        raise CaseError("Vui lòng ghi lý do chỉnh sửa bản công khai.", 400, "reason")
    before = case.public_content
    case.public_content = text
    _event(case, actor, "public_text_edited", case.state_enum, case.state_enum, reason or None,
           {"edited": text != automatic, "changed": before != text, "length": len(text)})


def set_confidential(actor: User, case: Case, confidential: bool, reason: str) -> None:
    """Staff mark a case confidential (never public) or lift the mark; the reason is logged."""
    reason = clean(reason)
    if not reason:
        raise CaseError("Vui lòng ghi lý do.", 400, "reason")
    case.confidential = confidential
    _event(case, actor, "confidential" if confidential else "confidential_lifted", case.state_enum,
           case.state_enum, reason)


def overdue(case: Case, now: datetime | None = None) -> bool:
    return case.state_enum.type == "open" and (now or utcnow()) > case.due_at


def answered_late(case: Case) -> bool:
    return case.answered_at is not None and case.answered_at > case.due_at


def file_items(items: list[str], *, unit_id: int, channel: str, category_id: int | None, location: str,
               received_at: datetime, created_by: User, client_prefix: str, **links) -> None:
    """File each line brought by a weekly collection session or a box opening as a góp ý case.

    :param client_prefix: makes each line's idempotency key (``<prefix>:<index>``).
    :param links: ``collection_session_id`` or ``box_opening_id``.
    :raises CaseError: naming the line (1-based) that cannot be filed.
    """
    for index, item in enumerate(items):
        try:
            file_case(CaseInput(unit_id=unit_id, channel=channel, kind=CaseKind.SUGGESTION.value,
                                category_id=category_id, content=item, location=location, received_at=received_at,
                                created_by=created_by, client_id=f"{client_prefix}:{index}", **links))
        except CaseError as exc:
            raise CaseError(f"thứ {index + 1}: {exc}", exc.status, exc.field) from exc
