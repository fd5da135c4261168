"""Staff accounts and their roles."""

from __future__ import annotations

import secrets
from enum import StrEnum

from flask_login import UserMixin
from sqlalchemy import Boolean, CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db
from ..timeutil import utcnow
from .types import UTCDateTime
from .units import AdminUnit


class Role(StrEnum):
    CITY_ADMIN = "city_admin"
    CITY_APPRAISER = "city_appraiser"
    COMMUNE_ADMIN = "commune_admin"
    COMMUNE_STAFF = "commune_staff"
    VIEWER = "viewer"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]

    @property
    def city_wide(self) -> bool:
        return self in (Role.CITY_ADMIN, Role.CITY_APPRAISER)


ROLE_LABELS = {
    Role.CITY_ADMIN: "Quản trị thành phố",
    Role.CITY_APPRAISER: "Thẩm định thành phố (chỉ xem)",
    Role.COMMUNE_ADMIN: "Quản trị xã/phường",
    Role.COMMUNE_STAFF: "Cán bộ xã/phường",
    Role.VIEWER: "Chỉ xem",
}

_ROLE_VALUES = ", ".join(f"'{r.value}'" for r in Role)


def new_session_token() -> str:
    return secrets.token_urlsafe(16)


class User(UserMixin, db.Model):
    """A staff member. City-wide roles have no commune; every other role has exactly one."""

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(f"role in ({_ROLE_VALUES})", name="role"),
        CheckConstraint(
            "(role in ('city_admin', 'city_appraiser')) = (unit_id is null)", name="scope_matches_role"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Login name, stored lower-case.
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(120))
    #: Where staff alerts are e-mailed (optional; the in-app list always has them).
    email: Mapped[str | None] = mapped_column(String(200))
    #: scrypt hash from werkzeug (memory-hard KDF).
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(20))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("admin_units.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: Part of the session id: changing it (password change, deactivation) logs out every session.
    session_token: Mapped[str] = mapped_column(String(32), default=new_session_token)
    created_at = mapped_column(UTCDateTime, default=utcnow)
    last_login_at = mapped_column(UTCDateTime)
    password_changed_at = mapped_column(UTCDateTime)

    unit: Mapped[AdminUnit | None] = relationship()

    # -- flask-login -------------------------------------------------------------------------
    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    @property
    def is_active(self) -> bool:
        return bool(self.active)

    # -- passwords ---------------------------------------------------------------------------
    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password, method="scrypt")
        self.password_changed_at = utcnow()
        self.session_token = new_session_token()

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    # -- roles -------------------------------------------------------------------------------
    @property
    def role_enum(self) -> Role:
        return Role(self.role)

    @property
    def city_wide(self) -> bool:
        return self.role_enum.city_wide

    @property
    def can_write(self) -> bool:
        """May change commune data (cases, entries). Appraisers and viewers only read."""
        return self.role in (Role.CITY_ADMIN, Role.COMMUNE_ADMIN, Role.COMMUNE_STAFF)

    @property
    def can_administer(self) -> bool:
        """May manage centres, counters, officers, departments and users."""
        return self.role in (Role.CITY_ADMIN, Role.COMMUNE_ADMIN)
