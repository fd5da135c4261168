"""A commune's message channels (Zalo Official Account, Facebook Page) and the messages they delivered.

Secrets are stored encrypted (``services.secretbox``) and never shown again after entry. Each delivered
message is kept once, keyed by the platform's own message id, so a redelivery files nothing new.
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..timeutil import utcnow
from .types import UTCDateTime


class Platform(StrEnum):
    ZALO = "zalo"
    FACEBOOK = "facebook"

    @property
    def label(self) -> str:
        return PLATFORM_LABELS[self]


PLATFORM_LABELS = {Platform.ZALO: "Zalo Official Account", Platform.FACEBOOK: "Trang Facebook"}


class ChannelAccount(db.Model):
    """A commune's Zalo OA or Facebook Page connected to the inbox (one per commune and platform)."""

    __tablename__ = "channel_accounts"
    __table_args__ = (
        UniqueConstraint("unit_id", "platform"),
        CheckConstraint("platform in ('zalo', 'facebook')", name="platform"),
        CheckConstraint("follow_up_hours between 0 and 720", name="follow_up_hours"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("admin_units.id"), index=True)
    platform: Mapped[str] = mapped_column(String(16))
    #: The OA id (Zalo) or Page id (Facebook): the recipient of citizens' messages.
    external_id: Mapped[str] = mapped_column(String(64), default="")
    #: The platform app's id (not secret; Zalo signs with it).
    app_id: Mapped[str] = mapped_column(String(64), default="")
    #: Encrypted: Zalo's OA secret key, or the Facebook app secret (signature keys).
    secret_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    #: Encrypted: the verify token of Facebook's subscription handshake.
    verify_token_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    #: Encrypted: the access token for answering through the channel (OA / Page access token); optional.
    access_token_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    #: Messages from the same sender within this many hours of the last one join the same open case.
    follow_up_hours: Mapped[int] = mapped_column(Integer, default=24)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    unit = relationship("AdminUnit")

    @property
    def platform_enum(self) -> Platform:
        return Platform(self.platform)

    @property
    def can_reply(self) -> bool:
        return self.active and self.access_token_enc is not None


class InboundMessage(db.Model):
    """One citizen message delivered by a platform, and the case it became or joined."""

    __tablename__ = "inbound_messages"
    __table_args__ = (
        #: The platform's message id: a redelivery (retry, replay) is refused by the database itself.
        UniqueConstraint("platform", "message_id"),
        Index("ix_inbound_messages_sender", "account_id", "sender_id", "received_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("channel_accounts.id"))
    platform: Mapped[str] = mapped_column(String(16))
    message_id: Mapped[str] = mapped_column(String(128))
    #: The sender's id on the platform (scoped to the OA / Page): the citizen's contact on this channel.
    sender_id: Mapped[str] = mapped_column(String(64))
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    #: True for the message that opened the case, false for a follow-up that joined it.
    opened_case: Mapped[bool] = mapped_column(Boolean, default=True)
    received_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)

    account: Mapped[ChannelAccount] = relationship()
