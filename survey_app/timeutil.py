"""Time in Hai Phong: everything is stored in UTC and cut or shown in Asia/Ho_Chi_Minh."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def utcnow() -> datetime:
    """Aware UTC now; pass the function (not its result) as a column default."""
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """Treat naive datetimes (as SQLite returns them) as UTC."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def to_local(value: datetime) -> datetime:
    return as_utc(value).astimezone(LOCAL_TZ)


def local_day(value: datetime) -> date:
    """The Hai Phong calendar day of an instant."""
    return to_local(value).date()


def local_today() -> date:
    return datetime.now(LOCAL_TZ).date()


def parse_date(value: str | None) -> date | None:
    """A day typed as dd/mm/yyyy (or yyyy-mm-dd, dd-mm-yyyy), any time after it ignored; None when unreadable."""
    from .text import clean

    text = clean(value).split(" ")[0]
    for fmt in ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def format_date(value: date | datetime | None) -> str:
    """dd/mm/yyyy in local time."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = to_local(value)
    return value.strftime("%d/%m/%Y")


def format_datetime(value: datetime | None) -> str:
    """HH:MM dd/mm/yyyy in local time, the order Vietnamese documents use."""
    if value is None:
        return ""
    return to_local(value).strftime("%H:%M %d/%m/%Y")
