"""Feedback cases (phản ánh, kiến nghị, góp ý, khiếu nại, tố cáo) from every channel, and their history.

A case's life is an append-only event log (who did what, when); the case row keeps the current state for
queries. What the citizen sent and when it arrived are never updated (a listener refuses it): corrections are
new events. Deadlines are computed in working days from rules kept as data.
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    event,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..timeutil import local_day, utcnow
from .types import UTCDateTime


class CaseChannel(StrEnum):
    WEB = "web"
    APP = "app"
    HOTLINE = "hotline"
    ZALO = "zalo"
    FACEBOOK = "facebook"
    EMAIL = "email"
    BOX = "box"
    RECEPTION = "reception"
    COLLECTION = "collection"

    @property
    def label(self) -> str:
        return CHANNEL_LABELS[self]


CHANNEL_LABELS = {
    CaseChannel.WEB: "Biểu mẫu trên web / mã QR",
    CaseChannel.APP: "Ứng dụng (API Open311)",
    CaseChannel.HOTLINE: "Đường dây nóng",
    CaseChannel.ZALO: "Zalo",
    CaseChannel.FACEBOOK: "Facebook",
    CaseChannel.EMAIL: "Thư điện tử",
    CaseChannel.BOX: "Hòm thư góp ý",
    CaseChannel.RECEPTION: "Tiếp công dân",
    CaseChannel.COLLECTION: "Thu thập hằng tuần (MTTQ, tổ dân phố)",
}
#: Channels a staff member enters on the citizen's behalf.
STAFF_CHANNELS = [c for c in CaseChannel if c not in (CaseChannel.WEB, CaseChannel.APP)]


class CaseKind(StrEnum):
    SUGGESTION = "gop_y"
    REPORT = "phan_anh"
    PETITION = "kien_nghi"
    COMPLAINT = "khieu_nai"
    DENUNCIATION = "to_cao"

    @property
    def label(self) -> str:
        return KIND_LABELS[self]


KIND_LABELS = {
    CaseKind.SUGGESTION: "Góp ý",
    CaseKind.REPORT: "Phản ánh",
    CaseKind.PETITION: "Kiến nghị",
    CaseKind.COMPLAINT: "Khiếu nại",
    CaseKind.DENUNCIATION: "Tố cáo",
}


class CaseState(StrEnum):
    NEW = "new"
    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress"
    ANSWERED = "answered"
    CLOSED = "closed"
    REJECTED = "rejected"
    MERGED = "merged"
    TRANSFERRED = "transferred"

    @property
    def label(self) -> str:
        return STATE_LABELS[self]

    @property
    def type(self) -> str:
        """open / answered / closed: the kind of state apart from its label (time-to-answer derives from it)."""
        if self in (CaseState.NEW, CaseState.ASSIGNED, CaseState.IN_PROGRESS):
            return "open"
        if self in (CaseState.ANSWERED, CaseState.CLOSED):
            return "answered"
        return "closed"


STATE_LABELS = {
    CaseState.NEW: "Mới tiếp nhận",
    CaseState.ASSIGNED: "Đã phân công",
    CaseState.IN_PROGRESS: "Đang xử lý",
    CaseState.ANSWERED: "Đã trả lời",
    CaseState.CLOSED: "Đã kết thúc",
    CaseState.REJECTED: "Không thụ lý",
    CaseState.MERGED: "Đã gộp",
    CaseState.TRANSFERRED: "Đã chuyển cơ quan khác",
}
OPEN_STATES = [s.value for s in CaseState if s.type == "open"]
_STATES = ", ".join(f"'{s.value}'" for s in CaseState)
_CHANNELS = ", ".join(f"'{c.value}'" for c in CaseChannel)
_KINDS = ", ".join(f"'{k.value}'" for k in CaseKind)


class CaseCategory(db.Model):
    """A subject (lĩnh vực) of feedback; also the Open311 service."""

    __tablename__ = "case_categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Open311 service_code.
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(String(300), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Case(db.Model):
    __tablename__ = "cases"
    __table_args__ = (
        CheckConstraint(f"state in ({_STATES})", name="state"),
        CheckConstraint(f"channel in ({_CHANNELS})", name="channel"),
        CheckConstraint(f"kind in ({_KINDS})", name="kind"),
        CheckConstraint("citizen_rating is null or citizen_rating between 1 and 3", name="rating"),
        Index("ix_cases_unit_received", "unit_id", "received_at"),
        Index("ix_cases_unit_state_due", "unit_id", "state", "due_at"),
        Index("ix_cases_received_day", "received_day"),
        #: the incremental refresh rewrites one commune's changed days
        Index("ix_cases_unit_day", "unit_id", "received_day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: What the citizen keeps to follow the case (also the Open311 service_request_id).
    tracking_code: Mapped[str] = mapped_column(String(16), unique=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("admin_units.id"), active_history=True)
    channel: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(16))
    category_id: Mapped[int] = mapped_column(ForeignKey("case_categories.id"))
    #: The citizen's words as received: never updated.
    content: Mapped[str] = mapped_column(Text)
    #: When it arrived: never updated (the deadline clock starts here).
    received_at = mapped_column(UTCDateTime, nullable=False)
    #: Its local day, for grouping in SQL.
    received_day = mapped_column(Date, nullable=False, active_history=True)
    #: Last change of any kind (the rollup refresh picks up changed cases by it).
    updated_at = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow, nullable=False, index=True)
    location: Mapped[str] = mapped_column(String(300), default="")
    lat: Mapped[float | None] = mapped_column()
    long: Mapped[float | None] = mapped_column()
    # -- personal data (registry key "personal_data"): optional, only with consent, masked in lists ----------
    citizen_name: Mapped[str | None] = mapped_column(String(120))
    citizen_phone: Mapped[str | None] = mapped_column(String(20))
    citizen_email: Mapped[str | None] = mapped_column(String(200))
    #: The sender's id on Zalo or Facebook when the case arrived as a message (answered on the same channel).
    platform_user_id: Mapped[str | None] = mapped_column(String(64))
    #: Consent to be contacted about this case (required when any contact is given).
    consent_contact: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Consent to receive notifications (SMS/email) about the progress.
    consent_notify: Mapped[bool] = mapped_column(Boolean, default=False)
    # -- handling -------------------------------------------------------------------------------------------------
    state: Mapped[str] = mapped_column(String(16), default=CaseState.NEW.value)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: Deadline as first computed (never changes) and as it stands after approved extensions.
    original_due_at = mapped_column(UTCDateTime, nullable=False)
    due_at = mapped_column(UTCDateTime, nullable=False)
    #: Deadline to transfer to the competent body when the commune is not competent.
    transfer_due_at = mapped_column(UTCDateTime)
    answered_at = mapped_column(UTCDateTime)
    closed_at = mapped_column(UTCDateTime)
    #: The public answer, written apart from internal notes; shown once published (scrubbed when saved).
    public_answer: Mapped[str | None] = mapped_column(Text)
    #: The public version of the citizen's text, edited by staff before publishing (the original stays in
    #: ``content``, for staff only). Null until staff confirm one; public pages then show the scrubbed original.
    public_content: Mapped[str | None] = mapped_column(Text)
    #: The citizen asked that the case not be published (the handling still counts in every figure).
    citizen_private: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    #: Staff marked the case confidential (e.g. it names a person): never shown on a public surface.
    confidential: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    published_at = mapped_column(UTCDateTime)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    transferred_to: Mapped[str | None] = mapped_column(String(200))
    #: The citizen's rating of the answer: 3 Rất hài lòng, 2 Hài lòng, 1 Không hài lòng.
    citizen_rating: Mapped[int | None] = mapped_column(Integer)
    citizen_rating_reason: Mapped[str | None] = mapped_column(String(500))
    rated_at = mapped_column(UTCDateTime)
    # -- provenance -----------------------------------------------------------------------------------------------
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    collection_session_id: Mapped[int | None] = mapped_column(ForeignKey("collection_sessions.id"))
    box_opening_id: Mapped[int | None] = mapped_column(ForeignKey("box_openings.id"))
    api_key_id: Mapped[int | None] = mapped_column(ForeignKey("api_keys.id"))
    #: Idempotency key of the submission (form render or API client), so a retry files nothing new.
    client_id: Mapped[str | None] = mapped_column(String(64), unique=True)

    unit = relationship("AdminUnit")
    category: Mapped[CaseCategory] = relationship()
    department = relationship("Department")
    assignee = relationship("User", foreign_keys=[assignee_id])
    #: The case this one was merged into (its answer is the shared answer).
    merged_into = relationship("Case", remote_side=[id], foreign_keys=[merged_into_id])
    events: Mapped[list[CaseEvent]] = relationship(back_populates="case", order_by="CaseEvent.id")
    attachments: Mapped[list[CaseAttachment]] = relationship(back_populates="case", order_by="CaseAttachment.id")

    @property
    def state_enum(self) -> CaseState:
        return CaseState(self.state)

    @property
    def kind_enum(self) -> CaseKind:
        return CaseKind(self.kind)

    @property
    def channel_enum(self) -> CaseChannel:
        return CaseChannel(self.channel)


IMMUTABLE_CASE_FIELDS = ("content", "received_at", "received_day", "original_due_at", "channel", "tracking_code",
                         "unit_id")


@event.listens_for(Case, "before_insert")
def _set_received_day(mapper, connection, target: Case) -> None:
    if target.received_day is None and target.received_at is not None:
        target.received_day = local_day(target.received_at)


@event.listens_for(Case, "before_update")
def _refuse_rewriting_the_record(mapper, connection, target: Case) -> None:
    state = db.inspect(target)
    for name in IMMUTABLE_CASE_FIELDS:
        if state.attrs[name].history.has_changes():
            raise ValueError(f"Case.{name} cannot be changed after receipt; add a correction event instead")


class CaseEvent(db.Model):
    """One step of a case's history. Never updated or deleted."""

    __tablename__ = "case_events"
    __table_args__ = (
        Index("ix_case_events_case", "case_id", "id"),
        #: a case's answer as it stood at a cutoff, and whether its deadline was extended: a few entries per case
        Index("ix_case_events_case_kind_at", "case_id", "kind", "at"),
        #: a case's last answer or reopening by a cutoff: one step back in this index, no sort of two ranges
        Index("ix_case_events_answers", "case_id", "at", "id",
              postgresql_where=text("kind IN ('answered', 'reopened')"),
              sqlite_where=text("kind IN ('answered', 'reopened')")),
        #: the few cases with an extended deadline, without reading the rest of the log
        Index("ix_case_events_extensions", "case_id", postgresql_where=text("kind = 'extension_approved'"),
              sqlite_where=text("kind = 'extension_approved'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    #: Staff member, or null for the citizen or the system.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: created, assigned, started, answered, published, closed, rejected, merged, transferred, extension_requested,
    #: extension_approved, extension_refused, reopened, note, correction, rated, contact_viewed, notified
    kind: Mapped[str] = mapped_column(String(32))
    from_state: Mapped[str | None] = mapped_column(String(16))
    to_state: Mapped[str | None] = mapped_column(String(16))
    #: Internal text (never public).
    note: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[dict] = mapped_column(JSON, default=dict)

    case: Mapped[Case] = relationship(back_populates="events")
    user = relationship("User")


class CaseAttachment(db.Model):
    """A photo sent with a case, kept in the database so every web host sees it."""

    __tablename__ = "case_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    uploaded_at = mapped_column(UTCDateTime, default=utcnow)

    case: Mapped[Case] = relationship(back_populates="attachments")


class CollectionSession(db.Model):
    """A weekly collection of feedback through MTTQ, a socio-political organisation or a tổ trưởng.

    Zero items is a valid session: the mechanism met.
    """

    __tablename__ = "collection_sessions"
    __table_args__ = (Index("ix_collection_sessions_unit_held", "unit_id", "held_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("admin_units.id"))
    held_on = mapped_column(Date, nullable=False)
    #: e.g. "Ủy ban MTTQ", "Hội Phụ nữ", "Tổ trưởng tổ dân phố".
    organisation: Mapped[str] = mapped_column(String(120))
    collector: Mapped[str] = mapped_column(String(120))
    neighbourhood: Mapped[str] = mapped_column(String(120), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at = mapped_column(UTCDateTime, default=utcnow)

    cases: Mapped[list[Case]] = relationship(foreign_keys="Case.collection_session_id")


class SuggestionBox(db.Model):
    """A suggestion box (hòm thư góp ý) at the UBND seat or a tổ dân phố's community house."""

    __tablename__ = "suggestion_boxes"
    __table_args__ = (CheckConstraint("location_kind in ('ubnd', 'to_dan_pho')", name="location_kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("admin_units.id"), index=True)
    location_kind: Mapped[str] = mapped_column(String(16))
    location_name: Mapped[str] = mapped_column(String(200))
    installed_on = mapped_column(Date, nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    unit = relationship("AdminUnit")


class BoxOpening(db.Model):
    """One opening of a suggestion box; its items become cases with channel ``box``."""

    __tablename__ = "box_openings"

    id: Mapped[int] = mapped_column(primary_key=True)
    box_id: Mapped[int] = mapped_column(ForeignKey("suggestion_boxes.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("admin_units.id"))
    opened_on = mapped_column(Date, nullable=False)
    opened_by: Mapped[str] = mapped_column(String(200))
    items_count: Mapped[int] = mapped_column(Integer, default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    box: Mapped[SuggestionBox] = relationship()


#: the channels a duty roster covers
DUTY_SHIFT_CHANNELS = ("hotline", "zalo", "facebook")


class DutyShift(db.Model):
    """Who is on duty for the hotline, Zalo or Facebook on a day (Tiêu chí 1.2 evidence)."""

    __tablename__ = "duty_shifts"
    __table_args__ = (
        UniqueConstraint("unit_id", "day", "channel", "user_id"),
        CheckConstraint(f"channel in ({', '.join(repr(c) for c in DUTY_SHIFT_CHANNELS)})", name="channel"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("admin_units.id"), index=True)
    day = mapped_column(Date, nullable=False)
    channel: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    user = relationship("User")


class ApiKey(db.Model):
    """A key an app uses to file cases through Open311; only its hash is stored."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("admin_units.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    prefix: Mapped[str] = mapped_column(String(8))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at = mapped_column(UTCDateTime, default=utcnow)
    last_used_at = mapped_column(UTCDateTime)


class DeadlineRule(db.Model):
    """How many (working) days a step may take for a kind of case, while a text is in force (effective-dated
    data in the legal registry, ``survey_app.services.legal``): a change of law adds rows, never edits history."""

    __tablename__ = "deadline_rules"
    __table_args__ = (UniqueConstraint("kind", "step", "valid_from"),
                      CheckConstraint("valid_to is null or valid_to >= valid_from", name="valid_period"))

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    #: "answer" (the case's deadline), "transfer" (to the competent body), "extension" (most extra days).
    step: Mapped[str] = mapped_column(String(16))
    days: Mapped[int] = mapped_column(Integer)
    working_days: Mapped[bool] = mapped_column(Boolean, default=True)
    #: The legal basis (text and article), shown to staff.
    basis: Mapped[str] = mapped_column(String(200), default="")
    #: First day the rule applies (judged by the date the case was received).
    valid_from = mapped_column(Date, nullable=False)
    #: Last day the rule applies (empty: still in force).
    valid_to = mapped_column(Date)
    #: Where the figure was checked (a publication, the project's domain notes).
    source: Mapped[str] = mapped_column(String(300), default="")
    #: False where the current text could not be confirmed: the figure is kept and staff are told.
    confirmed: Mapped[bool] = mapped_column(Boolean, default=True)
    note: Mapped[str] = mapped_column(Text, default="")


class CalendarDay(db.Model):
    """An administrator's correction to the holiday calendar: an extra day off, or a Saturday worked."""

    __tablename__ = "calendar_days"

    id: Mapped[int] = mapped_column(primary_key=True)
    day = mapped_column(Date, unique=True, nullable=False)
    working: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str] = mapped_column(String(200), default="")


class Notification(db.Model):
    """The outbox: messages to citizens (and alerts to staff), sent by the senders of
    :mod:`survey_app.services.senders`. A row is claimed (status ``sending``) by one conditional UPDATE before it
    is sent, so two workers never send it twice; a temporary failure is retried with backoff, a permanent one
    (or too many attempts) ends in ``failed`` with the reason, shown to staff."""

    __tablename__ = "notifications"
    __table_args__ = (
        CheckConstraint("status in ('pending', 'sending', 'sent', 'failed')", name="status"),
        Index("ix_notifications_status_next", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The case it is about (citizen messages); null for a staff alert's e-mail.
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    #: The commune whose name the message carries and whose staff see its failure.
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("admin_units.id"), index=True)
    #: email, sms or zalo.
    medium: Mapped[str] = mapped_column(String(8))
    recipient: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(String(200), default="")
    body: Mapped[str] = mapped_column(Text)
    created_at = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(8), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    #: Not tried again before this moment (backoff after a temporary failure).
    next_attempt_at = mapped_column(UTCDateTime, default=utcnow)
    #: host:pid of the worker sending it, and when it claimed it.
    claimed_by: Mapped[str | None] = mapped_column(String(120))
    claimed_at = mapped_column(UTCDateTime)
    sent_at = mapped_column(UTCDateTime)
    failed_at = mapped_column(UTCDateTime)
    #: The last error (Vietnamese for a permanent failure, the gateway's words otherwise).
    error: Mapped[str | None] = mapped_column(String(300))
