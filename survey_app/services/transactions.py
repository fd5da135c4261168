"""When a request's statements need a transaction around them, and when they do not.

On PostgreSQL a BEGIN and a COMMIT (or ROLLBACK) are two round trips each request pays, a cost to the web process
and the server under load. A request whose reads are plain queries and whose write is one statement (atomic as any
single statement) lets each statement commit alone; a request that turns out to need several writes goes back to a
transaction before its first write. SQLite's transactions cost no round trip: nothing changes there.
"""

from __future__ import annotations

from ..extensions import db


def statements_commit_alone() -> None:
    """On PostgreSQL, let this request's statements commit on their own (call before its first statement)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})


def in_a_transaction() -> None:
    """Before a write of several statements: a session whose statements commit alone is closed, so the next
    statement opens a transaction on a fresh checkout. ORM objects read before are read again (the session
    forgets them); plain rows read before stay as they were read."""
    if db.session.connection().get_execution_options().get("isolation_level") == "AUTOCOMMIT":
        db.session.close()
