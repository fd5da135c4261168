"""Writing many generated rows fast: COPY on PostgreSQL (hundreds of thousands of rows a second), batched
executemany elsewhere. Only the data generator uses this; the application writes through the ORM."""

from __future__ import annotations

from sqlalchemy import insert, text
from sqlalchemy.orm import Session

BATCH = 2000


def is_postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def insert_rows(session: Session, model, rows: list[dict]) -> None:
    """Insert dicts (all with the same keys) into the model's table."""
    if not rows:
        return
    if is_postgresql(session):
        table = model.__table__
        columns = list(rows[0])
        raw = session.connection().connection.dbapi_connection
        with raw.cursor() as cursor, cursor.copy(
                f'COPY {table.name} ({", ".join(columns)}) FROM STDIN') as copy:  # noqa: S608 (our own names)
            for row in rows:
                copy.write_row(tuple(row[c] for c in columns))
        return
    for start in range(0, len(rows), BATCH):
        session.execute(insert(model), rows[start:start + BATCH])


def reserve_ids(session: Session, model, count: int) -> list[int] | None:
    """Ids taken from the table's sequence ahead of a COPY (PostgreSQL); None where ids come from RETURNING."""
    if not is_postgresql(session) or count == 0:
        return None
    return list(session.execute(
        text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :n)"),
        {"table": model.__tablename__, "n": count}).scalars())
