"""Column types shared by the models."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Date, DateTime, Table, TypeDecorator
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from ..timeutil import as_utc


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC datetime on every backend (SQLite stores naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        return None if value is None else as_utc(value)

    def process_result_value(self, value: datetime | None, dialect):
        return None if value is None else as_utc(value)


class local_date(FunctionElement):  # noqa: N801 (an SQL function, named like one)
    """SQL: the local (Asia/Ho_Chi_Minh) calendar day of a :class:`UTCDateTime` column, e.g. the day a dossier was
    settled, counted in the database instead of row by row in Python. Vietnam keeps UTC+7 all year (no daylight
    saving since 1975), so SQLite's fixed offset gives the same day as PostgreSQL's time zone."""

    type = Date()
    name = "local_date"
    inherit_cache = True


@compiles(local_date, "postgresql")
def _local_date_postgresql(element, compiler, **kw):
    return f"CAST(({compiler.process(element.clauses, **kw)} AT TIME ZONE 'Asia/Ho_Chi_Minh') AS DATE)"


@compiles(local_date, "sqlite")
def _local_date_sqlite(element, compiler, **kw):
    return f"date({compiler.process(element.clauses, **kw)}, '+7 hours')"


def insert_on_conflict(table: Table, dialect_name: str):
    """``INSERT`` into ``table`` with the ``ON CONFLICT`` clauses of the database at hand (PostgreSQL, else SQLite:
    the two spell them alike, SQLAlchemy keeps one construct per dialect)."""
    return (postgresql if dialect_name == "postgresql" else sqlite).insert(table)
