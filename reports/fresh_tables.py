"""Where a full rebuild writes the daily rollups: on PostgreSQL into fresh tables swapped in at the end, elsewhere
into the emptied tables themselves.

Deleting every row of a rollup and inserting it again kept the table's primary key and indexes up to date row by
row (2,8 million rows of a city's year into ``rollup_responses``: 27 s, of which the SELECT was 10), and left the
deleted half behind for VACUUM. On PostgreSQL the rebuild instead writes each table's rows into a new table with
the same columns and defaults and no index (``CREATE TABLE … (LIKE …)``), builds the model's primary key and
indexes on it in one sorted pass each (the same table: 11 + 3 s), then, in the same transaction, drops the old
table and gives the new one its name, its sequence, its primary key and its indexes' names. Readers keep reading
the old rows while the new ones are written and indexed; they wait only from the swap to the commit (the
statistics, a few seconds; the monthly tables are written before the swap too, from the fresh daily ones),
where a rebuild in place with its indexes dropped would have held them for all of it. What the swap recreates is
what the models declare (columns, defaults, primary key, indexes, the sequence's owner): the rollups have no
foreign keys, grants or triggers of their own, and a test compares the swapped tables with the models.
"""

from __future__ import annotations

from sqlalchemy import MetaData, Table, delete, text
from sqlalchemy.orm import Session

SUFFIX = "__rebuild"


class FreshTables:
    """``into(table)`` is where a rebuild inserts ``table``'s rows; ``swap()`` makes them the table's."""

    def __init__(self, session: Session, tables: list[Table]) -> None:
        self.session = session
        self.tables = tables
        self.swapping = session.get_bind().dialect.name == "postgresql"
        self._targets: dict[str, Table] = {}
        for table in tables:
            if not self.swapping:
                session.execute(delete(table))
                continue
            shadow = table.name + SUFFIX
            session.execute(text(f'DROP TABLE IF EXISTS "{shadow}"'))
            session.execute(text(f'CREATE TABLE "{shadow}" (LIKE "{table.name}" INCLUDING DEFAULTS '
                                 "INCLUDING CONSTRAINTS)"))
            self._targets[table.name] = table.to_metadata(MetaData(), name=shadow)

    def into(self, table) -> Table:
        """The table a rebuild's INSERT writes (a model, its Table, or already a target)."""
        table = getattr(table, "__table__", table)
        return self._targets.get(table.name, table)

    def swap(self) -> None:
        """Put each fresh table in the old one's place, with the model's primary key and indexes. The indexes are
        built on the fresh tables first, while readers still use the old ones; the swap itself only drops, renames
        and re-owns, so readers wait for milliseconds of it (and for the rest of the rebuild's transaction)."""
        if not self.swapping:
            return
        connection = self.session.connection()
        for table in self.tables:
            shadow = self._targets[table.name].name
            key = ", ".join(f'"{column.name}"' for column in table.primary_key.columns)
            connection.execute(text(f'CREATE UNIQUE INDEX "{_temporary(table.name + "_pkey")}" ON "{shadow}" ({key})'))
            for index in sorted(table.indexes, key=lambda i: i.name):
                columns = ", ".join(f'"{column.name}"' for column in index.columns)
                unique = "UNIQUE " if index.unique else ""
                connection.execute(text(f'CREATE {unique}INDEX "{_temporary(index.name)}" ON "{shadow}" ({columns})'))
        for table in self.tables:
            name, shadow = table.name, self._targets[table.name].name
            primary = connection.execute(text(  # the live name, as the migrations made it
                "SELECT conname FROM pg_constraint WHERE conrelid = CAST(:table AS regclass) AND contype = 'p'"),
                {"table": name}).scalar()
            sequences = {}
            for column in table.primary_key.columns:
                sequence = connection.execute(text("SELECT pg_get_serial_sequence(:table, :column)"),
                                              {"table": name, "column": column.name}).scalar()
                if sequence:  # owned by the old column, it would be dropped with the old table
                    sequences[column.name] = sequence
                    connection.execute(text(f"ALTER SEQUENCE {sequence} OWNED BY NONE"))
            connection.execute(text(f'DROP TABLE "{name}"'))
            connection.execute(text(f'ALTER TABLE "{shadow}" RENAME TO "{name}"'))
            for column, sequence in sequences.items():
                connection.execute(text(f'ALTER SEQUENCE {sequence} OWNED BY "{name}"."{column}"'))
            connection.execute(text(f'ALTER TABLE "{name}" ADD CONSTRAINT "{primary or name + "_pkey"}" '
                                    f'PRIMARY KEY USING INDEX "{_temporary(name + "_pkey")}"'))
            for index in table.indexes:
                connection.execute(text(f'ALTER INDEX "{_temporary(index.name)}" RENAME TO "{index.name}"'))
        self._targets.clear()


def _temporary(name: str) -> str:
    """The name an index has on the fresh table until the swap."""
    return name + SUFFIX
