"""The legal registry's citations: every legal text shown to users (pages, documents, letters), effective-dated.

A change of law is a migration that adds a row (and closes the previous one with ``valid_to``); history is kept.
The deadline rules for cases are the registry's other half (``DeadlineRule``, same validity columns).
"""

from __future__ import annotations

from sqlalchemy import Boolean, CheckConstraint, Date, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db


class LegalCitation(db.Model):
    """A legal text as cited to users, under a stable key (``one_stop``, ``apology_form``, ``personal_data``…)."""

    __tablename__ = "legal_citations"
    __table_args__ = (UniqueConstraint("key", "valid_from"),
                      CheckConstraint("valid_to is null or valid_to >= valid_from", name="valid_period"))

    id: Mapped[int] = mapped_column(primary_key=True)
    #: What the citation is for, e.g. "one_stop" (the one-stop regime), "apology_form" (the letter's form).
    key: Mapped[str] = mapped_column(String(40), index=True)
    #: The citation as printed (Vietnamese).
    text: Mapped[str] = mapped_column(String(400))
    #: First day in force.
    valid_from = mapped_column(Date, nullable=False)
    #: Last day in force (empty: still in force).
    valid_to = mapped_column(Date)
    #: Where it was checked.
    source: Mapped[str] = mapped_column(String(300), default="")
    #: False where the text or its date could not be confirmed: kept, and shown as unconfirmed to staff.
    confirmed: Mapped[bool] = mapped_column(Boolean, default=True)
    note: Mapped[str] = mapped_column(Text, default="")
