"""Rate-limit counters shared by every web process (fixed windows, kept in the database)."""

from __future__ import annotations

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db


class RateCounter(db.Model):
    """Hits of one key in one fixed window."""

    __tablename__ = "rate_counters"

    #: e.g. "login:<username>" or "survey:<ip-hash>".
    key: Mapped[str] = mapped_column(String(160), primary_key=True)
    #: Window start as Unix seconds.
    window_start: Mapped[int] = mapped_column(Integer, primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
