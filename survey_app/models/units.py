"""Administrative units and what belongs to each commune: service centres, counters, officers, departments.

Every commune-owned row carries ``unit_id``. Counters and officers also point at their centre through a
composite key (centre id, unit id), so the database itself refuses a counter whose centre lies in another
commune: tenancy cannot be forged by a wrong id.
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    ForeignKeyConstraint,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..timeutil import utcnow
from .types import UTCDateTime


class UnitKind(StrEnum):
    CITY = "thanh_pho"
    WARD = "phuong"
    COMMUNE = "xa"
    SPECIAL_ZONE = "dac_khu"

    @property
    def label(self) -> str:
        return UNIT_KIND_LABELS[self]


UNIT_KIND_LABELS = {
    UnitKind.CITY: "Thành phố",
    UnitKind.WARD: "Phường",
    UnitKind.COMMUNE: "Xã",
    UnitKind.SPECIAL_ZONE: "Đặc khu",
}


class AdminUnit(db.Model):
    """The city or one of its commune-level units (xã, phường, đặc khu)."""

    __tablename__ = "admin_units"
    __table_args__ = (
        CheckConstraint("kind in ('thanh_pho', 'phuong', 'xa', 'dac_khu')", name="kind"),
        CheckConstraint("(kind = 'thanh_pho') = (parent_id is null)", name="city_has_no_parent"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Stable code used in URLs, imports and Open311 ``jurisdiction_id``.
    code: Mapped[str] = mapped_column(String(32), unique=True)
    #: The official code of the unit (mã đơn vị hành chính, e.g. "11311"), printed on the city's documents;
    #: empty until the city's list is imported with it (the demo's ``code`` values are slugs, not official codes).
    official_code: Mapped[str | None] = mapped_column(String(16), unique=True, index=True)
    #: Name without the kind prefix, e.g. "Bạch Đằng".
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(16))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("admin_units.id"))
    #: Population entered by staff (finite-population correction of survey samples).
    population: Mapped[int | None] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at = mapped_column(UTCDateTime, default=utcnow)

    parent: Mapped[AdminUnit | None] = relationship(remote_side=[id])

    @property
    def kind_label(self) -> str:
        return UnitKind(self.kind).label

    @property
    def full_name(self) -> str:
        return self.full_name_of(self.kind, self.name)

    @staticmethod
    def full_name_of(kind: str, name: str) -> str:
        """"Phường Bạch Đằng": the kind's label and the name (for a unit read as columns, not loaded)."""
        return f"{UnitKind(kind).label} {name}"

    @property
    def is_city(self) -> bool:
        return self.kind == UnitKind.CITY


class ServiceCentre(db.Model):
    """A reception point (Trung tâm Phục vụ hành chính công or a branch of it)."""

    __tablename__ = "service_centres"
    __table_args__ = (UniqueConstraint("id", "unit_id"), UniqueConstraint("unit_id", "name"))

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("admin_units.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(300), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at = mapped_column(UTCDateTime, default=utcnow)

    unit: Mapped[AdminUnit] = relationship()
    counters: Mapped[list[Counter]] = relationship(
        back_populates="centre", order_by="Counter.number", overlaps="unit"
    )


class Counter(db.Model):
    """A counter (quầy) at a centre."""

    __tablename__ = "counters"
    __table_args__ = (
        ForeignKeyConstraint(["centre_id", "unit_id"], ["service_centres.id", "service_centres.unit_id"]),
        UniqueConstraint("id", "unit_id"),
        UniqueConstraint("centre_id", "number"),
        CheckConstraint("number > 0", name="number_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("admin_units.id"), index=True)
    centre_id: Mapped[int] = mapped_column(index=True)
    number: Mapped[int] = mapped_column(Integer)
    #: Fields served at this counter, e.g. "Tư pháp - Hộ tịch".
    label: Mapped[str] = mapped_column(String(200), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    centre: Mapped[ServiceCentre] = relationship(back_populates="counters", overlaps="unit")
    unit: Mapped[AdminUnit] = relationship(overlaps="centre,counters")

    @property
    def display_name(self) -> str:
        return f"Quầy số {self.number}" + (f" – {self.label}" if self.label else "")


class Officer(db.Model):
    """A civil servant who receives citizens, usually at one counter."""

    __tablename__ = "officers"
    __table_args__ = (
        ForeignKeyConstraint(["counter_id", "unit_id"], ["counters.id", "counters.unit_id"]),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("admin_units.id"), index=True)
    counter_id: Mapped[int | None] = mapped_column(index=True)
    full_name: Mapped[str] = mapped_column(String(120))
    title: Mapped[str] = mapped_column(String(120), default="")
    #: Photo shown on kiosks (kept in the database so every host serves it).
    photo: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    photo_type: Mapped[str | None] = mapped_column(String(32))
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    counter: Mapped[Counter | None] = relationship(overlaps="unit")
    unit: Mapped[AdminUnit] = relationship(overlaps="counter")


class Department(db.Model):
    """A department (phòng ban) of the commune that handles feedback."""

    __tablename__ = "departments"
    __table_args__ = (UniqueConstraint("unit_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("admin_units.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(200), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    unit: Mapped[AdminUnit] = relationship()
